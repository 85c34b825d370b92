import { onRequest } from 'firebase-functions/v2/https';
import { consoleUrl } from '../params';

/** GET /status/feed.xml (a Hosting rewrite): the status page's public updates as Atom. The CDN caches it for 60 s. */
export const statusFeed = onRequest({ invoker: 'public', memory: '256MiB', concurrency: 1, maxInstances: 5, timeoutSeconds: 10 }, async (req, res) => {
  const { serveStatus, statusPageUrl } = await import('../app/statusHttp.js');
  await serveStatus('feed', req, res, { secret: null, pageUrl: statusPageUrl(consoleUrl()) });
});
