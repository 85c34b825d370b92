// Types for benchCost.mjs (plain JS: the bench runs it without a build).
import type { FirestoreProxy, Summary } from './firestoreProxy.mjs';
import type { InvocationLog } from './functionsLog.mjs';

export interface Window { from: number; to: number; ms: number; invocations: { total: number; byFunction: Record<string, number> }; firestore: Summary }
export interface Counts {
  ms: number;
  invocations: number;
  byFunction: Record<string, number>;
  writes: number;
  deletes: number;
  attemptedWrites: number;
  reads: number;
  billedReads: number;
  missing: number;
  rpcs: number;
  failedRpcs: number;
  byCaller: Summary['byCaller'];
}
export type PerUnit = Omit<Counts, 'ms' | 'byCaller'> & { byCaller: Record<string, { writes: number; reads: number; billedReads: number; rpcs: Record<string, number>; collections: Record<string, { writes: number; reads: number; missing: number }> }> };

export const PRICES: {
  seen: string;
  firestore: { edition: string; readsPer100k: number; writesPer100k: number; deletesPer100k: number; freeTier: string; source: string };
  functions: { product: string; invocationsPerMillion: number; freeTier: string; source: string };
};
export function windowCounts(log: InvocationLog, proxy: Pick<FirestoreProxy, 'between'>, from: number, to: number): Window;
export function lessBaseline(w: Window, baseline: Window | null): Counts;
export function addCounts(list: Counts[]): Counts;
export function perUnit(c: Counts, n: number): PerUnit;
export function breakdownLines(p: PerUnit): string[];
export function breakdownFigure(p: PerUnit): { invocations: Record<string, number>; firestore: Record<string, { writes: number; reads: number; rpcs: Record<string, number> }> };
export function costOf(p: PerUnit, alerts?: number): { reads: number; writes: number; deletes: number; invocations: number; firestoreUsd: number; functionsUsd: number; totalUsd: number };
