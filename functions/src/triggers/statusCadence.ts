import { onTaskDispatched } from 'firebase-functions/v2/tasks';

/** A published incident with no public update for the policy's interval: a reminder in its channel (and the next task). */
export const statusCadence = onTaskDispatched<{ incidentId?: unknown; publishedAt?: unknown; n?: unknown; dueAt?: number }>(
  { retryConfig: { maxAttempts: 10, minBackoffSeconds: 5, maxBackoffSeconds: 300 }, rateLimits: { maxConcurrentDispatches: 20 } },
  async (req) => {
    const { remindPublicUpdate, cadenceTaskOf } = await import('../app/statusCadence.js');
    const { withPolicy } = await import('../app/compose.js');
    const { log } = await import('../adapters/logs.js');
    const { assertDue } = await import('../adapters/tasks.js');
    assertDue(req.data.dueAt);
    const task = cadenceTaskOf(req.data as Record<string, unknown>);
    if (!task) return log.warn('cadence task dropped: malformed data', { event: 'status_cadence_dropped', data: JSON.stringify(req.data).slice(0, 300) });
    const o = await remindPublicUpdate(task, withPolicy());
    log.info(o.remind ? 'public update reminder sent' : `no public update reminder: ${o.reason}`, { event: 'status_cadence', incidentId: task.incidentId, n: task.n, sent: o.sent });
  },
);
