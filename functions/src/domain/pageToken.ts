// One-time acknowledgement links (contract §10: `GET /pageAck?t=<token>`).
// A page token is signed (HMAC-SHA256 with PAGE_LINK_SECRET), expires, and is
// bound to one incident, person and page. Single use is the integrator's: it
// creates a document named by the token's `id` (its nonce) with create(),
// which fails when the token was used before.
//
// Format v1, base64url without padding (about 140 characters for typical ids):
//   0x01 | exp (uint32 big-endian, Unix seconds) | incidentId | uid | pageId | nonce | MAC
// each string UTF-8 with a one-byte length in front (1-255 bytes), MAC = the
// first 16 bytes of HMAC-SHA256(secret, "page-token\0" | everything before it).
// 128 bits of MAC are plenty against online guessing and keep SMS links short.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const PAGE_TOKEN_VERSION = 1;
const MAC_BYTES = 16;
const PURPOSE = Buffer.from('page-token\0', 'utf8');

/** A suggested lifetime: a page is moot after a day. */
export const PAGE_TOKEN_TTL_SECONDS = 24 * 3_600;

export interface PageTokenClaims {
  incidentId: string;
  uid: string;
  pageId: string;
  /** Unique per token (random, from the caller: e.g. randomBytes(9).toString('base64url')); the single-use key. */
  nonce: string;
  /** Whole seconds (the token keeps seconds). */
  expiresAt: Date;
}

export type PageTokenFailure = 'malformed' | 'bad_signature' | 'expired';

export type PageTokenCheck =
  | { ok: true; claims: PageTokenClaims; /** The single-use key: the nonce. */ id: string }
  | { ok: false; reason: PageTokenFailure; message: string };

function requireSecret(secret: string): void {
  if (!secret) throw new RangeError('PAGE_LINK_SECRET is empty: page links cannot be signed or checked');
}

function mac(secret: string, payload: Buffer): Buffer {
  return createHmac('sha256', secret).update(PURPOSE).update(payload).digest().subarray(0, MAC_BYTES);
}

function field(name: string, value: string): Buffer {
  const b = Buffer.from(value, 'utf8');
  if (b.length < 1 || b.length > 255) throw new RangeError(`${name} must be 1 to 255 bytes of UTF-8 (got ${b.length})`);
  return Buffer.concat([Buffer.from([b.length]), b]);
}

/** Signs a token. Throws RangeError for an empty secret, an empty or over-long field, or an expiry outside 1970-2106. */
export function signPageToken(claims: PageTokenClaims, secret: string): string {
  requireSecret(secret);
  const exp = Math.floor(claims.expiresAt.getTime() / 1000);
  if (!Number.isFinite(exp) || exp < 0 || exp > 0xffffffff) throw new RangeError('expiresAt must be a date between 1970 and 2106');
  const head = Buffer.alloc(5);
  head.writeUInt8(PAGE_TOKEN_VERSION, 0);
  head.writeUInt32BE(exp, 1);
  const payload = Buffer.concat([head, field('incidentId', claims.incidentId), field('uid', claims.uid), field('pageId', claims.pageId), field('nonce', claims.nonce)]);
  return Buffer.concat([payload, mac(secret, payload)]).toString('base64url');
}

const malformed = (message: string): PageTokenCheck => ({ ok: false, reason: 'malformed', message });

/**
 * Checks a token: `malformed` (not one of ours), `bad_signature` (altered, or
 * signed with another secret), `expired`. The signature is checked before the
 * expiry, so a forged token never learns whether its dates were right.
 */
export function verifyPageToken(token: string | null | undefined, secret: string, now: Date): PageTokenCheck {
  requireSecret(secret);
  const t = (token ?? '').trim();
  if (!t) return malformed('no token');
  if (t.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(t)) return malformed('the token is not base64url text');
  const raw = Buffer.from(t, 'base64url');
  if (raw.length < 5 + 4 * 2 + MAC_BYTES) return malformed('the token is too short');
  if (raw[0] !== PAGE_TOKEN_VERSION) return malformed(`unknown token version ${raw[0]}`);
  const payload = raw.subarray(0, raw.length - MAC_BYTES);
  const strings: string[] = [];
  let at = 5;
  for (let i = 0; i < 4; i++) {
    const len = payload[at];
    if (len === undefined || len === 0 || at + 1 + len > payload.length) return malformed('the token is cut short or padded');
    strings.push(payload.subarray(at + 1, at + 1 + len).toString('utf8'));
    at += 1 + len;
  }
  if (at !== payload.length) return malformed('the token is cut short or padded');
  const expected = mac(secret, payload);
  const given = raw.subarray(raw.length - MAC_BYTES);
  if (!timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature', message: 'the token was not signed with this secret (or was altered)' };
  const exp = payload.readUInt32BE(1);
  const [incidentId, uid, pageId, nonce] = strings as [string, string, string, string];
  if (now.getTime() >= exp * 1000) return { ok: false, reason: 'expired', message: `the link expired at ${new Date(exp * 1000).toISOString()}` };
  return { ok: true, claims: { incidentId, uid, pageId, nonce, expiresAt: new Date(exp * 1000) }, id: nonce };
}

/** `https://…/pageAck` + `?t=<token>` (or `&t=` when the URL has a query already). */
export function ackLink(pageAckUrl: string, token: string): string {
  return `${pageAckUrl}${pageAckUrl.includes('?') ? '&' : '?'}t=${encodeURIComponent(token)}`;
}

// ---------------------------------------------------------------------------
// Calendar feed tokens (`GET /oncallCalendar/{schedule}.ics?token=…`): one per
// schedule, no expiry (a subscribed calendar must keep working); rotating
// PAGE_LINK_SECRET revokes them all. A different purpose string keeps them
// from ever being mistaken for page tokens.

const FEED_PURPOSE = 'oncall-calendar\0';

/** The feed token of a schedule: 22 base64url characters (128 bits). */
export function calendarFeedToken(secret: string, scheduleId: string): string {
  requireSecret(secret);
  return createHmac('sha256', secret).update(FEED_PURPOSE).update(scheduleId).digest().subarray(0, 16).toString('base64url');
}

/** Whether `token` is the schedule's feed token (constant time). */
export function verifyCalendarFeedToken(secret: string, scheduleId: string, token: string | null | undefined): boolean {
  const expected = createHash('sha256').update(calendarFeedToken(secret, scheduleId)).digest();
  const given = createHash('sha256').update(token ?? '').digest();
  return timingSafeEqual(expected, given) && (token ?? '').length > 0;
}
