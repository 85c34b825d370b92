import { HttpsError, onCall } from 'firebase-functions/v2/https';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';

/** Admin-only: start a drill from a shipped scenario (or YAML text). Its alerts are played by the playDrill task. */
export const runDrill = onCall<{ scenario?: string; yaml?: string; service?: string; speed?: number }>(async (request) => {
  if (request.auth?.token.role !== 'admin') throw new HttpsError('permission-denied', 'only admins start drills (custom claim role: admin)');
  const { startDrillFromRequest } = await import('../app/drillRequests.js');
  try {
    return await startDrillFromRequest(request.data ?? {}, request.auth.uid);
  } catch (e) {
    throw new HttpsError('invalid-argument', (e as Error).message);
  }
});

/** Plays a drill's alerts at their times (a drill lasts minutes: one long task, never retried, so nothing is sent twice). */
export const playDrill = onTaskDispatched<{ drillId: string }>({ timeoutSeconds: 1800, retryConfig: { maxAttempts: 1 } }, async (req) => {
  const { playDrill: play } = await import('../app/drills.js');
  await play(req.data.drillId);
});

/** Every minute: drills past their time limit are scored as timed out. */
export const finishDrills = onSchedule({ schedule: 'every 1 minutes', retryCount: 0 }, async () => {
  const { finishOverdueDrills } = await import('../app/drills.js');
  await finishOverdueDrills();
});
