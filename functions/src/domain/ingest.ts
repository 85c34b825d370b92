// Turns one batch of normalised alerts (one Pub/Sub message) into writes:
// which incident each alert joins, opens or reopens, and what each alert
// document becomes. Pure: the shell reads the snapshot, calls planIngest, and
// writes the plan in one transaction.
import { alertDocId, groupKey as groupKeyOf, groupDocId } from './grouping';
import { decide, type Decision, isOpen, isRejected, postmortemRequired } from './incident';
import type { Policy } from './policy';
import { evaluateSeverity, type SeverityRules } from './severity';
import { type AlertRecord, type Effect, type Incident, type NormalizedAlert, SYSTEM, type TimelineEntry } from './types';

/** Alerts beyond this count in one incident no longer get a timeline entry each. */
export const ALERT_TIMELINE_LIMIT = 20;

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
}

export interface IngestPlan {
  /** Group documents to write (new groups, or groups that moved to a new incident). */
  groups: { groupId: string; state: GroupState }[];
  /** Incidents to write, created or changed. */
  incidents: { incident: Incident; created: boolean }[];
  alerts: { incidentId: string; alertId: string; record: AlertRecord; created: boolean }[];
  timeline: { incidentId: string; entry: TimelineEntry }[];
  effects: { incidentId: string; effect: Effect }[];
  /** Existing incidents whose alert counts may have changed. */
  rollup: string[];
  /** Alerts that could not go anywhere, with the reason (kept on the message record). */
  ignored: { fingerprint: string; reason: string }[];
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

function newIncidentFrom(alert: NormalizedAlert, key: string, id: string, ctx: IngestContext): Incident {
  const sev = evaluateSeverity(ctx.rules, alert);
  return {
    id,
    title: alert.title,
    status: 'triggered',
    severity: sev.severity,
    severitySource: 'rules',
    source: alert.source,
    service: alert.service,
    environment: alert.environment,
    groupKey: key,
    alertCount: 0,
    firingCount: 0,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    statusChangedAt: ctx.now,
    acknowledgedAt: null,
    mitigatedAt: null,
    resolvedAt: null,
    closedAt: null,
    commander: null,
    resolvedBy: null,
    drill: ctx.drillId !== null,
    drillId: ctx.drillId,
    runbook: null,
    slack: null,
    deploys: [],
    links: [...alert.links],
    routing: sev.route,
    postmortemRequired: postmortemRequired(sev.severity, { postmortemRequiredFor: ctx.policy.postmortem.requiredFor }),
    reopenCount: 0,
  };
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

export function planIngest(alerts: NormalizedAlert[], snapshots: Map<string, GroupSnapshot>, ctx: IngestContext): IngestPlan {
  const plan: IngestPlan = { groups: [], incidents: [], alerts: [], timeline: [], effects: [], rollup: [], ignored: [] };
  const lifecycle = { postmortemRequiredFor: ctx.policy.postmortem.requiredFor };
  const reopenWindowMs = ctx.policy.reopenWindowMinutes * 60_000;
  const touched = new Map<string, { incidentId: string; alertId: string; record: AlertRecord; created: boolean }>();
  const rollup = new Set<string>();

  for (const [groupId, { key, alerts: batch }] of groupsOf(alerts, ctx.drillId)) {
    const snap = snapshots.get(groupId) ?? { group: null, incident: null, alerts: new Map<string, AlertRecord>() };
    let incident = snap.incident;
    let created = false;
    let changed = false;
    let knownAlerts = incident?.alertCount ?? 0;
    const records = new Map(snap.alerts);

    const apply = (d: Decision) => {
      if (!incident) return;
      incident = d.incident;
      changed = true;
      for (const e of d.timeline) plan.timeline.push({ incidentId: incident.id, entry: e });
      for (const e of d.effects) plan.effects.push({ incidentId: incident.id, effect: e });
    };
    const tryDecide = (cmd: Parameters<typeof decide>[1]) => {
      if (!incident) return;
      const r = decide(incident, cmd, ctx.now, lifecycle);
      if (!isRejected(r)) apply(r);
    };

    for (const alert of batch) {
      const alertId = alertDocId(alert);
      if (alert.status === 'firing') {
        const reopenable =
          incident !== null && incident.status === 'resolved' && ctx.now.getTime() - incident.statusChangedAt.getTime() <= reopenWindowMs;
        if (!incident || (!isOpen(incident.status) && !reopenable)) {
          // A new incident for this group.
          incident = newIncidentFrom(alert, key, ctx.newIncidentId(), ctx);
          created = true;
          changed = true;
          knownAlerts = 0;
          records.clear();
          plan.groups.push({ groupId, state: { key, incidentId: incident.id } });
          plan.timeline.push({
            incidentId: incident.id,
            entry: {
              at: ctx.now,
              type: 'incident_opened',
              actor: SYSTEM,
              message: `${incident.severity} incident opened by ${alert.source} alert "${alert.title}"`,
              data: { source: alert.source, fingerprint: alert.fingerprint, severity: incident.severity, nativeSeverity: alert.severity },
            },
          });
          plan.effects.push({ incidentId: incident.id, effect: { kind: 'incident_opened' } });
        } else if (reopenable) {
          tryDecide({ action: 'alert_fired', title: alert.title });
        }
      } else if (!incident || (!records.has(alertId) && !isOpen(incident.status))) {
        plan.ignored.push({ fingerprint: alert.fingerprint, reason: 'a resolved alert for a group with no open incident' });
        continue;
      }

      const current = incident;
      const previous = records.get(alertId);
      let record: AlertRecord;
      if (!previous) {
        record = newRecord(alert, ctx);
        knownAlerts += 1;
        if (!created) rollup.add(current.id);
        if (created && records.size === 0) {
          // the opening alert is told by the incident_opened entry
        } else if (knownAlerts <= ALERT_TIMELINE_LIMIT) {
          plan.timeline.push({
            incidentId: current.id,
            entry: {
              at: ctx.now,
              type: alert.status === 'firing' ? 'alert_added' : 'alert_resolved',
              actor: SYSTEM,
              message: `${alert.status === 'firing' ? 'alert firing' : 'alert resolved'}: ${alert.title}`,
              data: { fingerprint: alert.fingerprint },
            },
          });
        }
      } else {
        const statusChanged = previous.status !== alert.status;
        record = {
          ...previous,
          status: alert.status,
          title: alert.title,
          labels: alert.labels,
          links: alert.links.length > 0 ? alert.links : previous.links,
          lastSeenAt: ctx.now,
          occurrences: previous.occurrences + 1,
          endsAt: alert.status === 'resolved' ? (alert.endsAt ?? ctx.now) : null,
          startsAt: statusChanged && alert.status === 'firing' ? alert.startsAt : previous.startsAt,
        };
        if (statusChanged) {
          if (!created) rollup.add(current.id);
          if (knownAlerts <= ALERT_TIMELINE_LIMIT) {
            plan.timeline.push({
              incidentId: current.id,
              entry: {
                at: ctx.now,
                type: alert.status === 'firing' ? 'alert_refired' : 'alert_resolved',
                actor: SYSTEM,
                message: `${alert.status === 'firing' ? 'alert firing again' : 'alert resolved'}: ${alert.title}`,
                data: { fingerprint: alert.fingerprint },
              },
            });
          }
        }
      }
      records.set(alertId, record);
      const docKey = `${current.id}/${alertId}`;
      touched.set(docKey, { incidentId: current.id, alertId, record, created: !previous || touched.get(docKey)?.created === true });

      if (alert.status === 'firing') {
        // A new or returning alert on a mitigated incident means it came back.
        if (current.status === 'mitigated' && previous?.status !== 'firing') tryDecide({ action: 'alert_fired', title: alert.title });
        tryDecide({ action: 'escalate', severity: record.severity, title: alert.title });
      }
    }

    if (!incident) continue;
    const finalIncident: Incident = incident;
    const mine = [...touched.values()].filter((t) => t.incidentId === finalIncident.id).map((t) => t.record);
    if (created) {
      // A new incident's counts are exact: nobody else has seen it yet.
      finalIncident.alertCount = mine.length;
      finalIncident.firingCount = mine.filter((r) => r.status === 'firing').length;
      plan.incidents.push({ incident: finalIncident, created: true });
    } else if (changed) {
      plan.incidents.push({ incident: finalIncident, created: false });
    }
  }
  plan.alerts = [...touched.values()];
  plan.rollup = [...rollup];
  return plan;
}
