import { onRequest } from 'firebase-functions/v2/https';
import { consoleUrl, PAGE_LINK_SECRET, readSecret, refuseMisconfigured, TWILIO_AUTH_TOKEN } from '../params';

const secrets = [TWILIO_AUTH_TOKEN, PAGE_LINK_SECRET];

/** POST /pageVoice?t=… (a Hosting rewrite): the key press of a voice page, X-Twilio-Signature checked; 1 acknowledges. */
export const pageVoice = onRequest({ secrets, invoker: 'public', memory: '256MiB', concurrency: 1, maxInstances: 5, timeoutSeconds: 30 }, async (req, res) => {
  if (refuseMisconfigured(res, secrets)) return;
  const { servePage } = await import('../app/pageAckHttp.js');
  await servePage('voice', req, res, { secret: readSecret(PAGE_LINK_SECRET), twilioAuthToken: readSecret(TWILIO_AUTH_TOKEN), consoleUrl: consoleUrl() });
});
