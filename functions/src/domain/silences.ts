// Silences (contract §11): `silences/{id}`, written by responders from the
// console or with `/incident silence service=checkout 2h database migration`.
// While a silence is active, a firing alert that its matchers fit is kept
// aside (silencedAlerts) instead of opening an incident, and nobody is told.
// When it ends (at endsAt, or earlier when someone expires it), the alerts it
// held that are still firing open their incidents then.
//
// What a silence holds (the rules the integrator wires):
// - only alerts that would open (or reopen) an incident; an alert that joins
//   an incident that is already open keeps joining it (someone is on it);
// - never a resolved alert: a resolve always reaches what it resolves (a held
//   alert's record turns resolved, so its silence's end opens nothing).
import { z } from 'zod';
import { durationText, parseDuration } from './duration';
import { formatMatch, type MatchBlock, type MatchSubject, matches, nonEmptyMatchBlockSchema, parseMatchPrefix } from './match';

/** The longest silence (days), unless policy.yaml's `silences.maxDays` says otherwise. */
/** Milliseconds of a duration text that is not negative; null otherwise. */
const msOf = (seconds: number | null) => (seconds === null || seconds < 0 ? null : Math.round(seconds * 1000));

export const MAX_SILENCE_DAYS = 30;
/** Minutes before a silence ends that its creator is reminded (policy.yaml `silences.reminderMinutes`). */
export const SILENCE_REMINDER_MINUTES = 15;
/** Longest comment (characters). */
export const MAX_SILENCE_COMMENT = 1000;

const DAY_MS = 86_400_000;

export type SilenceState = 'upcoming' | 'active' | 'expired';

export interface Silence {
  matchers: MatchBlock;
  startsAt: Date;
  endsAt: Date;
  /** A uid, or `slack:<userId>`. */
  createdBy: string;
  /** Why: required, shown wherever the silence is. */
  comment: string;
  createdAt: Date | null;
  /** Set when someone ends the silence before its endsAt (endsAt keeps what was planned). */
  expiredAt: Date | null;
  expiredBy: string | null;
}

/** A silence with its document id. */
export type StoredSilence = Silence & { id: string };

export interface SilenceIssue {
  path: string;
  message: string;
}

export interface SilenceOptions {
  /** Longest silence in days (default MAX_SILENCE_DAYS). */
  maxDays?: number;
  /** When given, a silence that is already over is refused (for new silences). */
  now?: Date;
}

function instant(name: string) {
  return z
    .union([z.date(), z.string(), z.number()], {
      error: (i) => (i.input === undefined || i.input === null ? `${name} is required` : `${name} must be a date (ISO 8601 text)`),
    })
    .transform((v, ctx) => {
      const d = v instanceof Date ? v : new Date(v);
      if (Number.isNaN(d.getTime())) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a date (ISO 8601 text), not ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return d;
    });
}


function silenceSchema(maxDays: number) {
  return z
    .object({
      matchers: nonEmptyMatchBlockSchema('matchers'),
      startsAt: instant('startsAt'),
      endsAt: instant('endsAt'),
      createdBy: z
        .string({ error: (i) => (i.input === undefined ? 'createdBy is required' : 'createdBy must be text') })
        .trim()
        .min(1, 'createdBy is empty'),
      comment: z
        .string({ error: (i) => (i.input === undefined ? 'comment is required: say why (e.g. "database migration")' : 'comment must be text') })
        .trim()
        .min(1, 'comment is empty: say why (e.g. "database migration")')
        .max(MAX_SILENCE_COMMENT, `comment is longer than ${MAX_SILENCE_COMMENT} characters`),
      createdAt: instant('createdAt').nullish(),
      expiredAt: instant('expiredAt').nullish(),
      expiredBy: z.string({ error: 'expiredBy must be text' }).nullish(),
    })
    .superRefine((s, ctx) => {
      const span = s.endsAt.getTime() - s.startsAt.getTime();
      if (span <= 0) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' });
      else if (span > maxDays * DAY_MS) {
        ctx.addIssue({
          code: 'custom',
          path: ['endsAt'],
          message: `a silence lasts at most ${maxDays} days; this one lasts ${durationText(span / 1000)} (for something that comes back, use a maintenance window)`,
        });
      }
    });
}

