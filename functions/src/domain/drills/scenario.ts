// Drill scenarios: what a scenario file says, and its validation (file:line
// errors). Expansion into messages is expand.ts, replay of a stored incident
// replay.ts, scoring score.ts.
//
// A scenario file (`scenarios/*.yaml`):
//
//   name: Bad deploy of checkout          # required
//   description: ...                      # optional
//   service: checkout                     # required: the service every alert is about
//   environment: production               # default production
//   timeLimitMinutes: 20                  # default 30; every alert must be sent before it
//   expect:
//     acknowledgeWithinSeconds: 300       # or a duration: 5m
//     runbookSteps: [...]                 # step ids or texts expected to be ticked
//     postmortem: true                    # optional: a postmortem is expected to be started
//   participants: [uid-a, uid-b]          # optional: who is paged for this drill, and no one else
//   deploy:                               # optional
//     at: -2m                             # offset from the first alert; negative = before it
//     version: v2.15.0
//     author: ..., commit: ..., url: ...  # optional
//   alerts:                               # at least one step
//     - at: 0                             # seconds ≥ 0, or "90s", "2m", "1m30s", "500ms"
//       source: alertmanager              # one of the six sources (default generic)
//       payload: {...}                    # that source's own webhook JSON, written as YAML
//     - at: 45s
//       alert: { title: ..., severity: critical, labels: {...} }   # shorthand: a generic alert
//     - at: 1m
//       source: alertmanager
//       payload: {...}
//       repeat: { count: 300, every: 0.3s }   # 300 copies, 0.3 s apart (an alert storm)
//
// Placeholders, substituted in every string of a payload, in each copy:
//   {n}        the copy number, 1..count (1 in a step without repeat)
//   {drill}    the drill id
//   {time}     the ISO 8601 time the copy is due (drill start + its offset)
//   {epoch}    the same in Unix seconds; a value that is exactly "{epoch}"
//              becomes a JSON number (Monitoring's started_at is a number)
//   {epochMs}  the same in Unix milliseconds, always as text (Datadog's $DATE)
// The three time placeholders take an offset: {time-2m45s}, {epoch+30s} (e.g.
// the startsAt of a resolve that is sent 2 min 45 s after the alert fired).
// Anything else in braces is left as it is.
// So `instance: pod-{n}` with `repeat.count: 300` gives 300 distinct alerts, and
// a second step with the same labels and a smaller count re-sends (repeats)
// the first of them. Without a drill start time the times count from
// DRILL_REFERENCE_TIME.
//
// Service and environment: a scenario is about one service. Every payload gets
// the drill's service (the scenario's `service`, or the unique one a drill asks
// for) where its source keeps the service: generic `service`; Alertmanager and
// Grafana `labels.service` of each alert; Datadog's `service:` tag; Monitoring's
// `resource.labels.service_name`; Sentry's event tag `service`. The scenario's
// `environment` fills in where a payload names none (generic `environment`,
// `labels.env`, the `env:` tag, `policy_user_labels.env`, the event's
// `environment`); an environment a payload names is kept.
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { knownSources, normalizePayload } from '../sources';
import { type AlertSource, WEBHOOK_SOURCES } from '../types';
import { closedObject, type ConfigIssue, lineOfPath, type Parsed, parseYaml } from '../yamlConfig';
import { preparePayload } from './expand';
import { badPlaceholders, DRILL_REFERENCE_TIME } from './placeholders';
import { formatDuration, parseDuration } from '../duration';

// ---------------------------------------------------------------------------
// Types

export interface ScenarioRepeat {
  count: number;
  /** Seconds between copies (0 = all at once). */
  every: number;
}

export interface ScenarioStep {
  /** Seconds from the first alert of the drill (≥ 0). */
  at: number;
  source: AlertSource;
  /** The source's own payload (for the `alert:` shorthand, the generic payload). */
  payload: Record<string, unknown>;
  repeat: ScenarioRepeat | null;
}

export interface ScenarioDeploy {
  /** Seconds from the first alert; negative = before it. */
  at: number;
  version: string;
  author: string | null;
  commit: string | null;
  url: string | null;
}

