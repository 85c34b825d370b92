import { onRequest } from 'firebase-functions/v2/https';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { ALERT_WEBHOOK_TOKEN, ALERT_WEBHOOK_TOKENS, readSecret, refuseMisconfigured } from '../params';

const secrets = [ALERT_WEBHOOK_TOKEN, ALERT_WEBHOOK_TOKENS];

/** POST /heartbeat/{name} with the alert token: a ping of a heartbeat of config/heartbeats.yaml. */
export const heartbeat = onRequest({ secrets, invoker: 'public', memory: '256MiB', concurrency: 1, maxInstances: 5, timeoutSeconds: 30 }, async (req, res) => {
  if (refuseMisconfigured(res, secrets)) return;
  const { serveHeartbeat } = await import('../app/httpAdapters.js');
  await serveHeartbeat(req, res, { token: readSecret(ALERT_WEBHOOK_TOKEN), sourceTokens: readSecret(ALERT_WEBHOOK_TOKENS) });
});

/** A heartbeat's deadline (last ping + interval + grace): with no newer ping, the miss is raised through ingestion. */
export const checkHeartbeat = onTaskDispatched<{ name: string; generation: number; dueAt?: number }>(
  { retryConfig: { maxAttempts: 20, minBackoffSeconds: 1, maxBackoffSeconds: 60 }, rateLimits: { maxConcurrentDispatches: 10 } },
  async (req) => {
    const { checkHeartbeat: check } = await import('../app/heartbeats.js');
    const { ingestDeps } = await import('../app/compose.js');
    const { assertDue } = await import('../adapters/tasks.js');
    assertDue(req.data.dueAt);
    await check(req.data.name, req.data.generation, ingestDeps());
  },
);

/** Hourly: heartbeats never pinged start being watched, and a lost check task is enqueued again (it never decides a miss). */
export const watchHeartbeats = onSchedule({ schedule: 'every 60 minutes', retryCount: 1 }, async () => {
  const { watchHeartbeats: watch } = await import('../app/heartbeats.js');
  const { noiseDeps } = await import('../app/compose.js');
  await watch(noiseDeps());
});
