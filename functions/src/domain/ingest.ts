// Turns one batch of normalised alerts (one Pub/Sub message) into decisions:
// which incident each alert joins, opens or reopens (through decide()), and
// what each alert document becomes. Pure: the shell reads the snapshot, calls
// planIngest, and commits the plan in one transaction.
import { merge, type Decision, noChange } from './decision';
import { enrich, type EnrichContext } from './enrich';
import { alertDocId, groupDocId, groupKey as groupKeyOf } from './grouping';
import { decide, type IncidentCommand } from './incident';
import { incidentPolicy, isOpen, takesAlerts, withinReopenWindow } from './lifecycle';
import type { Policy } from './policy';
import { evaluateSeverity, type SeverityRules } from './severity';
import type { AlertRecord, DeployRef, Incident, NormalizedAlert } from './types';

export interface GroupState {
  key: string;
  incidentId: string;
}

/** What the shell read for one group before planning. */
export interface GroupSnapshot {
  group: GroupState | null;
  /** The incident the group points to, if any. */
  incident: Incident | null;
  /** Alert documents of that incident, by alert id, for the fingerprints in the batch. */
  alerts: Map<string, AlertRecord>;
}

export interface IngestContext {
  now: Date;
  rules: SeverityRules;
  policy: Policy;
  drillId: string | null;
  newIncidentId: () => string;
  /** The message's id: the cause of every decision in the plan. */
  cause: string;
  enrich: EnrichContext;
  /** Deploys of a service from the correlation window, when the shell has read them (see IngestPlan.needsDeploys). */
  deploysOf: (service: string) => DeployRef[] | undefined;
}

export interface IngestPlan {
  /** Group documents to write: new groups (created with a precondition), or groups that moved to a new incident. */
  groups: { groupId: string; state: GroupState; create: boolean }[];
  /** One decision per incident the message touches. */
  decisions: { decision: Decision; created: boolean }[];
  /** Existing incidents whose alert counts may have changed. */
  rollup: string[];
  /** Resolved alerts for a group with no open incident: counted, not kept. */
  ignored: number;
  /** Services whose new incidents want their recent deploys: read them and plan again. */
  needsDeploys: string[];
}

/** The group of each alert, in the order the alerts came. */
export function groupsOf(alerts: NormalizedAlert[], drillId: string | null): Map<string, { key: string; alerts: NormalizedAlert[] }> {
  const out = new Map<string, { key: string; alerts: NormalizedAlert[] }>();
  for (const a of alerts) {
    const key = groupKeyOf(a, { drillId });
    const id = groupDocId(key);
    const g = out.get(id) ?? { key, alerts: [] };
    g.alerts.push(a);
    out.set(id, g);
  }
  return out;
}

function newRecord(alert: NormalizedAlert, ctx: IngestContext): AlertRecord {
  return {
    source: alert.source,
    fingerprint: alert.fingerprint,
    status: alert.status,
    title: alert.title,
    alertName: alert.alertName,
    service: alert.service,
    environment: alert.environment,
    nativeSeverity: alert.severity,
    severity: evaluateSeverity(ctx.rules, alert).severity,
    labels: alert.labels,
    links: alert.links,
    description: alert.description,
    startsAt: alert.startsAt,
    endsAt: alert.status === 'resolved' ? (alert.endsAt ?? ctx.now) : null,
    firstSeenAt: ctx.now,
    lastSeenAt: ctx.now,
    occurrences: 1,
  };
}

function updatedRecord(previous: AlertRecord, alert: NormalizedAlert, now: Date): AlertRecord {
  const statusChanged = previous.status !== alert.status;
  return {
    ...previous,
    status: alert.status,
    title: alert.title,
    labels: alert.labels,
    links: alert.links.length > 0 ? alert.links : previous.links,
    lastSeenAt: now,
    occurrences: previous.occurrences + 1,
    endsAt: alert.status === 'resolved' ? (alert.endsAt ?? now) : null,
    startsAt: statusChanged && alert.status === 'firing' ? alert.startsAt : previous.startsAt,
  };
}

