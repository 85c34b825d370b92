// Use case core: a batch of normalised alerts becomes incident decisions.
// Load → planIngest (pure, as many passes as it asks for reads) → staged
// writes in one transaction (with the marker that makes it happen once) →
// after the commit, the Cloud Tasks that follow (roll-ups, the release of
// held alerts at their hold's end, the storm breaker's tick).
//
// Three callers: a message of the `alerts` topic (ingestAlerts.ts), the
// release of held alerts (silences.ts) and a heartbeat's miss or recovery
// (heartbeats.ts). The last two run ingestInTx inside their own transaction,
// so that the state they change (a held record, a heartbeat) and the alert's
// ingestion commit together.
import { alertDocId } from '../domain/grouping';
import type { HeartbeatsConfig } from '../domain/heartbeats';
import { type GroupSnapshot, groupsOf, type IngestContext, type NoiseInputs, planIngest, planNeeds } from '../domain/ingest';
import type { LinkTemplate } from '../domain/links';
import type { MaintenanceConfig } from '../domain/maintenance';
import type { NoiseContext } from '../domain/noise';
import type { Policy } from '../domain/policy';
import type { Runbook } from '../domain/runbooks';
import type { SeverityRules } from '../domain/severity';
import { releaseTaskId, type SilencedAlert } from '../domain/silencedAlerts';
import { stormCloseAt, type StormState } from '../domain/storm';
import type { Decision } from '../domain/decision';
import type { DeployRef, Incident, NormalizedAlert } from '../domain/types';
import type { Deps, IncidentTx } from './ports';
import { rerunIfRaced } from './retry';
import { scheduleRollups } from './rollupIncident';

export interface IngestConfig {
  rules: SeverityRules;
  policy: Policy;
  links: readonly LinkTemplate[];
  runbooks: readonly Runbook[];
  project: string | null;
  maintenance: MaintenanceConfig;
  heartbeats: HeartbeatsConfig;
}

export interface IngestDeps extends Deps {
  config: IngestConfig;
  newId(): string;
  /** Keeps a message that can never be ingested (rejectedAlerts), under an id of its own. */
  poison(r: { id: string; source: string | null; reason: string; details: unknown[]; raw: string; messageId: string }): Promise<void>;
  log: {
    ingested(f: Record<string, unknown>): void;
    duplicate(f: { messageId: string; eventId: string }): void;
    poison(f: { messageId: string; eventId: string; source: string | null; reason: string }): void;
    /** Noise control's events (`event`: heartbeat_ping, alert_released, storm_closed…). */
    noise(f: Record<string, unknown> & { event: string }): void;
  };
}

/** Alerts already normalised, and what brought them. */
export interface AlertBatch {
  /** The marker's id (alertMessages/{messageId}): the Pub/Sub messageId, `release-…`, `heartbeat-…`. */
  messageId: string;
  /** The base of every id the plan writes (default `msg-<messageId>`). */
  cause?: string;
  eventId: string;
  source: string;
  alerts: NormalizedAlert[];
  drillId: string | null;
  /**
   * A message of the `alerts` topic: when it carries one alert for an open
   * incident, its id is kept on that alert's document (AlertRecord.messageIds)
   * instead of on a marker of its own. Callers whose transaction changes other
   * state (a release, a heartbeat) keep the marker.
   */
  markOnAlert?: boolean;
}

export interface BatchResult {
  duplicate: boolean;
  incidentIds: string[];
  created: string[];
  rollup: string[];
  /** Holds to look at again at their end. */
  releases: { holdKey: string; until: Date }[];
  /** The storm breaker's state as committed, when this batch changed it. */
  storm: StormState | null;
  silenced: number;
  /** silencedAlerts documents the plan wrote (held, resolved or released). */
  heldIds: string[];
}

export const RELEASE_QUEUE = 'releaseSilenced';
export const STORM_QUEUE = 'stormTick';

/** Markers of handled messages are kept this long (Firestore TTL on `expireAt`). */
const MARKER_TTL_DAYS = 7;
/** The most firing inhibitors looked at (oldest first). */
const MAX_INHIBITORS = 500;
/** Passes of planning (each after a read the plan asked for): more means a bug. */
const MAX_PASSES = 6;

/** What screenAlert needs, read plainly (reads that are not needed are skipped). */
async function readNoise(tx: IncidentTx, deps: IngestDeps, now: Date): Promise<{ inputs: NoiseInputs; stormVersion: string | null }> {
  const { policy, maintenance, heartbeats } = deps.config;
  const [silences, openedWindows, firing, storm] = await Promise.all([
    tx.silences(now),
    maintenance.deploys.length > 0 ? tx.openedWindows(now) : Promise.resolve([]),
    policy.inhibit.length > 0 ? tx.inhibitors(MAX_INHIBITORS) : Promise.resolve([]),
    policy.storm.enabled ? tx.stormState() : Promise.resolve({ state: { recent: [], storm: null }, version: null }),
  ]);
  const screen: NoiseContext = { heartbeats, silences, maintenance, openedWindows, inhibit: policy.inhibit, firing };
  return { inputs: { screen, storm: storm.state }, stormVersion: storm.version };
}

