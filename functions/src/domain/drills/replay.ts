// Replay: a scenario regenerated from a stored incident (its alerts, their
// timing and severity), so last month's outage becomes a drill.
import { stringify } from 'yaml';
import { type AlertRecord, type Incident, type Severity, SYSTEM, type TimelineEntry } from '../types';
import { DEFAULT_ACKNOWLEDGE_SECONDS, DEFAULT_ENVIRONMENT, DEFAULT_TIME_LIMIT_MINUTES, type Scenario, type ScenarioStep, SHORTHAND_KEYS } from './scenario';

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
    participants: null,
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
  if (scenario.participants) doc.participants = scenario.participants;
  doc.alerts = scenario.alerts.map((s) => ({
    at: s.at,
    ...(shorthand(s) ? { alert: s.payload } : { source: s.source, payload: s.payload }),
    ...(s.repeat ? { repeat: { count: s.repeat.count, every: s.repeat.every } } : {}),
  }));
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

