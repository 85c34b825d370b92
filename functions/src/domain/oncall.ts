// Who is on call (contract §10): the schedules, escalation policies and paging
// switch of config/oncall.yaml, the overrides responders write
// (oncallOverrides/{id}), and the pure functions that turn them into "who is
// on call at this instant" and "the shifts of the next two weeks".
//
// Model
// - A schedule has layers: its rotations, in order, then the overrides on top.
//   At any instant the person on call is the one of the highest layer that has
//   someone then: the newest override covering the instant, else the last
//   rotation with someone on call, else the one before it, … else nobody.
// - A rotation hands over every `shift` in the schedule's wall-clock time,
//   starting at `start`: shift k begins when the clocks read start + k·shift,
//   and belongs to members[k mod n]. A 1d shift that hands over at 09:00
//   Europe/Paris does so at 09:00 on both sides of a DST change (that shift is
//   23 h or 25 h long). A hand-over time that the clocks skip happens when
//   they jump past it; one they show twice happens the first time
//   (see instantOfWallClock).
// - `restrict` keeps a rotation to windows of wall-clock time (business
//   hours): outside them the rotation has nobody, so lower layers show through.
//   The hand-overs do not move; a window only masks the shift under it.
import { z } from 'zod';
import { DURATION_HELP, durationText, parseDuration } from './duration';
import {
  formatWallClock,
  instantOfWallClock,
  isValidTimeZone,
  parseWallClock,
  WALL_DAY_MS,
  wallClockOf,
  weekdayOfWallClock,
} from './timeZones';
import { SEVERITIES, type Severity } from './types';
import { closedObject } from './yamlConfig';

// ---------------------------------------------------------------------------
// Types

/** Days as config writes them; index = Date#getUTCDay (0 = Sunday). */
/** A duration in whole seconds, not negative; null otherwise. */
const wholeSeconds = (seconds: number | null) => (seconds === null || seconds < 0 || !Number.isInteger(seconds) ? null : seconds);

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A window of wall-clock time on some days of the week. */
export interface Restriction {
  /** The days a window starts on. */
  days: Weekday[];
  /** Minutes after midnight: 540 = 09:00. */
  fromMinute: number;
  /** Minutes after midnight, 1440 = 24:00. At or before `fromMinute`: the window ends the next day. */
  toMinute: number;
}

export interface Rotation {
  /** Firebase uids, in hand-over order. */
  members: string[];
  /** The first hand-over, as written (`2026-12-01T09:00:00`, wall-clock in the schedule's zone). */
  start: string;
  /** The same, as wall-clock ms (see timeZones.ts). */
  startWall: number;
  /** Shift length in seconds of wall-clock time. */
  shiftSeconds: number;
  /** On call only inside these windows; empty = always. */
  restrict: Restriction[];
}

export interface Schedule {
  id: string;
  name: string | null;
  /** IANA zone whose clocks the rotations follow. */
  timeZone: string;
  /** Layers, lowest first: a later rotation wins where it has someone on call. */
  rotations: Rotation[];
}

/** `schedule:<id>` or `user:<uid>`. */
export type EscalationTarget = { kind: 'schedule'; id: string } | { kind: 'user'; id: string };

export interface EscalationLevel {
  targets: EscalationTarget[];
  /** Seconds to wait for an acknowledgement before the next level (or round). */
  afterSeconds: number;
}

export interface EscalationPolicy {
  id: string;
  name: string | null;
  levels: EscalationLevel[];
  /** Further rounds through every level after the first (0 = one pass). */
  repeat: number;
}

export interface PageSettings {
  /** Only incidents of these severities page anyone; the others are only announced. */
  severities: Severity[];
  /** The default policy; a severity rule's `route.escalation` may name another. */
  policy: string;
  /** Whether drill incidents page too (their messages say [DRILL]). */
  drills: boolean;
}

export interface OncallConfig {
  schedules: Record<string, Schedule>;
  escalationPolicies: Record<string, EscalationPolicy>;
  /** null: paging is off (no `page:` in config/oncall.yaml, or no file). */
  page: PageSettings | null;
}

