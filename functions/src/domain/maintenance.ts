// Maintenance windows (contract §11): config/maintenance.yaml.
//
//   windows:                      # recurring: an RRULE or a cron expression, in a time zone
//     - name: weekly-db-maintenance
//       match: { service: database }
//       rrule: FREQ=WEEKLY;BYDAY=SU;BYHOUR=2
//       duration: 2h
//       timeZone: Europe/Paris
//   deploys:                      # opened by a deploy event of a matching service
//     - { match: { service: checkout }, duration: 10m }
//
// An alert inside a window is held like a silenced one (kept, counted, no
// incident, nobody told); one still firing when the window ends opens its
// incident then.
//
// Time: the RRULE or cron is evaluated on the window's local wall clock
// (see wallClock.ts), so "every Sunday 02:00 Europe/Paris" starts at 02:00
// local in winter (01:00 UTC) and in summer (00:00 UTC). A start that the
// clocks skip (02:30 on the night they go forward) is read with the offset from
// before the gap (it starts at 03:30 local); one they repeat (the night they go
// back) is the first of the two. `duration` is elapsed time from the start:
// 2h is 7,200 seconds even across a change of offset.
import { CronExpressionParser } from 'cron-parser';
import { RRule } from 'rrule';
import { z } from 'zod';
import { durationSchema, durationText } from './duration';
import { type MatchBlock, matchBlockSchema, type MatchSubject, matches, nonEmptyMatchBlockSchema } from './match';
import { isValidTimeZone } from './timeZones';
import { instantOf, offsetAt, wallClockMs } from './wallClock';
import { closedObject } from './yamlConfig';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A window lasts at most this long (a longer hold is a silence's job, or a change of config). */
export const MAX_WINDOW_MS = 7 * DAY;
/** A deploy opens a window of at most this. */
export const MAX_DEPLOY_WINDOW_MS = DAY;

/** The anchor of an RRULE without DTSTART: as if it said DTSTART:20000101T000000 (a Saturday). */
export const RRULE_ANCHOR = Date.UTC(2000, 0, 1);

// ---------------------------------------------------------------------------
// Schedules: when occurrences start, in floating (wall-clock) milliseconds

interface Schedule {
  /** The latest start at or before `x`, not before `notBefore`; null when there is none. */
  latestAtOrBefore(x: number, notBefore: number): number | null;
  /** The first start after `x` (null when the rule has ended). */
  firstAfter(x: number, notBefore: number): number | null;
  /** Every start in (a, b]. */
  startsIn(a: number, b: number): number[];
}

const CRON_ALIASES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly', '@weekdays', '@weekends'];

function compileCron(text: string): Schedule {
  const expr = text.trim();
  if (expr.startsWith('@')) {
    if (!CRON_ALIASES.includes(expr.toLowerCase())) throw new Error(`"${expr}" is not a cron alias this file takes; use one of ${CRON_ALIASES.join(', ')}`);
  } else if (expr.split(/\s+/).length !== 5) {
    throw new Error(`"${expr}" is not a cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * SUN"`);
  }
  let cron;
  try {
    cron = CronExpressionParser.parse(expr.toLowerCase(), { currentDate: new Date(RRULE_ANCHOR), tz: 'UTC' });
  } catch (e) {
    throw new Error(`"${expr}" is not a valid cron expression: ${(e as Error).message}`);
  }
  const c = cron;
  const step = (from: number, dir: 'prev' | 'next'): number | null => {
    c.reset(new Date(from));
    try {
      return (dir === 'prev' ? c.prev() : c.next()).getTime();
    } catch {
      return null; // no earlier/later occurrence within cron-parser's search
    }
  };
  return {
    latestAtOrBefore: (x, notBefore) => {
      const s = step(x + 1, 'prev');
      return s !== null && s >= notBefore ? s : null;
    },
    firstAfter: (x) => step(x, 'next'),
    startsIn: (a, b) => {
      const out: number[] = [];
      for (let s = step(a, 'next'); s !== null && s <= b; s = step(s, 'next')) out.push(s);
      return out;
    },
  };
}

const RRULE_EXAMPLE = 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2';

/** Splits `DTSTART:…` and `RRULE:…` lines; the rule line may come without its `RRULE:` name. */
function rruleParts(text: string): { dtstart: number | null; rule: string } {
  let dtstart: number | null = null;
  let rule: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^([A-Z-]+)([;:])(.*)$/i.exec(line);
    const name = m?.[1]?.toUpperCase();
    if (name === 'DTSTART') {
      if (m?.[2] === ';') throw new Error(`DTSTART takes no TZID or other parameter here: the window's timeZone applies; write DTSTART:20260104T020000`);
      const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(m?.[3] ?? '');
      if (!d) throw new Error(`"${line}" is not a local DTSTART (the window's timeZone applies, so no Z): write DTSTART:20260104T020000`);
      const [y, mo, day, h, mi, s] = d.slice(1).map(Number) as [number, number, number, number, number, number];
      dtstart = Date.UTC(y, mo - 1, day, h, mi, s);
      continue;
    }
    if (name === 'EXDATE' || name === 'RDATE' || name === 'EXRULE') throw new Error(`${name} is not supported; use one RRULE (and DTSTART)`);
    if (rule !== null) throw new Error('one RRULE per window; give another window its own entry');
    rule = name === 'RRULE' && m?.[2] === ':' ? (m[3] ?? '') : line;
  }
  if (rule === null || rule.trim() === '') throw new Error(`no RRULE: write e.g. ${RRULE_EXAMPLE}`);
  return { dtstart, rule: rule.trim() };
}

