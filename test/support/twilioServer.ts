// A Twilio-compatible REST server on loopback, for the SMS and voice adapter
// (and, later, emulator tests through TWILIO_API_URL). It answers like Twilio
// for Messages.json and Calls.json: Basic auth with the account SID and auth
// token, form-encoded fields checked as Twilio checks them, Twilio-shaped JSON
// (sid, status, error code/message/more_info). It records every request and
// can inject faults.
// Control endpoints (for tests in other processes): GET /_calls, POST /_reset,
// POST /_faults {"pattern": ["500", "429", "21211", "ok"], "retryAfter": 2}
//   a fault is an HTTP status (500, 503, 429) or a Twilio error code (21211, 21610…).
// sendInboundSms signs a webhook as Twilio does (X-Twilio-Signature) and posts it.
import { createHmac } from 'node:crypto';
import http from 'node:http';

export interface TwilioRequest {
  kind: 'sms' | 'call';
  fields: Record<string, string>;
  at: number;
  /** What the server answered: the sid, or an error such as `401`, `21211`, `500`. */
  answer: string;
}

export interface TwilioFaultPlan {
  /** Applied to the next requests in turn: 'ok', an HTTP status ('500', '429'), or a Twilio error code ('21211'). */
  pattern?: string[];
  retryAfter?: number;
}

/** Twilio errors the fake can answer with: HTTP status and message. */
const TWILIO_ERRORS: Record<number, [number, string]> = {
  20003: [401, 'Authenticate'],
  20404: [404, 'The requested resource was not found'],
  20429: [429, 'Too Many Requests'],
  21201: [400, "No 'To' number is specified"],
  21211: [400, "The 'To' number is not a valid phone number."],
  21212: [400, "The 'From' number is not a valid phone number, shortcode, or alphanumeric sender ID."],
  21602: [400, 'Message body is required.'],
  21605: [400, 'Maximum body length is 1600 characters.'],
  21610: [400, 'Attempt to send to unsubscribed recipient'],
  21205: [400, 'Url is not a valid URL.'],
  13520: [400, 'Either Url or Twiml must be provided, but not both.'],
  20500: [500, 'An internal server error has occurred'],
};

const E164 = /^\+[1-9]\d{6,14}$/;

export class FakeTwilio {
  requests: TwilioRequest[] = [];
  private faults: string[] = [];
  private retryAfter = 1;
  private seq = 0;
  private server?: http.Server;

  constructor(
    readonly accountSid = 'AC00000000000000000000000000000001',
    readonly authToken = 'test-twilio-auth-token',
  ) {}

  get messages(): TwilioRequest[] {
    return this.requests.filter((r) => r.kind === 'sms' && r.answer.startsWith('SM'));
  }

  get calls(): TwilioRequest[] {
    return this.requests.filter((r) => r.kind === 'call' && r.answer.startsWith('CA'));
  }

  reset(): void {
    this.requests = [];
    this.faults = [];
    this.retryAfter = 1;
  }

  setFaults(plan: TwilioFaultPlan): void {
    this.faults = [...(plan.pattern ?? [])];
    this.retryAfter = plan.retryAfter ?? 1;
  }

  private sid(prefix: 'SM' | 'CA'): string {
    this.seq += 1;
    return `${prefix}${this.seq.toString(16).padStart(32, '0')}`;
  }

