// Drills: realistic incident scenarios, replayed through the real pipeline so
// responders can practise, and the score of a run. Pure: the runner reads the
// scenario file, calls expandScenario, sends the steps at their offsets
// (webhook or Pub/Sub, tagged with the drill id), then calls scoreDrill.
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
import { isNode, LineCounter, parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { formatDuration } from './duration';
import { knownSources, normalizePayload } from './sources';
import { type AlertRecord, type AlertSource, type Incident, type Severity, SYSTEM, type TimelineEntry, WEBHOOK_SOURCES } from './types';
import { closedObject, type ConfigIssue, type Parsed, parseYaml } from './yamlConfig';

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
  /** In file order (expandScenario sorts by time). */
  alerts: ScenarioStep[];
}

/** Where `{time}` and friends count from when a drill gives no start time. */
export const DRILL_REFERENCE_TIME = new Date('2000-01-01T00:00:00.000Z');

export const DEFAULT_ENVIRONMENT = 'production';
export const DEFAULT_TIME_LIMIT_MINUTES = 30;
/** The acknowledgement target of a replayed incident that was never acknowledged. */
export const DEFAULT_ACKNOWLEDGE_SECONDS = 300;
export const MAX_REPEAT = 10_000;

// ---------------------------------------------------------------------------
// Durations

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const DURATION = /^(-)?((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)$/;

/**
 * Seconds from a number (seconds) or a duration text: "90", "90s", "2m",
 * "1m30s", "500ms", "1h", with an optional leading "-". Null when it is neither.
 */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const s = value.replace(/\s+/g, '');
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  const m = DURATION.exec(s);
  if (!m?.[2]) return null;
  let total = 0;
  for (const part of m[2].matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(part[1]) * (UNIT_SECONDS[part[2] ?? 's'] ?? 1);
  total = Math.round(total * 1000) / 1000;
  return m[1] ? -total : total;
}


// ---------------------------------------------------------------------------
// Placeholders

const TIME_PLACEHOLDERS = ['time', 'epoch', 'epochMs'];
/** `{n}`, `{drill}`, `{time}`, `{epoch}`, `{epochMs}`; the time ones may carry an offset: `{time-2m45s}`. */
const placeholderPattern = () => /\{(n|drill|time|epoch|epochMs)([+-][0-9a-z.]+)?\}/g;
const WHOLE_EPOCH = /^\{epoch([+-][0-9a-z.]+)?\}$/;

/** Placeholders with an offset that is not valid (or on {n}/{drill}), with their path inside `value`. */
function badPlaceholders(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; placeholder: string }[] {
  if (typeof value === 'string') {
    const probe: PlaceholderVars = { n: 1, drill: 'x', time: DRILL_REFERENCE_TIME };
    return [...value.matchAll(placeholderPattern())]
      .filter((m) => m[2] !== undefined && placeholderValue(m[1] ?? '', m[2], probe) === null)
      .map((m) => ({ path, placeholder: m[0] }));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => badPlaceholders(v, [...path, i]));
  if (isRecord(value)) return Object.entries(value).flatMap(([k, v]) => badPlaceholders(v, [...path, k]));
  return [];
}

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
  const lineOf = (path: (string | number)[]): number => {
    let node: unknown;
    for (let n = path.length; n >= 0 && !isNode(node); n--) node = doc.getIn(path.slice(0, n), true);
    const offset = isNode(node) ? node.range?.[0] : undefined;
    return offset === undefined ? 1 : lineCounter.linePos(offset).line;
  };

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

// ---------------------------------------------------------------------------
// Expansion

export interface ExpandOptions {
  drillId: string;
  /** A unique service for this drill (e.g. `checkout-drill-7f3a`); default the scenario's. */
  service?: string | null;
  /** When the drill's first alert is due: the base of `{time}`, `{epoch}`, `{epochMs}` and the deploy's time. */
  startedAt?: Date | null;
}

export interface DrillStep {
  /** Milliseconds from the drill's start. */
  at: number;
  source: AlertSource;
  payload: unknown;
}

/** The deploy event to send (POST /deployWebhook body or `deploys` topic data), and when. */
export interface DrillDeploy {
  /** Milliseconds from the drill's start; negative = send it first, it happened before the first alert. */
  at: number;
  event: {
    id: string;
    service: string;
    environment: string;
    version: string;
    author: string | null;
    commit: string | null;
    url: string | null;
    drill: true;
    /** Set when the drill's start time is known. */
    deployedAt?: string;
  };
}

interface PrepareContext {
  drillId: string;
  service: string;
  environment: string;
  /** When this copy is due. */
  time: Date;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** The map at `obj[key]`, created (or replaced, if it is not a map) when needed. */
function child(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = obj[key];
  if (isRecord(v)) return v;
  const created: Record<string, unknown> = {};
  obj[key] = created;
  return created;
}

interface PlaceholderVars {
  n: number;
  drill: string;
  time: Date;
}

/** The value of one placeholder, or null when its offset is not valid. */
function placeholderValue(name: string, offset: string | undefined, vars: PlaceholderVars): string | null {
  let shiftMs = 0;
  if (offset !== undefined) {
    if (!TIME_PLACEHOLDERS.includes(name)) return null;
    const s = parseDuration(offset.replace(/^\+/, ''));
    if (s === null) return null;
    shiftMs = Math.round(s * 1000);
  }
  const t = vars.time.getTime() + shiftMs;
  switch (name) {
    case 'n':
      return String(vars.n);
    case 'drill':
      return vars.drill;
    case 'time':
      return new Date(t).toISOString();
    case 'epoch':
      return String(Math.floor(t / 1000));
    case 'epochMs':
      return String(t);
    default:
      return null;
  }
}

/** A deep copy of `value` with the placeholders substituted. */
function substitute(value: unknown, vars: PlaceholderVars): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_EPOCH.exec(value);
    if (whole) {
      const v = placeholderValue('epoch', whole[1], vars);
      if (v !== null) return Number(v);
    }
    return value.replace(placeholderPattern(), (m: string, name: string, offset: string | undefined) => placeholderValue(name, offset, vars) ?? m);
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  return value;
}

/** Sets `key:value` in a Datadog tag list (text or array), replacing an existing `key:` tag, or appending it. */
function setDatadogTag(tags: unknown, key: string, value: string, onlyIfAbsent: boolean): unknown {
  const list = Array.isArray(tags) ? tags.map(String) : typeof tags === 'string' ? tags.split(',').map((t) => t.trim()).filter((t) => t !== '') : [];
  const has = (t: string) => t.toLowerCase().startsWith(`${key}:`);
  if (list.some(has)) {
    if (onlyIfAbsent) return tags;
    const out = list.map((t) => (has(t) ? `${key}:${value}` : t));
    return Array.isArray(tags) ? out : out.join(',');
  }
  const out = [...list, `${key}:${value}`];
  return Array.isArray(tags) ? out : out.join(',');
}

/** Sets the Sentry event tag `key` (a list of [key, value] pairs or {key, value} objects, or a map). */
function setSentryTag(event: Record<string, unknown>, key: string, value: string) {
  const tags = event.tags;
  if (isRecord(tags)) {
    tags[key] = value;
    return;
  }
  const list: unknown[] = Array.isArray(tags) ? tags : [];
  const isKey = (t: unknown) => (Array.isArray(t) && t[0] === key) || (isRecord(t) && t.key === key);
  const out = list.map((t) => (!isKey(t) ? t : isRecord(t) ? { ...t, value } : [key, value]));
  if (!list.some(isKey)) out.push([key, value]);
  event.tags = out;
}

/** Puts the drill's service (always) and environment (where none is named) where the source keeps them. */
export function withServiceAndEnvironment(source: AlertSource, payload: Record<string, unknown>, service: string, environment: string | null): void {
  switch (source) {
    case 'generic':
      payload.service = service;
      if (environment && blank(payload.environment)) payload.environment = environment;
      return;
    case 'alertmanager':
    case 'grafana': {
      const alerts = Array.isArray(payload.alerts) ? payload.alerts : [];
      for (const a of alerts) {
        if (!isRecord(a)) continue;
        const labels = child(a, 'labels');
        labels.service = service;
        if (environment && blank(labels.env) && blank(labels.environment)) labels.env = environment;
      }
      for (const key of ['commonLabels', 'groupLabels']) {
        const l = payload[key];
        if (isRecord(l) && l.service !== undefined) l.service = service;
      }
      return;
    }
    case 'datadog':
      payload.tags = setDatadogTag(payload.tags, 'service', service, false);
      if (environment) payload.tags = setDatadogTag(payload.tags, 'env', environment, true);
      return;
    case 'cloud-monitoring': {
      const incident = child(payload, 'incident');
      child(child(incident, 'resource'), 'labels').service_name = service;
      if (environment) {
        const userLabels = child(incident, 'policy_user_labels');
        if (blank(userLabels.env)) userLabels.env = environment;
      }
      return;
    }
    case 'sentry': {
      // The integration platform's issue alert keeps the event in data.event; the legacy body in event.
      const event = isRecord(payload.event) && !isRecord(payload.data) ? payload.event : child(child(payload, 'data'), 'event');
      setSentryTag(event, 'service', service);
      if (environment && blank(event.environment)) event.environment = environment;
      return;
    }
  }
}

/** One copy (0-based) of a step's payload, as it is sent. */
function preparePayload(step: ScenarioStep, copy: number, ctx: PrepareContext): Record<string, unknown> {
  const payload = substitute(step.payload, { n: copy + 1, drill: ctx.drillId, time: ctx.time }) as Record<string, unknown>;
  withServiceAndEnvironment(step.source, payload, ctx.service, ctx.environment);
  return payload;
}

/**
 * Every alert message of a drill, in the order to send them: sorted by time
 * (ties keep the file order, then the copy order), repeats expanded,
 * placeholders substituted, the drill's service in every payload.
 */
export function expandScenario(scenario: Scenario, opts: ExpandOptions): DrillStep[] {
  const service = opts.service?.trim() || scenario.service;
  const base = (opts.startedAt ?? DRILL_REFERENCE_TIME).getTime();
  const out: { at: number; step: number; copy: number; value: DrillStep }[] = [];
  for (const [i, step] of scenario.alerts.entries()) {
    const count = step.repeat?.count ?? 1;
    const every = step.repeat?.every ?? 0;
    for (let copy = 0; copy < count; copy++) {
      const at = Math.round((step.at + copy * every) * 1000);
      const payload = preparePayload(step, copy, { drillId: opts.drillId, service, environment: scenario.environment, time: new Date(base + at) });
      out.push({ at, step: i, copy, value: { at, source: step.source, payload } });
    }
  }
  out.sort((a, b) => a.at - b.at || a.step - b.step || a.copy - b.copy);
  return out.map((o) => o.value);
}

/** The scenario's deploy as a deploy event (contract §4), or null. */
export function expandDeploy(scenario: Scenario, opts: ExpandOptions): DrillDeploy | null {
  const d = scenario.deploy;
  if (!d) return null;
  const at = Math.round(d.at * 1000);
  return {
    at,
    event: {
      id: `drill-${opts.drillId}-deploy`,
      service: opts.service?.trim() || scenario.service,
      environment: scenario.environment,
      version: d.version,
      author: d.author,
      commit: d.commit,
      url: d.url,
      drill: true,
      ...(opts.startedAt ? { deployedAt: new Date(opts.startedAt.getTime() + at).toISOString() } : {}),
    },
  };
}

// ---------------------------------------------------------------------------
// Replay: a scenario from a stored incident

/** The native severity word that the default rules turn into each SEV. */
export const NATIVE_SEVERITY_FOR: Record<Severity, string> = { SEV1: 'critical', SEV2: 'error', SEV3: 'warning', SEV4: 'info' };

export interface ReplayInput {
  incident: Incident;
  alerts: AlertRecord[];
  timeline: TimelineEntry[];
  checklist?: { id: string; text: string; done: boolean }[];
}

const RESPONSE_STATES = ['acknowledged', 'mitigated', 'resolved'];

/**
 * When someone first responded: the first acknowledgement, or a person's first
 * mitigate/resolve if nobody acknowledged (the pipeline's own auto-resolve does
 * not count). Only events up to `until` count.
 */
export function firstResponseAt(incident: Incident, timeline: TimelineEntry[], until: Date | null = null): Date | null {
  const candidates: Date[] = [];
  if (incident.acknowledgedAt) candidates.push(incident.acknowledgedAt);
  if (incident.mitigatedAt) candidates.push(incident.mitigatedAt);
  for (const e of timeline) {
    if (e.type === 'status_changed' && e.actor !== SYSTEM && RESPONSE_STATES.includes(String(e.data.to))) candidates.push(e.at);
  }
  const times = candidates.map((d) => d.getTime()).filter((t) => until === null || t <= until.getTime());
  return times.length === 0 ? null : new Date(Math.min(...times));
}

const offsetSeconds = (from: Date, to: Date) => Math.round(to.getTime() - from.getTime()) / 1000;

/** The steps ticked in the incident: from its checklist, else from the timeline's step_checked entries (their ids). */
function doneSteps(input: ReplayInput): string[] {
  if (input.checklist) return input.checklist.filter((s) => s.done).map((s) => s.text);
  const state = new Map<string, boolean>();
  for (const e of [...input.timeline].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    if (e.type === 'step_checked' && typeof e.data.stepId === 'string') state.set(e.data.stepId, e.data.done === true);
  }
  return [...state].filter(([, done]) => done).map(([id]) => id);
}

/**
 * Regenerates a scenario from a stored incident, replayed through the generic
 * source: one step per distinct alert at its firstSeenAt offset from the
 * incident's creation (the same order), and a resolved step for each resolved
 * alert at its endsAt (else lastSeenAt) offset. Each keeps its title,
 * fingerprint, labels (with `alertname`, so the alert name, and with it the
 * group, is the same) and environment; its severity is its native word, or
 * when it had none the word the default rules turn into the incident's SEV.
 *
 * The group key of the replay is generic + service + environment + alert name:
 * the same service, environment and alert name as the original, but the source
 * is generic even when the original came from Alertmanager. Severity rules that
 * match on the source, and the original's repeat counts (occurrences), are not
 * reproduced. An incident without a service replays as service "unknown"; an
 * alert without an environment gets the scenario's (the incident's, else
 * production), as every scenario alert does.
 */
export function scenarioFromIncident(input: ReplayInput): Scenario {
  const { incident } = input;
  const created = incident.createdAt;
  const ordered = input.alerts
    .map((a, i) => ({ a, i }))
    .sort((x, y) => x.a.firstSeenAt.getTime() - y.a.firstSeenAt.getTime() || x.i - y.i)
    .map((x) => x.a);

  const steps: ScenarioStep[] = [];
  for (const a of ordered) {
    const at = Math.max(0, offsetSeconds(created, a.firstSeenAt));
    const payload: Record<string, unknown> = {
      title: a.title,
      status: 'firing',
      severity: a.nativeSeverity ?? NATIVE_SEVERITY_FOR[incident.severity],
    };
    if (a.environment) payload.environment = a.environment;
    if (a.description) payload.description = a.description;
    payload.labels = { ...a.labels, alertname: a.alertName };
    if (a.links.length > 0) payload.links = a.links.map((l) => ({ title: l.title, url: l.url }));
    payload.fingerprint = a.fingerprint;
    // The replayed alerts carry their own send times, so their order survives parallel delivery.
    payload.startsAt = '{time}';
    steps.push({ at, source: 'generic', payload, repeat: null });
    if (a.status === 'resolved') {
      const end = a.endsAt ?? a.lastSeenAt;
      const resolved = { ...payload, status: 'resolved', labels: { ...a.labels, alertname: a.alertName }, endsAt: '{time}' };
      steps.push({ at: Math.max(at, offsetSeconds(created, end)), source: 'generic', payload: resolved, repeat: null });
    }
  }
  // Stable: a resolve lands after every alert that fired before it.
  const sorted = steps.map((s, i) => ({ s, i })).sort((x, y) => x.s.at - y.s.at || x.i - y.i).map((x) => x.s);

  const response = firstResponseAt(incident, input.timeline);
  const ackSeconds = response ? Math.max(1, Math.ceil((response.getTime() - created.getTime()) / 1000)) : DEFAULT_ACKNOWLEDGE_SECONDS;

  const deploy = [...incident.deploys]
    .filter((d) => d.deployedAt.getTime() <= created.getTime())
    .sort((a, b) => b.deployedAt.getTime() - a.deployedAt.getTime())[0];

  const last = sorted.reduce((m, s) => Math.max(m, s.at), 0);
  return {
    name: `Replay: ${incident.title}`,
    description:
      `Regenerated from incident ${incident.id} (${incident.severity}, opened ${created.toISOString()}). ` +
      'Replayed through the generic source: service, environment and alert names are the original ones, the source is generic.',
    service: incident.service ?? 'unknown',
    environment: incident.environment ?? DEFAULT_ENVIRONMENT,
    timeLimitMinutes: Math.max(DEFAULT_TIME_LIMIT_MINUTES, Math.ceil(last / 60) + 5),
    expect: {
      acknowledgeWithinSeconds: ackSeconds,
      runbookSteps: doneSteps(input),
      postmortem: incident.postmortemRequired ? true : null,
    },
    deploy: deploy
      ? {
          at: offsetSeconds(created, deploy.deployedAt),
          version: deploy.version,
          author: deploy.author,
          commit: deploy.commit,
          url: deploy.url,
        }
      : null,
    alerts: sorted,
  };
}

/** A scenario as a scenario file (generic steps in the `alert:` shorthand where they fit it). */
export function scenarioToYaml(scenario: Scenario): string {
  const shorthand = (s: ScenarioStep) => s.source === 'generic' && Object.keys(s.payload).every((k) => (SHORTHAND_KEYS as readonly string[]).includes(k));
  const doc: Record<string, unknown> = { name: scenario.name };
  if (scenario.description) doc.description = scenario.description;
  doc.service = scenario.service;
  doc.environment = scenario.environment;
  doc.timeLimitMinutes = scenario.timeLimitMinutes;
  doc.expect = {
    acknowledgeWithinSeconds: scenario.expect.acknowledgeWithinSeconds,
    runbookSteps: scenario.expect.runbookSteps,
    ...(scenario.expect.postmortem === null ? {} : { postmortem: scenario.expect.postmortem }),
  };
  if (scenario.deploy) {
    const d = scenario.deploy;
    doc.deploy = {
      at: d.at,
      version: d.version,
      ...(d.author ? { author: d.author } : {}),
      ...(d.commit ? { commit: d.commit } : {}),
      ...(d.url ? { url: d.url } : {}),
    };
  }
  doc.alerts = scenario.alerts.map((s) => ({
    at: s.at,
    ...(shorthand(s) ? { alert: s.payload } : { source: s.source, payload: s.payload }),
    ...(s.repeat ? { repeat: { count: s.repeat.count, every: s.repeat.every } } : {}),
  }));
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

// ---------------------------------------------------------------------------
// Scoring

export interface DrillChecklistItem {
  id: string;
  text: string;
  done: boolean;
  doneAt: Date | null;
}

export interface ScoreInput {
  scenario: Scenario;
  /** The drill's incident (its first one), or null if none was opened. */
  incident: Incident | null;
  checklist: DrillChecklistItem[];
  postmortemStarted: boolean;
  timeline: TimelineEntry[];
  startedAt: Date;
  now: Date;
  timedOut: boolean;
}

export interface DrillScore {
  /** From the incident's creation to the first response (see firstResponseAt); null = none. */
  timeToAcknowledgeSeconds: number | null;
  acknowledgeTargetSeconds: number;
  acknowledgedInTime: boolean;
  runbookSteps: { expected: string[]; done: string[]; missing: string[] };
  postmortemExpected: boolean;
  postmortemStarted: boolean;
  resolved: boolean;
  timedOut: boolean;
  /** 0-100, see SCORE_WEIGHTS. */
  score: number;
  summary: string;
  timeline: { at: Date; offsetSeconds: number; type: string; actor: string; message: string }[];
}

/**
 * The score is the sum of four parts, rounded:
 * - acknowledge (40): in time = 40; late = 40 × target / actual; never = 0;
 * - runbook (30): 30 × expected steps done / expected steps (30 when none is expected);
 * - resolve (20): 20 when the incident is resolved (or closed) and the drill did not time out;
 * - postmortem (10): when `expect.postmortem` is true, 10 if one was started, else 0;
 *   otherwise 10.
 */
export const SCORE_WEIGHTS = { acknowledge: 40, runbook: 30, resolve: 20, postmortem: 10 } as const;

const normText = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * The checklist steps an expected step names: the step whose id or text equals
 * it (case-insensitive, spaces collapsed); when none does, the steps whose text
 * starts with it (so a scenario can name a long step by its first words).
 */
export function findRunbookSteps<T extends { id: string; text: string }>(expected: string, steps: readonly T[]): T[] {
  const e = normText(expected);
  if (e === '') return [];
  const exact = steps.filter((s) => normText(s.id) === e || normText(s.text) === e);
  return exact.length > 0 ? exact : steps.filter((s) => normText(s.text).startsWith(e));
}

export function scoreDrill(input: ScoreInput): DrillScore {
  const { scenario, incident, now } = input;
  const target = scenario.expect.acknowledgeWithinSeconds;

  const response = incident ? firstResponseAt(incident, input.timeline, now) : null;
  const rawTta = incident && response ? Math.max(0, (response.getTime() - incident.createdAt.getTime()) / 1000) : null;
  const acknowledgedInTime = rawTta !== null && rawTta <= target;

  const expected = scenario.expect.runbookSteps;
  const isDone = (s: DrillChecklistItem) => s.done && (s.doneAt === null || s.doneAt.getTime() <= now.getTime());
  const done = expected.filter((e) => findRunbookSteps(e, input.checklist).some(isDone));
  const missing = expected.filter((e) => !done.includes(e));

  const resolved = incident !== null && (incident.status === 'resolved' || incident.status === 'closed');
  const postmortemExpected = scenario.expect.postmortem === true;

  const W = SCORE_WEIGHTS;
  const ackPart = rawTta === null ? 0 : acknowledgedInTime ? W.acknowledge : (W.acknowledge * target) / Math.max(rawTta, 1e-9);
  const runbookPart = expected.length === 0 ? W.runbook : (W.runbook * done.length) / expected.length;
  const resolvePart = resolved && !input.timedOut ? W.resolve : 0;
  const postmortemPart = postmortemExpected ? (input.postmortemStarted ? W.postmortem : 0) : W.postmortem;
  const score = Math.max(0, Math.min(100, Math.round(ackPart + runbookPart + resolvePart + postmortemPart)));

  const timeToAcknowledgeSeconds = rawTta === null ? null : Math.round(rawTta);
  const parts: string[] = [
    timeToAcknowledgeSeconds === null
      ? `not acknowledged (target ${formatDuration(target)})`
      : `acknowledged in ${formatDuration(timeToAcknowledgeSeconds)} (target ${formatDuration(target)})${acknowledgedInTime ? '' : ', late'}`,
  ];
  if (expected.length > 0) parts.push(`${done.length} of ${expected.length} runbook steps done`);
  parts.push(resolved ? 'resolved' : 'not resolved');
  if (postmortemExpected || input.postmortemStarted) parts.push(input.postmortemStarted ? 'postmortem started' : 'no postmortem started');
  if (input.timedOut) parts.push('timed out');
  const summary = `${parts.join(', ')}; score ${score}/100`;

  const timeline = input.timeline
    .filter((e) => e.at.getTime() <= now.getTime())
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at.getTime() - b.e.at.getTime() || a.i - b.i)
    .map(({ e }) => ({
      at: e.at,
      offsetSeconds: Math.round((e.at.getTime() - input.startedAt.getTime()) / 1000),
      type: e.type,
      actor: e.actor,
      message: e.message,
    }));

  return {
    timeToAcknowledgeSeconds,
    acknowledgeTargetSeconds: target,
    acknowledgedInTime,
    runbookSteps: { expected: [...expected], done, missing },
    postmortemExpected,
    postmortemStarted: input.postmortemStarted,
    resolved,
    timedOut: input.timedOut,
    score,
    summary,
    timeline,
  };
}

const slackEscape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const clip = (s: string, max = 60) => (s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`);

/**
 * One line for Slack, e.g.
 * `[DRILL] Bad deploy: acknowledged in 3 min 10 s (target 5 min) ✓ · runbook 2/3 ✗ (missing: Roll back) · resolved ✓ · postmortem started ✓ · score 80/100`
 */
export function drillReportText(score: DrillScore, scenarioName: string): string {
  const ok = (b: boolean) => (b ? '✓' : '✗');
  const target = formatDuration(score.acknowledgeTargetSeconds);
  const parts: string[] = [
    score.timeToAcknowledgeSeconds === null
      ? `not acknowledged (target ${target}) ✗`
      : `acknowledged in ${formatDuration(score.timeToAcknowledgeSeconds)} (target ${target}) ${ok(score.acknowledgedInTime)}`,
  ];
  const rb = score.runbookSteps;
  if (rb.expected.length > 0) {
    const shown = rb.missing.slice(0, 3).map((m) => clip(m));
    const more = rb.missing.length > 3 ? ` and ${rb.missing.length - 3} more` : '';
    const missing = rb.missing.length > 0 ? ` (missing: ${shown.join('; ')}${more})` : '';
    parts.push(`runbook ${rb.done.length}/${rb.expected.length} ${ok(rb.missing.length === 0)}${missing}`);
  }
  parts.push(score.resolved ? 'resolved ✓' : 'not resolved ✗');
  if (score.postmortemExpected || score.postmortemStarted) parts.push(score.postmortemStarted ? 'postmortem started ✓' : 'no postmortem ✗');
  if (score.timedOut) parts.push('timed out ✗');
  parts.push(`score ${score.score}/100`);
  return slackEscape(`[DRILL] ${scenarioName}: ${parts.join(' · ')}`);
}