const schemas = new Map<number, ReturnType<typeof silenceSchema>>();

/**
 * Validates a silence document (what the console writes, or a stored one).
 * Issues name the field: `endsAt: endsAt must be after startsAt`.
 */
export function parseSilence(data: unknown, opts: SilenceOptions = {}): { ok: true; silence: Silence } | { ok: false; issues: SilenceIssue[] } {
  const maxDays = opts.maxDays ?? MAX_SILENCE_DAYS;
  let schema = schemas.get(maxDays);
  if (!schema) schemas.set(maxDays, (schema = silenceSchema(maxDays)));
  const r = schema.safeParse(data);
  if (!r.success) return { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) };
  const silence: Silence = { ...r.data, createdAt: r.data.createdAt ?? null, expiredAt: r.data.expiredAt ?? null, expiredBy: r.data.expiredBy ?? null };
  if (opts.now && silenceEnd(silence).getTime() <= opts.now.getTime()) {
    return { ok: false, issues: [{ path: 'endsAt', message: 'this silence is already over: endsAt is in the past' }] };
  }
  return { ok: true, silence };
}

/** When the silence stops holding alerts: its endsAt, or when it was expired, whichever is first. */
export function silenceEnd(s: Pick<Silence, 'endsAt' | 'expiredAt'>): Date {
  return s.expiredAt && s.expiredAt.getTime() < s.endsAt.getTime() ? s.expiredAt : s.endsAt;
}

/** upcoming before startsAt, active from startsAt (inclusive) to its end (exclusive), expired after. */
export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt' | 'expiredAt'>, now: Date): SilenceState {
  const t = now.getTime();
  if (t >= silenceEnd(s).getTime()) return 'expired';
  return t < s.startsAt.getTime() ? 'upcoming' : 'active';
}

/**
 * The active silence whose matchers fit the alert, or null. When several do,
 * the one that holds it longest (latest end; then the smaller id), so the
 * caller knows until when the alert is held.
 */
export function silenceFor(alert: MatchSubject, silences: readonly StoredSilence[], now: Date): StoredSilence | null {
  let best: StoredSilence | null = null;
  for (const s of silences) {
    if (silenceState(s, now) !== 'active' || !matches(s.matchers, alert)) continue;
    if (!best) {
      best = s;
      continue;
    }
    const d = silenceEnd(s).getTime() - silenceEnd(best).getTime();
    if (d > 0 || (d === 0 && s.id < best.id)) best = s;
  }
  return best;
}

/**
 * When to remind the silence's creator that it is about to end: `leadMinutes`
 * before its end. Null for a silence that lasts no longer than the lead (the
 * reminder would come before or as it starts) and for one expired early.
 */
export function silenceReminderAt(s: Pick<Silence, 'startsAt' | 'endsAt' | 'expiredAt'>, leadMinutes = SILENCE_REMINDER_MINUTES): Date | null {
  if (s.expiredAt && s.expiredAt.getTime() < s.endsAt.getTime()) return null;
  const at = s.endsAt.getTime() - leadMinutes * 60_000;
  return at > s.startsAt.getTime() ? new Date(at) : null;
}

/** `service=checkout for 2h, until 2026-12-01T14:00:00.000Z: database migration`. */
export function describeSilence(s: Pick<Silence, 'matchers' | 'startsAt' | 'endsAt' | 'comment'>): string {
  return `${formatMatch(s.matchers)} for ${durationText((s.endsAt.getTime() - s.startsAt.getTime()) / 1000)}, until ${s.endsAt.toISOString()}: ${s.comment}`;
}

// ---------------------------------------------------------------------------
// `/incident silence <matchers> [for] <duration> <comment>`