  private error(code: number, extra = ''): { status: number; body: unknown; headers?: Record<string, string> } {
    const [status, message] = TWILIO_ERRORS[code] ?? [400, 'Bad request'];
    return {
      status,
      body: { code, message: extra ? `${message} ${extra}` : message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
      ...(status === 429 ? { headers: { 'Retry-After': String(this.retryAfter) } } : {}),
    };
  }

  handle(path: string, fields: Record<string, string>, auth: string | undefined): { status: number; body: unknown; headers?: Record<string, string> } {
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(path);
    if (!m) return { status: 404, body: { code: 20404, message: 'The requested resource was not found', status: 404 } };
    const kind = m[2] === 'Messages' ? 'sms' : 'call';
    const record = (answer: string) => this.requests.push({ kind, fields, at: Date.now(), answer });
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (auth !== expected) {
      record('401');
      return this.error(20003);
    }
    if (decodeURIComponent(m[1] ?? '') !== this.accountSid) {
      record('404');
      return this.error(20404);
    }
    const fault = this.faults.shift();
    if (fault && fault !== 'ok') {
      record(fault);
      const n = Number(fault);
      if (n >= 100 && n < 600) return { status: n, body: n === 429 ? { code: 20429, message: 'Too Many Requests', status: 429 } : 'upstream error', ...(n === 429 ? { headers: { 'Retry-After': String(this.retryAfter) } } : {}) };
      return this.error(n);
    }
    const fail = (code: number) => {
      record(String(code));
      return this.error(code);
    };
    if (!fields.To) return fail(21201);
    if (!E164.test(fields.To)) return fail(21211);
    if (kind === 'sms') {
      if (!fields.MessagingServiceSid && !E164.test(fields.From ?? '')) return fail(21212);
      if (!fields.Body) return fail(21602);
      if (fields.Body.length > 1600) return fail(21605);
    } else {
      if (!E164.test(fields.From ?? '')) return fail(21212);
      if ((fields.Twiml === undefined) === (fields.Url === undefined)) return fail(13520);
      if (fields.Url !== undefined && !/^https?:\/\//.test(fields.Url)) return fail(21205);
    }
    const sid = this.sid(kind === 'sms' ? 'SM' : 'CA');
    record(sid);
    const now = new Date().toUTCString();
    const common = { sid, account_sid: this.accountSid, to: fields.To, from: fields.From ?? null, status: 'queued', date_created: now, date_updated: now, api_version: '2010-04-01' };
    const uri = `/2010-04-01/Accounts/${this.accountSid}/${m[2]}/${sid}.json`;
    return {
      status: 201,
      body: kind === 'sms'
        ? { ...common, body: fields.Body, messaging_service_sid: fields.MessagingServiceSid ?? null, num_segments: '1', direction: 'outbound-api', error_code: null, error_message: null, uri }
        : { ...common, direction: 'outbound-api', uri },
    };
  }

  async listen(port = 0): Promise<number> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://localhost');
        const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'Content-Type': typeof payload === 'string' ? 'text/plain' : 'application/json', ...headers });
          res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
        };
        if (url.pathname === '/_calls') return send(200, { requests: this.requests });
        if (url.pathname === '/_reset') {
          this.reset();
          return send(200, { ok: true });
        }
        if (url.pathname === '/_faults') {
          this.setFaults(body ? (JSON.parse(body) as TwilioFaultPlan) : {});
          return send(200, { ok: true });
        }
        if (req.method !== 'POST') return send(405, { code: 20004, message: 'Method not allowed', status: 405 });
        if (!(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
          return send(400, { code: 20001, message: 'Content-Type must be application/x-www-form-urlencoded', status: 400 });
        }
        const r = this.handle(url.pathname, Object.fromEntries(new URLSearchParams(body)), req.headers.authorization);
        return send(r.status, r.body, r.headers);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    const addr = this.server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * X-Twilio-Signature as Twilio computes it (written here from Twilio's
 * "Webhooks security" page, not with the twilio package, so the adapter's
 * check is tested against an independent signer): base64 of HMAC-SHA1 with
 * the auth token over the full URL followed by every POST parameter, sorted
 * by name, as name then value with no separators.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** The fields of an inbound SMS webhook, as Twilio sends them. */
export function inboundSmsParams(from: string, body: string, to = '+15005550006', accountSid = 'AC00000000000000000000000000000001'): Record<string, string> {
  return {
    ToCountry: 'US',
    SmsMessageSid: 'SM' + 'ab'.repeat(16),
    NumMedia: '0',
    SmsSid: 'SM' + 'ab'.repeat(16),
    SmsStatus: 'received',
    Body: body,
    To: to,
    NumSegments: '1',
    MessageSid: 'SM' + 'ab'.repeat(16),
    AccountSid: accountSid,
    From: from,
    ApiVersion: '2010-04-01',
  };
}

/** Posts a signed inbound SMS webhook to `url` as Twilio would; `signWith` lets a test sign with the wrong token. */
export async function sendInboundSms(url: string, authToken: string, from: string, body: string, opts: { signWith?: string; signedUrl?: string } = {}): Promise<Response> {
  const params = inboundSmsParams(from, body);
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
      'X-Twilio-Signature': twilioSignature(opts.signWith ?? authToken, opts.signedUrl ?? url, params),
      'User-Agent': 'TwilioProxy/1.1',
    },
    body: new URLSearchParams(params),
  });
}
