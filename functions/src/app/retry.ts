// Bounded in-process retries for transient failures. The Functions emulator
// acknowledges a Pub/Sub message whose invocation failed and never redelivers
// it, so local durability cannot rest on `retry: true` alone.

const TRANSIENT_GRPC = new Set([4, 8, 10, 13, 14]); // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE

// INVALID_ARGUMENT that only says the transaction is gone: Firestore's answer
// for an expired transaction, and the Firestore emulator's when it drops a
// transaction that waited on another's lock. The SDK does not retry it; the
// whole transaction can be run again (ours are idempotent).
const LOST_TRANSACTION = /Transaction is invalid or closed|transaction has expired/i;

export function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (code === 3) return LOST_TRANSACTION.test(String((e as { details?: unknown }).details ?? (e as Error)?.message));
  if (typeof code === 'number') return TRANSIENT_GRPC.has(code);
  if (typeof code === 'string') return /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|aborted|unavailable|deadline-exceeded)$/i.test(code);
  return /ECONNRESET|socket hang up|ETIMEDOUT|EPIPE/i.test(String((e as Error)?.message));
}

/**
 * Runs `fn` again, up to `attempts` times in all, while it fails with an error
 * `retryOn` accepts (by default a transient one), after a jittered exponential
 * back-off from `baseDelayMs` (0: at once).
 */
export async function withRetries<T>(
  fn: () => Promise<T>,
  opts: { attempts?: number; baseDelayMs?: number; retryOn?: (e: unknown) => boolean } = {},
): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const base = opts.baseDelayMs ?? 200;
  const retryOn = opts.retryOn ?? isTransient;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts || !retryOn(e)) throw e;
      if (base > 0) await new Promise((r) => setTimeout(r, base * 2 ** (i - 1) * (0.5 + Math.random())));
    }
  }
}

/** ALREADY_EXISTS: a create() (tx.create) found the document already there. */
const ALREADY_EXISTS = 6;

/**
 * Runs a transaction again, at once, when a document it meant to create was
 * created by someone else first (ingest: another message opened the group).
 * The next run reads what the winner wrote and joins it.
 */
export function rerunIfAlreadyExists<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  return withRetries(run, { attempts, baseDelayMs: 0, retryOn: (e) => (e as { code?: unknown }).code === ALREADY_EXISTS });
}

/**
 * A write with a precondition on a document read without holding it (the
 * storm breaker's state) lost to a concurrent writer: nothing was committed,
 * and the work runs again from the start. ABORTED, so a caller that runs out
 * of reruns hands it to the ordinary transient retries.
 */
export class WriteRaced extends Error {
  readonly code = 10;
  readonly raced = true;
  constructor(what: string) {
    super(`10 ABORTED: ${what} changed since it was read; run again`);
    this.name = 'WriteRaced';
  }
}

/**
 * rerunIfAlreadyExists, and also after a WriteRaced: a storm's new groups all
 * write the breaker's one document, so many may lose a round (each round one
 * wins). A short jitter spreads the reruns out.
 */
export async function rerunIfRaced<T>(run: () => Promise<T>, attempts = 40): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const raced = (e as { raced?: unknown }).raced === true;
      if (i >= attempts || (code !== ALREADY_EXISTS && !raced)) throw e;
      if (raced) await new Promise((r) => setTimeout(r, 5 + Math.random() * 35));
    }
  }
}

/**
 * Firestore refused a write for what it is (INVALID_ARGUMENT other than a lost
 * transaction, FAILED_PRECONDITION, OUT_OF_RANGE, PERMISSION_DENIED...): a
 * retry would fail the same way. A contention (ABORTED) or a race for a new
 * document (ALREADY_EXISTS, run again at once) is not a refusal.
 */
export function isStorageRefusal(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' && code !== ALREADY_EXISTS && !isTransient(e) && [3, 7, 9, 11, 12].includes(code);
}