/**
 * Plans and stages the batch in `tx` (reads first, as Firestore wants).
 * Nothing is written until the transaction commits; on a duplicate nothing is staged.
 */
export async function ingestInTx(tx: IncidentTx, batch: AlertBatch, deps: IngestDeps, now: Date): Promise<BatchResult> {
  const { rules, policy } = deps.config;
  const { drillId, alerts } = batch;
  const groups = groupsOf(alerts, drillId);
  const groupIds = [...groups.keys()];
  // The incidents the groups point to are read WITHOUT holding them: every
  // alert of a storm reads its incident, and holding it would starve the
  // roll-up and the people writing to it. An incident this batch changes is
  // read again, held, below.
  const reads = await tx.ingestReads(
    batch.messageId,
    groupIds.map((groupId) => ({ groupId, alertIds: (groups.get(groupId)?.alerts ?? []).map(alertDocId) })),
  );
  if (reads.marker) return duplicateOf(reads.marker.incidentIds);
  const { groups: groupStates, incidents, alerts: alertDocs } = reads;
  const refs = groupIds.flatMap((groupId) => {
    const incidentId = groupStates.get(groupId)?.incidentId;
    return incidentId && incidents.has(incidentId) ? (groups.get(groupId)?.alerts ?? []).map((a) => ({ groupId, incidentId, alertId: alertDocId(a) })) : [];
  });
  const onAlert = batch.markOnAlert && alerts.length === 1 && refs.length === 1 ? refs[0] : undefined;
  if (onAlert && alertDocs.get(`${onAlert.incidentId}/${onAlert.alertId}`)?.messageIds?.includes(batch.messageId)) return duplicateOf([onAlert.incidentId]);
  const snapshots = () => {
    const out = new Map<string, GroupSnapshot>();
    for (const groupId of groupIds) {
      const group = groupStates.get(groupId) ?? null;
      out.set(groupId, { group, incident: group ? (incidents.get(group.incidentId) ?? null) : null, alerts: new Map() });
    }
    for (const r of refs) {
      const doc = alertDocs.get(`${r.incidentId}/${r.alertId}`);
      if (doc) out.get(r.groupId)?.alerts.set(r.alertId, doc);
    }
    return out;
  };

  const deploys = new Map<string, DeployRef[]>();
  const held = new Map<string, SilencedAlert | null>();
  const others = new Map<string, Incident | null>();
  const holding = new Set<string>();
  let noise: NoiseInputs | undefined;
  let stormVersion: string | null = null;
  // Every pass of an attempt names a new incident alike (the n-th new incident of a pass gets the n-th id).
  const ids: string[] = [];
  const sameIds = () => {
    let n = 0;
    return () => (ids[n++] ??= deps.newId());
  };
  const base: Omit<IngestContext, 'newIncidentId'> = {
    now,
    rules,
    policy,
    drillId,
    cause: batch.cause ?? `msg-${batch.messageId}`,
    enrich: { runbooks: deps.config.runbooks, linkTemplates: deps.config.links, project: deps.config.project, policy },
    deploysOf: (service: string) => deploys.get(service),
  };

  let plan = planIngest(alerts, snapshots(), { ...base, newIncidentId: sameIds(), held, incidents: others });
  for (let pass = 1; ; pass++) {
    // Reopen, escalation, "it came back": hold those incidents (and plan again with them as held).
    const toHold = plan.decisions.filter((p) => !p.created && p.decision.changed && !holding.has(p.decision.incident.id)).map((p) => p.decision.incident.id);
    const ctx = { noise, held, incidents: others };
    if (toHold.length === 0 && !planNeeds(plan, ctx)) break;
    if (pass >= MAX_PASSES) throw new Error(`ingest of ${batch.messageId}: the plan still needs reads after ${pass} passes`);
    for (const id of toHold) {
      holding.add(id);
      const h = await tx.incident(id);
      if (h) {
        incidents.set(id, h);
        if (others.has(id)) others.set(id, h);
      }
    }
    const since = new Date(now.getTime() - policy.deploys.windowMinutes * 60_000);
    for (const service of plan.needsDeploys) deploys.set(service, (await tx.deploysOf(service, since)).filter((d) => Boolean(d.drill) === (drillId !== null)));
    if (plan.needsNoise && !noise) ({ inputs: noise, stormVersion } = await readNoise(tx, deps, now));
    if (plan.needsHeld.length) for (const [id, r] of await tx.silencedAlerts(plan.needsHeld)) held.set(id, r);
    if (plan.needsIncidents.length) {
      const read = await tx.peekIncidents(plan.needsIncidents);
      for (const id of plan.needsIncidents) others.set(id, read.get(id) ?? null);
    }
    plan = planIngest(alerts, snapshots(), { ...base, newIncidentId: sameIds(), noise, held, incidents: others });
  }

  const markedOnAlert = onAlert !== undefined && markableOnAlert(plan, onAlert);
  for (const g of plan.groups) tx.putGroup(g.groupId, g.state, { create: g.create });
  for (const { decision, created } of plan.decisions) {
    tx.commit(markedOnAlert ? withMessageId(decision, batch.messageId) : decision, { create: created });
    if (created) for (const d of decision.incident.deploys) tx.linkDeploy(d.id, decision.incident.id);
  }
  for (const h of plan.held) tx.putSilencedAlert(h.id, h.record);
  if (plan.storm) tx.putStormState(plan.storm, stormVersion);
  for (const p of plan.inhibitors.put) tx.putInhibitor(p.id, p.entry);
  for (const id of plan.inhibitors.drop) tx.dropInhibitor(id);
  const touched = [...new Set(plan.decisions.map((p) => p.decision.incident.id))];
  if (!markedOnAlert) tx.putMarker(batch.messageId, {
    source: batch.source,
    eventId: batch.eventId,
    receivedAt: now,
    alerts: alerts.length,
    incidentIds: touched,
    ignored: plan.ignored,
    silenced: plan.silenced,
    expireAt: new Date(now.getTime() + MARKER_TTL_DAYS * 86_400_000),
  });
  return {
    duplicate: false,
    incidentIds: touched,
    created: plan.decisions.filter((p) => p.created).map((p) => p.decision.incident.id),
    rollup: plan.rollup,
    releases: plan.releases,
    storm: plan.storm,
    silenced: plan.silenced,
    heldIds: plan.held.map((h) => h.id),
  };
}

