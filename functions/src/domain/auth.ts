// Webhook credentials: shared tokens and HMAC signatures, compared in constant time.
import { createHmac, timingSafeEqual, createHash } from 'node:crypto';
import { z } from 'zod';
import { ALERT_SOURCES, type AlertSource } from './types';

export type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Constant-time string equality (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** The token in the Authorization header: Bearer, or Basic (the password); null when there is none. */
export function headerToken(headers: Headers): string | null {
  const auth = header(headers, 'authorization')?.trim();
  if (!auth) return null;
  const [scheme, ...rest] = auth.split(/\s+/);
  const value = rest.join(' ');
  if (scheme?.toLowerCase() === 'bearer' && value) return value;
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  return null;
}

/** The `token` query parameter, or null. */
export function queryToken(query: Record<string, unknown>): string | null {
  const q = query.token;
  return typeof q === 'string' && q ? q : null;
}

/** Whether the Authorization header carries `expected`. A `?token=` is never looked at. */
export function headerTokenMatches(headers: Headers, expected: string | null): boolean {
  if (!expected) return false;
  const presented = headerToken(headers);
  return presented !== null && safeEqual(presented, expected);
}

export function hmacHex(secret: string, message: Buffer | string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/** Grafana's X-Grafana-Alerting-Signature: HMAC-SHA256 of the body, or of "timestamp:body" when a timestamp header is sent. */
export function grafanaSignatureValid(headers: Headers, rawBody: Buffer, secret: string | null): boolean {
  const sig = header(headers, 'x-grafana-alerting-signature');
  if (!secret || !sig) return false;
  const ts = header(headers, 'x-grafana-alerting-signature-timestamp');
  const message = ts ? Buffer.concat([Buffer.from(`${ts}:`), rawBody]) : rawBody;
  return safeEqual(sig.trim().toLowerCase(), hmacHex(secret, message));
}

/** Sentry's Sentry-Hook-Signature: HMAC-SHA256 of the body with the integration's client secret. */
export function sentrySignatureValid(headers: Headers, rawBody: Buffer, secret: string | null): boolean {
  const sig = header(headers, 'sentry-hook-signature');
  if (!secret || !sig) return false;
  return safeEqual(sig.trim().toLowerCase(), hmacHex(secret, rawBody));
}

// ---------------------------------------------------------------------------
// The alert webhook's credential policy.

/**
 * Sources whose senders can only be given a URL (Cloud Monitoring's token
 * auth, Sentry): the only ones where `?token=` is accepted. A token in a URL
 * ends up in logs and configuration screens; every other sender sets headers.
 */
export const QUERY_TOKEN_SOURCES: readonly AlertSource[] = ['cloud-monitoring', 'sentry'];

/** How far a sender's own timestamp may be from now, in either direction (replays). */
export const WEBHOOK_TIMESTAMP_WINDOW_SECONDS = 5 * 60;

/** Why a sender's timestamp header (Unix seconds) is not acceptable at `now`, or null when it is. */
export function timestampProblem(name: string, value: string, now: Date): string | null {
  const v = value.trim();
  if (!/^\d{1,13}(\.\d+)?$/.test(v)) return `${name} is not a Unix time (seconds): ${JSON.stringify(v.slice(0, 40))}`;
  let seconds = Number(v);
  if (seconds > 1e11) seconds /= 1000; // milliseconds
  const age = now.getTime() / 1000 - seconds;
  if (age > WEBHOOK_TIMESTAMP_WINDOW_SECONDS) {
    return `${name} is ${Math.round(age)} s old (more than ${WEBHOOK_TIMESTAMP_WINDOW_SECONDS} s): a replayed or delayed request is refused`;
  }
  if (-age > WEBHOOK_TIMESTAMP_WINDOW_SECONDS) {
    return `${name} is ${Math.round(-age)} s in the future (more than ${WEBHOOK_TIMESTAMP_WINDOW_SECONDS} s): check the sender's clock`;
  }
  return null;
}

export type SourceTokens = Partial<Record<AlertSource, string>>;

const sourceTokensSchema = z.partialRecord(z.enum(ALERT_SOURCES), z.string().trim().min(1, 'a token may not be empty'));

/**
 * The secret ALERT_WEBHOOK_TOKENS: a JSON object of per-source tokens, e.g.
 * `{"sentry": "…", "cloud-monitoring": "…"}`. null (unset or `none`) = no
 * per-source tokens. A source listed here accepts its own token only.
 */
export function parseSourceTokens(value: string | null): { ok: true; tokens: SourceTokens } | { ok: false; error: string } {
  if (value === null) return { ok: true, tokens: {} };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { ok: false, error: 'ALERT_WEBHOOK_TOKENS is not JSON: set it to an object such as {"sentry": "<token>", "cloud-monitoring": "<token>"}' };
  }
  const parsed = sourceTokensSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ok: false, error: `ALERT_WEBHOOK_TOKENS: ${where}${issue?.message ?? 'invalid'} (keys are sources: ${ALERT_SOURCES.join(', ')}; values are tokens)` };
  }
  return { ok: true, tokens: parsed.data as SourceTokens };
}