export interface ScenarioExpectations {
  acknowledgeWithinSeconds: number;
  /** Runbook step ids or texts expected to be ticked. */
  runbookSteps: string[];
  /** true: a postmortem is expected to be started; null: not scored. */
  postmortem: boolean | null;
}

export interface Scenario {
  name: string;
  description: string | null;
  service: string;
  environment: string;
  timeLimitMinutes: number;
  expect: ScenarioExpectations;
  deploy: ScenarioDeploy | null;
  /**
   * Who is paged for this drill (Firebase uids), marked [DRILL], and no one
   * else; null when the scenario names none (the drill then pages as
   * `page.drills` in config/oncall.yaml says). Kept on drills/{id}.participants.
   */
  participants: string[] | null;
  /** In file order (expandScenario sorts by time). */
  alerts: ScenarioStep[];
}

/** Where `{time}` and friends count from when a drill gives no start time. */
export { DRILL_REFERENCE_TIME } from './placeholders';

export const DEFAULT_ENVIRONMENT = 'production';
export const DEFAULT_TIME_LIMIT_MINUTES = 30;
/** The acknowledgement target of a replayed incident that was never acknowledged. */
export const DEFAULT_ACKNOWLEDGE_SECONDS = 300;
export const MAX_REPEAT = 10_000;
export const MAX_PARTICIPANTS = 20;

// ---------------------------------------------------------------------------
// Schema

const requiredText = (name: string) =>
  z.string({ error: (i) => (i.input === undefined ? `${name} is required` : `${name} must be text`) }).trim().min(1, `${name} is empty`);

const optionalText = (name: string) => z.string({ error: `${name} must be text` }).trim().min(1, `${name} is empty`).optional();

const AT_HELP = 'a number of seconds or a duration such as "90s", "2m" or "1m30s"';

