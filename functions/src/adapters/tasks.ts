// Cloud Tasks (task queue functions): delayed, deduplicated, retried work.
// The Functions emulator runs a Cloud Tasks emulator, so this works locally too.
import { adminApp } from './firebase';

const REGION = 'us-central1';

function isAlreadyExists(e: unknown): boolean {
  const code = (e as { code?: string; errorInfo?: { code?: string } }).code ?? (e as { errorInfo?: { code?: string } }).errorInfo?.code;
  return code === 'functions/task-already-exists' || /already exists/i.test(String((e as Error).message));
}

/**
 * Enqueues `data` for the task queue function `fn`. `id` deduplicates: a second
 * enqueue with the same id is a no-op (returns false). The due time travels in
 * the task (`dueAt`) so the handler can check it with `untilDue`.
 */
export async function enqueueTask(fn: string, data: Record<string, unknown>, opts: { id: string; at?: Date }): Promise<boolean> {
  if (opts.at) data = { ...data, dueAt: opts.at.getTime() };
  const { getFunctions } = require('firebase-admin/functions') as typeof import('firebase-admin/functions');
  const queue = getFunctions(adminApp()).taskQueue(`locations/${REGION}/functions/${fn}`);
  try {
    await queue.enqueue(data, { id: opts.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 480), ...(opts.at ? { scheduleTime: opts.at } : {}) });
    return true;
  } catch (e) {
    if (isAlreadyExists(e)) return false;
    throw e;
  }
}

/** Thrown by a task dispatched well before its time: the queue's retry brings it back later. */
export class TaskNotDue extends Error {
  constructor(readonly dueAt: number) {
    super(`task dispatched ${Math.round((dueAt - Date.now()) / 1000)} s before it is due; the queue will retry it`);
    this.name = 'TaskNotDue';
  }
}

/**
 * Cloud Tasks dispatches a task at its scheduleTime; the Cloud Tasks emulator
 * ignores scheduleTime and dispatches at once (and, while a task waits for a
 * retry, spins its dispatch loop without pause, starving a small machine).
 * So a task that arrives early waits out the rest in the function: on the
 * emulator always (up to 10 minutes), in production only the last 2 seconds,
 * and otherwise throws TaskNotDue so the queue retries it. Production never
 * dispatches early, so this never pauses there.
 */
export async function untilDue(dueAt: unknown, maxWaitMs = process.env.FUNCTIONS_EMULATOR === 'true' ? 600_000 : 2000): Promise<void> {
  if (typeof dueAt !== 'number') return;
  const early = dueAt - Date.now();
  if (early <= 0) return;
  if (early > maxWaitMs) throw new TaskNotDue(dueAt);
  await new Promise((r) => setTimeout(r, early));
}
