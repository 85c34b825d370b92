// Pure formatting helpers for the console: no DOM, no Firebase, no clock
// (the caller passes `now`), so the unit tests run them in Node.
import { formatDuration } from '../../../functions/src/domain/duration';
import { localTime } from '../../../functions/src/domain/timeZones';

/** Anything Firestore may hand back for a time: a Timestamp, a Date, millis, an ISO string. */
export function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v === 'number') return Number.isFinite(v) ? new Date(v) : null;
  if (typeof v === 'string') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  if (typeof v === 'object') {
    const o = v as { toDate?: unknown; seconds?: unknown; nanoseconds?: unknown };
    if (typeof o.toDate === 'function') return toDate((o.toDate as () => unknown).call(v));
    if (typeof o.seconds === 'number') return new Date(o.seconds * 1000 + (typeof o.nanoseconds === 'number' ? o.nanoseconds / 1e6 : 0));
  }
  return null;
}

/**
 * Whether a postmortem's markdown export was rendered from its stored text:
 * the pipeline renders it beside the postmortem (postmortems/{id}/exports/markdown)
 * a moment after each save, stamped `markdownOf` with the `updatedAt` it was
 * rendered for. No export yet, or a save still in flight (no server
 * `updatedAt`), is not current.
 */
export function markdownCurrent(pm: { updatedAt?: unknown }, exported: { markdownOf?: unknown } | null): boolean {
  const of = toDate(exported?.markdownOf);
  const updated = toDate(pm.updatedAt);
  return of !== null && updated !== null && of.getTime() === updated.getTime();
}

/**
 * How long ago, in the words used everywhere (`12 s`, `4 min 12 s`, `1 h 5 min`):
 * whole seconds; a clock slightly ahead of ours counts as zero.
 */
export function formatAge(ms: number): string {
  return formatDuration(Math.max(0, Math.floor(ms / 1000)));
}

/** `4 min 12 s ago`, or `-` without a time. */
export function since(at: unknown, now: number): string {
  const d = toDate(at);
  return d ? `${formatAge(now - d.getTime())} ago` : '-';
}

/** `2026-11-27 14:03:09` in the given IANA time zone (default: the browser's). */
export function formatDateTime(at: unknown, timeZone?: string): string {
  const d = toDate(at);
  if (!d) return '-';
  const { date, time } = localTime(d, timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
  return `${date} ${time}`;
}

/** `YYYY-MM-DD` (UTC) for a date input; '' without a date. */
export function toDateInput(at: unknown): string {
  const d = toDate(at);
  return d ? d.toISOString().slice(0, 10) : '';
}

/** The Date (UTC midnight) a date input's `YYYY-MM-DD` stands for; null when empty or invalid. */
export function fromDateInput(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const d = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Who did something, for people: `you`, `pipeline`, `Slack U123`, else the uid. */
export function actorLabel(actor: unknown, myUid: string | null): string {
  if (typeof actor !== 'string' || actor === '') return '-';
  if (myUid && actor === myUid) return 'you';
  if (actor === 'system') return 'pipeline';
  if (actor.startsWith('slack:')) return `Slack ${actor.slice('slack:'.length)}`;
  return actor;
}

/** Only http(s) links are shown as links (alert payloads are not trusted: no `javascript:` URLs). */
export function safeUrl(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Words for a Firestore or Auth error code, for people rather than logs. */
export function explainError(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const message = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'permission-denied':
    case 'firestore/permission-denied':
      return 'the security rules refused it: your role does not allow this';
    case 'unavailable':
    case 'firestore/unavailable':
      return 'Firestore cannot be reached (offline, or the emulator is not running)';
    case 'unauthenticated':
      return 'you are signed out: sign in again';
    case 'auth/invalid-credential':
    case 'auth/wrong-password':
    case 'auth/user-not-found':
    case 'auth/invalid-login-credentials':
      return 'wrong email or password';
    case 'auth/invalid-email':
      return 'that is not a valid email address';
    case 'auth/too-many-requests':
      return 'too many attempts: wait a moment and try again';
    case 'auth/network-request-failed':
      return 'the sign-in service cannot be reached (is the Auth emulator running?)';
    case 'auth/popup-closed-by-user':
    case 'auth/cancelled-popup-request':
      return 'the sign-in window was closed before signing in';
    case 'auth/popup-blocked':
      return 'the browser blocked the sign-in window: allow pop-ups for this site';
    default:
      return message || 'something went wrong';
  }
}
