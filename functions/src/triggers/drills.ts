import { HttpsError, onCall } from 'firebase-functions/v2/https';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';

/** Admin-only: start a drill from a shipped scenario (or YAML text). Its alerts are played by the playDrill task. */
export const runDrill = onCall<{ scenario?: string; yaml?: string; service?: string; speed?: number }>({ memory: '256MiB', concurrency: 1, maxInstances: 2, timeoutSeconds: 60 }, async (request) => {
  if (request.auth?.token.role !== 'admin') throw new HttpsError('permission-denied', 'only admins start drills (custom claim role: admin)');
  const { startDrillFromRequest } = await import('../app/drillRequests.js');
  try {
    return await startDrillFromRequest(request.data ?? {}, request.auth.uid);
  } catch (e) {
    throw new HttpsError('invalid-argument', (e as Error).message);
  }
});

/** Plays a drill: each task publishes the alerts of one second, then enqueues the next step at its time. */
export const playDrill = onTaskDispatched<{ drillId: string; step?: { index: number; deployChecks?: number }; dueAt?: number }>(
  { timeoutSeconds: 60, retryConfig: { maxAttempts: 5, minBackoffSeconds: 1, maxBackoffSeconds: 10 } },
  async (req) => {
    const { playDrillTask } = await import('../app/drillRequests.js');
    const { assertDue } = await import('../adapters/tasks.js');
    assertDue(req.data.dueAt);
    await playDrillTask(req.data.drillId, req.data.step ?? { index: 0 });
  },
);

/** Every minute: drills past their time limit are scored as timed out. */
export const finishDrills = onSchedule({ schedule: 'every 1 minutes', retryCount: 0 }, async () => {
  const { finishOverdueDrills } = await import('../app/drills.js');
  await finishOverdueDrills();
});