/** oncallOverrides/{id}, once validated. */
export interface OncallOverride {
  id: string;
  schedule: string;
  uid: string;
  start: Date;
  end: Date;
  createdBy: string;
  /** Newer overrides win over older ones where they overlap; missing = oldest. */
  createdAt: Date | null;
  reason: string | null;
}

/** Who is on call at an instant. */
export interface OnCall {
  uid: string;
  /** The rotation's index in `rotations`; for an override, `rotations.length` (the layer above them all). */
  layer: number;
  source: 'rotation' | 'override';
  /** The override's id (source 'override'), else null. */
  overrideId: string | null;
}

/** A stretch of time with one person on call. */
export interface Shift extends OnCall {
  start: Date;
  end: Date;
}

// ---------------------------------------------------------------------------
// Config schema (config/oncall.yaml)

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const ID_HELP = 'letters, digits, - and _ (at most 63), starting with a letter or digit';

/** Shorter shifts than this are refused: a rotation is about people, not minutes. */
export const MIN_SHIFT_SECONDS = 3_600;
/** The most rounds a policy may repeat. */
export const MAX_REPEAT = 9;

const text = (name: string) => z.string({ error: (i) => (i.input === undefined ? `${name} is required` : `${name} must be text`) }).trim().min(1, `${name} is empty`);

const uid = (name: string) =>
  text(name)
    .max(128, `${name} is longer than a Firebase uid (128 characters)`)
    .refine((v) => !v.includes('/'), `${name} must not contain "/"`);

const duration = (name: string, opts: { min?: number } = {}) =>
  z
    .union([z.string(), z.number()], { error: (i) => (i.input === undefined ? `${name} is required` : `${name} must be ${DURATION_HELP}`) })
    .transform((v, ctx) => {
      const s = typeof v === 'string' ? wholeSeconds(parseDuration(v)) : null;
      if (s === null) {
        ctx.addIssue({ code: 'custom', message: `${name} must be ${DURATION_HELP}, not ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      if (opts.min !== undefined && s < opts.min) {
        ctx.addIssue({ code: 'custom', message: `${name} must be at least ${durationText(opts.min)} (got ${durationText(s)})` });
        return z.NEVER;
      }
      return s;
    });

const timeZone = text('timeZone').refine(isValidTimeZone, 'timeZone must be an IANA time zone such as Europe/Paris, America/New_York or Etc/UTC');

/** `09:00` → 540; `24:00` only where allowed. */
function clockMinute(name: string, allow24: boolean) {
  return z
    .string({ error: `${name} must be a time of day such as "09:00" (quote it)` })
    .transform((v, ctx) => {
      const m = /^(\d{1,2}):(\d{2})$/.exec(v.trim());
      const minute = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
      if (!m || Number(m[2]) > 59 || minute > (allow24 ? 1440 : 1439)) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a time of day from 00:00 to ${allow24 ? '24:00' : '23:59'}, not ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return minute;
    });
}

const weekday = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase().slice(0, 3) : v),
  z.enum(WEEKDAYS, { error: 'a day is one of mon, tue, wed, thu, fri, sat, sun' }),
);

const restrictionSchema = closedObject(
  {
    days: z.array(weekday, { error: 'days must be a list such as [mon, tue, wed, thu, fri]' }).min(1, 'days is empty: leave it out for every day').optional(),
    from: clockMinute('from', false),
    to: clockMinute('to', true),
  },
  'a restriction',
  'a restriction needs from and to, e.g. { days: [mon, tue, wed, thu, fri], from: "09:00", to: "18:00" }',
).transform(
  (r): Restriction => ({
    days: r.days ? WEEKDAYS.filter((d) => r.days?.includes(d)) : [...WEEKDAYS],
    fromMinute: r.from,
    toMinute: r.to,
  }),
);

const rotationSchema = closedObject(
  {
    members: z
      .array(uid('a member'), { error: (i) => (i.input === undefined ? 'members is required: a list of Firebase uids' : 'members must be a list of Firebase uids') })
      .min(1, 'members is empty: a rotation needs at least one person'),
    start: z
      .union([z.string(), z.date()], { error: (i) => (i.input === undefined ? 'start is required' : 'start must be a date and time such as 2026-12-01T09:00:00') })
      .transform((v, ctx) => {
        const s = typeof v === 'string' ? v.trim() : '';
        const wall = parseWallClock(s);
        if (wall === null) {
          const offset = /(Z|[+-]\d{2}:?\d{2})$/i.test(s);
          ctx.addIssue({
            code: 'custom',
            message: offset
              ? `start is wall-clock time in the schedule's timeZone: leave out the offset (${JSON.stringify(s)})`
              : `start must be a date and time such as 2026-12-01T09:00:00, not ${JSON.stringify(typeof v === 'string' ? v : String(v))}`,
          });
          return z.NEVER;
        }
        return { text: formatWallClock(wall), wall };
      }),
    shift: duration('shift', { min: MIN_SHIFT_SECONDS }),
    restrict: z.array(restrictionSchema, { error: 'restrict must be a list of { days, from, to }' }).min(1, 'restrict is empty: leave it out for no restriction').optional(),
  },
  'a rotation',
  'a rotation needs members, start and shift',
).transform(
  (r): Rotation => ({ members: r.members, start: r.start.text, startWall: r.start.wall, shiftSeconds: r.shift, restrict: r.restrict ?? [] }),
);