const absent = (v: unknown) => v === undefined || v === null;
const asList = (v: number | number[] | null | undefined): number[] => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]);

function compileRrule(text: string): Schedule {
  const { dtstart, rule } = rruleParts(text);
  if (/UNTIL=[^;]*Z/i.test(rule)) throw new Error(`UNTIL is local time in the window's timeZone: drop the Z`);
  let options;
  try {
    options = RRule.parseString(rule);
  } catch (e) {
    throw new Error(`"${rule}" is not a valid RRULE (RFC 5545), e.g. ${RRULE_EXAMPLE}: ${(e as Error).message}`);
  }
  const freq = options.freq;
  if (freq === undefined || freq === null) throw new Error(`"${rule}" has no FREQ, e.g. ${RRULE_EXAMPLE}`);
  if (freq === RRule.MINUTELY || freq === RRule.SECONDLY) throw new Error('a maintenance window recurs at most hourly (FREQ=HOURLY); for more often, use cron');
  const ranges: [string, number[], number, number][] = [
    ['BYHOUR', asList(options.byhour), 0, 23],
    ['BYMINUTE', asList(options.byminute), 0, 59],
    ['BYSECOND', asList(options.bysecond), 0, 59],
    ['BYMONTH', asList(options.bymonth), 1, 12],
  ];
  for (const [name, values, lo, hi] of ranges) {
    const wrong = values.find((v) => !Number.isInteger(v) || v < lo || v > hi);
    if (wrong !== undefined) throw new Error(`${name}=${wrong} is out of range (${lo}-${hi})`);
  }
  if (options.interval !== undefined && (!Number.isInteger(options.interval) || options.interval < 1)) throw new Error('INTERVAL must be 1 or more');

  let fixed: RRule | null = null;
  let make: (notBefore: number) => RRule;
  if (dtstart !== null) {
    fixed = new RRule({ ...options, dtstart: new Date(dtstart), tzid: null });
    make = () => fixed as RRule;
  } else {
    // Without DTSTART the rule counts from RRULE_ANCHOR. With INTERVAL=1 and
    // no COUNT, and every BY* part that DTSTART would supply written out, the
    // occurrences do not depend on where counting starts, so the rule can
    // start just before the span that is asked about (fast) and give the same
    // starts as from 2000 (slow: rrule iterates from DTSTART).
    if ((options.interval ?? 1) !== 1) throw new Error('INTERVAL needs a DTSTART to count from: add a line DTSTART:20260104T020000 (local time)');
    if (options.count !== undefined && options.count !== null) throw new Error('COUNT needs a DTSTART to count from: add a line DTSTART:20260104T020000 (local time)');
    const o = { ...options };
    if (freq <= RRule.MINUTELY && absent(o.bysecond)) o.bysecond = [0];
    if (freq <= RRule.HOURLY && absent(o.byminute)) o.byminute = [0];
    if (freq <= RRule.DAILY && absent(o.byhour)) o.byhour = [0];
    const byDay = !absent(o.byweekno) || !absent(o.byyearday) || !absent(o.bymonthday) || !absent(o.byweekday);
    if (!byDay) {
      if (freq === RRule.YEARLY) {
        o.bymonth ??= [1];
        o.bymonthday = [1];
      } else if (freq === RRule.MONTHLY) o.bymonthday = [1];
      else if (freq === RRule.WEEKLY) o.byweekday = [RRule.SA];
    }
    make = (notBefore) => {
      const day = Math.floor(Math.max(notBefore, RRULE_ANCHOR) / DAY) * DAY;
      return new RRule({ ...o, dtstart: new Date(day), tzid: null });
    };
  }
  const schedule: Schedule = {
    latestAtOrBefore: (x, notBefore) => {
      const d = make(notBefore).before(new Date(x), true);
      return d && d.getTime() >= notBefore ? d.getTime() : null;
    },
    firstAfter: (x, notBefore) => make(notBefore).after(new Date(x), false)?.getTime() ?? null,
    startsIn: (a, b) =>
      make(a)
        .between(new Date(a), new Date(b), true)
        .map((d) => d.getTime())
        .filter((t) => t > a),
  };
  // A rule that never happens (FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30) is a mistake.
  const first = (fixed ?? make(RRULE_ANCHOR)).between(new Date(dtstart ?? RRULE_ANCHOR), new Date(Date.UTC(2100, 0, 1)), true, (_d, i) => i < 1);
  if (first.length === 0) throw new Error(`"${rule}" never happens (no occurrence before 2100)`);
  return schedule;
}