const duplicateOf = (incidentIds: string[]): BatchResult => ({ duplicate: true, incidentIds, created: [], rollup: incidentIds, releases: [], storm: null, silenced: 0, heldIds: [] });

/** How many message ids an alert document keeps (redeliveries come within minutes; other messages for the same alert in between push the oldest out). */
export const MESSAGE_IDS_KEPT = 8;

/**
 * The message's id can stand on its alert's document instead of a marker when
 * the plan writes that document, of the incident its group points to, and
 * nothing else a marker would have to vouch for: no new incident, nothing
 * held, silenced or ignored. Then a redelivery reads the same document first,
 * finds the id, and changes nothing.
 */
function markableOnAlert(plan: ReturnType<typeof planIngest>, ref: { incidentId: string; alertId: string }): boolean {
  if (plan.held.length || plan.silenced || plan.ignored || plan.decisions.some((p) => p.created)) return false;
  const written = plan.decisions.flatMap((p) => p.decision.alerts.map((a) => `${p.decision.incident.id}/${a.alertId}`));
  return written.length === 1 && written[0] === `${ref.incidentId}/${ref.alertId}`;
}

function withMessageId(decision: Decision, messageId: string): Decision {
  if (decision.alerts.length === 0) return decision;
  return {
    ...decision,
    alerts: decision.alerts.map((a) => ({ ...a, record: { ...a.record, messageIds: [...(a.record.messageIds ?? []).filter((m) => m !== messageId), messageId].slice(-MESSAGE_IDS_KEPT) } })),
  };
}

/** What follows a committed batch (and again after a duplicate: the first delivery may have died before it). */
export async function afterIngest(result: BatchResult, deps: IngestDeps): Promise<void> {
  await scheduleRollups(result.rollup, deps);
  // Each hold's end looks at its alerts again (one task per hold and end: the same id for every alert it holds).
  await Promise.all(result.releases.map((r) => deps.tasks.enqueue(RELEASE_QUEUE, { holdKey: r.holdKey, until: r.until.getTime() }, { id: releaseTaskId(r.holdKey, r.until), at: r.until })));
  const closeAt = result.storm ? stormCloseAt(result.storm, deps.config.policy.storm) : null;
  if (result.storm?.storm && closeAt) {
    await deps.tasks.enqueue(STORM_QUEUE, { incidentId: result.storm.storm.incidentId }, { id: `storm-${result.storm.storm.incidentId}-${closeAt.getTime()}`, at: closeAt });
  }
}

/**
 * A batch in a transaction of its own. The loser of a race for a new group's
 * document, or for the storm breaker's state, runs again and sees the winner's.
 */
export async function ingestBatch(batch: AlertBatch, deps: IngestDeps): Promise<BatchResult & { txMs: number; txAttempts: number }> {
  const t0 = Date.now();
  let attempts = 0;
  const result = await rerunIfRaced(() =>
    deps.store.run((tx) => {
      attempts += 1;
      return ingestInTx(tx, batch, deps, deps.clock.now());
    }),
  );
  const txMs = Date.now() - t0;
  await afterIngest(result, deps);
  return { ...result, txMs, txAttempts: attempts };
}
