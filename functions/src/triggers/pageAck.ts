import { onRequest } from 'firebase-functions/v2/https';
import { consoleUrl, PAGE_LINK_SECRET, readSecret, refuseMisconfigured } from '../params';

/** GET /pageAck?t=… (a Hosting rewrite): the one-time link of an email or SMS page; GET confirms, POST acknowledges. */
export const pageAck = onRequest({ secrets: [PAGE_LINK_SECRET], invoker: 'public', memory: '256MiB', concurrency: 1, maxInstances: 5, timeoutSeconds: 30 }, async (req, res) => {
  if (refuseMisconfigured(res, [PAGE_LINK_SECRET])) return;
  const { servePage } = await import('../app/pageAckHttp.js');
  await servePage('ack', req, res, { secret: readSecret(PAGE_LINK_SECRET), twilioAuthToken: null, consoleUrl: consoleUrl() });
});