const compiled = new Map<string, Schedule>();

/** The schedule of an `rrule` or `cron` text, compiled once per instance. */
function scheduleOf(w: Pick<MaintenanceWindow, 'rrule' | 'cron'>): Schedule {
  const key = w.rrule !== null ? `rrule\n${w.rrule}` : `cron\n${w.cron ?? ''}`;
  let s = compiled.get(key);
  if (!s) compiled.set(key, (s = w.rrule !== null ? compileRrule(w.rrule) : compileCron(w.cron ?? '')));
  return s;
}

// ---------------------------------------------------------------------------
// The config file

const name = z
  .string({ error: (i) => (i.input === undefined ? 'name is required' : 'name must be text') })
  .trim()
  .min(1, 'name is empty');

const scheduleText = (field: 'rrule' | 'cron') =>
  z
    .string({ error: `${field} must be text` })
    .superRefine((text, ctx) => {
      try {
        scheduleOf(field === 'rrule' ? { rrule: text, cron: null } : { rrule: null, cron: text });
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    })
    .optional();

const windowSchema = closedObject(
  {
    name,
    match: nonEmptyMatchBlockSchema('match'),
    rrule: scheduleText('rrule'),
    cron: scheduleText('cron'),
    duration: durationSchema('duration', { min: MINUTE, max: MAX_WINDOW_MS }),
    timeZone: z
      .string({ error: 'timeZone must be text, an IANA name such as Europe/Paris' })
      .superRefine((tz, ctx) => {
        if (!isValidTimeZone(tz)) ctx.addIssue({ code: 'custom', message: `unknown time zone "${tz}" (use an IANA name such as "Europe/Paris" or "Etc/UTC")` });
      })
      .default('Etc/UTC'),
  },
  'a maintenance window',
  'a maintenance window needs name, match, rrule or cron, and duration',
)
  .superRefine((w, ctx) => {
    if (w.rrule === undefined && w.cron === undefined) ctx.addIssue({ code: 'custom', path: [], message: `window "${w.name}" needs rrule or cron` });
    if (w.rrule !== undefined && w.cron !== undefined) ctx.addIssue({ code: 'custom', path: ['cron'], message: `window "${w.name}" has both rrule and cron; keep one` });
  })
  .transform(
    (w): MaintenanceWindow => ({ name: w.name, match: w.match, rrule: w.rrule ?? null, cron: w.rrule === undefined ? (w.cron ?? null) : null, duration: w.duration, timeZone: w.timeZone }),
  );

const DEPLOY_MATCH_KEYS = ['service', 'environment'];

const deployRuleSchema = closedObject(
  {
    name: name.optional(),
    match: nonEmptyMatchBlockSchema('match').superRefine((m, ctx) => {
      for (const key of Object.keys(m)) {
        if (!DEPLOY_MATCH_KEYS.includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: `a deploy has only a service and an environment to match; "${key}" cannot match a deploy` });
      }
    }),
    duration: durationSchema('duration', { min: MINUTE, max: MAX_DEPLOY_WINDOW_MS }),
  },
  'a deploy window',
  'a deploy window needs match and duration',
).transform((r): DeployWindowRule => ({ name: r.name ?? null, match: r.match, duration: r.duration }));

