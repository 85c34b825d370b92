// Turns one batch of normalised alerts (one Pub/Sub message) into decisions:
// which incident each alert joins, opens or reopens (through decide()), and
// what each alert document becomes. Pure: the shell reads the snapshot, calls
// planIngest, and commits the plan in one transaction.
//
// Noise control (domain/noise.ts) applies to an alert that would open or
// reopen an incident: a silence or a maintenance window holds it aside
// (silencedAlerts), inhibition attaches it to the incident of the alert that
// explains it, and the storm breaker (domain/storm.ts) decides whether its
// new group opens an incident, opens the storm incident or joins it. Drills
// stay out of all of it. What the plan needs and the shell has not read yet
// (the noise context, held records, other incidents, deploys) it asks for
// (`needs*`): the shell reads them and plans again, in the same transaction.
import { merge, type Decision, noChange } from './decision';
import { enrich, type EnrichContext } from './enrich';
import { alertDocId, groupDocId, groupKey as groupKeyOf } from './grouping';
import { decide, type IncidentCommand, type OpenCommand } from './incident';
import { canInhibit, type FiringAlert } from './inhibition';
import { incidentPolicy, isOpen, takesAlerts, withinReopenWindow } from './lifecycle';
import { type NoiseContext, screenAlert } from './noise';
import type { Policy } from './policy';
import { evaluateSeverity, type SeverityRules } from './severity';
import { heldRecord, holdKeyOf, holdOf, releasedRecord, resolvedRecord, type SilencedAlert, silencedAlertId } from './silencedAlerts';
import { type StormDecision, type StormState, stormCovers, stormStep } from './storm';
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

/** What noise control looks at, read by the shell when the plan asks (IngestPlan.needsNoise). */
export interface NoiseInputs {
  /** Silences, windows, inhibition rules and the index of firing alerts that can inhibit. */
  screen: NoiseContext;
  /** The storm breaker's state (one document). */
  storm: StormState;
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
  /** Noise control's inputs, once read (IngestPlan.needsNoise). */
  noise?: NoiseInputs;
  /** silencedAlerts documents read so far (IngestPlan.needsHeld), by id; null: there is none. */
  held?: Map<string, SilencedAlert | null>;
  /** Incidents read so far besides the groups' own (an inhibitor's, the storm's: IngestPlan.needsIncidents); null: it no longer exists. */
  incidents?: Map<string, Incident | null>;
}

/** A firing alert that can inhibit, as kept in the index (inhibitors/{id}), with its title for the timeline. */
export type InhibitorEntry = FiringAlert & { since: Date; title?: string };

