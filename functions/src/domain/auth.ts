// Webhook credentials: shared tokens and HMAC signatures, compared in constant time.
import { createHmac, timingSafeEqual, createHash } from 'node:crypto';

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

/** The credential a request presents: Bearer, Basic (the password), or a `token` query parameter. */
export function presentedToken(headers: Headers, query: Record<string, unknown>): string | null {
  const auth = header(headers, 'authorization')?.trim();
  if (auth) {
    const [scheme, ...rest] = auth.split(/\s+/);
    const value = rest.join(' ');
    if (scheme?.toLowerCase() === 'bearer' && value) return value;
    if (scheme?.toLowerCase() === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon >= 0 ? decoded.slice(colon + 1) : decoded;
    }
  }
  const q = query.token;
  if (typeof q === 'string' && q) return q;
  return null;
}

export function tokenMatches(headers: Headers, query: Record<string, unknown>, expected: string | null): boolean {
  if (!expected) return false;
  const presented = presentedToken(headers, query);
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