export const maintenanceConfigSchema = closedObject(
  {
    windows: z.array(windowSchema, { error: 'windows is a list of windows' }).default([]),
    deploys: z.array(deployRuleSchema, { error: 'deploys is a list of { match, duration }' }).default([]),
  },
  'config/maintenance.yaml',
  'config/maintenance.yaml is empty',
)
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    for (const [i, w] of c.windows.entries()) {
      const first = seen.get(w.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['windows', i, 'name'], message: `a second window named "${w.name}" (the first is windows.${first})` });
      else seen.set(w.name, i);
    }
  })
  .transform((c): MaintenanceConfig => ({ windows: c.windows, deploys: c.deploys }));

export interface MaintenanceWindow {
  name: string;
  match: MatchBlock;
  /** Exactly one of rrule and cron is set. */
  rrule: string | null;
  cron: string | null;
  /** Milliseconds. */
  duration: number;
  timeZone: string;
}

export interface DeployWindowRule {
  name: string | null;
  /** On the deploy's service and environment. */
  match: MatchBlock;
  /** Milliseconds. */
  duration: number;
}

export interface MaintenanceConfig {
  windows: MaintenanceWindow[];
  deploys: DeployWindowRule[];
}

export const EMPTY_MAINTENANCE: MaintenanceConfig = { windows: [], deploys: [] };

/** A window that a deploy opened (windowFromDeploy); the integrator keeps it until endsAt. */
export interface OpenedWindow {
  name: string;
  match: MatchBlock;
  startsAt: Date;
  endsAt: Date;
  deployId: string;
}

/** A window holding an alert now, with the occurrence that holds it. */
export interface ActiveWindow {
  name: string;
  kind: 'recurring' | 'deploy';
  startsAt: Date;
  endsAt: Date;
  /** The deploy that opened it (kind deploy). */
  deployId: string | null;
}

// ---------------------------------------------------------------------------
// Evaluation

interface CacheEntry {
  /** Valid for queries x (floating) in [from, until). */
  from: number;
  until: number;
  latest: number | null;
}
const latestCache = new Map<string, CacheEntry>();
const MAX_CACHE = 1000;

/** The latest start at or before x that may still be active (not before x - duration - margin); cached until the next start. */
function latestStart(w: MaintenanceWindow, schedule: Schedule, x: number, margin: number): number | null {
  const key = `${w.rrule ?? ''}\n${w.cron ?? ''}\n${w.duration}\n${margin}`;
  const notBefore = x - w.duration - margin;
  const hit = latestCache.get(key);
  if (hit && x >= hit.from && x < hit.until) return hit.latest !== null && hit.latest >= notBefore ? hit.latest : null;
  const latest = schedule.latestAtOrBefore(x, notBefore);
  const next = schedule.firstAfter(x, notBefore);
  if (latestCache.size >= MAX_CACHE) latestCache.clear();
  latestCache.set(key, { from: x, until: next ?? Number.POSITIVE_INFINITY, latest });
  return latest;
}

/**
 * The occurrence of a recurring window that is under way at `now`, or null.
 * Occurrences are the same length, so the one under way (if any) is the one
 * that started last, at or before now.
 */
