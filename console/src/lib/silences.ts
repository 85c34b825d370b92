// The silences page's pure helpers: a silence's state, the document the form
// writes (what firestore.rules accepts: matchers, startsAt, endsAt, createdBy,
// comment, createdAt), and the matchers an incident suggests. The matcher text
// is the grammar of `/incident silence` (domain/matchText.ts, no zod).
import type { MatchBlock } from '../../../functions/src/domain/match';
import { formatMatch, parseMatchText } from '../../../functions/src/domain/matchText';
import { toDate } from './format';

/** As policy.yaml's default `silences.maxDays` and firestore.rules' 30-day bound. */
export const MAX_SILENCE_DAYS = 30;
export const MAX_COMMENT = 1000;

export interface SilenceRow {
  id: string;
  matchers?: MatchBlock;
  startsAt?: unknown;
  endsAt?: unknown;
  createdBy?: string;
  comment?: string;
  expiredAt?: unknown;
  expiredBy?: string | null;
  /** Set by onSilenceWritten when it cannot use the document. */
  problem?: string | null;
  [key: string]: unknown;
}

export type SilenceState = 'upcoming' | 'active' | 'expired';

/** When it stops holding: endsAt, or when someone expired it, whichever is first (as domain/silences.ts). */
export function silenceEndOf(s: SilenceRow): Date | null {
  const ends = toDate(s.endsAt);
  const expired = toDate(s.expiredAt);
  if (!ends) return expired;
  return expired && expired.getTime() < ends.getTime() ? expired : ends;
}

export function silenceStateOf(s: SilenceRow, now: number): SilenceState {
  const end = silenceEndOf(s);
  const start = toDate(s.startsAt);
  if (!end || now >= end.getTime()) return 'expired';
  return start && now < start.getTime() ? 'upcoming' : 'active';
}

/** Active first (ending soonest first), then upcoming (starting soonest), then expired (latest end first). */
export function groupSilences(rows: readonly SilenceRow[], now: number): Record<SilenceState, SilenceRow[]> {
  const out: Record<SilenceState, SilenceRow[]> = { active: [], upcoming: [], expired: [] };
  for (const r of rows) out[silenceStateOf(r, now)].push(r);
  const t = (d: Date | null) => d?.getTime() ?? 0;
  out.active.sort((a, b) => t(silenceEndOf(a)) - t(silenceEndOf(b)));
  out.upcoming.sort((a, b) => t(toDate(a.startsAt)) - t(toDate(b.startsAt)));
  out.expired.sort((a, b) => t(silenceEndOf(b)) - t(silenceEndOf(a)));
  return out;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `90m`, `2h`, `1d12h`, `1w` in milliseconds, or null. */
export function parseSilenceDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (!/^(\d+[mhdw])+$/.test(t)) return null;
  let ms = 0;
  for (const [, n, u] of t.matchAll(/(\d+)([mhdw])/g)) ms += Number(n) * (UNITS[u as string] ?? 0);
  return ms > 0 ? ms : null;
}

/** A datetime-local input's `YYYY-MM-DDTHH:MM`, in the browser's time zone; null when empty or invalid. */
export function fromDateTimeLocal(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export interface SilenceForm {
  matchers: string;
  /** '' for now. */
  startsAt: Date | null;
  duration: string;
  comment: string;
}

export type NewSilence = { matchers: MatchBlock; startsAt: Date; endsAt: Date; createdBy: string; comment: string };

/** The document to write, or the first thing wrong with the form (named by its field). */
export function silenceFromForm(form: SilenceForm, uid: string, now: number): { ok: true; silence: NewSilence } | { ok: false; field: keyof SilenceForm; error: string } {
  const m = parseMatchText(form.matchers);
  if (!m.ok) return { ok: false, field: 'matchers', error: m.error };
  const ms = parseSilenceDuration(form.duration);
  if (ms === null) return { ok: false, field: 'duration', error: `"${form.duration}" is not a duration: write 30m, 2h, 1d or 1w` };
  if (ms > MAX_SILENCE_DAYS * UNITS.d!) return { ok: false, field: 'duration', error: `a silence lasts at most ${MAX_SILENCE_DAYS} days` };
  const startsAt = form.startsAt ?? new Date(now);
  if (startsAt.getTime() > now + MAX_SILENCE_DAYS * UNITS.d!) return { ok: false, field: 'startsAt', error: `a silence starts within ${MAX_SILENCE_DAYS} days` };
  const endsAt = new Date(startsAt.getTime() + ms);
  if (endsAt.getTime() <= now) return { ok: false, field: 'startsAt', error: 'this silence would already be over' };
  const comment = form.comment.trim();
  if (!comment) return { ok: false, field: 'comment', error: 'say why (the comment is shown wherever the silence is)' };
  if (comment.length > MAX_COMMENT) return { ok: false, field: 'comment', error: `at most ${MAX_COMMENT} characters` };
  return { ok: true, silence: { matchers: m.match, startsAt, endsAt, createdBy: uid, comment } };
}

/** The matchers an incident suggests: its service and environment, and its alert name when it has one. */
export function matchersForIncident(i: { service?: unknown; environment?: unknown; alertName?: unknown }): string {
  const block: MatchBlock = {};
  if (typeof i.service === 'string' && i.service) block.service = i.service;
  if (typeof i.environment === 'string' && i.environment) block.environment = i.environment;
  if (typeof i.alertName === 'string' && i.alertName) block.alertname = i.alertName;
  return Object.keys(block).length ? formatMatch(block) : '';
}

export const describeMatchers = (m: MatchBlock | undefined) => (m ? formatMatch(m) : '(no matchers)');
