// Webhook credentials and roles: who may send alerts and deploys, with which
// token, in which place, and how fresh a signed request must be.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type AlertWebhookDeps, handleAlertWebhook, type HttpRequestLike } from '../../functions/src/app/alertWebhook';
import { handleDeployWebhook } from '../../functions/src/app/deploys';
import { checkAlertCredential, headerTokenMatches, parseSourceTokens, QUERY_TOKEN_SOURCES, timestampProblem } from '../../functions/src/domain/auth';
import { hasRole, roleFromClaims } from '../../functions/src/domain/roles';
import { ALERT_SOURCES, type AlertSource } from '../../functions/src/domain/types';

const NOW = new Date('2026-12-01T12:00:00Z');
const nowSeconds = NOW.getTime() / 1000;
const SHARED = 'shared-token';
const body = Buffer.from(JSON.stringify({ title: 'Disk full', service: 'db' }));
const hmac = (secret: string, message: string | Buffer) => createHmac('sha256', secret).update(message).digest('hex');

function check(source: AlertSource, over: { headers?: Record<string, string>; query?: Record<string, unknown>; sourceTokens?: Record<string, string>; sharedToken?: string | null; rawBody?: Buffer } = {}) {
  return checkAlertCredential({
    source,
    headers: over.headers ?? {},
    query: over.query ?? {},
    rawBody: over.rawBody ?? body,
    now: NOW,
    sharedToken: over.sharedToken === undefined ? SHARED : over.sharedToken,
    sourceTokens: over.sourceTokens ?? {},
    grafanaSecret: 'grafana-secret',
    sentrySecret: 'sentry-secret',
  });
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('checkAlertCredential: where a token may be', () => {
  it('a token in the Authorization header (Bearer or Basic) works for every source', () => {
    for (const source of ALERT_SOURCES) {
      expect(check(source, { headers: bearer(SHARED) })).toEqual({ ok: true, via: 'token' });
      const basic = { authorization: `Basic ${Buffer.from(`alertmanager:${SHARED}`).toString('base64')}` };
      expect(check(source, { headers: basic })).toEqual({ ok: true, via: 'token' });
    }
  });

  it('?token= only for Cloud Monitoring and Sentry, which cannot send headers', () => {
    expect(QUERY_TOKEN_SOURCES).toEqual(['cloud-monitoring', 'sentry']);
    expect(check('cloud-monitoring', { query: { token: SHARED } })).toEqual({ ok: true, via: 'query token' });
    expect(check('sentry', { query: { token: SHARED } })).toEqual({ ok: true, via: 'query token' });
    for (const source of ['alertmanager', 'grafana', 'datadog', 'generic'] as const) {
      const r = check(source, { query: { token: SHARED } });
      expect(r).toEqual({
        ok: false,
        error: `unauthorized: ?token= is not accepted for ${source}, only for cloud-monitoring and sentry (senders that cannot set headers). Send "Authorization: Bearer <token>", or HTTP Basic with the token as password.`,
      });
    }
  });

  it('a wrong or missing credential is refused, saying how to send one', () => {
    expect(check('generic', { headers: bearer('nope') })).toEqual({
      ok: false,
      error: 'unauthorized: a missing or wrong credential. Send "Authorization: Bearer <token>", or HTTP Basic with the token as password.',
    });
    expect(check('sentry')).toEqual({
      ok: false,
      error: 'unauthorized: a missing or wrong credential. Send "Authorization: Bearer <token>", HTTP Basic with the token as password, or ?token=<token>.',
    });
    expect(check('generic', { headers: bearer(SHARED), sharedToken: null })).toEqual({
      ok: false,
      error: 'unauthorized: no token for generic is configured on the server (ALERT_WEBHOOK_TOKEN, or generic in ALERT_WEBHOOK_TOKENS). Send "Authorization: Bearer <token>", or HTTP Basic with the token as password.',
    });
  });
});

describe('checkAlertCredential: a token per source (ALERT_WEBHOOK_TOKENS)', () => {
  const sourceTokens = { sentry: 'sentry-only', 'cloud-monitoring': 'monitoring-only' };

  it("a source with its own token accepts that token and no longer the shared one, which still works for the others", () => {
    expect(check('sentry', { query: { token: 'sentry-only' }, sourceTokens })).toEqual({ ok: true, via: 'query token' });
    expect(check('sentry', { headers: bearer('sentry-only'), sourceTokens })).toEqual({ ok: true, via: 'token' });
    expect(check('sentry', { query: { token: SHARED }, sourceTokens }).ok).toBe(false);
    expect(check('cloud-monitoring', { query: { token: 'sentry-only' }, sourceTokens }).ok).toBe(false);
    expect(check('generic', { headers: bearer('sentry-only'), sourceTokens }).ok).toBe(false);
    expect(check('generic', { headers: bearer(SHARED), sourceTokens })).toEqual({ ok: true, via: 'token' });
  });

  it('without a shared token, only the sources with their own token accept anything', () => {
    expect(check('sentry', { headers: bearer('sentry-only'), sourceTokens, sharedToken: null })).toEqual({ ok: true, via: 'token' });
    expect(check('generic', { headers: bearer(SHARED), sourceTokens, sharedToken: null }).ok).toBe(false);
  });

  it('parseSourceTokens reads a JSON object of sources and says what is wrong with anything else', () => {
    expect(parseSourceTokens(null)).toEqual({ ok: true, tokens: {} });
    expect(parseSourceTokens('{"sentry": "a", "cloud-monitoring": " b "}')).toEqual({ ok: true, tokens: { sentry: 'a', 'cloud-monitoring': 'b' } });
    expect(parseSourceTokens('sentry=a')).toEqual({
      ok: false,
      error: 'ALERT_WEBHOOK_TOKENS is not JSON: set it to an object such as {"sentry": "<token>", "cloud-monitoring": "<token>"}',
    });
    expect(parseSourceTokens('{"pagerduty": "x"}')).toEqual({
      ok: false,
      error: 'ALERT_WEBHOOK_TOKENS: Unrecognized key: "pagerduty" (keys are sources: alertmanager, grafana, datadog, cloud-monitoring, sentry, generic, heartbeat; values are tokens)',
    });
    expect(parseSourceTokens('{"sentry": ""}')).toEqual({
      ok: false,
      error: 'ALERT_WEBHOOK_TOKENS: sentry: a token may not be empty (keys are sources: alertmanager, grafana, datadog, cloud-monitoring, sentry, generic, heartbeat; values are tokens)',
    });
    expect(parseSourceTokens('["sentry"]').ok).toBe(false);
  });
});

describe('checkAlertCredential: replayed signed requests', () => {
  const grafana = (ts: string | null, raw = body) => ({
    'x-grafana-alerting-signature': hmac('grafana-secret', ts === null ? raw : Buffer.concat([Buffer.from(`${ts}:`), raw])),
    ...(ts === null ? {} : { 'x-grafana-alerting-signature-timestamp': ts }),
  });
  const sentry = (ts: string | null) => ({ 'sentry-hook-signature': hmac('sentry-secret', body), ...(ts === null ? {} : { 'sentry-hook-timestamp': ts }) });

  it("Grafana's signed timestamp: at most 5 minutes old", () => {
    expect(check('grafana', { headers: grafana(String(nowSeconds - 299)) })).toEqual({ ok: true, via: 'grafana signature' });
    expect(check('grafana', { headers: grafana(String(nowSeconds - 301)) })).toEqual({
      ok: false,
      error: 'unauthorized: X-Grafana-Alerting-Signature-Timestamp is 301 s old (more than 300 s): a replayed or delayed request is refused',
    });
    expect(check('grafana', { headers: grafana(String(nowSeconds + 3600)) })).toEqual({
      ok: false,
      error: "unauthorized: X-Grafana-Alerting-Signature-Timestamp is 3600 s in the future (more than 300 s): check the sender's clock",
    });
    // Without a timestamp header Grafana signs the body alone (its timestamp is optional): accepted.
    expect(check('grafana', { headers: grafana(null) })).toEqual({ ok: true, via: 'grafana signature' });
  });

  it('a stale Grafana timestamp is refused even with a valid token beside it', () => {
    const headers = { ...bearer(SHARED), 'x-grafana-alerting-signature-timestamp': String(nowSeconds - 3600) };
    expect(check('grafana', { headers }).ok).toBe(false);
  });

  it("Sentry-Hook-Timestamp: required with Sentry's signature, at most 5 minutes old, in seconds or milliseconds", () => {
    expect(check('sentry', { headers: sentry(String(nowSeconds - 10)) })).toEqual({ ok: true, via: 'sentry signature' });
    expect(check('sentry', { headers: sentry(String((nowSeconds - 10) * 1000)) })).toEqual({ ok: true, via: 'sentry signature' });
    expect(check('sentry', { headers: sentry(String(nowSeconds - 600)) })).toEqual({
      ok: false,
      error: 'unauthorized: Sentry-Hook-Timestamp is 600 s old (more than 300 s): a replayed or delayed request is refused',
    });
    expect(check('sentry', { headers: sentry(null) })).toEqual({
      ok: false,
      error: 'unauthorized: Sentry-Hook-Timestamp is missing: a signed Sentry request carries the time it was sent, and older than 5 minutes is refused',
    });
    expect(check('sentry', { headers: sentry('yesterday') })).toEqual({ ok: false, error: 'unauthorized: Sentry-Hook-Timestamp is not a Unix time (seconds): "yesterday"' });
    // With ?token= (Sentry's legacy webhooks send no timestamp) the timestamp is checked when present.
    expect(check('sentry', { query: { token: SHARED } })).toEqual({ ok: true, via: 'query token' });
    expect(check('sentry', { query: { token: SHARED }, headers: { 'sentry-hook-timestamp': String(nowSeconds - 900) } }).ok).toBe(false);
  });

  it('timestampProblem accepts the window on both sides', () => {
    expect(timestampProblem('T', String(nowSeconds), NOW)).toBeNull();
    expect(timestampProblem('T', String(nowSeconds - 300), NOW)).toBeNull();
    expect(timestampProblem('T', String(nowSeconds + 300), NOW)).toBeNull();
    expect(timestampProblem('T', `${nowSeconds - 1}.25`, NOW)).toBeNull();
    expect(timestampProblem('T', '-5', NOW)).toBe('T is not a Unix time (seconds): "-5"');
  });
});

describe('sourceTokensOf: ALERT_WEBHOOK_TOKENS as the function reads it', () => {
  it('outside the emulator a per-source token left at a published default, or short, is ignored (its source takes the shared token)', async () => {
    const { sourceTokensOf } = await import('../../functions/src/app/httpAdapters');
    const raw = JSON.stringify({ sentry: 'test-monitoring-token', 'cloud-monitoring': 'short', generic: 'a2f9c1e07b5d4e3f8a6b' });
    expect(sourceTokensOf(raw, false)).toEqual({ generic: 'a2f9c1e07b5d4e3f8a6b' });
    expect(sourceTokensOf(raw, true)).toEqual({ sentry: 'test-monitoring-token', 'cloud-monitoring': 'short', generic: 'a2f9c1e07b5d4e3f8a6b' });
    expect(sourceTokensOf('not json', false)).toEqual({});
    expect(sourceTokensOf(null, false)).toEqual({});
  });
});

describe('handleAlertWebhook: the credential check answers 401 with its reason', () => {
  const deps = (over: Partial<AlertWebhookDeps> = {}): AlertWebhookDeps & { published: number } => {
    const d = {
      published: 0,
      token: SHARED,
      grafanaSecret: null,
      sentrySecret: 'sentry-secret',
      now: () => NOW,
      async publish() {
        d.published += 1;
        return 'm-1';
      },
      async storeRejected() {
        return 'r-1';
      },
      log: { accepted: () => undefined, rejected: () => undefined, publishFailed: () => undefined },
      ...over,
    };
    return d;
  };
  const req = (path: string, over: Partial<HttpRequestLike> = {}): HttpRequestLike => ({ method: 'POST', path, headers: {}, query: {}, rawBody: body, ...over });

  it('?token= on a source that can send headers: 401, nothing published', async () => {
    const d = deps();
    const r = await handleAlertWebhook(req('/generic', { query: { token: SHARED } }), d);
    expect(r.status).toBe(401);
    expect(r.body.error).toMatch(/^unauthorized: \?token= is not accepted for generic/);
    expect(d.published).toBe(0);
    expect((await handleAlertWebhook(req('/generic', { headers: bearer(SHARED) }), d)).status).toBe(202);
    expect(d.published).toBe(1);
  });

  it('per-source tokens come in through the deps', async () => {
    const d = deps({ sourceTokens: { generic: 'generic-only' } });
    expect((await handleAlertWebhook(req('/generic', { headers: bearer(SHARED) }), d)).status).toBe(401);
    expect((await handleAlertWebhook(req('/generic', { headers: bearer('generic-only') }), d)).status).toBe(202);
  });

  it("a signed Sentry request older than 5 minutes: 401 naming the header, checked against the deps' clock", async () => {
    const sentryBody = Buffer.from(JSON.stringify({ action: 'triggered', data: { event: { title: 'x' } } }));
    const headers = { 'sentry-hook-signature': hmac('sentry-secret', sentryBody), 'sentry-hook-timestamp': String(nowSeconds - 400) };
    const d = deps();
    const r = await handleAlertWebhook(req('/sentry', { headers, rawBody: sentryBody }), d);
    expect(r).toMatchObject({ status: 401, body: { error: 'unauthorized: Sentry-Hook-Timestamp is 400 s old (more than 300 s): a replayed or delayed request is refused' } });
    expect(d.published).toBe(0);
  });
});

describe('handleDeployWebhook: the token only in the Authorization header', () => {
  const req = (over: Partial<HttpRequestLike>): HttpRequestLike => ({ method: 'POST', path: '/', headers: {}, query: {}, rawBody: Buffer.from('{}'), ...over });

  it('?token= is refused with a 401 that says so (a token in a URL ends up in logs)', async () => {
    const r = await handleDeployWebhook(req({ query: { token: 'deploy-token' } }), 'deploy-token', NOW);
    expect(r).toEqual({
      status: 401,
      body: { error: 'unauthorized: ?token= is not accepted by the deploy webhook. Send "Authorization: Bearer <DEPLOY_WEBHOOK_TOKEN>"' },
      headers: { 'WWW-Authenticate': 'Bearer realm="deploys"' },
    });
    expect(headerTokenMatches({ authorization: 'Bearer deploy-token' }, 'deploy-token')).toBe(true);
    expect(headerTokenMatches({}, 'deploy-token')).toBe(false);
    expect(headerTokenMatches({ authorization: 'Bearer deploy-token' }, null)).toBe(false);
  });
});

describe('roles', () => {
  it('reads the custom claim, and only the three roles', () => {
    expect(roleFromClaims({ role: 'responder' })).toBe('responder');
    expect(roleFromClaims({ role: 'superuser' })).toBeNull();
    expect(roleFromClaims({ role: ['admin'] })).toBeNull();
    expect(roleFromClaims({})).toBeNull();
    expect(roleFromClaims(null)).toBeNull();
  });

  it('climbs viewer < responder < admin; no role is below all', () => {
    expect(hasRole('admin', 'responder')).toBe(true);
    expect(hasRole('responder', 'responder')).toBe(true);
    expect(hasRole('viewer', 'responder')).toBe(false);
    expect(hasRole(null, 'viewer')).toBe(false);
    expect(hasRole('viewer', 'viewer')).toBe(true);
  });
});
