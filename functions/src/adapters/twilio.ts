// Twilio's REST API for SMS and voice pages, with fetch, and the signature
// check of Twilio's inbound webhooks.
//
// Why fetch and not the twilio client: its API base is fixed in the SDK
// (rest/ApiBase.js: super(twilio, "https://api.twilio.com")); the client's
// `region`/`edge` options only rewrite the host name within *.twilio.com
// (BaseTwilio.getHostname), so reaching a loopback test server or a proxy
// would take a custom RequestClient that rewrites every URI. Two form posts
// need none of that, and `require('twilio')` costs about 200 ms at a cold
// start. The signature check does use Twilio's own validateRequest, loaded
// lazily from its webhooks module (about 7 ms) rather than the package root.
//
// Every failure is a TwilioError that says what Twilio said (HTTP status,
// Twilio error code and message) and whether trying again can help.

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** TWILIO_API_URL: `https://api.twilio.com`, or a test server. */
  apiUrl: string;
  /** TWILIO_FROM: an E.164 number, or a Messaging Service SID (MG…, SMS only). */
  from: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

export interface SmsRequest {
  to: string;
  body: string;
  /** Twilio posts delivery status here (queued → sent → delivered | undelivered | failed). */
  statusCallback?: string;
}

export type CallRequest = {
  to: string;
  statusCallback?: string;
  /** Seconds to let it ring before giving up (Twilio's default 60). */
  timeoutSeconds?: number;
} & ({ twiml: string; url?: never } | { url: string; twiml?: never });

export interface TwilioSent {
  /** SM… for a message, CA… for a call. */
  sid: string;
  /** Twilio's status: queued, accepted, sending… */
  status: string;
}

export class TwilioError extends Error {
  constructor(
    /** What was attempted: `sms` or `call`. */
    readonly operation: 'sms' | 'call',
    /** HTTP status; 0 when no answer came (network, timeout). */
    readonly status: number,
    /** Twilio's error code (21211 invalid 'To' number…), or null. */
    readonly code: number | null,
    readonly twilioMessage: string,
    /** True when a later try may work (network, timeout, 429, 5xx); false when only a change will (4xx). */
    readonly transient: boolean,
    /** Seconds Twilio asked us to wait (429 Retry-After), or null. */
    readonly retryAfterSeconds: number | null = null,
    readonly moreInfo: string | null = null,
  ) {
    super(`Twilio ${operation}: ${status ? `HTTP ${status}` : 'no answer'}${code !== null ? ` (Twilio error ${code})` : ''}: ${twilioMessage}${transient ? ' [transient]' : ''}`);
    this.name = 'TwilioError';
  }
}

/** Twilio codes answered with 4xx that still clear up by themselves. */
const TRANSIENT_CODES = new Set([
  20429, // Too Many Requests
  14107, // SMS send rate limit exceeded
  30001, // Queue overflow
]);

export function isTransientStatus(status: number, code: number | null): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500 || (code !== null && TRANSIENT_CODES.has(code));
}

function basicAuth(sid: string, token: string): string {
  return `Basic ${Buffer.from(`${sid}:${token}`, 'utf8').toString('base64')}`;
}

async function post(settings: TwilioSettings, operation: 'sms' | 'call', resource: 'Messages' | 'Calls', form: Record<string, string | undefined>): Promise<TwilioSent> {
  const base = settings.apiUrl.replace(/\/+$/, '');
  const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/${resource}.json`;
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined && v !== '') body.set(k, v);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { Authorization: basicAuth(settings.accountSid, settings.authToken), 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(settings.timeoutMs ?? 10_000),
    });
  } catch (e) {
    const err = e as Error;
    const what = err.name === 'TimeoutError' ? `no answer within ${settings.timeoutMs ?? 10_000} ms` : `${err.message}${(err.cause as Error | undefined)?.message ? ` (${(err.cause as Error).message})` : ''}`;
    throw new TwilioError(operation, 0, null, what, true);
  }
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const code = typeof json?.code === 'number' ? json.code : null;
    const message = typeof json?.message === 'string' ? json.message : text.slice(0, 300) || res.statusText;
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new TwilioError(operation, res.status, code, message, isTransientStatus(res.status, code), Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null, typeof json?.more_info === 'string' ? json.more_info : null);
  }
  const sid = typeof json?.sid === 'string' ? json.sid : null;
  if (!sid) throw new TwilioError(operation, res.status, null, `answer without a sid: ${text.slice(0, 200)}`, true);
  return { sid, status: typeof json?.status === 'string' ? json.status : 'queued' };
}

const MESSAGING_SERVICE = /^MG[0-9a-fA-F]{32}$/;

/** Sends an SMS: POST {apiUrl}/2010-04-01/Accounts/{sid}/Messages.json. */
export function sendSms(settings: TwilioSettings, req: SmsRequest): Promise<TwilioSent> {
  const sender = MESSAGING_SERVICE.test(settings.from) ? { MessagingServiceSid: settings.from } : { From: settings.from };
  return post(settings, 'sms', 'Messages', { To: req.to, ...sender, Body: req.body, StatusCallback: req.statusCallback });
}

/** Places a call that plays `twiml` (inline) or fetches TwiML from `url`: POST …/Calls.json. */
export function placeCall(settings: TwilioSettings, req: CallRequest): Promise<TwilioSent> {
  if (MESSAGING_SERVICE.test(settings.from)) {
    return Promise.reject(new TwilioError('call', 0, null, 'TWILIO_FROM is a Messaging Service SID: calls need a Twilio phone number', false));
  }
  return post(settings, 'call', 'Calls', {
    To: req.to,
    From: settings.from,
    ...(req.twiml !== undefined ? { Twiml: req.twiml } : { Url: req.url }),
    StatusCallback: req.statusCallback,
    Timeout: req.timeoutSeconds !== undefined ? String(req.timeoutSeconds) : undefined,
  });
}

/** The phone channels as a port, so use cases can be tested with an in-memory double. */
export interface PhonePort {
  sendSms(req: SmsRequest): Promise<TwilioSent>;
  placeCall(req: CallRequest): Promise<TwilioSent>;
}

export function twilioPhone(settings: TwilioSettings): PhonePort {
  return { sendSms: (req) => sendSms(settings, req), placeCall: (req) => placeCall(settings, req) };
}

type Webhooks = typeof import('twilio/lib/webhooks/webhooks');
let webhooks: Webhooks | undefined;

/**
 * Whether an inbound webhook really comes from Twilio: X-Twilio-Signature over
 * the full URL Twilio called (scheme, host, path and query, as configured in
 * the Twilio console) and the POST form parameters. Twilio's validateRequest
 * also tries the URL with and without the default port.
 */
export function validateTwilioSignature(authToken: string, url: string, params: Record<string, string | string[]>, signature: string | null | undefined): boolean {
  if (!authToken || !signature) return false;
  webhooks ??= require('twilio/lib/webhooks/webhooks') as Webhooks;
  try {
    return webhooks.validateRequest(authToken, signature, url, params);
  } catch {
    return false; // a URL that does not parse
  }
}

/** The form parameters of a webhook body as validateTwilioSignature wants them (repeated keys become lists). */
export function formParams(rawBody: string | Buffer): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'))) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
