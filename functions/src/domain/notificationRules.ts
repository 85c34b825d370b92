// Personal notification rules (contract §10): users/{uid} says how a person
// wants to be reached when paged: `notify`, a list of { channel, after }
// (default: Slack and email at once). Pure: the time comes in as an argument.
//
// Steps with the same `after` form a group and go out together. A group that
// fails entirely (every channel in it failed) brings the next group forward
// to the moment of its last failure: "a failed channel moves on to the
// person's next step at once". A group where one channel got through keeps
// the next group at its own time (until someone acknowledges).
import { z } from 'zod';
import { DURATION_HELP, parseDuration } from './duration';
import { closedObject } from './yamlConfig';

/** A duration in whole seconds, not negative; null otherwise. */
const wholeSeconds = (seconds: number | null) => (seconds === null || seconds < 0 || !Number.isInteger(seconds) ? null : seconds);

export const CHANNELS = ['slack', 'email', 'sms', 'voice', 'push'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface NotifyRule {
  channel: Channel;
  /** Seconds after the page. */
  afterSeconds: number;
}

export interface UserProfile {
  uid: string;
  name: string | null;
  email: string | null;
  /** E.164: +33612345678. */
  phone: string | null;
  /** U0123ABC; without it Slack DMs look the person up by email. */
  slackUserId: string | null;
  /** In order; never empty (the default applies when the document has none). */
  notify: NotifyRule[];
}

/** Slack and email at once. */
export const DEFAULT_NOTIFY: readonly NotifyRule[] = [
  { channel: 'slack', afterSeconds: 0 },
  { channel: 'email', afterSeconds: 0 },
];

/** At most this many steps per person, and this long a delay. */
export const MAX_NOTIFY_STEPS = 10;
export const MAX_NOTIFY_AFTER_SECONDS = 24 * 3_600;

const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;
const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null || v === '' ? undefined : v), schema.optional());

const fields = {
  name: z.string({ error: 'name must be text' }).trim().min(1, 'name is empty').max(200, 'name is at most 200 characters'),
  email: z.string({ error: 'email must be text' }).trim().toLowerCase().regex(EMAIL, 'email must be an email address such as alice@example.com'),
  phone: z
    .string({ error: 'phone must be text' })
    .transform((v) => v.replace(/[\s().-]/g, ''))
    .pipe(z.string().regex(E164, 'phone must be in E.164 form: + then the country code and number, e.g. +33612345678')),
  slackUserId: z.string({ error: 'slackUserId must be text' }).trim().regex(SLACK_USER, 'slackUserId must be a Slack user id such as U0123ABC'),
};

const ruleSchema = closedObject(
    {
      channel: z.enum(CHANNELS, { error: `channel must be one of ${CHANNELS.join(', ')}` }),
      after: z
        .union([z.string(), z.number()], { error: `after must be ${DURATION_HELP}` })
        .default('0m')
        .transform((v, ctx) => {
          const s = typeof v === 'string' ? wholeSeconds(parseDuration(v)) : v === 0 ? 0 : null;
          if (s === null || s > MAX_NOTIFY_AFTER_SECONDS) {
            ctx.addIssue({ code: 'custom', message: s === null ? `after must be ${DURATION_HELP}, not ${JSON.stringify(v)}` : 'after is at most 24h' });
            return z.NEVER;
          }
          return s;
        }),
    },
    'a notify step',
    'a notify step is { channel, after }',
  );

/**
 * users/{uid} as the person writes it (the console validates with this too).
 * Other fields of the document (preferences, roles) are left alone.
 */
export const userProfileSchema = z
  .object({
    name: optional(fields.name),
    email: optional(fields.email),
    phone: optional(fields.phone),
    slackUserId: optional(fields.slackUserId),
    notify: z
      .array(ruleSchema, { error: 'notify must be a list of { channel, after }' })
      .max(MAX_NOTIFY_STEPS, `notify has at most ${MAX_NOTIFY_STEPS} steps`)
      .optional(),
  })
  .superRefine((u, ctx) => {
    for (const [i, rule] of (u.notify ?? []).entries()) {
      const missing = missingContact(rule.channel, { email: u.email ?? null, phone: u.phone ?? null, slackUserId: u.slackUserId ?? null });
      if (missing) ctx.addIssue({ code: 'custom', path: ['notify', i, 'channel'], message: missing });
    }
  });

/** Why a channel cannot reach this person, or null when it can. */
export function missingContact(channel: Channel, u: Pick<UserProfile, 'email' | 'phone' | 'slackUserId'>): string | null {
  switch (channel) {
    case 'sms':
    case 'voice':
      return u.phone ? null : `${channel} needs phone`;
    case 'email':
      return u.email ? null : 'email needs email';
    case 'slack':
      return u.slackUserId || u.email ? null : 'slack needs slackUserId (or email, to look the person up)';
    case 'push':
      return null;
  }
}

export interface ProfileIssue {
  path: string;
  message: string;
}

export type ProfileParse = { ok: true; user: UserProfile } | { ok: false; issues: ProfileIssue[] };

function toProfile(uid: string, u: z.output<typeof userProfileSchema>): UserProfile {
  return {
    uid,
    name: u.name ?? null,
    email: u.email ?? null,
    phone: u.phone ?? null,
    slackUserId: u.slackUserId ?? null,
    notify: u.notify && u.notify.length > 0 ? u.notify.map((r) => ({ channel: r.channel, afterSeconds: r.after })) : [...DEFAULT_NOTIFY],
  };
}

/** Strict: every problem, each naming its field (`notify.2.channel: sms needs phone`). */
export function parseUserProfile(uid: string, data: unknown): ProfileParse {
  const r = userProfileSchema.safeParse(data ?? {});
  if (r.success) return { ok: true, user: toProfile(uid, r.data) };
  return { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.join('.') || '(document)', message: i.message })) };
}

