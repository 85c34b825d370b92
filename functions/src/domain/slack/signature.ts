// Slack's v0 request signature (slash commands and button clicks):
//   X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>")>
//   X-Slack-Request-Timestamp: <unix seconds>
// A request more than five minutes from `now`, in either direction, is refused,
// and one seen before inside that window is a replay (slackRequestId names it).
import { createHash } from 'node:crypto';
import { hmacHex, safeEqual } from '../auth';

/** How far a request's timestamp may be from now, in seconds. */
export const SLACK_SIGNATURE_WINDOW_SECONDS = 5 * 60;

export interface SlackSignatureInput {
  rawBody: Buffer | string;
  /** The X-Slack-Request-Timestamp header. */
  timestamp: string | undefined;
  /** The X-Slack-Signature header. */
  signature: string | undefined;
  /** SLACK_SIGNING_SECRET; null when it is not configured. */
  secret: string | null;
  now: Date;
}

export type SlackSignatureResult = { ok: true } | { ok: false; reason: string };

function baseString(timestamp: string, body: Buffer | string): Buffer {
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(`v0:${timestamp}:`, 'utf8'), raw]);
}

/** The `X-Slack-Signature` value Slack would send for this body (tests and the fake Slack use it). */
export function signSlackRequest(secret: string, timestamp: string | number, body: Buffer | string): string {
  return `v0=${hmacHex(secret, baseString(String(timestamp), body))}`;
}

export function verifySlackSignature(input: SlackSignatureInput): SlackSignatureResult {
  const { rawBody, secret, now } = input;
  if (!secret) return { ok: false, reason: 'no Slack signing secret is configured (SLACK_SIGNING_SECRET)' };
  const timestamp = input.timestamp?.trim();
  const signature = input.signature?.trim();
  if (!timestamp) return { ok: false, reason: 'missing X-Slack-Request-Timestamp header' };
  if (!signature) return { ok: false, reason: 'missing X-Slack-Signature header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'X-Slack-Request-Timestamp is not a number of seconds' };
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (!(skew <= SLACK_SIGNATURE_WINDOW_SECONDS)) {
    return { ok: false, reason: `request timestamp is ${Math.round(skew)} s from now (more than ${SLACK_SIGNATURE_WINDOW_SECONDS} s): possible replay` };
  }
  if (!signature.startsWith('v0=')) return { ok: false, reason: 'X-Slack-Signature is not a v0 signature' };
  const expected = signSlackRequest(secret, timestamp, rawBody);
  if (!safeEqual(signature.toLowerCase(), expected)) return { ok: false, reason: 'X-Slack-Signature does not match the request body' };
  return { ok: true };
}

/**
 * The id of one signed request: a hash of its timestamp and signature (the
 * signature covers the body). A replay inside the five-minute window has the
 * same id; the caller records each id once, for a little longer than the window.
 */
export function slackRequestId(timestamp: string, signature: string): string {
  return createHash('sha256').update(`${timestamp.trim()}:${signature.trim().toLowerCase()}`).digest('hex');
}

/** How long a request id is kept: the window on both sides (a request may be up to 5 minutes early or late), plus a minute. */
export const SLACK_REQUEST_ID_TTL_SECONDS = 2 * SLACK_SIGNATURE_WINDOW_SECONDS + 60;
