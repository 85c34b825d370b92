// Nothing is lost: every payload the pipeline refuses is kept with its reason,
// for a while. Raw bodies can hold personal data (a Sentry event's user, a
// request's headers): only admins read them (firestore.rules), and each one
// carries `expireAt`, which a Firestore TTL policy on rejectedAlerts.expireAt
// uses to delete it (README "Deploy").
import { col } from '../adapters/store';

/** Raw bodies are kept up to this size (a Firestore document holds at most 1 MiB). */
export const RAW_CAP_BYTES = 256 * 1024;

/** How long a refused payload is kept before the TTL policy deletes it. */
export const REJECTED_RETENTION_DAYS = 30;

/** When a payload refused at `receivedAt` expires. */
export const rejectedExpiry = (receivedAt: Date) => new Date(receivedAt.getTime() + REJECTED_RETENTION_DAYS * 86_400_000);

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
    expireAt: rejectedExpiry(r.now),
    via: r.via,
    ...(r.messageId ? { messageId: r.messageId } : {}),
    ...(r.status ? { status: r.status } : {}),
    ...capRaw(r.raw),
  });
  return ref.id;
}
