import { onRequest } from 'firebase-functions/v2/https';
import { CONSOLE_URL } from '../params';

/** GET /status/feed.xml (a Hosting rewrite): the status page's public updates as Atom. */
export const statusFeed = onRequest({ invoker: 'public', memory: '256MiB', maxInstances: 5, concurrency: 40, timeoutSeconds: 10 }, async (req, res) => {
  const { serveStatus, statusPageUrl } = await import('../app/statusHttp.js');
  await serveStatus('feed', req, res, { secret: null, pageUrl: statusPageUrl(CONSOLE_URL.value()), emulator: process.env.FUNCTIONS_EMULATOR === 'true' });
});