const scheduleSchema = closedObject(
  {
    name: text('name').optional(),
    timeZone,
    rotations: z
      .array(rotationSchema, { error: (i) => (i.input === undefined ? 'rotations is required' : 'rotations must be a list') })
      .min(1, 'rotations is empty: a schedule needs at least one rotation'),
  },
  'a schedule',
  'a schedule needs timeZone and rotations',
);

const targetSchema = z
  .string({ error: 'a target is schedule:<id> or user:<uid>' })
  .trim()
  .transform((v, ctx): EscalationTarget => {
    const m = /^(schedule|user):(.+)$/.exec(v);
    if (!m?.[2] || !m[2].trim() || m[2].includes('/')) {
      ctx.addIssue({ code: 'custom', message: `a target is schedule:<id> or user:<uid>, not ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return { kind: m[1] as 'schedule' | 'user', id: m[2].trim() };
  });

const levelSchema = closedObject(
  {
    targets: z
      .array(targetSchema, { error: (i) => (i.input === undefined ? 'targets is required' : 'targets must be a list such as [schedule:primary, user:uid-c]') })
      .min(1, 'targets is empty: a level pages at least one schedule or user'),
    after: duration('after', { min: 1 }),
  },
  'an escalation level',
  'a level needs targets and after, e.g. { targets: [schedule:primary], after: 5m }',
).transform((l): EscalationLevel => ({ targets: l.targets, afterSeconds: l.after }));

const policySchema = closedObject(
  {
    name: text('name').optional(),
    levels: z
      .array(levelSchema, { error: (i) => (i.input === undefined ? 'levels is required' : 'levels must be a list') })
      .min(1, 'levels is empty: a policy needs at least one level'),
    repeat: z
      .number({ error: 'repeat must be a whole number of extra rounds (0 for one pass)' })
      .int('repeat must be a whole number')
      .min(0, 'repeat must be 0 or more')
      .max(MAX_REPEAT, `repeat is at most ${MAX_REPEAT}`)
      .default(0),
  },
  'an escalation policy',
  'a policy needs levels',
);

const pageSchema = closedObject(
  {
    severities: z.array(z.enum(SEVERITIES, { error: 'a severity is SEV1, SEV2, SEV3 or SEV4' }), { error: 'severities must be a list such as [SEV1, SEV2]' }).default(['SEV1', 'SEV2']),
    policy: text('policy'),
    drills: z.boolean({ error: 'drills must be true or false' }).default(true),
  },
  'page',
  'page needs policy (and severities)',
);

/** A map of id → value; an empty key (`schedules:` with everything under it commented out) is an empty map. */
const idMap = <T extends z.ZodType>(what: string, value: T) =>
  z.preprocess(
    (v) => (v === null ? undefined : v),
    z
      .record(z.string().regex(ID_PATTERN), value, {
        error: (i) => (i.code === 'invalid_key' ? `"${String(i.path?.[i.path.length - 1] ?? '')}" is not a ${what} id: use ${ID_HELP}` : i.code === 'invalid_type' ? `${what}s must be a map of id to ${what}` : undefined),
      })
      .default({} as Record<string, z.output<T>>),
  );

export const oncallConfigSchema = closedObject(
  {
    schedules: idMap('schedule', scheduleSchema),
    escalationPolicies: idMap('policy', policySchema),
    page: pageSchema.optional(),
  },
  'config/oncall.yaml',
  'config/oncall.yaml must be a map with schedules, escalationPolicies and page',
)
  .superRefine((c, ctx) => {
    const schedules = Object.keys(c.schedules);
    for (const [policyId, policy] of Object.entries(c.escalationPolicies)) {
      for (const [li, level] of policy.levels.entries()) {
        for (const [ti, target] of level.targets.entries()) {
          if (target.kind === 'schedule' && !schedules.includes(target.id)) {
            ctx.addIssue({
              code: 'custom',
              path: ['escalationPolicies', policyId, 'levels', li, 'targets', ti],
              message: `unknown schedule "${target.id}"${schedules.length ? ` (schedules: ${schedules.join(', ')})` : ' (there are no schedules)'}`,
            });
          }
        }
      }
    }
    const policies = Object.keys(c.escalationPolicies);
    if (c.page && !policies.includes(c.page.policy)) {
      ctx.addIssue({
        code: 'custom',
        path: ['page', 'policy'],
        message: `unknown escalation policy "${c.page.policy}"${policies.length ? ` (policies: ${policies.join(', ')})` : ' (there are no escalationPolicies)'}`,
      });
    }
  })
  .transform(
    (c): OncallConfig => ({
      schedules: Object.fromEntries(
        Object.entries(c.schedules).map(([id, s]) => [id, { id, name: s.name ?? null, timeZone: s.timeZone, rotations: s.rotations }]),
      ),
      escalationPolicies: Object.fromEntries(
        Object.entries(c.escalationPolicies).map(([id, p]) => [id, { id, name: p.name ?? null, levels: p.levels, repeat: p.repeat }]),
      ),
      page: c.page ? { severities: c.page.severities, policy: c.page.policy, drills: c.page.drills } : null,
    }),
  );

/** No file, or an empty one: no schedules, paging off. */
export const NO_ONCALL: OncallConfig = { schedules: {}, escalationPolicies: {}, page: null };

// ---------------------------------------------------------------------------
// Overrides (oncallOverrides/{id}) as clients write them

/** An override longer than this is almost certainly a typo (a year for a day). */
export const MAX_OVERRIDE_SECONDS = 31 * 86_400;

const instant = (name: string) =>
  z.union([z.date(), z.iso.datetime({ offset: true }).transform((s) => new Date(s))], {
    error: (i) => (i.input === undefined ? `${name} is required` : `${name} must be a timestamp`),
  });

/** What a client writes to oncallOverrides/{id} (Timestamps decoded to Dates by the adapter). */
export const oncallOverrideSchema = z
  .object({
    schedule: z.string({ error: 'schedule is required (a schedule id of config/oncall.yaml)' }).regex(ID_PATTERN, `schedule must be a schedule id: ${ID_HELP}`),
    uid: uid('uid'),
    start: instant('start'),
    end: instant('end'),
    createdBy: uid('createdBy'),
    createdAt: instant('createdAt').optional(),
    reason: z.string({ error: 'reason must be text' }).trim().max(500, 'reason is at most 500 characters').optional(),
  })
  .superRefine((o, ctx) => {
    const seconds = (o.end.getTime() - o.start.getTime()) / 1000;
    if (!(seconds > 0)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must be after start' });
    else if (seconds > MAX_OVERRIDE_SECONDS) ctx.addIssue({ code: 'custom', path: ['end'], message: `an override lasts at most ${durationText(MAX_OVERRIDE_SECONDS)}` });
  });

export type OverrideParse = { ok: true; override: OncallOverride } | { ok: false; reason: string };

/**
 * Validates an override document. With `scheduleIds`, the schedule must be
 * one of them. The reason names the field: `end: end must be after start`.
 */
export function parseOncallOverride(id: string, data: unknown, scheduleIds?: readonly string[]): OverrideParse {
  const r = oncallOverrideSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'document'}: ${issue?.message ?? 'invalid'}` };
  }
  const o = r.data;
  if (scheduleIds && !scheduleIds.includes(o.schedule)) {
    return { ok: false, reason: `schedule: unknown schedule "${o.schedule}"${scheduleIds.length ? ` (schedules: ${scheduleIds.join(', ')})` : ''}` };
  }
  return { ok: true, override: { id, schedule: o.schedule, uid: o.uid, start: o.start, end: o.end, createdBy: o.createdBy, createdAt: o.createdAt ?? null, reason: o.reason ?? null } };
}

// ---------------------------------------------------------------------------
// Rotations

/** Most segments one layer may produce for one query (a guard against huge ranges). */
export const MAX_SEGMENTS_PER_LAYER = 50_000;

interface Segment {
  uid: string;
  start: number;
  end: number;
  /** What makes two touching segments one shift: the shift index, or the override id. */
  key: string;
}

/** When shift k of a rotation begins (epoch ms). Non-decreasing in k. */
function handover(rotation: Rotation, timeZone: string, k: number): number {
  return instantOfWallClock(rotation.startWall + k * rotation.shiftSeconds * 1000, timeZone);
}

function memberOf(rotation: Rotation, k: number): string {
  const n = rotation.members.length;
  return rotation.members[((k % n) + n) % n] as string;
}

/** The shifts of a rotation that overlap [from, to), unclipped. */
function rotationShifts(rotation: Rotation, timeZone: string, from: number, to: number): Segment[] {
  const shiftMs = rotation.shiftSeconds * 1000;
  // Estimate the shift under `from` from its wall-clock reading, then correct.
  let k = Math.max(0, Math.floor((wallClockOf(from, timeZone) - rotation.startWall) / shiftMs));
  while (k > 0 && handover(rotation, timeZone, k) > from) k--;
  while (handover(rotation, timeZone, k + 1) <= from) k++;
  const out: Segment[] = [];
  for (let start = handover(rotation, timeZone, k); start < to; k++) {
    const end = handover(rotation, timeZone, k + 1);
    if (end > start && end > from) out.push({ uid: memberOf(rotation, k), start, end, key: `shift:${k}` });
    start = end;
    if (out.length > MAX_SEGMENTS_PER_LAYER) throw new RangeError(`the range holds more than ${MAX_SEGMENTS_PER_LAYER} shifts: ask for a shorter one`);
  }
  return out;
}

/** The restriction windows that overlap [from, to), merged, sorted. */
function restrictionWindows(restrict: Restriction[], timeZone: string, from: number, to: number): { start: number; end: number }[] {
  const firstDay = Math.floor(wallClockOf(from, timeZone) / WALL_DAY_MS) - 1;
  const lastDay = Math.floor(wallClockOf(to, timeZone) / WALL_DAY_MS) + 1;
  const windows: { start: number; end: number }[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const dayWall = day * WALL_DAY_MS;
    const weekday = WEEKDAYS[weekdayOfWallClock(dayWall)] as Weekday;
    for (const r of restrict) {
      if (!r.days.includes(weekday)) continue;
      const endMinute = r.toMinute <= r.fromMinute ? r.toMinute + 1440 : r.toMinute;
      const start = instantOfWallClock(dayWall + r.fromMinute * 60_000, timeZone);
      const end = instantOfWallClock(dayWall + endMinute * 60_000, timeZone);
      if (end > start && end > from && start < to) windows.push({ start, end });
    }
  }
  windows.sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const w of windows) {
    const last = merged[merged.length - 1];
    if (last && w.start <= last.end) last.end = Math.max(last.end, w.end);
    else merged.push({ ...w });
  }
  return merged;
}

/** Who a rotation has on call over [from, to): its shifts, masked by its restrictions. */
function layerSegments(rotation: Rotation, timeZone: string, from: number, to: number): Segment[] {
  const shifts = rotationShifts(rotation, timeZone, from, to);
  if (rotation.restrict.length === 0) return shifts;
  const windows = restrictionWindows(rotation.restrict, timeZone, from, to);
  const out: Segment[] = [];
  let w = 0;
  for (const s of shifts) {
    while (w < windows.length && (windows[w]?.end ?? 0) <= s.start) w++;
    for (let i = w; i < windows.length; i++) {
      const win = windows[i] as { start: number; end: number };
      if (win.start >= s.end) break;
      const start = Math.max(s.start, win.start);
      const end = Math.min(s.end, win.end);
      if (end > start) out.push({ uid: s.uid, start, end, key: s.key });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Layering

interface Layered extends Segment {
  layer: number;
  source: 'rotation' | 'override';
  overrideId: string | null;
  /** Among overrides: higher wins. */
  rank: number;
}

/** The overrides of this schedule, oldest first (so the last one covering an instant wins). */
function rankedOverrides(scheduleId: string, overrides: readonly OncallOverride[]): OncallOverride[] {
  return overrides
    .filter((o) => o.schedule === scheduleId && o.end.getTime() > o.start.getTime())
    .sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The schedule over [from, to): who is on call when, with overrides applied
 * and lower layers showing through where upper ones have nobody. Each entry
 * is one person's stretch from one shift (or one override), clipped to the
 * range; a stretch with nobody on call is a gap between entries. Sorted,
 * non-overlapping.
 */
export function shifts(schedule: Schedule, overrides: readonly OncallOverride[], from: Date, to: Date): Shift[] {
  const lo = from.getTime();
  const hi = to.getTime();
  if (!(hi > lo)) return [];
  const layers: Layered[][] = schedule.rotations.map((r, layer) =>
    layerSegments(r, schedule.timeZone, lo, hi).map((s) => ({ ...s, layer, source: 'rotation' as const, overrideId: null, rank: 0 })),
  );
  const top = schedule.rotations.length;
  const ovs: Layered[] = rankedOverrides(schedule.id, overrides)
    .map((o, rank) => ({ uid: o.uid, start: o.start.getTime(), end: o.end.getTime(), key: `override:${o.id}`, layer: top, source: 'override' as const, overrideId: o.id, rank }))
    .filter((o) => o.end > lo && o.start < hi);

  const points = new Set<number>([lo, hi]);
  for (const seg of [...layers.flat(), ...ovs]) {
    if (seg.start > lo && seg.start < hi) points.add(seg.start);
    if (seg.end > lo && seg.end < hi) points.add(seg.end);
  }
  const sorted = [...points].sort((a, b) => a - b);
  const cursors = layers.map(() => 0);
  const out: Shift[] = [];
  let last: (Shift & { key: string }) | null = null;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i] as number;
    const b = sorted[i + 1] as number;
    let winner: Layered | null = null;
    for (const o of ovs) if (o.start <= a && a < o.end && (!winner || o.rank > winner.rank)) winner = o;
    for (let l = layers.length - 1; !winner && l >= 0; l--) {
      const segs = layers[l] as Layered[];
      let c = cursors[l] as number;
      while (c < segs.length && (segs[c] as Layered).end <= a) c++;
      cursors[l] = c;
      const seg = segs[c];
      if (seg && seg.start <= a) winner = seg;
    }
    if (!winner) {
      last = null;
      continue;
    }
    if (last && last.key === winner.key && last.layer === winner.layer && last.end.getTime() === a) {
      last.end = new Date(b);
      continue;
    }
    last = { uid: winner.uid, layer: winner.layer, source: winner.source, overrideId: winner.overrideId, start: new Date(a), end: new Date(b), key: winner.key };
    out.push(last);
  }
  return out.map(({ uid, layer, source, overrideId, start, end }) => ({ uid, layer, source, overrideId, start, end }));
}

/** Who is on call at `at` (an override, else the highest rotation with someone then), or null for nobody. */
export function whoIsOnCall(schedule: Schedule, overrides: readonly OncallOverride[], at: Date): OnCall | null {
  const [first] = shifts(schedule, overrides, at, new Date(at.getTime() + 1));
  if (!first) return null;
  return { uid: first.uid, layer: first.layer, source: first.source, overrideId: first.overrideId };
}

/** A look-up the escalation planner can call: who is on call on `scheduleId` at `at`. */
export type OnCallLookup = (scheduleId: string, at: Date) => OnCall | null;

/** whoIsOnCall over a whole config and a set of overrides; an unknown schedule has nobody. */
export function onCallLookup(config: Pick<OncallConfig, 'schedules'>, overrides: readonly OncallOverride[]): OnCallLookup {
  return (scheduleId, at) => {
    const schedule = config.schedules[scheduleId];
    return schedule ? whoIsOnCall(schedule, overrides, at) : null;
  };
}