/** What the Slack command says, before the clock and the user are known. */
export interface SilenceArgs {
  matchers: MatchBlock;
  durationMs: number;
  comment: string;
}

export const SILENCE_EXAMPLE = '/incident silence service=checkout 2h database migration';

export type ParsedSilenceArgs = { ok: true; args: SilenceArgs } | { ok: false; error: string };

/**
 * Parses the words after `/incident silence` (a leading `silence` is
 * tolerated): the matchers (parseMatchText's grammar), an optional `for`,
 * the duration, then the comment, which is required. Errors say what is
 * missing in words a responder understands.
 */
export function parseSilenceArgs(text: string, opts: Pick<SilenceOptions, 'maxDays'> = {}): ParsedSilenceArgs {
  const maxDays = opts.maxDays ?? MAX_SILENCE_DAYS;
  const body = text.trim().replace(/^\/incident\s+/i, '').replace(/^silence(\s+|$)/i, '');
  if (body === '') return { ok: false, error: `Say what to silence, for how long and why, e.g. \`${SILENCE_EXAMPLE}\`.` };

  const prefix = parseMatchPrefix(body);
  if (!prefix.ok) return { ok: false, error: `${prefix.error}.` };
  const { match, count, rest } = prefix.value;
  if (count === 0) {
    const [first = ''] = rest.split(/\s+/);
    return { ok: false, error: `“${first}” is not a matcher: start with what to silence, as name=value (e.g. service=checkout or alertname=~"Disk.*").` };
  }

  const words = [...rest.matchAll(/\S+/g)];
  const token = words[0]?.[0].toLowerCase() === 'for' ? words[1] : words[0];
  if (token === undefined) return { ok: false, error: 'For how long? Add a duration after the matchers, e.g. `2h`, `30m` or `1d`, then why.' };
  const durationWord = token[0];
  const durationMs = msOf(parseDuration(durationWord));
  if (durationMs === null) return { ok: false, error: `“${durationWord}” is not a duration: after the matchers say how long, e.g. \`2h\`, \`30m\`, \`1d\` or \`1h30m\`.` };
  if (durationMs <= 0) return { ok: false, error: 'The duration must be more than 0, e.g. `2h`.' };
  if (durationMs > maxDays * DAY_MS) {
    return { ok: false, error: `A silence lasts at most ${maxDays} days (\`${maxDays}d\`); for something that comes back, use a maintenance window (config/maintenance.yaml).` };
  }

  // The comment is the rest of the text as written (inner spacing kept).
  const comment = rest.slice(token.index + durationWord.length).trim();
  if (comment === '') return { ok: false, error: `Say why after the duration (a comment is required), e.g. \`${SILENCE_EXAMPLE}\`.` };
  if (comment.length > MAX_SILENCE_COMMENT) return { ok: false, error: `The comment is too long (${comment.length} characters; at most ${MAX_SILENCE_COMMENT}).` };
  return { ok: true, args: { matchers: match, durationMs, comment } };
}

/** The silence document the command creates: from now, for the duration. */
export function silenceFromArgs(args: SilenceArgs, now: Date, createdBy: string): Silence {
  return {
    matchers: args.matchers,
    startsAt: now,
    endsAt: new Date(now.getTime() + args.durationMs),
    createdBy,
    comment: args.comment,
    createdAt: now,
    expiredAt: null,
    expiredBy: null,
  };
}

export type ParsedSilenceCommand = { ok: true; silence: Omit<Silence, 'createdBy'> } | { ok: false; error: string };

/** `service=checkout 2h database migration` at `now` → the silence (without its creator). */
export function parseSilenceCommand(text: string, now: Date, opts: Pick<SilenceOptions, 'maxDays'> = {}): ParsedSilenceCommand {
  const r = parseSilenceArgs(text, opts);
  if (!r.ok) return r;
  const { createdBy: _createdBy, ...silence } = silenceFromArgs(r.args, now, '');
  return { ok: true, silence };
}
