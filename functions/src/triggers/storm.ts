import { onTaskDispatched } from 'firebase-functions/v2/tasks';

/** The storm breaker's quiet period may be over: with no later join, the storm closes (and says so). */
export const stormTick = onTaskDispatched<{ incidentId?: string; dueAt?: number }>(
  { retryConfig: { maxAttempts: 20, minBackoffSeconds: 1, maxBackoffSeconds: 60 }, rateLimits: { maxConcurrentDispatches: 5 } },
  async (req) => {
    const { stormTick: tick } = await import('../app/storm.js');
    const { ingestDeps } = await import('../app/compose.js');
    const { assertDue } = await import('../adapters/tasks.js');
    assertDue(req.data.dueAt);
    await tick(ingestDeps());
  },
);
