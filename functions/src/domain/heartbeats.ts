// Heartbeats (contract §11): config/heartbeats.yaml.
//
//   heartbeats:
//     - { name: nightly-backup, interval: 24h, grace: 1h, service: backups, severity: critical }
//
// A job pings `POST /heartbeat/{name}` (the alert token). When no ping came
// for interval + grace, the pipeline raises an alert of source `heartbeat`
// through the normal path (severity rules, grouping, incident); the next ping
// resolves it: both carry the same fingerprint. Alertmanager's always-firing
// `Watchdog` alert can be a heartbeat's ping (`watchdog: true`), so a silent
// Prometheus or Alertmanager pages someone.
import { z } from 'zod';
import { durationSchema, durationText } from './duration';
import { type MatchBlock, matchBlockSchema, type MatchSubject, matches, nonEmptyMatchBlockSchema } from './match';
import type { AlertStatus, NormalizedAlert } from './types';
import { closedObject } from './yamlConfig';

const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;
/** The shortest interval: each ping reschedules a Cloud Task, so a few seconds is the floor. */
export const MIN_HEARTBEAT_INTERVAL_MS = 5_000;

/** What `watchdog: true` means: Alertmanager's Watchdog alert, from any source. */
export const DEFAULT_WATCHDOG_MATCH: MatchBlock = matchBlockSchema.parse({ alertname: 'Watchdog' });

const text = (name: string) =>
  z
    .union([z.string(), z.number()], { error: (i) => (i.input === undefined ? `${name} is required` : `${name} must be text`) })
    .transform((v) => String(v).trim())
    .refine((v) => v.length > 0, `${name} is empty`);

const heartbeatSchema = closedObject(
  {
    name: text('name').refine(
      (n) => /^[a-z0-9][a-z0-9._-]{0,99}$/i.test(n),
      'name is used in the URL (POST /heartbeat/{name}): letters, digits, ".", "_" and "-", starting with a letter or digit, at most 100',
    ),
    interval: durationSchema('interval', { min: MIN_HEARTBEAT_INTERVAL_MS, max: 31 * DAY }),
    grace: durationSchema('grace', { min: 0, max: 7 * DAY }),
    service: text('service'),
    severity: text('severity').refine(
      (s) => !/^sev\s*[1-4]$/i.test(s),
      "severity is the alert's own word (critical, error, warning, info, P1-P5), which the severity rules turn into a SEV; write critical rather than SEV1",
    ),
    title: text('title').optional(),
    environment: text('environment').optional(),
    labels: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String), { error: 'labels is a map of label name to value' })
      .optional(),
    watchdog: z
      .union([z.boolean(), nonEmptyMatchBlockSchema('watchdog')], {
        error: 'watchdog is true (the alert named Watchdog) or a match block of the alerts that ping this heartbeat',
      })
      .optional(),
  },
  'a heartbeat',
  'a heartbeat needs name, interval, grace, service and severity',
).transform(
  (h): Heartbeat => ({
    name: h.name,
    interval: h.interval,
    grace: h.grace,
    service: h.service,
    severity: h.severity,
    title: h.title ?? null,
    environment: h.environment ?? null,
    labels: h.labels ?? {},
    watchdog: h.watchdog === true ? DEFAULT_WATCHDOG_MATCH : h.watchdog === false || h.watchdog === undefined ? null : h.watchdog,
  }),
);

export const heartbeatsConfigSchema = closedObject(
  { heartbeats: z.array(heartbeatSchema, { error: 'heartbeats is a list of heartbeats' }).default([]) },
  'config/heartbeats.yaml',
  'config/heartbeats.yaml is empty',
)
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    for (const [i, h] of c.heartbeats.entries()) {
      const key = h.name.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['heartbeats', i, 'name'], message: `a second heartbeat named "${h.name}" (the first is heartbeats.${first})` });
      else seen.set(key, i);
    }
  })
  .transform((c): HeartbeatsConfig => ({ heartbeats: c.heartbeats }));

export interface Heartbeat {
  name: string;
  /** Milliseconds between pings. */
  interval: number;
  /** Milliseconds of slack after a missed interval before the alert. */
  grace: number;
  service: string;
  /** The alert's own severity word, as any source's (the severity rules make it a SEV). */
  severity: string;
  title: string | null;
  environment: string | null;
  labels: Record<string, string>;
  /** Alerts that count as a ping of this heartbeat (Alertmanager's Watchdog), or null. */
  watchdog: MatchBlock | null;
}

export interface HeartbeatsConfig {
  heartbeats: Heartbeat[];
}

export const EMPTY_HEARTBEATS: HeartbeatsConfig = { heartbeats: [] };

/** The heartbeat of `POST /heartbeat/{name}` (names compare without regard to case), or null. */
export function heartbeatByName(config: HeartbeatsConfig, name: string): Heartbeat | null {
  const n = name.trim().toLowerCase();
  return config.heartbeats.find((h) => h.name.toLowerCase() === n) ?? null;
}