export function planIngest(alerts: NormalizedAlert[], snapshots: Map<string, GroupSnapshot>, ctx: IngestContext): IngestPlan {
  const plan: IngestPlan = { groups: [], decisions: [], rollup: [], ignored: 0, needsDeploys: [] };
  const policy = incidentPolicy(ctx.policy);
  const rollup = new Set<string>();
  let step = 0;

  [...groupsOf(alerts, ctx.drillId)].forEach(([groupId, { key, alerts: batch }], g) => {
    const snap = snapshots.get(groupId) ?? { group: null, incident: null, alerts: new Map<string, AlertRecord>() };
    let decision: Decision | null = snap.incident ? noChange(snap.incident) : null;
    let created = false;
    let records = new Map(snap.alerts);
    /** Applies a command to the group's incident; a rejection changes nothing. */
    const apply = (command: IncidentCommand) => {
      const r = decide(decision?.incident ?? null, command, { now: ctx.now, policy, cause: `${ctx.cause}-g${g}-${step++}` });
      if ('rejected' in r) return false;
      decision = decision ? merge(decision, r) : r;
      return true;
    };
    const flush = () => {
      if (decision && (decision.changed || decision.timeline.length || decision.alerts.length || decision.effects.length)) plan.decisions.push({ decision, created });
    };

    for (const alert of batch) {
      const alertId = alertDocId(alert);
      const incident: Incident | null = decision?.incident ?? null;
      if (alert.status === 'firing' && (!incident || !takesAlerts(incident, ctx.now, policy))) {
        // A new incident for this group (the previous one, if any, is done with).
        flush();
        const sev = evaluateSeverity(ctx.rules, alert);
        const deploys = alert.service ? ctx.deploysOf(alert.service) : [];
        if (alert.service && deploys === undefined && !plan.needsDeploys.includes(alert.service)) plan.needsDeploys.push(alert.service);
        const found = enrich({ ...alert, severity: sev.severity, createdAt: ctx.now }, deploys ?? [], ctx.enrich);
        decision = null;
        apply({ action: 'open', id: ctx.newIncidentId(), groupKey: key, alert, severity: sev.severity, route: sev.route, drillId: ctx.drillId, ...found });
        created = true;
        records = new Map();
        plan.groups.push({ groupId, state: { key, incidentId: (decision as Decision | null)?.incident.id ?? '' }, create: snap.group === null });
      } else if (alert.status === 'firing' && incident && withinReopenWindow(incident, ctx.now, policy)) {
        apply({ action: 'alert_fired', title: alert.title });
      } else if (alert.status === 'resolved' && (!incident || (!records.has(alertId) && !isOpen(incident.status)))) {
        plan.ignored += 1;
        continue;
      }

      const current = (decision as Decision | null)?.incident;
      if (!current) continue;
      const previous = records.get(alertId);
      const record = previous ? updatedRecord(previous, alert, ctx.now) : newRecord(alert, ctx);
      const opening = created && records.size === 0; // the opening alert is told by the incident_opened entry
      records.set(alertId, record);
      const d = decision as unknown as Decision;
      decision = { ...d, alerts: [...d.alerts.filter((a) => a.alertId !== alertId), { alertId, record }] };
      if (!previous || previous.status !== alert.status) {
        if (!created) rollup.add(current.id);
        const change = !previous ? (alert.status === 'firing' ? 'added' : 'resolved') : alert.status === 'firing' ? 'refired' : 'resolved';
        if (!opening) apply({ action: 'alert_changed', change, title: alert.title, fingerprint: alert.fingerprint, known: created ? records.size : Math.max(current.alertCount, records.size) });
      }
      if (alert.status === 'firing') {
        // A new or returning alert on a mitigated incident means it came back.
        if (current.status === 'mitigated' && previous?.status !== 'firing') apply({ action: 'alert_fired', title: alert.title });
        apply({ action: 'escalate', severity: record.severity, title: alert.title });
      }
    }

    const final = decision as Decision | null;
    if (final && created) {
      // A new incident's counts are exact: nobody else has seen it yet.
      const mine = final.alerts.map((a) => a.record);
      final.incident = { ...final.incident, alertCount: mine.length, firingCount: mine.filter((r) => r.status === 'firing').length };
    }
    flush();
  });
  plan.rollup = [...rollup];
  return plan;
}