export interface IngestPlan {
  /** Group documents to write: new groups (created with a precondition), or groups that moved to another incident. */
  groups: { groupId: string; state: GroupState; create: boolean }[];
  /** One decision per incident the message touches. */
  decisions: { decision: Decision; created: boolean }[];
  /** Existing incidents whose alert counts may have changed. */
  rollup: string[];
  /** Resolved alerts for a group with no open incident: counted, not kept. */
  ignored: number;
  /** Services whose new incidents want their recent deploys: read them and plan again. */
  needsDeploys: string[];
  /** Some alert would open or reopen an incident: read the noise context and the storm state, and plan again. */
  needsNoise: boolean;
  /** silencedAlerts ids to read, and plan again. */
  needsHeld: string[];
  /** Incidents to read (an inhibitor's, the storm's), and plan again. */
  needsIncidents: string[];
  /** silencedAlerts documents to write: held alerts, and held ones that resolved or went on to an incident. */
  held: { id: string; record: SilencedAlert }[];
  /** Alerts held by a silence or window in this message (repeats included). */
  silenced: number;
  /** Holds to look at again at their end: a release task each. */
  releases: { holdKey: string; until: Date }[];
  /** The storm breaker's new state, or null when this message did not change it. */
  storm: StormState | null;
  /** The index of firing alerts that can inhibit: entries to write and to remove. */
  inhibitors: { put: { id: string; entry: InhibitorEntry }[]; drop: string[] };
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

/** The index entry of an alert of an incident (inhibitors/{id}). */
export const inhibitorId = (incidentId: string, alertId: string) => `${incidentId}_${alertId}`;

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

/** How a firing alert reaches an incident other than its group's own. */
type Attach = { kind: 'storm'; groups: number } | { kind: 'inhibited'; inhibitor: string; rule: string };

export function planIngest(alerts: NormalizedAlert[], snapshots: Map<string, GroupSnapshot>, ctx: IngestContext): IngestPlan {
  const { now } = ctx;
  const policy = incidentPolicy(ctx.policy);
  const stormPolicy = ctx.policy.storm;
  const inhibit = ctx.policy.inhibit;
  /** Drills stay out of silences, windows, inhibition and the storm: they are there to be paged. */
  const screened = ctx.drillId === null;

  const incidents = new Map<string, Incident>();
  for (const [id, i] of ctx.incidents ?? []) if (i) incidents.set(id, i);
  const records = new Map<string, AlertRecord>(); // incidentId/alertId
  const known = new Map<string, Set<string>>(); // incidentId → alert ids seen in this plan
  for (const snap of snapshots.values()) {
    if (!snap.incident) continue;
    incidents.set(snap.incident.id, snap.incident);
    for (const [alertId, r] of snap.alerts) records.set(`${snap.incident.id}/${alertId}`, r);
  }
  const decisions = new Map<string, { decision: Decision; created: boolean }>();
  const groups = new Map<string, IngestPlan['groups'][number]>();
  const held = new Map<string, SilencedAlert>();
  const releases = new Map<string, { holdKey: string; until: Date }>();
  const put = new Map<string, InhibitorEntry>();
  const drop = new Set<string>();
  const needs = { noise: false, held: new Set<string>(), incidents: new Set<string>(), deploys: [] as string[] };
  const rollup = new Set<string>();
  const firing: FiringAlert[] = [...(ctx.noise?.screen.firing ?? [])];
  let storm = ctx.noise?.storm ?? null;
  let stormChanged = false;
  let ignored = 0;
  let silenced = 0;
  let step = 0;

  const current = (id: string) => decisions.get(id)?.decision.incident ?? incidents.get(id) ?? null;
  const touch = (id: string) => {
    const i = current(id);
    if (i && !decisions.has(id)) decisions.set(id, { decision: noChange(i), created: false });
  };
  /** Applies a command to an incident (null: `open`); a rejection changes nothing. */
  const apply = (incidentId: string | null, command: IncidentCommand, g: number): boolean => {
    const r = decide(incidentId ? current(incidentId) : null, command, { now, policy, cause: `${ctx.cause}-g${g}-${step++}` });
    if ('rejected' in r) return false;
    const prev = decisions.get(r.incident.id);
    decisions.set(r.incident.id, prev ? { decision: merge(prev.decision, r), created: prev.created } : { decision: r, created: command.action === 'open' });
    return true;
  };
  const pointGroup = (groupId: string, key: string, incidentId: string, snap: GroupSnapshot) => groups.set(groupId, { groupId, state: { key, incidentId }, create: snap.group === null });
  /** The incident of another group (the storm's, an inhibitor's); 'unread' until the shell has read it, 'missing' when it is gone. */
  const other = (id: string): Incident | 'unread' | 'missing' => {
    const i = current(id);
    if (i) return i;
    if (ctx.incidents?.has(id)) return 'missing';
    needs.incidents.add(id);
    return 'unread';
  };
  const heldOf = (id: string): SilencedAlert | null => {
    if (held.has(id)) return held.get(id) ?? null;
    if (ctx.held?.has(id)) return ctx.held.get(id) ?? null;
    needs.held.add(id);
    return null;
  };

  // Groups with an alert that can inhibit go first, so that in a batch holding both the cause and its symptoms the symptoms see the cause.
  const ordered = [...groupsOf(alerts, ctx.drillId)];
  if (screened && inhibit.length > 0) ordered.sort(([, a], [, b]) => Number(b.alerts.some((x) => canInhibit(x, inhibit))) - Number(a.alerts.some((x) => canInhibit(x, inhibit))));

  ordered.forEach(([groupId, { key, alerts: batch }], g) => {
    const snap = snapshots.get(groupId) ?? { group: null, incident: null, alerts: new Map<string, AlertRecord>() };
    let pointer: string | null = snap.incident?.id ?? null;

    /** A new incident for the group (the previous one, if any, is done with). */
    const open = (alert: NormalizedAlert, stormMeta: OpenCommand['storm'], id: string) => {
      const sev = evaluateSeverity(ctx.rules, alert);
      const deploys = alert.service ? ctx.deploysOf(alert.service) : [];
      if (alert.service && deploys === undefined && !needs.deploys.includes(alert.service)) needs.deploys.push(alert.service);
      const found = enrich({ ...alert, severity: sev.severity, createdAt: now }, deploys ?? [], ctx.enrich);
      apply(null, { action: 'open', id, groupKey: key, alert, severity: sev.severity, route: sev.route, drillId: ctx.drillId, storm: stormMeta, ...found }, g);
      pointer = id;
      pointGroup(groupId, key, id, snap);
    };

    /** The storm breaker's say on a new group: open it as usual, open the storm, or join the storm (returns its attach). */
    const stormSays = (alert: NormalizedAlert): Attach | 'opened' | 'wait' => {
      if (!storm) return 'wait';
      let stepped = stormStep(storm, { kind: 'new_group', groupKey: key, incidentId: '' }, now, stormPolicy);
      const join = stepped.decisions.find((d): d is Extract<StormDecision, { kind: 'join_storm' }> => d.kind === 'join_storm');
      if (join) {
        const target = other(join.incidentId);
        if (target === 'unread') return 'wait';
        if (target === 'missing' || !takesAlerts(target, now, policy)) {
          // Responders resolved or closed the storm incident (or it is gone): the storm is over; this group starts afresh.
          storm = { recent: [], storm: null };
          stepped = stormStep(storm, { kind: 'new_group', groupKey: key, incidentId: '' }, now, stormPolicy);
        } else {
          storm = stepped.state;
          stormChanged = true;
          pointer = join.incidentId;
          pointGroup(groupId, key, join.incidentId, snap);
          if (withinReopenWindow(target, now, policy)) apply(join.incidentId, { action: 'alert_fired', title: alert.title }, g);
          return { kind: 'storm', groups: join.groups };
        }
      }
      for (const d of stepped.decisions) {
        if (d.kind !== 'close_storm') continue;
        const closing = other(d.incidentId);
        if (closing === 'unread') return 'wait';
        if (closing !== 'missing') apply(d.incidentId, { action: 'storm_closed', groups: d.groups, openedAt: d.openedAt, lastJoinAt: d.lastJoinAt, quietMinutes: stormPolicy.quietMinutes }, g);
      }
      const id = ctx.newIncidentId();
      stepped = stormStep(storm, { kind: 'new_group', groupKey: key, incidentId: id }, now, stormPolicy);
      storm = stepped.state;
      stormChanged = true;
      const opening = stepped.decisions.find((d) => d.kind === 'open_storm');
      open(alert, opening?.kind === 'open_storm' ? { newIncidents: opening.newIncidents, windowMinutes: stormPolicy.windowMinutes, quietMinutes: stormPolicy.quietMinutes } : null, id);
      return 'opened';
    };

    for (const alert of batch) {
      const alertId = alertDocId(alert);
      const incident = pointer ? current(pointer) : null;
      const opens = alert.status === 'firing' && (!incident || !takesAlerts(incident, now, policy));
      const reopens = alert.status === 'firing' && incident !== null && withinReopenWindow(incident, now, policy);
      const heldId = screened ? silencedAlertId(key, alert) : null;
      const previousHold = heldId && (opens || reopens || alert.status === 'resolved') ? heldOf(heldId) : null;
      if (heldId && previousHold?.status === 'held' && alert.status === 'resolved') held.set(heldId, resolvedRecord(previousHold, alert, now));

      let attach: Attach | null = null;
      if (screened && (opens || reopens)) {
        if (!ctx.noise) needs.noise = true;
        else {
          const s = screenAlert(alert, { ...ctx.noise.screen, firing }, now);
          const hold = holdOf(s);
          if (hold && heldId) {
            held.set(heldId, heldRecord(previousHold, alert, hold, key, now));
            releases.set(`${holdKeyOf(hold)}@${hold.until.getTime()}`, { holdKey: holdKeyOf(hold), until: hold.until });
            silenced += 1;
            continue;
          }
          if (s.kind === 'inhibited' && s.incidentId !== pointer) {
            const target = other(s.incidentId);
            if (typeof target !== 'string' && takesAlerts(target, now, policy)) {
              const by = firing.find((f) => f.incidentId === s.incidentId && f.alert.fingerprint === s.inhibitor) as InhibitorEntry | undefined;
              attach = { kind: 'inhibited', inhibitor: by?.title ?? s.inhibitor, rule: s.rule };
              pointer = s.incidentId;
              pointGroup(groupId, key, s.incidentId, snap);
              if (withinReopenWindow(target, now, policy)) apply(s.incidentId, { action: 'alert_fired', title: alert.title }, g);
            }
          }
        }
      }

      if (!attach && opens) {
        if (screened && stormCovers(alert, stormPolicy)) {
          if (!ctx.noise) {
            needs.noise = true;
            open(alert, null, ctx.newIncidentId());
          } else {
            const said = stormSays(alert);
            if (said === 'wait') continue; // another read first: this plan is not the one committed
            if (said !== 'opened') attach = said;
          }
        } else open(alert, null, ctx.newIncidentId());
      } else if (!attach && reopens && pointer) {
        apply(pointer, { action: 'alert_fired', title: alert.title }, g);
      } else if (alert.status === 'resolved' && (!incident || (!records.has(`${incident.id}/${alertId}`) && !isOpen(incident.status)))) {
        ignored += 1;
        continue;
      }

      const target = pointer;
      const cur = target ? current(target) : null;
      if (!target || !cur) continue;
      touch(target);
      const entry = decisions.get(target) as { decision: Decision; created: boolean };
      const created = entry.created;
      const mine = known.get(target) ?? new Set<string>();
      known.set(target, mine);
      const rkey = `${target}/${alertId}`;
      const previous = records.get(rkey);
      const record = previous ? updatedRecord(previous, alert, now) : newRecord(alert, ctx);
      const opening = created && mine.size === 0; // the opening alert is told by the incident_opened entry
      records.set(rkey, record);
      mine.add(alertId);
      entry.decision = { ...entry.decision, alerts: [...entry.decision.alerts.filter((a) => a.alertId !== alertId), { alertId, record }] };
      if (!previous || previous.status !== alert.status) {
        if (!created) rollup.add(target);
        const n = created ? mine.size : Math.max(cur.alertCount, mine.size);
        if (attach?.kind === 'storm') apply(target, { action: 'storm_joined', groupKey: key, title: alert.title, fingerprint: alert.fingerprint, groups: attach.groups }, g);
        else if (attach?.kind === 'inhibited') apply(target, { action: 'alert_inhibited', title: alert.title, fingerprint: alert.fingerprint, inhibitor: attach.inhibitor, rule: attach.rule, known: n }, g);
        else if (!opening) {
          const change = !previous ? (alert.status === 'firing' ? 'added' : 'resolved') : alert.status === 'firing' ? 'refired' : 'resolved';
          apply(target, { action: 'alert_changed', change, title: alert.title, fingerprint: alert.fingerprint, known: n }, g);
        }
        if (screened && canInhibit(alert, inhibit)) {
          const id = inhibitorId(target, alertId);
          if (alert.status === 'firing') {
            const e: InhibitorEntry = { incidentId: target, alert: { source: alert.source, fingerprint: alert.fingerprint, status: 'firing', service: alert.service, environment: alert.environment, severity: alert.severity, alertName: alert.alertName, labels: alert.labels }, since: now, title: alert.title };
            put.set(id, e);
            drop.delete(id);
            firing.push(e);
          } else {
            put.delete(id);
            drop.add(id);
          }
        }
      }
      if (alert.status === 'firing') {
        // A new or returning alert on a mitigated incident means it came back.
        if ((current(target) as Incident).status === 'mitigated' && previous?.status !== 'firing') apply(target, { action: 'alert_fired', title: alert.title }, g);
        apply(target, { action: 'escalate', severity: record.severity, title: alert.title }, g);
        if (heldId && previousHold?.status === 'held') held.set(heldId, releasedRecord(previousHold, target, now));
      }
    }
  });

  const plan: IngestPlan = {
    groups: [...groups.values()],
    decisions: [],
    rollup: [...rollup],
    ignored,
    needsDeploys: needs.deploys,
    needsNoise: needs.noise,
    needsHeld: [...needs.held],
    needsIncidents: [...needs.incidents],
    held: [...held].map(([id, record]) => ({ id, record })),
    silenced,
    releases: [...releases.values()],
    storm: stormChanged ? storm : null,
    inhibitors: { put: [...put].map(([id, entry]) => ({ id, entry })), drop: [...drop] },
  };
  for (const { decision, created } of decisions.values()) {
    if (created) {
      // A new incident's counts are exact: nobody else has seen it yet.
      const mine = decision.alerts.map((a) => a.record);
      decision.incident = { ...decision.incident, alertCount: mine.length, firingCount: mine.filter((r) => r.status === 'firing').length };
    }
    if (decision.changed || decision.timeline.length || decision.alerts.length || decision.effects.length) plan.decisions.push({ decision, created });
  }
  return plan;
}

/** Whether the plan still needs something read (and a plan again) before it can be committed. */
export function planNeeds(plan: IngestPlan, ctx: Pick<IngestContext, 'noise' | 'held' | 'incidents'>): boolean {
  return plan.needsDeploys.length > 0 || (plan.needsNoise && !ctx.noise) || plan.needsHeld.length > 0 || plan.needsIncidents.length > 0;
}
