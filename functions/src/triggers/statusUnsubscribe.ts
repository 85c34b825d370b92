import { onRequest } from 'firebase-functions/v2/https';
import { CONSOLE_URL, readSecret, STATUS_LINK_SECRET } from '../params';

/** GET or POST /status/unsubscribe?t=… (a Hosting rewrite): the unsubscribe link of every status mail. */
export const statusUnsubscribe = onRequest(
  { secrets: [STATUS_LINK_SECRET], invoker: 'public', memory: '256MiB', maxInstances: 3, concurrency: 20, timeoutSeconds: 10 },
  async (req, res) => {
    const { serveStatus, statusPageUrl } = await import('../app/statusHttp.js');
    await serveStatus('unsubscribe', req, res, { secret: readSecret(STATUS_LINK_SECRET), pageUrl: statusPageUrl(CONSOLE_URL.value()), emulator: process.env.FUNCTIONS_EMULATOR === 'true' });
  },
);
