import { onRequest } from 'firebase-functions/v2/https';
import { consoleUrl, readSecret, refuseMisconfigured, TWILIO_AUTH_TOKEN } from '../params';

/** POST /twilioSms (a Hosting rewrite): Twilio's "a message comes in" webhook, X-Twilio-Signature checked; "ACK" acknowledges. */
export const twilioSms = onRequest({ secrets: [TWILIO_AUTH_TOKEN], invoker: 'public', memory: '256MiB', concurrency: 1, maxInstances: 5, timeoutSeconds: 30 }, async (req, res) => {
  if (refuseMisconfigured(res, [TWILIO_AUTH_TOKEN])) return;
  const { servePage } = await import('../app/pageAckHttp.js');
  await servePage('sms', req, res, { secret: null, twilioAuthToken: readSecret(TWILIO_AUTH_TOKEN), consoleUrl: consoleUrl() });
});
