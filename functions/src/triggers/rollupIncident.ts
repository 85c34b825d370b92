import { onTaskDispatched } from 'firebase-functions/v2/tasks';

/** Folds an incident's alert documents into its counts (scheduled at most once a second per incident). */
export const rollupIncident = onTaskDispatched<{ incidentId: string; second?: number; dueAt?: number }>(
  { retryConfig: { maxAttempts: 20, minBackoffSeconds: 1, maxBackoffSeconds: 30 }, rateLimits: { maxConcurrentDispatches: 50 } },
  async (req) => {
    const { rollupIncident: rollup } = await import('../app/rollupIncident.js');
    const { withPolicy } = await import('../app/compose.js');
    const { log } = await import('../adapters/logs.js');
    const { assertDue } = await import('../adapters/tasks.js');
    assertDue(req.data.dueAt);
    await rollup(req.data.incidentId, req.data.second ?? Math.floor(Date.now() / 1000), { ...withPolicy(), log: (f) => log.rollup(f as never) });
  },
);