export function windowOccurrence(w: MaintenanceWindow, now: Date): { startsAt: Date; endsAt: Date } | null {
  const schedule = scheduleOf(w);
  const t = now.getTime();
  const f = wallClockMs(now, w.timeZone);
  // Near a change of offset (within a day), floating order and real order can
  // differ by the size of the change: look at every start that close to now.
  const shift = Math.abs(offsetAt(new Date(t - DAY), w.timeZone) - offsetAt(new Date(t + DAY), w.timeZone));
  const candidates: number[] = [];
  const latest = latestStart(w, schedule, f - shift, shift + 2 * HOUR);
  if (latest !== null) candidates.push(latest);
  if (shift > 0) candidates.push(...schedule.startsIn(f - shift, f + shift));
  let best: number | null = null;
  for (const c of candidates) {
    const start = instantOf(c, w.timeZone).getTime();
    if (start <= t && (best === null || start > best)) best = start;
  }
  if (best === null || t >= best + w.duration) return null;
  return { startsAt: new Date(best), endsAt: new Date(best + w.duration) };
}

/** Every window that holds the alert at `now`: recurring ones (config) and those deploys opened. */
export function activeWindows(alert: MatchSubject, config: MaintenanceConfig, now: Date, opened: readonly OpenedWindow[] = []): ActiveWindow[] {
  const out: ActiveWindow[] = [];
  for (const w of config.windows) {
    if (!matches(w.match, alert)) continue;
    const o = windowOccurrence(w, now);
    if (o) out.push({ name: w.name, kind: 'recurring', ...o, deployId: null });
  }
  const t = now.getTime();
  for (const w of opened) {
    if (t < w.startsAt.getTime() || t >= w.endsAt.getTime() || !matches(w.match, alert)) continue;
    out.push({ name: w.name, kind: 'deploy', startsAt: w.startsAt, endsAt: w.endsAt, deployId: w.deployId });
  }
  return out;
}

/**
 * The window that holds the alert at `now`, or null. When several do, the one
 * that ends last (then the first by name), so the caller knows until when.
 */
export function activeWindow(alert: MatchSubject, config: MaintenanceConfig, now: Date, opened: readonly OpenedWindow[] = []): ActiveWindow | null {
  let best: ActiveWindow | null = null;
  for (const w of activeWindows(alert, config, now, opened)) {
    const d = best === null ? 1 : w.endsAt.getTime() - best.endsAt.getTime();
    if (d > 0 || (d === 0 && best !== null && w.name < best.name)) best = w;
  }
  return best;
}

/** At most this many windows chained end to end are followed by nextWindowEnd. */
const MAX_CHAIN = 100;

/**
 * When the alert stops being inside any window: the end of the window that
 * holds it, followed through windows that start before (or as) it ends. Null
 * when no window holds it at `now`. The time to look at a held alert again.
 */
export function nextWindowEnd(alert: MatchSubject, config: MaintenanceConfig, now: Date, opened: readonly OpenedWindow[] = []): Date | null {
  let w = activeWindow(alert, config, now, opened);
  if (!w) return null;
  let end = w.endsAt;
  for (let i = 0; i < MAX_CHAIN; i++) {
    w = activeWindow(alert, config, end, opened);
    if (!w || w.endsAt.getTime() <= end.getTime()) break;
    end = w.endsAt;
  }
  return end;
}

/** What windowFromDeploy needs of a deploy (a DeployRecord fits). */
export interface DeployForWindow {
  id: string;
  service: string;
  environment: string | null;
  deployedAt: Date;
  drill?: boolean;
}

/**
 * The short window a deploy opens for its service (and environment, when the
 * deploy names one), from the first `deploys:` rule that matches it; null when
 * none does. A drill's deploy opens nothing: the drill is there to be paged.
 */
export function windowFromDeploy(deploy: DeployForWindow, config: MaintenanceConfig): OpenedWindow | null {
  if (deploy.drill) return null;
  const subject: MatchSubject = { source: null, service: deploy.service, environment: deploy.environment, severity: null, alertName: null, labels: {} };
  const rule = config.deploys.find((r) => matches(r.match, subject));
  if (!rule) return null;
  const match = matchBlockSchema.parse({ service: deploy.service, ...(deploy.environment ? { environment: deploy.environment } : {}) });
  return {
    name: rule.name ?? `deploy of ${deploy.service} (${durationText(rule.duration / 1000)})`,
    match,
    startsAt: deploy.deployedAt,
    endsAt: new Date(deploy.deployedAt.getTime() + rule.duration),
    deployId: deploy.id,
  };
}