/** Seconds, from a number or a duration text. */
function seconds(name: string, opts: { min?: number; positive?: boolean; required?: boolean } = {}) {
  return z
    .union([z.number(), z.string()], { error: (i) => (i.input === undefined ? `${name} is required` : `${name} must be ${AT_HELP}`) })
    .transform((v, ctx) => {
      const s = parseDuration(v);
      if (s === null) {
        ctx.addIssue({ code: 'custom', message: `${name} must be ${AT_HELP}, not ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      if (opts.min !== undefined && s < opts.min) {
        ctx.addIssue({ code: 'custom', message: `${name} must be ${opts.min} or more (got ${s})` });
        return z.NEVER;
      }
      if (opts.positive && s <= 0) {
        ctx.addIssue({ code: 'custom', message: `${name} must be more than 0 (got ${s})` });
        return z.NEVER;
      }
      return s;
    });
}

const labelValue = z.union([z.string(), z.number(), z.boolean()], { error: 'a label value must be text' });

/** The `alert:` shorthand: the generic shape, without service (it comes from the scenario). */
export const SHORTHAND_KEYS = ['title', 'status', 'severity', 'environment', 'description', 'labels', 'links', 'fingerprint', 'startsAt', 'endsAt'] as const;

const shorthandSchema = closedObject(
  {
    title: requiredText('alert.title'),
    status: z.enum(['firing', 'resolved'], { error: 'status must be firing or resolved' }).optional(),
    severity: z.union([z.string(), z.number()], { error: 'severity must be a word such as critical, error, warning or info' }).optional(),
    environment: optionalText('environment'),
    description: z.string({ error: 'description must be text' }).optional(),
    labels: z.record(z.string(), labelValue, { error: 'labels must be a map of label name to value' }).optional(),
    links: z.array(closedObject({ title: requiredText('title'), url: requiredText('url') }, 'a link', 'a link needs title and url')).optional(),
    fingerprint: optionalText('fingerprint'),
    startsAt: z.union([z.string(), z.number()]).optional(),
    endsAt: z.union([z.string(), z.number()]).optional(),
  },
  'alert (a generic alert; the service comes from the scenario)',
  'alert needs at least a title',
);

const repeatSchema = closedObject(
  {
    count: z
      .number({ error: (i) => (i.input === undefined ? 'repeat.count is required' : 'repeat.count must be a whole number') })
      .int('repeat.count must be a whole number')
      .min(1, 'repeat.count must be 1 or more')
      .max(MAX_REPEAT, `repeat.count is at most ${MAX_REPEAT}`),
    every: seconds('repeat.every', { min: 0 }).default(0),
  },
  'repeat',
  'repeat needs count (and every)',
);

const stepSchema = closedObject(
  {
    at: seconds('at', { min: 0 }),
    // The senders only: a drill plays its alerts through the webhook, which takes no `heartbeat`.
    source: z.enum(WEBHOOK_SOURCES, { error: `source must be one of ${WEBHOOK_SOURCES.join(', ')}` }).optional(),
    payload: z
      .record(z.string(), z.unknown(), { error: "payload must be a map: the source's own webhook JSON, written as YAML" })
      .optional(),
    alert: shorthandSchema.optional(),
    repeat: repeatSchema.optional(),
  },
  'an alert step',
  'an alert step needs at and payload (or alert)',
).superRefine((s, ctx) => {
  if (s.payload === undefined && s.alert === undefined) {
    ctx.addIssue({ code: 'custom', path: [], message: "a step needs payload: (the source's own payload) or alert: (a generic alert)" });
  }
  if (s.payload !== undefined && s.alert !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['alert'], message: 'a step has payload: or alert:, not both' });
  }
  const body = s.payload !== undefined ? 'payload' : 'alert';
  for (const bad of badPlaceholders(s[body], [body])) {
    ctx.addIssue({
      code: 'custom',
      path: bad.path,
      message: `${bad.placeholder}: only {time}, {epoch} and {epochMs} take an offset, and it must be a duration such as -2m or +30s`,
    });
  }
  if (s.alert !== undefined && s.source !== undefined && s.source !== 'generic') {
    ctx.addIssue({ code: 'custom', path: ['source'], message: `alert: is the generic shorthand; write a ${s.source} alert as source: ${s.source} with payload:` });
  }
});

const expectSchema = closedObject(
  {
    acknowledgeWithinSeconds: seconds('expect.acknowledgeWithinSeconds', { positive: true }),
    runbookSteps: z.array(requiredText('a runbook step'), { error: 'runbookSteps must be a list of step ids or texts' }).default([]),
    postmortem: z.boolean({ error: 'postmortem must be true or false' }).optional(),
  },
  'expect',
  'expect is required: { acknowledgeWithinSeconds, runbookSteps, postmortem? }',
);

const deploySchema = closedObject(
  {
    at: seconds('deploy.at'),
    version: requiredText('deploy.version'),
    author: optionalText('deploy.author'),
    commit: optionalText('deploy.commit'),
    url: optionalText('deploy.url').refine((u) => u === undefined || /^https?:\/\/\S+$/i.test(u), 'deploy.url must be an http(s) URL'),
  },
  'deploy',
  'deploy needs at and version',
);

export const scenarioSchema = closedObject(
  {
    name: requiredText('name'),
    description: z.string({ error: 'description must be text' }).optional(),
    service: requiredText('service'),
    environment: requiredText('environment').default(DEFAULT_ENVIRONMENT),
    timeLimitMinutes: z.number({ error: 'timeLimitMinutes must be a number of minutes' }).positive('timeLimitMinutes must be more than 0').default(DEFAULT_TIME_LIMIT_MINUTES),
    expect: expectSchema,
    deploy: deploySchema.optional(),
    participants: z
      .array(requiredText('a participant').pipe(z.string().max(128, 'a participant is a uid of at most 128 characters')), {
        error: 'participants must be a list of uids (Firebase Auth user ids)',
      })
      .max(MAX_PARTICIPANTS, `participants lists at most ${MAX_PARTICIPANTS} people`)
      .refine((l) => new Set(l).size === l.length, 'participants names someone twice')
      .optional(),
    alerts: z
      .array(stepSchema, { error: (i) => (i.input === undefined ? 'alerts is required: a list of timed alert steps' : 'alerts must be a list of steps') })
      .min(1, 'alerts needs at least one step'),
  },
  'the scenario',
  'a scenario needs name, service, expect and alerts',
).superRefine((s, ctx) => {
  const limit = s.timeLimitMinutes * 60;
  for (const [i, step] of s.alerts.entries()) {
    const last = step.at + (step.repeat ? (step.repeat.count - 1) * step.repeat.every : 0);
    if (last > limit) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerts', i, 'at'],
        message: `this step ${step.repeat ? 'ends' : 'is'} at ${formatDuration(last)}, after the time limit of ${s.timeLimitMinutes} min`,
      });
    }
  }
});

type ParsedScenario = z.output<typeof scenarioSchema>;

function toScenario(p: ParsedScenario): Scenario {
  return {
    name: p.name,
    description: p.description?.trim() || null,
    service: p.service,
    environment: p.environment,
    timeLimitMinutes: p.timeLimitMinutes,
    expect: {
      acknowledgeWithinSeconds: p.expect.acknowledgeWithinSeconds,
      runbookSteps: p.expect.runbookSteps,
      postmortem: p.expect.postmortem ?? null,
    },
    deploy: p.deploy
      ? { at: p.deploy.at, version: p.deploy.version, author: p.deploy.author ?? null, commit: p.deploy.commit ?? null, url: p.deploy.url ?? null }
      : null,
    participants: p.participants ? [...p.participants] : null,
    alerts: p.alerts.map((s) => ({
      at: s.at,
      source: s.alert !== undefined ? 'generic' : (s.source ?? 'generic'),
      payload: (s.alert ?? s.payload ?? {}) as Record<string, unknown>,
      repeat: s.repeat ? { count: s.repeat.count, every: s.repeat.every } : null,
    })),
  };
}

// ---------------------------------------------------------------------------
// Parsing

export interface ParseScenarioOptions {
  /**
   * Check each step's payload with its source's normaliser (default true:
   * every step, and a source without a registered normaliser is an error).
   * false: no payload is checked; a list: only steps of those sources.
   */
  validatePayloads?: boolean | readonly AlertSource[];
}

/** Issues in file order (a stable sort: issues on one line keep their order). */
const byLine = (issues: ConfigIssue[]) => [...issues].sort((a, b) => a.line - b.line);

/** Parses and validates a scenario file. Every issue carries the file and line. */
export function parseScenario(text: string, file: string, opts: ParseScenarioOptions = {}): Parsed<Scenario> {
  const parsed = parseYaml(text, scenarioSchema, file);
  if (!parsed.ok) return { ok: false, issues: byLine(parsed.issues) };
  const scenario = toScenario(parsed.value);

  const validate = opts.validatePayloads ?? true;
  if (validate === false) return { ok: true, value: scenario };
  const registered = knownSources();

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lineOf = (path: (string | number)[]) => lineOfPath(doc, lineCounter, path);

  const issues: ConfigIssue[] = [];
  for (const [i, step] of scenario.alerts.entries()) {
    if (Array.isArray(validate) && !validate.includes(step.source)) continue;
    const key = doc.hasIn(['alerts', i, 'alert']) ? 'alert' : 'payload';
    const base: (string | number)[] = ['alerts', i, key];
    if (!registered.includes(step.source)) {
      issues.push({
        file,
        line: lineOf(base),
        path: base.join('.'),
        message: `no normaliser is registered for source "${step.source}", so this payload cannot be checked (parse with { validatePayloads: false } to skip the check)`,
      });
      continue;
    }
    const payload = preparePayload(step, 0, {
      drillId: 'validate',
      service: scenario.service,
      environment: scenario.environment,
      time: new Date(DRILL_REFERENCE_TIME.getTime() + Math.round(step.at * 1000)),
    });
    const result = normalizePayload(step.source, payload);
    if (result.ok) continue;
    const what = key === 'alert' ? 'this generic alert is not valid' : `this is not a valid ${step.source} payload`;
    if (result.details.length === 0) {
      issues.push({ file, line: lineOf(base), path: base.join('.'), message: `${what}: ${result.error}` });
      continue;
    }
    for (const d of result.details) {
      const path = d.path === '(root)' ? base : [...base, ...d.path.split('.')];
      issues.push({ file, line: lineOf(path), path: path.join('.'), message: `${what}: ${d.message}` });
    }
  }
  if (issues.length > 0) return { ok: false, issues: byLine(issues) };
  return { ok: true, value: scenario };
}

