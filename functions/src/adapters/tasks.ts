// Cloud Tasks (task queue functions): delayed, deduplicated, retried work.
//
// Timers. In production a task carries its scheduleTime and Cloud Tasks
// dispatches it then: exact, and nothing waits. The Cloud Tasks emulator
// ignores scheduleTime and dispatches at once, so on the emulator a task due
// later is handed to the local task timer that `npm start`, `npm test`, the
// bench and `npm run with-emulators` run beside the emulators
// (scripts/lib/taskTimer.mjs, TASK_TIMER_URL): it keeps the task and enqueues
// it on the emulator at its time. No function worker waits for a timer,
// anywhere. A task that still arrives early (an emulator started without the
// timer) fails with TaskNotDue, and the queue's retry brings it back later.
import { adminApp } from './firebase';

const REGION = 'us-central1';
/** Tasks due within this much are enqueued at once (the local timer's own latency is about this). */
const NOW_SLACK_MS = 200;
/** A task that arrives at most this early is run: clock skew between the queue and the instance. */
const EARLY_TOLERANCE_MS = 1000;

function isAlreadyExists(e: unknown): boolean {
  const code = (e as { code?: string; errorInfo?: { code?: string } }).code ?? (e as { errorInfo?: { code?: string } }).errorInfo?.code;
  return code === 'functions/task-already-exists' || /already exists/i.test(String((e as Error).message));
}

/** Task names allow letters, digits, `-` and `_`, up to 500 characters. */
export const taskId = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 480);

/** The local task timer, when this instance runs on the emulator beside one. */
function localTimer(): string | null {
  return process.env.FUNCTIONS_EMULATOR === 'true' && process.env.TASK_TIMER_URL ? process.env.TASK_TIMER_URL : null;
}

/**
 * Enqueues `data` for the task queue function `fn`. `id` deduplicates: a second
 * enqueue with the same id is a no-op (returns false). The due time also
 * travels in the task (`dueAt`), so the handler can tell an early dispatch.
 */
export async function enqueueTask(fn: string, data: Record<string, unknown>, opts: { id: string; at?: Date }): Promise<boolean> {
  const id = taskId(opts.id);
  const at = opts.at;
  if (at) data = { ...data, dueAt: at.getTime() };
  const timer = localTimer();
  if (timer && at && at.getTime() - Date.now() > NOW_SLACK_MS) {
    const res = await fetch(timer, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ fn, id, data, at: at.getTime() }) });
    if (res.status === 409) return false;
    if (!res.ok) throw new Error(`local task timer answered ${res.status}: ${await res.text()}`);
    return true;
  }
  const { getFunctions } = require('firebase-admin/functions') as typeof import('firebase-admin/functions');
  const queue = getFunctions(adminApp()).taskQueue(`locations/${REGION}/functions/${fn}`);
  try {
    await queue.enqueue(data, { id, ...(at ? { scheduleTime: at } : {}) });
    return true;
  } catch (e) {
    if (isAlreadyExists(e)) return false;
    throw e;
  }
}

/** Thrown by a task dispatched before its time: the queue's retry brings it back later. */
export class TaskNotDue extends Error {
  constructor(readonly dueAt: number, now: number) {
    super(`task dispatched ${Math.round((dueAt - now) / 1000)} s before it is due; the queue will retry it`);
    this.name = 'TaskNotDue';
  }
}

/**
 * Refuses a task that arrived before its due time (it never waits for it).
 * Production does not dispatch early; on the emulator only a suite started
 * without the local task timer does, and the queue then retries the task.
 */
export function assertDue(dueAt: unknown, now = Date.now()): void {
  if (typeof dueAt !== 'number') return;
  if (dueAt - now > EARLY_TOLERANCE_MS) throw new TaskNotDue(dueAt, now);
}