export interface AlertCredentialInput {
  source: AlertSource;
  headers: Headers;
  query: Record<string, unknown>;
  rawBody: Buffer;
  now: Date;
  /** ALERT_WEBHOOK_TOKEN, for every source without a token of its own. */
  sharedToken: string | null;
  /** ALERT_WEBHOOK_TOKENS: a source's own token replaces the shared one. */
  sourceTokens: SourceTokens;
  grafanaSecret: string | null;
  sentrySecret: string | null;
}

export type CredentialCheck = { ok: true; via: 'token' | 'query token' | 'grafana signature' | 'sentry signature' } | { ok: false; error: string };

/**
 * Whether an alert request is authorized, and if not, what to tell the sender.
 * A token (the source's own, else the shared one) in the Authorization header;
 * `?token=` only for QUERY_TOKEN_SOURCES; Grafana's and Sentry's HMAC
 * signatures when their secrets are set. The sender's own timestamp, when it
 * sends one (Grafana signs it; Sentry always sends Sentry-Hook-Timestamp, and
 * a signed Sentry request must), may be at most 5 minutes from now.
 */
export function checkAlertCredential(input: AlertCredentialInput): CredentialCheck {
  const { source, headers, query, rawBody } = input;
  const expected = input.sourceTokens[source] ?? input.sharedToken;
  const allowQuery = QUERY_TOKEN_SOURCES.includes(source);
  const fromHeader = headerToken(headers);
  const fromQuery = queryToken(query);
  let via: (CredentialCheck & { ok: true })['via'] | null = null;
  if (expected && fromHeader !== null && safeEqual(fromHeader, expected)) via = 'token';
  else if (expected && allowQuery && fromQuery !== null && safeEqual(fromQuery, expected)) via = 'query token';
  else if (source === 'grafana' && grafanaSignatureValid(headers, rawBody, input.grafanaSecret)) via = 'grafana signature';
  else if (source === 'sentry' && sentrySignatureValid(headers, rawBody, input.sentrySecret)) via = 'sentry signature';

  const ways = allowQuery
    ? 'Send "Authorization: Bearer <token>", HTTP Basic with the token as password, or ?token=<token>'
    : 'Send "Authorization: Bearer <token>", or HTTP Basic with the token as password';
  if (!via) {
    if (fromQuery !== null && fromHeader === null && !allowQuery) {
      return { ok: false, error: `unauthorized: ?token= is not accepted for ${source}, only for ${QUERY_TOKEN_SOURCES.join(' and ')} (senders that cannot set headers). ${ways}.` };
    }
    if (!expected) {
      return { ok: false, error: `unauthorized: no token for ${source} is configured on the server (ALERT_WEBHOOK_TOKEN, or ${source} in ALERT_WEBHOOK_TOKENS). ${ways}.` };
    }
    return { ok: false, error: `unauthorized: a missing or wrong credential. ${ways}.` };
  }

  const stampHeader = source === 'grafana' ? 'X-Grafana-Alerting-Signature-Timestamp' : source === 'sentry' ? 'Sentry-Hook-Timestamp' : null;
  const stamp = stampHeader ? header(headers, stampHeader) : undefined;
  if (via === 'sentry signature' && !stamp) {
    return { ok: false, error: 'unauthorized: Sentry-Hook-Timestamp is missing: a signed Sentry request carries the time it was sent, and older than 5 minutes is refused' };
  }
  if (stampHeader && stamp !== undefined) {
    const problem = timestampProblem(stampHeader, stamp, input.now);
    if (problem) return { ok: false, error: `unauthorized: ${problem}` };
  }
  return { ok: true, via };
}
