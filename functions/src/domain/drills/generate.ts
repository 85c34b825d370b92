// Generated drills: a scenario built from what the pipeline knows about one
// service (its past incidents and their alerts, recent deploys, the runbook
// the alerts match, the severity rules and routing, its dependencies), for a
// kind of story. Pure and deterministic: the same context, kind and seed give
// the same YAML, byte for byte; the randomness is a seeded PRNG (no
// Math.random). The context is loaded by app/drillContext.ts.
//
// Kinds:
//   bad-deploy   a deploy lands, then the service's error alert fires (and a second alert)
//   dependency   a dependency slows down: the service's latency/dependency alert fires, re-sends, recovers
//   saturation   the service runs out of capacity: one alert, then the same on several instances
//   storm        one alert fires for many instances at once and keeps re-sending (nothing resolves)
// Without a kind the most common story of the service's past incidents is
// chosen (bad-deploy when there is no history).
//
// With past incidents, the alerts are the service's own: their source
// (Alertmanager payloads for Alertmanager alerts, the generic shorthand for
// the others), alert names, titles, label sets, native severity words. With
// none, the generator falls back to the service's runbook (a runbook that
// names the service gives the alert name) and the severity rules (the word
// that gives the kind's SEV), with generic alerts, and says so in `notes`
// and in the YAML's comments.
import { stringify } from 'yaml';
import { formatDuration } from '../duration';
import { matchRunbook, type Runbook } from '../runbooks';
import { evaluateSeverity, type SeverityRules } from '../severity';
import type { AlertSource, Severity } from '../types';
import { NATIVE_SEVERITY_FOR } from './replay';
import { DEFAULT_ACKNOWLEDGE_SECONDS, DEFAULT_ENVIRONMENT, parseScenario, type Scenario } from './scenario';

import { DRILL_KINDS, type DrillKind } from './kinds';

export { DRILL_KINDS, type DrillKind, isDrillKind } from './kinds';

/** What the context holds at most (the loader's bounds; the generator also cuts). */
export const CONTEXT_LIMITS = { incidents: 20, alertsPerIncident: 20, deploys: 10, labels: 15 } as const;

// ---------------------------------------------------------------------------
// The service context

export interface PastAlert {
  source: AlertSource;
  alertName: string;
  title: string;
  nativeSeverity: string | null;
  severity: Severity;
  environment: string | null;
  labels: Record<string, string>;
}

export interface PastIncident {
  id: string;
  title: string;
  severity: Severity;
  environment: string | null;
  createdAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  alertCount: number;
  runbook: string | null;
  /** A deploy was linked to it. */
  hadDeploy: boolean;
  /** Its distinct alerts (bounded). */
  alerts: PastAlert[];
}

export interface PastDeploy {
  version: string;
  deployedAt: Date;
  environment: string | null;
  author: string | null;
  commit: string | null;
  url: string | null;
}

export interface ServiceDependency {
  name: string;
  /** Where it was named: e.g. `config/catalog.yaml`, `status page component Checkout`, `alert labels`. */
  from: string;
}

export interface ServiceContext {
  service: string;
  /** Real (not drill) incidents, newest first. */
  incidents: PastIncident[];
  /** Real deploys, newest first. */
  deploys: PastDeploy[];
  runbooks: readonly Runbook[];
  rules: SeverityRules;
  dependencies: ServiceDependency[];
  /** The status page components that cover the service (their names). */
  components: string[];
}

// ---------------------------------------------------------------------------
// The seeded PRNG

/** mulberry32: a small, fast, well-distributed 32-bit PRNG. Returns numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = Math.trunc(seed) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rng {
  int(min: number, max: number): number;
  pick<T>(list: readonly T[]): T;
  hex(n: number): string;
}

function rngOf(random: () => number): Rng {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  return {
    int,
    pick: <T>(list: readonly T[]) => list[int(0, list.length - 1)] as T,
    hex: (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join(''),
  };
}

// ---------------------------------------------------------------------------
// Stories

interface KindStory {
  /** Alert names (and titles) that tell this story. */
  names: RegExp;
  /** Runbook steps that fit the story (the expected steps prefer them). */
  steps: RegExp;
  /** The SEV the story aims at, when the alert comes from the rules (fallback). */
  severity: Severity;
  /** The generic alert of the fallback. */
  generic: { alertName: string; title: (service: string, dep: string) => string; labels: (service: string, dep: string) => Record<string, string> };
}

