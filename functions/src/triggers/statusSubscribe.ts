import { onRequest } from 'firebase-functions/v2/https';
import { consoleUrl, readSecret, refuseMisconfigured, STATUS_LINK_SECRET } from '../params';

/** POST /status/subscribe (a Hosting rewrite): an email address → a pending subscriber and a confirmation mail. */
export const statusSubscribe = onRequest(
  { secrets: [STATUS_LINK_SECRET], invoker: 'public', memory: '256MiB', concurrency: 1, maxInstances: 5, timeoutSeconds: 10 },
  async (req, res) => {
    if (refuseMisconfigured(res, [STATUS_LINK_SECRET])) return;
    const { serveStatus, statusPageUrl } = await import('../app/statusHttp.js');
    await serveStatus('subscribe', req, res, { secret: readSecret(STATUS_LINK_SECRET), pageUrl: statusPageUrl(consoleUrl()) });
  },
);
