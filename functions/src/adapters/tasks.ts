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
 * enqueue with the same id is a no-op (returns false).
 */
export async function enqueueTask(fn: string, data: Record<string, unknown>, opts: { id: string; at?: Date }): Promise<boolean> {
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