const STORIES: Record<DrillKind, KindStory> = {
  'bad-deploy': {
    names: /error|5xx|exception|fail|crash|panic/i,
    steps: /deploy|revision|roll ?back|change|error|compare/i,
    severity: 'SEV1',
    generic: {
      alertName: 'HighErrorRate',
      title: (s) => `${s}: 5xx ratio above 5%`,
      labels: (s) => ({ job: s, route: '/' }),
    },
  },
  dependency: {
    names: /latency|slow|timeout|dependen|upstream|downstream|unavailable|connect/i,
    steps: /dependenc|trace|span|retr|timeout|latency|downstream|upstream/i,
    severity: 'SEV2',
    generic: {
      alertName: 'HighLatency',
      title: (s, d) => `${s}: p99 latency above 1.5 s (time spent in ${d})`,
      labels: (s, d) => ({ job: s, dependency: d }),
    },
  },
  saturation: {
    names: /cpu|memory|saturat|quota|exhaust|throttl|capacity|instance|oom|disk|queue|backlog|pool/i,
    steps: /saturat|capacity|instance|scale|quota|limit|cpu|memory|pool|load/i,
    severity: 'SEV2',
    generic: {
      alertName: 'HighCPUUtilization',
      title: (s) => `${s}: CPU utilisation above 90% on most instances`,
      labels: (s) => ({ job: s, instance: `${s}-1` }),
    },
  },
  storm: {
    names: /error|5xx|fail|down|unavailable/i,
    steps: /saturat|common|scope|break|group|error|fix/i,
    severity: 'SEV1',
    generic: {
      alertName: 'HighErrorRate',
      title: (s) => `${s}: 5xx ratio above 5% on a pod`,
      labels: (s) => ({ job: s, pod: `${s}-pod` }),
    },
  },
};

/** The story a past incident tells (null when none fits). */
export function classifyIncident(i: PastIncident): DrillKind | null {
  if (i.alertCount >= 20) return 'storm';
  if (i.hadDeploy) return 'bad-deploy';
  const text = [i.title, ...i.alerts.map((a) => `${a.alertName} ${a.title}`)].join(' ');
  for (const kind of ['saturation', 'dependency', 'bad-deploy'] as const) if (STORIES[kind].names.test(text)) return kind;
  return null;
}

/** The most common story of the history (ties: DRILL_KINDS order); null without history. */
export function kindFromHistory(incidents: readonly PastIncident[]): DrillKind | null {
  const counts = new Map<DrillKind, number>();
  for (const i of incidents) {
    const k = classifyIncident(i);
    if (k) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let best: DrillKind | null = null;
  for (const k of DRILL_KINDS) if ((counts.get(k) ?? 0) > (best ? (counts.get(best) ?? 0) : 0)) best = k;
  return best;
}

// ---------------------------------------------------------------------------
// Generation

export interface GenerateOptions {
  /** Default: from the history (kindFromHistory), else bad-deploy. */
  kind?: DrillKind;
  seed: number;
  /** A PRNG to use instead of seededRandom(seed) (tests). */
  random?: () => number;
}

export interface GeneratedScenario {
  /** The scenario file's text, with its explanatory comments. */
  yaml: string;
  /** The same, parsed (it always validates). */
  scenario: Scenario;
  kind: DrillKind;
  /** How the kind was chosen. */
  kindFrom: 'given' | 'history' | 'default';
  seed: number;
  /** True when the service has no past incidents: generic alerts from the runbook and the severity rules. */
  fallback: boolean;
  /** What the generation used and what it could not find (the CLI prints them on stderr, the console shows them). */
  notes: string[];
  /** The story, in order: offset in seconds from the first alert (negative = before it) and what happens. */
  timeline: { at: number; text: string }[];
}

/** One alert shape to send: the real one from history, or the generic one. */
interface Shape {
  source: AlertSource;
  alertName: string;
  title: string;
  severity: string;
  environment: string;
  labels: Record<string, string>;
  from: string;
}

const INSTANCE_KEYS = ['pod', 'instance', 'host', 'node', 'container'];
const DEPENDENCY_KEYS = ['dependency', 'upstream', 'downstream', 'peer_service', 'peer.service', 'dependency_service'];

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The labels of a shape, cut to CONTEXT_LIMITS.labels, in name order, without the ones the drill sets itself. */
function cleanLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) {
    if (k === 'service' || k === 'alertname' || k === 'severity') continue;
    if (Object.keys(out).length >= CONTEXT_LIMITS.labels) break;
    out[k] = String(labels[k]);
  }
  return out;
}