/**
 * Lenient, for paging: a bad field is left out (and reported) rather than
 * leaving the person unreachable. Steps whose channel cannot reach them are
 * dropped; with no step left, the default (Slack and email) applies.
 */
export function profileForPaging(uid: string, data: unknown): { user: UserProfile; issues: ProfileIssue[] } {
  const doc = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const issues: ProfileIssue[] = [];
  const field = <K extends keyof typeof fields>(key: K): z.output<(typeof fields)[K]> | null => {
    const v = doc[key];
    if (v === undefined || v === null || v === '') return null;
    const r = fields[key].safeParse(v);
    if (r.success) return r.data as z.output<(typeof fields)[K]>;
    issues.push({ path: key, message: r.error.issues[0]?.message ?? 'invalid' });
    return null;
  };
  const contact = { name: field('name'), email: field('email'), phone: field('phone'), slackUserId: field('slackUserId') };
  const notify: NotifyRule[] = [];
  if (doc.notify !== undefined && doc.notify !== null) {
    if (!Array.isArray(doc.notify)) issues.push({ path: 'notify', message: 'notify must be a list of { channel, after }' });
    else {
      for (const [i, raw] of doc.notify.slice(0, MAX_NOTIFY_STEPS).entries()) {
        const r = ruleSchema.safeParse(raw);
        if (!r.success) {
          issues.push({ path: `notify.${i}${r.error.issues[0]?.path.length ? `.${r.error.issues[0].path.join('.')}` : ''}`, message: r.error.issues[0]?.message ?? 'invalid' });
          continue;
        }
        const missing = missingContact(r.data.channel, contact);
        if (missing) issues.push({ path: `notify.${i}.channel`, message: missing });
        else notify.push({ channel: r.data.channel, afterSeconds: r.data.after });
      }
    }
  }
  return { user: { uid, ...contact, notify: notify.length > 0 ? notify : [...DEFAULT_NOTIFY] }, issues };
}

// ---------------------------------------------------------------------------
// Steps

export interface NotificationStep {
  /** Position in the person's `notify` list. */
  index: number;
  channel: Channel;
  /** When it is due, as planned (before any failure brings it forward). */
  at: Date;
  /** Steps sharing `after` share a group; groups are numbered in time order. */
  group: number;
}

/** The person's steps for a page at `pagedAt`, in time order (then list order). */
export function notificationSteps(user: Pick<UserProfile, 'notify'>, pagedAt: Date): NotificationStep[] {
  const rules = user.notify.length > 0 ? user.notify : DEFAULT_NOTIFY;
  const afters = [...new Set(rules.map((r) => r.afterSeconds))].sort((a, b) => a - b);
  return rules
    .map((r, index) => ({ index, channel: r.channel, at: new Date(pagedAt.getTime() + r.afterSeconds * 1000), group: afters.indexOf(r.afterSeconds) }))
    .sort((a, b) => a.group - b.group || a.index - b.index);
}

export interface NotificationAttempt {
  /** The step's index. */
  index: number;
  status: 'sent' | 'failed';
  /** When the attempt ended (sent, or failed). */
  at: Date;
}

export interface NextNotifications {
  /** Due at `now` and not tried yet: send these now. */
  send: NotificationStep[];
  /** When the next untried step falls due, or null when every step is tried or waits on nothing. */
  nextAt: Date | null;
  /** When each untried step is due now, after failures brought some forward. */
  due: { index: number; at: Date }[];
}

/**
 * Given the attempts so far, what to send now and when to look again. Call
 * it after each attempt ends (a failure may bring the next group forward) and
 * when `nextAt` comes; stop calling once the incident is acknowledged.
 */
export function nextNotifications(steps: readonly NotificationStep[], attempts: readonly NotificationAttempt[], now: Date): NextNotifications {
  const byIndex = new Map<number, NotificationAttempt>();
  for (const a of attempts) byIndex.set(a.index, a);
  const groups = [...new Set(steps.map((s) => s.group))].sort((a, b) => a - b);
  const dueOf = new Map<number, number>();
  let pulledTo: number | null = null;
  for (const g of groups) {
    const members = steps.filter((s) => s.group === g);
    const planned = Math.min(...members.map((s) => s.at.getTime()));
    const due = pulledTo === null ? planned : Math.min(planned, pulledTo);
    for (const s of members) dueOf.set(s.index, due);
    const tried = members.map((s) => byIndex.get(s.index));
    const allFailed = tried.every((a) => a?.status === 'failed');
    pulledTo = allFailed ? Math.max(...tried.map((a) => (a as NotificationAttempt).at.getTime())) : null;
  }
  const untried = steps.filter((s) => !byIndex.has(s.index));
  const send = untried.filter((s) => (dueOf.get(s.index) ?? Infinity) <= now.getTime());
  const later = untried.filter((s) => (dueOf.get(s.index) ?? Infinity) > now.getTime()).map((s) => dueOf.get(s.index) as number);
  return {
    send,
    nextAt: later.length > 0 ? new Date(Math.min(...later)) : null,
    due: untried.map((s) => ({ index: s.index, at: new Date(dueOf.get(s.index) as number) })),
  };
}

/** Firestore id of incidents/{id}/pages/{pageId}: one per person, level, round, cycle and step. Deterministic, so a retry writes the same page. */
export function pageId(p: { cycle: number; level: number; round: number; uid: string; step: number; channel: Channel }): string {
  const uid = p.uid.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
  return `c${p.cycle}-l${p.level}-r${p.round}-${uid}-s${p.step}-${p.channel}`;
}
