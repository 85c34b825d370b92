// The Twilio adapter against the loopback Twilio (started on port 0 here),
// and the inbound-webhook signature: signed by the test server's own signer
// (written from Twilio's documentation), checked by the adapter (twilio's
// validateRequest), so the two have to agree.
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formParams, placeCall, sendSms, TwilioError, type TwilioSettings, twilioPhone, validateTwilioSignature } from '../../functions/src/adapters/twilio';
import { FakeTwilio, inboundSmsParams, sendInboundSms, twilioSignature } from '../support/twilioServer';

const fake = new FakeTwilio();
let settings: TwilioSettings;

beforeAll(async () => {
  const port = await fake.listen(0);
  settings = { accountSid: fake.accountSid, authToken: fake.authToken, apiUrl: `http://127.0.0.1:${port}/`, from: '+15005550006', timeoutMs: 5_000 };
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

async function failure(p: Promise<unknown>): Promise<TwilioError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TwilioError) return e;
    throw e;
  }
  throw new Error('expected a TwilioError');
}

describe('sendSms', () => {
  it('posts the form with Basic auth and returns the sid', async () => {
    const sent = await sendSms(settings, { to: '+33612345678', body: 'SEV1: Checkout down. Ack: https://x/pageAck?t=a&b', statusCallback: 'https://x/twilioStatus' });
    expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sent.status).toBe('queued');
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]?.fields).toEqual({ To: '+33612345678', From: '+15005550006', Body: 'SEV1: Checkout down. Ack: https://x/pageAck?t=a&b', StatusCallback: 'https://x/twilioStatus' });
    expect(fake.messages[0]?.answer).toBe(sent.sid);
  });

  it('sends through a Messaging Service when TWILIO_FROM is one', async () => {
    const mg = `MG${'a'.repeat(32)}`;
    await sendSms({ ...settings, from: mg }, { to: '+33612345678', body: 'hi' });
    expect(fake.messages[0]?.fields).toEqual({ To: '+33612345678', MessagingServiceSid: mg, Body: 'hi' });
  });

  it.each([
    ['a number Twilio refuses: permanent', { to: '0612345678', body: 'x' }, { status: 400, code: 21211, transient: false, twilioMessage: "The 'To' number is not a valid phone number." }],
    ['an empty body: permanent', { to: '+33612345678', body: '' }, { status: 400, code: 21602, transient: false, twilioMessage: 'Message body is required.' }],
  ])('%s', async (_name, req, expected) => {
    const e = await failure(sendSms(settings, req));
    expect({ status: e.status, code: e.code, transient: e.transient, twilioMessage: e.twilioMessage }).toEqual(expected);
    expect(e.moreInfo).toBe(`https://www.twilio.com/docs/errors/${expected.code}`);
    expect(e.message).toBe(`Twilio sms: HTTP 400 (Twilio error ${expected.code}): ${expected.twilioMessage}`);
    expect(fake.messages).toHaveLength(0);
  });

  it('says so when the credentials are wrong (permanent: only a config change helps)', async () => {
    const e = await failure(sendSms({ ...settings, authToken: 'wrong' }, { to: '+33612345678', body: 'x' }));
    expect([e.status, e.code, e.transient, e.twilioMessage]).toEqual([401, 20003, false, 'Authenticate']);
  });

  it.each([
    ['500', { status: 500, code: null, transient: true, retryAfterSeconds: null, twilioMessage: 'upstream error' }],
    ['503', { status: 503, code: null, transient: true, retryAfterSeconds: null, twilioMessage: 'upstream error' }],
    ['429', { status: 429, code: 20429, transient: true, retryAfterSeconds: 7, twilioMessage: 'Too Many Requests' }],
    ['21610', { status: 400, code: 21610, transient: false, retryAfterSeconds: null, twilioMessage: 'Attempt to send to unsubscribed recipient' }],
  ])('classifies an injected %s', async (fault, expected) => {
    fake.setFaults({ pattern: [fault, 'ok'], retryAfter: 7 });
    const e = await failure(sendSms(settings, { to: '+33612345678', body: 'x' }));
    expect({ status: e.status, code: e.code, transient: e.transient, retryAfterSeconds: e.retryAfterSeconds, twilioMessage: e.twilioMessage }).toEqual(expected);
    // the fault was used up: the next send goes through
    await expect(sendSms(settings, { to: '+33612345678', body: 'x' })).resolves.toMatchObject({ status: 'queued' });
    expect(fake.requests.map((r) => r.answer.slice(0, 2))).toEqual([fault.slice(0, 2), 'SM']);
  });

  it('calls an unreachable Twilio transient, with the reason', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = await failure(sendSms({ ...settings, apiUrl: `http://127.0.0.1:${port}` }, { to: '+33612345678', body: 'x' }));
    expect([e.status, e.code, e.transient]).toEqual([0, null, true]);
    expect(e.message).toMatch(/^Twilio sms: no answer: fetch failed \(.*ECONNREFUSED.*\) \[transient\]$/);
  });

  it('gives up after the timeout, as transient', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const e = await failure(sendSms({ ...settings, apiUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 }, { to: '+33612345678', body: 'x' }));
      expect([e.status, e.transient, e.twilioMessage]).toEqual([0, true, 'no answer within 200 ms']);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('the look-alike, driven over HTTP (as tests in other processes drive it)', () => {
  it('takes a fault plan on /_faults, lists requests on /_calls, forgets them on /_reset', async () => {
    const base = settings.apiUrl.replace(/\/$/, '');
    expect((await fetch(`${base}/_faults`, { method: 'POST', body: JSON.stringify({ pattern: ['503'] }) })).status).toBe(200);
    const e = await failure(sendSms(settings, { to: '+33612345678', body: 'x' }));
    expect([e.status, e.transient]).toEqual([503, true]);
    await sendSms(settings, { to: '+33612345678', body: 'y' });
    const listed = (await (await fetch(`${base}/_calls`)).json()) as { requests: { kind: string; answer: string; fields: Record<string, string> }[] };
    expect(listed.requests.map((r) => [r.kind, r.answer.slice(0, 2), r.fields.Body])).toEqual([['sms', '50', 'x'], ['sms', 'SM', 'y']]);
    await fetch(`${base}/_reset`, { method: 'POST' });
    expect(((await (await fetch(`${base}/_calls`)).json()) as { requests: unknown[] }).requests).toEqual([]);
  });

  it('answers an unknown account, a wrong method and a JSON body as Twilio does', async () => {
    const base = settings.apiUrl.replace(/\/$/, '');
    const other = await failure(sendSms({ ...settings, accountSid: 'AC99999999999999999999999999999999' }, { to: '+33612345678', body: 'x' }));
    expect(other.status).toBe(401); // Basic auth names the account: another SID does not authenticate
    const get = await fetch(`${base}/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
    expect(get.status).toBe(405);
    const json = await fetch(`${base}/2010-04-01/Accounts/${fake.accountSid}/Messages.json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect([json.status, ((await json.json()) as { code: number }).code]).toEqual([400, 20001]);
  });
});

describe('placeCall', () => {
  const twiml = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello &amp; bye</Say></Response>';

  it('places a call with inline TwiML, or with a URL', async () => {
    const phone = twilioPhone(settings);
    const a = await phone.placeCall({ to: '+33612345678', twiml, timeoutSeconds: 30, statusCallback: 'https://x/status' });
    const b = await phone.placeCall({ to: '+33612345678', url: 'https://x.example/pageVoice?t=abc' });
    expect([a.sid, b.sid].every((s) => /^CA[0-9a-f]{32}$/.test(s))).toBe(true);
    expect(fake.calls.map((c) => c.fields)).toEqual([
      { To: '+33612345678', From: '+15005550006', Twiml: twiml, StatusCallback: 'https://x/status', Timeout: '30' },
      { To: '+33612345678', From: '+15005550006', Url: 'https://x.example/pageVoice?t=abc' },
    ]);
  });

  it('refuses to call from a Messaging Service, before asking Twilio', async () => {
    const e = await failure(placeCall({ ...settings, from: `MG${'b'.repeat(32)}` }, { to: '+33612345678', twiml }));
    expect([e.operation, e.transient, e.twilioMessage]).toEqual(['call', false, 'TWILIO_FROM is a Messaging Service SID: calls need a Twilio phone number']);
    expect(fake.requests).toHaveLength(0);
  });

  it('reports a bad number as a permanent call error', async () => {
    const e = await failure(placeCall(settings, { to: 'nope', twiml }));
    expect(e.message).toBe("Twilio call: HTTP 400 (Twilio error 21211): The 'To' number is not a valid phone number.");
  });
});

describe('inbound webhooks: X-Twilio-Signature', () => {
  const token = fake.authToken;
  let receiver: http.Server;
  let url: string;
  const received: { valid: boolean; from: string | undefined; body: string | undefined }[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const params = formParams(Buffer.concat(chunks));
        // The URL Twilio was configured with: scheme, host, path and query exactly.
        const full = `http://${req.headers.host}${req.url}`;
        const valid = validateTwilioSignature(token, full, params, req.headers['x-twilio-signature'] as string | undefined);
        received.push({ valid, from: params.From as string, body: params.Body as string });
        res.writeHead(valid ? 200 : 403, { 'Content-Type': 'text/xml' });
        res.end('<Response/>');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/twilioSms?env=test&x=a%20b`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));
  beforeEach(() => {
    received.length = 0;
  });

  it('accepts a webhook signed as Twilio signs it', async () => {
    const res = await sendInboundSms(url, token, '+33612345678', 'ACK 12 & thanks');
    expect(res.status).toBe(200);
    expect(received).toEqual([{ valid: true, from: '+33612345678', body: 'ACK 12 & thanks' }]);
  });

  it.each([
    ['signed with another token', { signWith: 'not-the-token' }],
    ['signed for another URL', { signedUrl: 'https://elsewhere.example/twilioSms' }],
  ])('refuses a webhook %s', async (_name, opts) => {
    const res = await sendInboundSms(url, token, '+33612345678', 'ack', opts);
    expect(res.status).toBe(403);
    expect(received.map((r) => r.valid)).toEqual([false]);
  });

  it('refuses altered parameters, a missing signature, and an empty token', () => {
    const params = inboundSmsParams('+33612345678', 'ack');
    const signature = twilioSignature(token, 'https://hooks.example/twilioSms', params);
    expect(validateTwilioSignature(token, 'https://hooks.example/twilioSms', params, signature)).toBe(true);
    expect(validateTwilioSignature(token, 'https://hooks.example/twilioSms', { ...params, Body: 'ack 2' }, signature)).toBe(false);
    expect(validateTwilioSignature(token, 'https://hooks.example/twilioSms', params, undefined)).toBe(false);
    expect(validateTwilioSignature('', 'https://hooks.example/twilioSms', params, signature)).toBe(false);
    // Twilio may sign with or without the default port: both are accepted
    expect(validateTwilioSignature(token, 'https://hooks.example:443/twilioSms', params, signature)).toBe(true);
  });

  it('reads repeated form keys as lists', () => {
    expect(formParams('a=1&b=2&a=3&c=x%20y')).toEqual({ a: ['1', '3'], b: '2', c: 'x y' });
  });
});
