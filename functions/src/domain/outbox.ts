// The outbox's rules, pure: what a notification document holds, its
// statuses, how often and how soon a failed delivery is tried again, which
// errors are worth another try, and the slots that keep an alert storm from
// flooding Slack. Storage is adapters/outbox.ts; delivery app/outbox.ts.
import type { StampedEffect } from './decision';
import type { Effect, Incident, Notice, OutboxPayload } from './types';

export type NotificationStatus = 'pending' | 'retrying' | 'sent' | 'skipped' | 'failed';
export const TERMINAL_STATUSES: readonly NotificationStatus[] = ['sent', 'skipped', 'failed'];
export const isTerminal = (s: NotificationStatus) => TERMINAL_STATUSES.includes(s);

/** A notification document: notifications/{id}. */
export interface NotificationDoc {
  incidentId: string;
  kind: OutboxPayload['kind'];
  effect: OutboxPayload;
  drill: boolean;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  notBefore: Date;
  /** Orders notifications created in the same instant. */
  seq: number;
  /** The Slack steps already done, by name, each recorded as soon as Slack answered. */
  progress?: Record<string, unknown>;
  nextAttemptAt?: Date | null;
}

export function notificationDoc(incidentId: string, payload: OutboxPayload, meta: { now: Date; drill: boolean }, seq = 0, notBefore: Date = meta.now): NotificationDoc {
  return { incidentId, kind: payload.kind, effect: payload, drill: meta.drill, status: 'pending', attempts: 0, lastError: null, createdAt: meta.now, notBefore, seq };
}

/** Every attempt counts, whatever failed: a notification is given up (failed, with its error) after this many. */
export const MAX_ATTEMPTS = 12;
/** The longest wait between two attempts. */
export const MAX_BACKOFF_MS = 300_000;

/** How long to wait before attempt `attempts + 1`: Slack's Retry-After when it gave one, else doubling from 1 s. */
export function backoffMs(attempts: number, retryAfterSeconds: number | null = null): number {
  if (retryAfterSeconds !== null) return Math.max(1000, retryAfterSeconds * 1000);
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempts - 1));
}

/** Slack platform errors that are worth another try. */
export const TRANSIENT_SLACK_ERRORS: ReadonlySet<string> = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'team_added_to_org']);

/** Slack errors that say the token itself does not work: every notification would fail the same way. */
export const TOKEN_ERRORS: ReadonlySet<string> = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'missing_scope', 'no_permission', 'ekm_access_denied']);

// ---------------------------------------------------------------------------
// Storm slots. Alert-count changes are posted in slots that start 10 s after
// the incident opened and double in length up to 5 minutes (10 s, 20 s, 40 s
// ... then every 300 s). Each slot yields at most one post.

const FIRST_SLOT_MS = 10_000;
const MAX_SLOT_MS = 300_000;

/** The slot a change at `at` falls in: its index and when it may be posted. */
export function countSlot(createdAt: Date, at: Date): { index: number; postAt: Date } {
  const age = Math.max(0, at.getTime() - createdAt.getTime());
  let boundary = FIRST_SLOT_MS;
  let step = FIRST_SLOT_MS;
  let index = 0;
  while (boundary < age) {
    step = Math.min(step * 2, MAX_SLOT_MS);
    boundary += step;
    index += 1;
  }
  return { index, postAt: new Date(createdAt.getTime() + boundary) };
}

/** The one "alerts changed" post of the slot that `at` falls in: every roll-up of that slot shares it. */
export function alertsChangedEffect(incident: Pick<Incident, 'id' | 'createdAt'>, at: Date): StampedEffect {
  const slot = countSlot(incident.createdAt, at);
  const effect: Effect = { kind: 'alerts_changed' };
  return { id: `${incident.id}_alerts_${slot.index}`, effect, notBefore: slot.postAt, coalesced: true };
}

/** Outbox messages that are not incident effects keep their own kinds. */
export const isNotice = (p: OutboxPayload): p is Notice => ['slack_reply', 'reminder', 'overdue', 'message', 'silence_reminder'].includes(p.kind);

/** Notices that belong to no incident: their `incidentId` only orders and leases them (`silence-<id>`). */
export const STANDALONE_KINDS: readonly OutboxPayload['kind'][] = ['silence_reminder'];
