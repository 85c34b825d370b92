// Nothing is lost: every payload the pipeline refuses is kept with its reason.
import { col } from '../adapters/store';

/** Raw bodies are kept up to this size (a Firestore document holds at most 1 MiB). */
export const RAW_CAP_BYTES = 256 * 1024;

export interface RejectedInput {
  id?: string;
  source: string | null;
  reason: string;
  details?: unknown[];
  raw: string;
  via: 'http' | 'pubsub';
  messageId?: string;
  status?: number;
  now: Date;
}

export function capRaw(raw: string): { raw: string; rawBytes: number; truncated: boolean } {
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes <= RAW_CAP_BYTES) return { raw, rawBytes: bytes, truncated: false };
  // Cut on a character boundary.
  const cut = Buffer.from(raw, 'utf8').subarray(0, RAW_CAP_BYTES).toString('utf8').replace(/\uFFFD$/, '');
  return { raw: cut, rawBytes: bytes, truncated: true };
}

/** Stores the rejected payload in `rejectedAlerts` and returns its id. */
export async function storeRejected(r: RejectedInput): Promise<string> {
  const ref = r.id ? col.rejectedAlerts().doc(r.id) : col.rejectedAlerts().doc();
  await ref.set({
    source: r.source,
    reason: r.reason,
    details: r.details ?? [],
    receivedAt: r.now,
    via: r.via,
    ...(r.messageId ? { messageId: r.messageId } : {}),
    ...(r.status ? { status: r.status } : {}),
    ...capRaw(r.raw),
  });
  return ref.id;
}
