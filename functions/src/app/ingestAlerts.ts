// Use case: one message from the `alerts` topic becomes incident writes.
// Load → planIngest (pure) → one transaction (incl. the messageId marker) → outbox.
import type { DocumentSnapshot } from 'firebase-admin/firestore';
import { alertDocId } from '../domain/grouping';
import { type GroupSnapshot, type GroupState, groupsOf, planIngest } from '../domain/ingest';
import { detectSource, normalizePayload, parseJson } from '../domain/sources';
import { enrichNewIncident } from '../domain/enrich';
import type { Policy } from '../domain/policy';
import type { RunbookChecklistItem } from '../domain/runbooks';
import type { AlertRecord, DeployRef, Incident, TimelineEntry } from '../domain/types';
import { pipelineConfig } from '../adapters/configFiles';
import { decode } from '../adapters/firestoreCodec';
import { db } from '../adapters/firebase';
import { log } from '../adapters/logs';
import { loadRunbooks } from '../adapters/runbookFiles';
import { alertsCol, appendTimeline, arrayUnion, checklistCol, col, enqueueEffects, newId, writeIncident } from '../adapters/store';
import { storeRejected } from './rejected';
import { rerunIfAlreadyExists } from './retry';
import { scheduleRollups } from './rollupIncident';

export interface AlertMessage {
  /** The Pub/Sub messageId: stable across redeliveries, unlike the CloudEvent id. */
  messageId: string;
  eventId: string;
  data: Buffer;
  attributes: Record<string, string>;
}

export interface IngestOutcome {
  status: 'ingested' | 'duplicate' | 'rejected';
  incidentIds: string[];
  created: string[];
}

/** Markers of handled messages are kept this long (Firestore TTL on `expireAt`). */
const MARKER_TTL_DAYS = 7;

