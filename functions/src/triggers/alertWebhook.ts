import { onRequest } from 'firebase-functions/v2/https';
import { ALERT_WEBHOOK_TOKEN, GRAFANA_WEBHOOK_SECRET, readSecret, refuseMisconfigured, SENTRY_CLIENT_SECRET } from '../params';

const secrets = [ALERT_WEBHOOK_TOKEN, GRAFANA_WEBHOOK_SECRET, SENTRY_CLIENT_SECRET];

/**
 * POST /alertWebhook/{source}: authenticate, validate, enqueue on `alerts`.
 * Public, so its limits are tight: a body is at most 1 MiB once inflated
 * (the framework inflates gzip before the handler; see README "Public endpoints").
 */
export const alertWebhook = onRequest(
  { secrets, invoker: 'public', memory: '512MiB', cpu: 1, concurrency: 8, maxInstances: 20, timeoutSeconds: 30 },
  async (req, res) => {
    if (refuseMisconfigured(res, secrets)) return;
    const { serveAlertWebhook } = await import('../app/httpAdapters.js');
    await serveAlertWebhook(req, res, {
      token: readSecret(ALERT_WEBHOOK_TOKEN),
      grafanaSecret: readSecret(GRAFANA_WEBHOOK_SECRET),
      sentrySecret: readSecret(SENTRY_CLIENT_SECRET),
    });
  },
);
