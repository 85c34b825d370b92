import { onTaskDispatched } from 'firebase-functions/v2/tasks';

/** One level of an incident's escalation policy: page whoever it targets now, enqueue the next level at its time (app/paging.ts). */
export const escalateIncident = onTaskDispatched<{ incidentId: string; cycle: number; policyId: string; openedAt: number; level?: number; round?: number; end?: boolean; dueAt?: number }>(
  { retryConfig: { maxAttempts: 20, minBackoffSeconds: 1, maxBackoffSeconds: 60 }, rateLimits: { maxConcurrentDispatches: 20 } },
  async (req) => {
    const { runEscalation } = await import('../app/paging.js');
    const { pagingDeps } = await import('../app/compose.js');
    const { withRetries } = await import('../app/retry.js');
    const { assertDue } = await import('../adapters/tasks.js');
    assertDue(req.data.dueAt);
    await withRetries(() => runEscalation(req.data, pagingDeps()));
  },
);