export async function ingestAlertMessage(msg: AlertMessage, now: () => Date = () => new Date()): Promise<IngestOutcome> {
  const text = msg.data.toString('utf8');
  const parsed = parseJson(text);
  const attrSource = msg.attributes.source ?? null;
  const poison = async (reason: string, details: unknown[] = [], source: string | null = attrSource) => {
    // Stored under the message id, so a redelivery overwrites rather than duplicates.
    await storeRejected({ id: `msg-${msg.messageId}`, source, reason, details, raw: text, via: 'pubsub', messageId: msg.messageId, now: now() });
    log.poisonMessage({ messageId: msg.messageId, eventId: msg.eventId, source, reason });
    return { status: 'rejected' as const, incidentIds: [], created: [] };
  };
  if (!parsed.ok) return poison(parsed.error);
  const source = detectSource(msg.attributes, parsed.value);
  if (!source) {
    return poison(attrSource ? `unknown source "${attrSource}"` : 'no `source` attribute, and the payload is not a Cloud Monitoring notification');
  }
  const normalized = normalizePayload(source, parsed.value);
  if (!normalized.ok) return poison(normalized.error, normalized.details, source);

  const { rules, policy, links } = pipelineConfig();
  const drillId = msg.attributes.drill || null;
  const groups = groupsOf(normalized.alerts, drillId);
  const markerRef = col.alertMessages().doc(msg.messageId);

  const t0 = Date.now();
  let attempts = 0;
  const transaction = () => db().runTransaction(async (tx) => {
    attempts += 1;
    // 1. The message marker and the groups. The group document is what makes
    //    parallel alerts of a new group open one incident. A group that exists
    //    is read in the transaction. A group that does not is only read plainly
    //    and then created with a precondition (tx.create): concurrent first
    //    alerts of a group must not all hold a lock on the missing document and
    //    wait for each other to let go (Firestore breaks that tie quickly; the
    //    emulator only by lock timeout, and a storm piles up behind it). One
    //    creation commits; the others fail with ALREADY_EXISTS and run again.
    const groupIds = [...groups.keys()];
    const groupRefs = groupIds.map((id) => col.groups().doc(id));
    const plainGroups = await db().getAll(...groupRefs);
    const existing = groupRefs.filter((_, i) => plainGroups[i]?.exists);
    const [marker, ...existingSnaps] = await tx.getAll(markerRef, ...existing);
    if (marker?.exists) {
      const ids = (marker.get('incidentIds') as string[] | undefined) ?? [];
      return { duplicate: true as const, incidentIds: ids, created: [] as string[], rollup: ids };
    }
    const lockedGroup = new Map(existingSnaps.map((snap) => [snap.id, snap]));
    const groupStates = new Map<string, GroupState | null>(
      groupIds.map((id) => {
        const snap = lockedGroup.get(id);
        return [id, snap?.exists ? (snap.data() as GroupState) : null];
      }),
    );

    // 2. The incidents they point to, read WITHOUT locking: every alert of a
    //    storm reads its incident, and locking it would starve the roll-up
    //    and the people writing to it. An incident this message must change
    //    is read again inside the transaction below.
    const incidentIds = [...new Set([...groupStates.values()].flatMap((g) => (g ? [g.incidentId] : [])))];
    const incidentSnaps = incidentIds.length ? await db().getAll(...incidentIds.map((id) => col.incidents().doc(id))) : [];
    const incidents = new Map<string, Incident>();
    incidentSnaps.forEach((s) => s.exists && incidents.set(s.id, decode<Incident>({ ...s.data(), id: s.id })));

    // 3. The alert documents of those incidents, in the transaction.
    const alertReads: { groupId: string; alertId: string; ref: FirebaseFirestore.DocumentReference }[] = [];
    for (const [groupId, g] of groups) {
      const incidentId = groupStates.get(groupId)?.incidentId;
      if (!incidentId || !incidents.has(incidentId)) continue;
      for (const a of g.alerts) alertReads.push({ groupId, alertId: alertDocId(a), ref: alertsCol(incidentId).doc(alertDocId(a)) });
    }
    const alertSnaps: DocumentSnapshot[] = alertReads.length ? await tx.getAll(...alertReads.map((r) => r.ref)) : [];

    const buildSnapshots = () => {
      const snapshots = new Map<string, GroupSnapshot>();
      for (const groupId of groupIds) {
        const group = groupStates.get(groupId) ?? null;
        snapshots.set(groupId, { group, incident: group ? (incidents.get(group.incidentId) ?? null) : null, alerts: new Map() });
      }
      alertReads.forEach((r, i) => {
        const snap = alertSnaps[i];
        if (snap?.exists) snapshots.get(r.groupId)?.alerts.set(r.alertId, decode<AlertRecord>(snap.data()));
      });
      return snapshots;
    };

    const at = now();
    const ctx = { now: at, rules, policy, drillId, newIncidentId: newId };
    let plan = planIngest(normalized.alerts, buildSnapshots(), ctx);
    const toChange = plan.incidents.filter((p) => !p.created).map((p) => p.incident.id);
    if (toChange.length > 0) {
      // Reopen, escalation, "it came back": read those incidents in the transaction and plan again.
      const locked = await tx.getAll(...toChange.map((id) => col.incidents().doc(id)));
      locked.forEach((s) => s.exists && incidents.set(s.id, decode<Incident>({ ...s.data(), id: s.id })));
      plan = planIngest(normalized.alerts, buildSnapshots(), ctx);
    }

    // New incidents get their runbook, preceding deploys and links (reads before any write).
    const timelineBy = new Map<string, TimelineEntry[]>();
    for (const t of plan.timeline) timelineBy.set(t.incidentId, [...(timelineBy.get(t.incidentId) ?? []), t.entry]);
    const checklists: { incidentId: string; items: RunbookChecklistItem[] }[] = [];
    for (const p of plan.incidents.filter((x) => x.created)) {
      const first = plan.alerts.find((a) => a.incidentId === p.incident.id)?.record;
      if (!first) continue;
      const candidates = await deployCandidates(tx, p.incident, policy);
      const enriched = enrichNewIncident(p.incident, first, { runbooks: loadRunbooks(), linkTemplates: links.links, project: process.env.GCLOUD_PROJECT ?? null, deployCandidates: candidates, policy });
      p.incident = enriched.incident;
      const entries = timelineBy.get(p.incident.id) ?? [];
      timelineBy.set(p.incident.id, [...entries.slice(0, 1), ...enriched.timeline, ...entries.slice(1)]);
      checklists.push({ incidentId: p.incident.id, items: enriched.checklist });
    }

    for (const g of plan.groups) {
      const ref = col.groups().doc(g.groupId);
      if (lockedGroup.has(g.groupId)) tx.set(ref, g.state);
      else tx.create(ref, g.state);
    }
    for (const { incident } of plan.incidents) writeIncident(tx, incident);
    for (const a of plan.alerts) tx.set(alertsCol(a.incidentId).doc(a.alertId), a.record);
    for (const [incidentId, entries] of timelineBy) appendTimeline(tx, incidentId, entries);
    for (const c of checklists) for (const { id, ...step } of c.items) tx.set(checklistCol(c.incidentId).doc(id), step);
    for (const p of plan.incidents.filter((x) => x.created)) {
      for (const d of p.incident.deploys) tx.update(col.deploys().doc(d.id), { incidentIds: arrayUnion(p.incident.id) });
    }
    const drillOf = new Map(plan.incidents.map((p) => [p.incident.id, p.incident.drill]));
    const effectsBy = new Map<string, typeof plan.effects>();
    for (const e of plan.effects) effectsBy.set(e.incidentId, [...(effectsBy.get(e.incidentId) ?? []), e]);
    for (const [incidentId, effects] of effectsBy) {
      enqueueEffects(tx, incidentId, effects.map((e) => e.effect), { now: at, drill: drillOf.get(incidentId) ?? drillId !== null });
    }

    const touchedIds = [...new Set([...plan.alerts.map((a) => a.incidentId), ...plan.incidents.map((p) => p.incident.id)])];
    tx.create(markerRef, {
      source,
      eventId: msg.eventId,
      receivedAt: at,
      alerts: normalized.alerts.length,
      incidentIds: touchedIds,
      ignored: plan.ignored,
      expireAt: new Date(at.getTime() + MARKER_TTL_DAYS * 86_400_000),
    });
    return {
      duplicate: false as const,
      incidentIds: touchedIds,
      created: plan.incidents.filter((p) => p.created).map((p) => p.incident.id),
      rollup: plan.rollup,
    };
  });
  const result = await rerunIfAlreadyExists(transaction);

  const t1 = Date.now();
  // After the commit, and again on a duplicate (the first delivery may have died here).
  await scheduleRollups(result.rollup, now());
  const timing = { txMs: t1 - t0, txAttempts: attempts, rollupMs: Date.now() - t1 };
  if (result.duplicate) {
    log.duplicateMessage({ messageId: msg.messageId, eventId: msg.eventId });
    return { status: 'duplicate', incidentIds: result.incidentIds, created: [] };
  }
  log.messageIngested({
    messageId: msg.messageId,
    eventId: msg.eventId,
    source,
    incidentIds: result.incidentIds,
    created: result.created,
    alerts: normalized.alerts.length,
    ...timing,
  });
  return { status: 'ingested', incidentIds: result.incidentIds, created: result.created };
}

/** Deploys of the incident's service inside the correlation window, read in the transaction. */
async function deployCandidates(tx: FirebaseFirestore.Transaction, incident: Incident, policy: Policy): Promise<DeployRef[]> {
  if (!incident.service) return [];
  const since = new Date(incident.createdAt.getTime() - policy.deploys.windowMinutes * 60_000);
  const snap = await tx.get(
    col.deploys().where('service', '==', incident.service).where('deployedAt', '>=', since).orderBy('deployedAt', 'desc').limit(50),
  );
  return snap.docs.map((d) => decode<DeployRef & { drill?: boolean }>({ ...d.data(), id: d.id })).filter((d) => Boolean(d.drill) === incident.drill);
}