/** When the heartbeat is missed if no ping comes: the last ping + interval + grace. */
export function deadline(hb: Pick<Heartbeat, 'interval' | 'grace'>, lastPingAt: Date): Date {
  return new Date(lastPingAt.getTime() + hb.interval + hb.grace);
}

/** The same for the miss and the ping that resolves it, and for every miss of this heartbeat. */
export const heartbeatFingerprint = (hb: Pick<Heartbeat, 'name'>) => `heartbeat:${hb.name.toLowerCase()}`;

/**
 * The alert a missed heartbeat raises (`firing`, at the deadline) or its next
 * ping resolves (`resolved`, at the ping). Grouped like any alert: one
 * incident per heartbeat (the alert name is the heartbeat's name).
 */
export function heartbeatAlert(hb: Heartbeat, status: AlertStatus, at: Date, lastPingAt: Date | null = null): NormalizedAlert {
  const every = `every ${durationText(hb.interval / 1000)}${hb.grace > 0 ? ` (with ${durationText(hb.grace / 1000)} of grace)` : ''}`;
  const last = lastPingAt ? `the last ping was at ${lastPingAt.toISOString()}` : 'no ping has come yet';
  return {
    source: 'heartbeat',
    fingerprint: heartbeatFingerprint(hb),
    status,
    title: hb.title ?? `Heartbeat ${hb.name} missed`,
    service: hb.service,
    environment: hb.environment,
    severity: hb.severity,
    alertName: hb.name,
    labels: { ...hb.labels, heartbeat: hb.name },
    startsAt: status === 'firing' ? at : null,
    endsAt: status === 'resolved' ? at : null,
    links: [],
    description:
      status === 'firing'
        ? `No ping of heartbeat ${hb.name} (POST /heartbeat/${hb.name}), expected ${every}; ${last}.`
        : `Heartbeat ${hb.name} pinged again at ${at.toISOString()}.`,
  };
}

// ---------------------------------------------------------------------------
// The heartbeat's state (one small document per heartbeat) and its two events

export interface HeartbeatState {
  /** Epoch milliseconds of the last ping, or null before the first. */
  lastPingAt: number | null;
  /** When watching began (the deadline counts from here until the first ping). */
  since: number;
  /** A miss was raised and no ping has resolved it yet. */
  missed: boolean;
}

export const heartbeatStateSchema = z.object({
  lastPingAt: z.number().nullable(),
  since: z.number(),
  missed: z.boolean(),
});

/** The state of a heartbeat first seen at `now` (a new entry in heartbeats.yaml). */
export const initialHeartbeatState = (now: Date): HeartbeatState => ({ lastPingAt: null, since: now.getTime(), missed: false });

export type HeartbeatEvent = { kind: 'ping' } | { kind: 'check' };

export interface HeartbeatStep {
  state: HeartbeatState;
  /** The alert to send through the normal path, or null. */
  alert: NormalizedAlert | null;
  /** When to check next (the deadline), or null while a miss is open (the next ping resolves it). */
  nextCheckAt: Date | null;
}

/**
 * One event: a ping (from POST /heartbeat/{name} or a Watchdog alert) records
 * its time and resolves an open miss; a check at or after the deadline raises
 * the miss once. A ping that arrives late (older than the last one) changes
 * nothing but the open miss.
 */
export function heartbeatStep(hb: Heartbeat, state: HeartbeatState, event: HeartbeatEvent, now: Date): HeartbeatStep {
  const t = now.getTime();
  const due = (s: HeartbeatState) => deadline(hb, new Date(s.lastPingAt ?? s.since));
  if (event.kind === 'ping') {
    const lastPingAt = state.lastPingAt === null ? t : Math.max(state.lastPingAt, t);
    const next: HeartbeatState = { ...state, lastPingAt, missed: false };
    return { state: next, alert: state.missed ? heartbeatAlert(hb, 'resolved', now, new Date(lastPingAt)) : null, nextCheckAt: due(next) };
  }
  if (state.missed) return { state, alert: null, nextCheckAt: null };
  if (t < due(state).getTime()) return { state, alert: null, nextCheckAt: due(state) };
  const lastPing = state.lastPingAt === null ? null : new Date(state.lastPingAt);
  return { state: { ...state, missed: true }, alert: heartbeatAlert(hb, 'firing', now, lastPing), nextCheckAt: null };
}

/**
 * The heartbeat that a firing alert pings (its `watchdog` match fits), or
 * null. The first heartbeat in the file wins. Such an alert is a ping, never
 * an incident; see watchdogFor for its resolved counterpart.
 */
export function watchdogPing(alert: MatchSubject & { status: AlertStatus }, config: HeartbeatsConfig): string | null {
  return alert.status === 'firing' ? watchdogFor(alert, config) : null;
}

/**
 * The heartbeat whose watchdog the alert is, firing or not. A resolved
 * Watchdog means the watcher stopped: it is not a ping (the deadline will
 * raise the miss), and it opens no incident of its own either.
 */
export function watchdogFor(alert: MatchSubject, config: HeartbeatsConfig): string | null {
  return config.heartbeats.find((h) => h.watchdog !== null && matches(h.watchdog, alert))?.name ?? null;
}
