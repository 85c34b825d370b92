// A scenario expanded into what a drill sends: each alert message at its
// offset, with placeholders substituted and the drill's service in every
// payload, and the deploy that precedes it.
import type { AlertSource } from '../types';
import { blank, child, DRILL_REFERENCE_TIME, isRecord, substitute } from './placeholders';
import type { Scenario, ScenarioStep } from './scenario';

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
export function preparePayload(step: ScenarioStep, copy: number, ctx: PrepareContext): Record<string, unknown> {
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

