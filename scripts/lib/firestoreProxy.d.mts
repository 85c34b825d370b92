// Types for firestoreProxy.mjs (plain JS: the bench runs it without a build).
import type { Root } from 'protobufjs';

export interface CollectionCounts { writes: number; reads: number; missing: number }
export interface RpcRecord {
  method: string;
  status: number;
  writes: number;
  deletes: number;
  attemptedWrites: number;
  reads: number;
  billedReads: number;
  missing: number;
  documents: number;
  collections: Record<string, CollectionCounts>;
  undecoded: number;
  caller?: string;
  at?: number;
}
export interface Summary {
  rpcs: number;
  writes: number;
  deletes: number;
  attemptedWrites: number;
  reads: number;
  billedReads: number;
  missing: number;
  failedRpcs: number;
  byCaller: Record<string, { rpcs: Record<string, number>; writes: number; reads: number; billedReads: number; collections: Record<string, CollectionCounts> }>;
}
export interface FirestoreProxy {
  hosts: Record<string, string>;
  records: RpcRecord[];
  errors: string[];
  activity(): { open: number; lastAt: number; rpcs: number; errors: number };
  between(from: number, to: number): RpcRecord[];
  setDecoding(on: boolean): void;
  close(): Promise<void>;
}

export function firestoreProtos(): Root;
export class GrpcFrameParser {
  push(chunk: Buffer): { compressed: boolean; payload: Buffer }[];
  readonly pending: number;
}
export function grpcFrame(payload: Uint8Array, compressed?: boolean): Buffer;
export function collectionOf(name: string): string;
export class RpcTally {
  constructor(method: string);
  request(msg: unknown): void;
  response(msg: unknown): void;
  finish(status: number): RpcRecord;
}
export function summarize(records: RpcRecord[]): Summary;
export function startFirestoreProxy(opts: { upstream: string; callers?: string[]; host?: string; basePort?: number; onRecord?: (r: RpcRecord) => void }): Promise<FirestoreProxy>;