/** The distinct past alerts (source + alert name), newest incident first. */
function pastAlerts(incidents: readonly PastIncident[]): { alert: PastAlert; incident: PastIncident }[] {
  const seen = new Set<string>();
  const out: { alert: PastAlert; incident: PastIncident }[] = [];
  for (const incident of incidents.slice(0, CONTEXT_LIMITS.incidents)) {
    for (const alert of incident.alerts.slice(0, CONTEXT_LIMITS.alertsPerIncident)) {
      const key = `${alert.source}|${alert.alertName}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ alert, incident });
    }
  }
  return out;
}

/** The word the rules turn into `target` for this alert (else the word giving the most severe level), and that level. */
function severityWordFor(rules: SeverityRules, base: Omit<Shape, 'severity' | 'from' | 'title'>, service: string, target: Severity): { word: string; sev: Severity } {
  const words = [NATIVE_SEVERITY_FOR[target], 'critical', 'error', 'warning', 'info', 'P1', 'P2', 'P3', 'P4'];
  let best: { word: string; sev: Severity } | null = null;
  for (const word of words) {
    const sev = evaluateSeverity(rules, { source: base.source, service, environment: base.environment, severity: word, alertName: base.alertName, labels: base.labels }).severity;
    if (sev === target) return { word, sev };
    if (!best || sev < best.sev) best = { word, sev };
  }
  return best as { word: string; sev: Severity };
}

function pickDependency(ctx: ServiceContext, history: readonly PastAlert[], rng: Rng): ServiceDependency | null {
  const fromLabels: ServiceDependency[] = [];
  for (const a of history) {
    for (const k of DEPENDENCY_KEYS) {
      const v = a.labels[k];
      if (v && !fromLabels.some((d) => d.name === v)) fromLabels.push({ name: v, from: `the label ${k} of past ${a.alertName} alerts` });
    }
  }
  const catalog = ctx.dependencies.filter((d) => d.name !== ctx.service);
  const list = catalog.length > 0 ? catalog : fromLabels;
  return list.length > 0 ? rng.pick(list) : null;
}

/** The line of the alert for humans: name, source, severity word → SEV. */
const describe = (s: Shape, sev: Severity) => `${s.source} ${s.alertName} (${s.severity} → ${sev})`;

export function generateScenario(ctx: ServiceContext, opts: GenerateOptions): GeneratedScenario {
  const rng = rngOf(opts.random ?? seededRandom(opts.seed));
  const service = ctx.service.trim();
  if (!service) throw new Error('generateScenario: the context names no service');
  const incidents = ctx.incidents.slice(0, CONTEXT_LIMITS.incidents);
  const historyKind = kindFromHistory(incidents);
  const kind: DrillKind = opts.kind ?? historyKind ?? 'bad-deploy';
  const kindFrom = opts.kind ? 'given' : historyKind ? 'history' : 'default';
  const story = STORIES[kind];
  const notes: string[] = [];
  const fallback = incidents.length === 0;
  const past = pastAlerts(incidents);
  const history = past.map((p) => p.alert);

  if (kindFrom === 'history') notes.push(`kind ${kind}: the most common story of the ${incidents.length} past incidents`);
  if (kindFrom === 'default') notes.push(`kind ${kind}: the default (no past incident tells a story)`);

  const dependency = pickDependency(ctx, history, rng);
  const depName = dependency?.name ?? 'upstream';
  if (kind === 'dependency') {
    notes.push(dependency ? `dependency ${dependency.name}, named in ${dependency.from}` : 'no dependency is named (config/catalog.yaml, config/status.yaml, alert labels): the drill calls it "upstream"');
  }

  // The main alert: the service's own alert that fits the story, else any of its alerts, else the generic one.
  const fitting = past.filter((p) => (kind === 'bad-deploy' && p.incident.hadDeploy) || story.names.test(`${p.alert.alertName} ${p.alert.title}`));
  const storm = kind === 'storm' ? [...past].sort((a, b) => b.incident.alertCount - a.incident.alertCount)[0] : undefined;
  const chosen = storm && storm.incident.alertCount >= 20 ? storm : fitting.length > 0 ? rng.pick(fitting) : past.length > 0 ? rng.pick(past) : null;
  let main: Shape;
  if (chosen) {
    const a = chosen.alert;
    main = {
      source: a.source === 'alertmanager' ? 'alertmanager' : 'generic',
      alertName: a.alertName,
      title: a.title,
      severity: a.nativeSeverity ?? NATIVE_SEVERITY_FOR[a.severity],
      environment: a.environment ?? chosen.incident.environment ?? DEFAULT_ENVIRONMENT,
      labels: cleanLabels(a.labels),
      from: `past incident ${chosen.incident.id} (${chosen.incident.severity}, ${chosen.incident.createdAt.toISOString().slice(0, 10)})`,
    };
    if (!fitting.includes(chosen) && chosen !== storm) notes.push(`no past alert of ${service} fits a ${kind} story: uses its ${a.alertName} alert`);
    if (a.source !== 'alertmanager' && a.source !== 'generic') notes.push(`the ${a.source} alert ${a.alertName} is sent through the generic source (same alert name, title and labels)`);
  } else {
    // The fallback: a runbook that names the service gives the alert name; the rules give the word.
    const own = ctx.runbooks.find((r) => r.match.default !== true && (r.match.service ?? []).some((s) => s.toLowerCase() === service.toLowerCase()) && (r.match.alertname ?? []).length > 0);
    const ownName = own && own.match.default !== true ? own.match.alertname?.[0] : undefined;
    const alertName = ownName ?? story.generic.alertName;
    const base = { source: 'generic' as AlertSource, alertName, environment: DEFAULT_ENVIRONMENT, labels: story.generic.labels(service, depName) };
    const { word } = severityWordFor(ctx.rules, base, service, story.severity);
    main = { ...base, severity: word, title: ownName ? `${service}: ${ownName}` : story.generic.title(service, depName), from: ownName ? `runbook ${own?.id} (it names ${service})` : 'the generic alert of the kind' };
    notes.push(
      `no past incidents of ${service}: generic alerts, the expected steps from the matched runbook and the severity from the severity rules (alert ${alertName}, severity ${word}${ownName ? `, from runbook ${own?.id}` : ''})`,
    );
  }
  if (kind === 'dependency' && !DEPENDENCY_KEYS.some((k) => main.labels[k])) main.labels = { ...main.labels, dependency: depName };
  const decision = evaluateSeverity(ctx.rules, { source: main.source, service, environment: main.environment, severity: main.severity, alertName: main.alertName, labels: main.labels });
  const sev = decision.severity;

  // A second alert: another of the service's alerts, else the same alert on another instance or route.
  const others = past.filter((p) => p.alert.alertName !== main.alertName);
  const second: Shape | null =
    kind === 'storm' || kind === 'saturation'
      ? null
      : others.length > 0
        ? (() => {
            const o = rng.pick(others);
            return {
              source: o.alert.source === 'alertmanager' ? 'alertmanager' : 'generic',
              alertName: o.alert.alertName,
              title: o.alert.title,
              severity: o.alert.nativeSeverity ?? NATIVE_SEVERITY_FOR[o.alert.severity],
              environment: o.alert.environment ?? main.environment,
              labels: cleanLabels(o.alert.labels),
              from: `past incident ${o.incident.id}`,
            } satisfies Shape;
          })()
        : { ...main, labels: variantLabels(main.labels, rng.int(2, 9)), from: 'the main alert on another instance' };

  // Timing from history: how long the service's incidents took to acknowledge and to resolve.
  const ackTimes = incidents.filter((i) => i.acknowledgedAt).map((i) => ((i.acknowledgedAt as Date).getTime() - i.createdAt.getTime()) / 1000);
  const resolveTimes = incidents.filter((i) => i.resolvedAt).map((i) => ((i.resolvedAt as Date).getTime() - i.createdAt.getTime()) / 1000);
  const ackMedian = median(ackTimes);
  const resolveMedian = median(resolveTimes);
  const ackTarget = ackMedian === null ? DEFAULT_ACKNOWLEDGE_SECONDS : Math.round(clamp(ackMedian, 60, 900));
  // A drill is practice: the recovery is compressed into 2.5-10 minutes.
  const recoverAt = Math.round(clamp(resolveMedian ?? 165, 150, 600)) + rng.int(0, 20);

  const alertSteps: Record<string, unknown>[] = [];
  const timeline: { at: number; text: string }[] = [];
  const add = (at: number, text: string, step: Record<string, unknown>) => {
    alertSteps.push({ at, ...step });
    timeline.push({ at, text });
  };
  let deploy: Record<string, unknown> | undefined;

  const secondAt = rng.int(30, 55);
  const secondSev = second
    ? evaluateSeverity(ctx.rules, { source: second.source, service, environment: second.environment, severity: second.severity, alertName: second.alertName, labels: second.labels }).severity
    : sev;
  switch (kind) {
    case 'bad-deploy': {
      const last = ctx.deploys[0];
      const version = nextVersion(last?.version ?? null, rng);
      const author = ctx.deploys.length > 0 ? rng.pick(ctx.deploys.slice(0, CONTEXT_LIMITS.deploys)).author : null;
      const deployAt = -rng.int(90, 150);
      deploy = { at: deployAt, version, ...(author ? { author } : {}), commit: rng.hex(12) };
      timeline.push({ at: deployAt, text: `deploy ${version}${author ? ` by ${author}` : ''}${last ? ` (after ${last.version}, deployed ${last.deployedAt.toISOString().slice(0, 10)})` : ''}` });
      add(0, `${describe(main, sev)} fires`, stepOf(main, 'firing', 0));
      if (second) add(secondAt, `${describe(second, secondSev)} fires${second.labels !== main.labels && second.alertName === main.alertName ? ' on another instance' : ''}`, stepOf(second, 'firing', secondAt));
      add(recoverAt, `the errors stop: ${main.alertName} resolves`, stepOf(main, 'resolved', recoverAt));
      if (second) add(recoverAt + 5, `${second.alertName} resolves`, stepOf(second, 'resolved', recoverAt + 5 - secondAt));
      if (!ctx.deploys.length) notes.push(`no recent deploys of ${service}: the deploy version is made up (${version})`);
      break;
    }
    case 'dependency': {
      add(0, `${describe(main, sev)} fires: the time goes into ${depName}`, stepOf(main, 'firing', 0));
      if (second) add(secondAt, `${describe(second, secondSev)} fires${second.labels !== main.labels && second.alertName === main.alertName ? ' on another instance' : ''}`, stepOf(second, 'firing', secondAt));
      const resend = rng.int(80, 100);
      add(resend, `${main.alertName} is sent again (still failing: a repeat, not a new alert)`, stepOf(main, 'firing', resend));
      add(recoverAt, `${depName} recovers: ${main.alertName} resolves`, stepOf(main, 'resolved', recoverAt));
      if (second) add(recoverAt + 10, `${second.alertName} resolves`, stepOf(second, 'resolved', recoverAt + 10 - secondAt));
      break;
    }
    case 'saturation': {
      const count = rng.int(4, 8);
      const spread = rng.int(5, 15);
      add(0, `${describe(main, sev)} fires on one instance`, stepOf(main, 'firing', 0));
      const fanAt = rng.int(40, 70);
      const fan = { ...main, labels: variantLabels(main.labels, '{n}') };
      add(fanAt, `the same alert fires on ${count} instances (the first among them), one every ${spread} s`, { ...stepOf(fan, 'firing', 0), repeat: { count, every: spread } });
      add(recoverAt, `capacity is back: the first alert resolves`, stepOf(main, 'resolved', recoverAt));
      add(recoverAt + 5, `and the ${count} others`, { ...stepOf(fan, 'resolved', recoverAt + 5 - fanAt), repeat: { count, every: 0.5 } });
      break;
    }
    case 'storm': {
      const biggest = Math.max(0, ...incidents.map((i) => i.alertCount));
      const count = Math.round(clamp(biggest, 50, 200)) + rng.int(0, 20);
      const every = 0.3;
      const pods = { ...main, labels: variantLabels(main.labels, '{n}') };
      add(0, `${describe(main, sev)} fires for ${count} instances, one every ${every} s (one group, one incident)`, { ...stepOf(pods, 'firing', 0), repeat: { count, every } });
      const again = Math.ceil(count / 3);
      const resendAt = rng.int(25, 35);
      add(resendAt, `the first ${again} are sent again, one every 0.5 s (repeats that raise occurrences)`, { ...stepOf(pods, 'firing', 0), repeat: { count: again, every: 0.5 } });
      timeline.push({ at: resendAt + again * 0.5, text: 'nothing resolves by itself: find the shared cause, fix it and resolve' });
      break;
    }
  }

  // The expected steps: the matched runbook's checklist, preferring the steps that fit the story (at most 4, in runbook order).
  const runbook = matchRunbook(ctx.runbooks, { service, environment: main.environment, source: main.source, alertName: main.alertName, severity: sev, labels: main.labels });
  const steps = runbook ? expectedSteps(runbook, story.steps) : [];
  if (!runbook) notes.push(`no runbook matches ${main.alertName}: no runbook steps are expected`);

  const last = Math.max(...alertSteps.map((s) => Number(s.at) + (s.repeat ? ((s.repeat as { count: number }).count - 1) * (s.repeat as { every: number }).every : 0)));
  const timeLimitMinutes = Math.max(15, Math.ceil(last / 60) + 10);
  const route = decision.route;
  const routed = [...route.channels, ...route.mentions];

  const doc: Record<string, unknown> = {
    name: `Generated ${kind} drill on ${service} (seed ${opts.seed})`,
    description: `${storyText(kind, service, main, depName)} Generated from ${fallback ? "the service's runbook and the severity rules (no past incidents)" : `${incidents.length} past incident${incidents.length === 1 ? '' : 's'} of ${service}`}.`,
    service,
    environment: main.environment,
    timeLimitMinutes,
    expect: { acknowledgeWithinSeconds: ackTarget, runbookSteps: steps, ...(sev === 'SEV1' || sev === 'SEV2' ? { postmortem: true } : {}) },
    ...(deploy ? { deploy } : {}),
    alerts: alertSteps,
  };

  const comments: string[] = [
    `Drill generated by \`npm run drill -- --generate --service ${service} --kind ${kind} --seed ${opts.seed}\``,
    `(the same seed and context give the same file). Kind: ${kind} (${kindFrom === 'given' ? 'asked for' : kindFrom === 'history' ? 'the most common story in the history' : 'the default'}).`,
    '',
  ];
  if (fallback) {
    comments.push(
      `FALLBACK: ${service} has no past incidents. The alerts are generic ones; the`,
      `expected steps come from the runbook the alert matches, the severity from config/severity.yaml.`,
      '',
    );
  }
  comments.push('Timeline (offsets from the first alert):');
  for (const t of [...timeline].sort((a, b) => a.at - b.at)) comments.push(`  ${formatDuration(t.at).padStart(12)}  ${t.text}`);
  comments.push('', 'Built from:');
  comments.push(`  main alert: ${main.alertName} from ${main.from}${Object.keys(main.labels).length ? `; labels ${Object.keys(main.labels).join(', ')}` : ''}`);
  if (second) comments.push(`  second alert: ${second.alertName} from ${second.from}`);
  comments.push(`  severity: ${main.severity} → ${sev} by config/severity.yaml (${decision.matched.length ? `rules: ${decision.matched.join(', ')}` : 'the default'})`);
  comments.push(`  routing: ${routed.length ? routed.join(', ') : 'no extra channels or mentions'} (a drill posts in the training channel only)`);
  comments.push(`  acknowledge target: ${formatDuration(ackTarget)} (${ackMedian === null ? 'the default' : `median of ${ackTimes.length} past acknowledgement${ackTimes.length === 1 ? '' : 's'}`})`);
  comments.push(`  recovery at ${formatDuration(recoverAt)} (${resolveMedian === null ? 'no past resolution' : `past incidents took ${formatDuration(resolveMedian)} (median of ${resolveTimes.length}), compressed for practice`})`);
  comments.push(`  runbook: ${runbook ? `${runbook.id} (${runbook.title}), ${steps.length} of its ${runbook.steps.length} steps expected` : 'none matched'}`);
  if (ctx.deploys.length) comments.push(`  recent deploys: ${ctx.deploys.slice(0, 3).map((d) => d.version).join(', ')}`);
  if (dependency) comments.push(`  dependency: ${dependency.name} (${dependency.from})`);
  if (ctx.components.length) comments.push(`  status page: ${ctx.components.join(', ')}`);
  for (const n of notes) comments.push(`  note: ${n}`);

  const header = comments.map((l) => (l ? `# ${l}` : '#')).join('\n');
  const yaml = `${header}\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
  const parsed = parseScenario(yaml, `generated-${service}-${kind}.yaml`);
  if (!parsed.ok) throw new Error(`the generated scenario does not validate (a bug): ${parsed.issues.map((i) => `${i.line}: ${i.message}`).join('; ')}`);
  return { yaml, scenario: parsed.value, kind, kindFrom, seed: opts.seed, fallback, notes, timeline: [...timeline].sort((a, b) => a.at - b.at) };
}

function storyText(kind: DrillKind, service: string, main: Shape, dep: string): string {
  switch (kind) {
    case 'bad-deploy':
      return `A new release of ${service} goes out, and minutes later ${main.alertName} fires. Connect the alert to the deploy, roll back, and work through the runbook.`;
    case 'dependency':
      return `${service} itself did not change: ${dep} is slow, and ${main.alertName} fires. Find where the time goes, confirm the dependency is the cause, and keep ${service} from making it worse.`;
    case 'saturation':
      return `${service} runs out of capacity: ${main.alertName} fires on one instance, then on several. Find the limit it hit and add capacity or shed load.`;
    case 'storm':
      return `${main.alertName} fires for many instances of ${service} at once and keeps re-sending. It is one incident: acknowledge it, look past the noise to the shared cause, fix it and resolve.`;
  }
}

/** The labels with the instance-like label (pod, instance, host...) set to a variant; `{n}` makes each copy distinct. */
function variantLabels(labels: Record<string, string>, n: number | string): Record<string, string> {
  const key = INSTANCE_KEYS.find((k) => labels[k] !== undefined) ?? 'instance';
  const base = (labels[key] ?? 'instance').replace(/-\d+$/, '');
  return { ...labels, [key]: `${base}-${n}` };
}

/** The next version after `last`: its last number raised (v2.15.0 → v2.15.1..3), else v1.0.N. */
function nextVersion(last: string | null, rng: Rng): string {
  const m = last ? /^(.*?)(\d+)(\D*)$/.exec(last) : null;
  if (!m) return `v1.0.${rng.int(1, 9)}`;
  return `${m[1]}${Number(m[2]) + rng.int(1, 3)}${m[3]}`;
}

function expectedSteps(runbook: Runbook, fits: RegExp, max = 4): string[] {
  const scored = runbook.steps.map((s) => ({ s, fit: fits.test(s.text) ? 1 : 0 }));
  const chosen = [...scored].sort((a, b) => b.fit - a.fit || a.s.order - b.s.order).slice(0, max);
  // A step is named by its first sentence (findRunbookSteps matches a prefix).
  return chosen.sort((a, b) => a.s.order - b.s.order).map(({ s }) => firstClause(s.text));
}

function firstClause(text: string): string {
  const cut = text.split(/[:;]\s|\.\s/)[0] ?? text;
  return cut.trim() || text;
}

/** One step of the scenario, in the shape's source: an Alertmanager payload, or the generic shorthand. `startedAgo`: seconds since it fired. */
function stepOf(s: Shape, status: 'firing' | 'resolved', startedAgo: number): Record<string, unknown> {
  const labels: Record<string, string> = { alertname: s.alertName, ...s.labels, severity: s.severity };
  const startsAt = startedAgo > 0 ? `{time-${Math.round(startedAgo)}s}` : '{time}';
  if (s.source === 'alertmanager') {
    return {
      source: 'alertmanager',
      payload: {
        version: '4',
        status,
        receiver: 'incident-pipeline',
        groupLabels: { alertname: s.alertName },
        commonLabels: labels,
        commonAnnotations: {},
        alerts: [
          {
            status,
            labels,
            annotations: { summary: s.title },
            startsAt,
            endsAt: status === 'resolved' ? '{time}' : '0001-01-01T00:00:00Z',
          },
        ],
      },
    };
  }
  const { severity: _sev, ...rest } = labels;
  const fingerprintOf = Object.entries(rest)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return {
    alert: {
      title: s.title,
      status,
      severity: s.severity,
      ...(s.environment ? { environment: s.environment } : {}),
      labels: rest,
      fingerprint: `drill:${fingerprintOf}`,
      startsAt,
      ...(status === 'resolved' ? { endsAt: '{time}' } : {}),
    },
  };
}
