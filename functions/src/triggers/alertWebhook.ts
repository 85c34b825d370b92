import { onRequest } from 'firebase-functions/v2/https';
import { ALERT_WEBHOOK_TOKEN, ALERT_WEBHOOK_TOKENS, GRAFANA_WEBHOOK_SECRET, readSecret, SENTRY_CLIENT_SECRET } from '../params';

/** POST /alertWebhook/{source}: authenticate, validate, enqueue on `alerts`. */
export const alertWebhook = onRequest(
  { secrets: [ALERT_WEBHOOK_TOKEN, ALERT_WEBHOOK_TOKENS, GRAFANA_WEBHOOK_SECRET, SENTRY_CLIENT_SECRET], invoker: 'public' },
  async (req, res) => {
    const { serveAlertWebhook } = await import('../app/httpAdapters.js');
    await serveAlertWebhook(req, res, {
      token: readSecret(ALERT_WEBHOOK_TOKEN),
      sourceTokens: readSecret(ALERT_WEBHOOK_TOKENS),
      grafanaSecret: readSecret(GRAFANA_WEBHOOK_SECRET),
      sentrySecret: readSecret(SENTRY_CLIENT_SECRET),
    });
  },
);
