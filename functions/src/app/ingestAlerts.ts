// Use case: one message from the `alerts` topic becomes incident writes.
// Load → planIngest (pure) → one transaction (incl. the messageId marker) → outbox.
import type { DocumentSnapshot } from 'firebase-admin/firestore';
import { alertDocId } from '../domain/grouping';
import { type GroupSnapshot, type GroupState, groupsOf, planIngest } from '../domain/ingest';
import { detectSource, normalizePayload, parseJson } from '../domain/sources';
import type { AlertRecord, Incident } from '../domain/types';
import { pipelineConfig } from '../adapters/configFiles';
import { decode } from '../adapters/firestoreCodec';
import { db } from '../adapters/firebase';
import { log } from '../adapters/logs';
import { alertsCol, appendTimeline, col, enqueueEffects, newId, writeIncident } from '../adapters/store';
import { storeRejected } from './rejected';
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

  const { rules, policy } = pipelineConfig();
  const drillId = msg.attributes.drill || null;
  const groups = groupsOf(normalized.alerts, drillId);
  const markerRef = col.alertMessages().doc(msg.messageId);

  const result = await db().runTransaction(async (tx) => {
    const marker = await tx.get(markerRef);
    if (marker.exists) {
      const ids = (marker.get('incidentIds') as string[] | undefined) ?? [];
      return { duplicate: true as const, incidentIds: ids, created: [] as string[], rollup: ids };
    }
    // 1. groups → 2. the incidents they point to → 3. those incidents' alert docs.
    const groupIds = [...groups.keys()];
    const groupSnaps = await tx.getAll(...groupIds.map((id) => col.groups().doc(id)));
    const groupStates = new Map<string, GroupState | null>(groupIds.map((id, i) => [id, groupSnaps[i]?.exists ? (groupSnaps[i].data() as GroupState) : null]));
    const incidentIds = [...new Set([...groupStates.values()].flatMap((g) => (g ? [g.incidentId] : [])))];
    const incidentSnaps = incidentIds.length ? await tx.getAll(...incidentIds.map((id) => col.incidents().doc(id))) : [];
    const incidents = new Map<string, Incident>();
    incidentSnaps.forEach((s) => s.exists && incidents.set(s.id, decode<Incident>({ ...s.data(), id: s.id })));

    const alertReads: { groupId: string; alertId: string; ref: FirebaseFirestore.DocumentReference }[] = [];
    for (const [groupId, g] of groups) {
      const incidentId = groupStates.get(groupId)?.incidentId;
      if (!incidentId || !incidents.has(incidentId)) continue;
      for (const a of g.alerts) alertReads.push({ groupId, alertId: alertDocId(a), ref: alertsCol(incidentId).doc(alertDocId(a)) });
    }
    const alertSnaps: DocumentSnapshot[] = alertReads.length ? await tx.getAll(...alertReads.map((r) => r.ref)) : [];

    const snapshots = new Map<string, GroupSnapshot>();
    for (const groupId of groupIds) {
      const group = groupStates.get(groupId) ?? null;
      snapshots.set(groupId, { group, incident: group ? (incidents.get(group.incidentId) ?? null) : null, alerts: new Map() });
    }
    alertReads.forEach((r, i) => {
      const snap = alertSnaps[i];
      if (snap?.exists) snapshots.get(r.groupId)?.alerts.set(r.alertId, decode<AlertRecord>(snap.data()));
    });

    const at = now();
    const plan = planIngest(normalized.alerts, snapshots, { now: at, rules, policy, drillId, newIncidentId: newId });

    for (const g of plan.groups) tx.set(col.groups().doc(g.groupId), g.state);
    for (const { incident } of plan.incidents) writeIncident(tx, incident);
    for (const a of plan.alerts) tx.set(alertsCol(a.incidentId).doc(a.alertId), a.record);
    const byIncident = new Map<string, typeof plan.timeline>();
    for (const t of plan.timeline) byIncident.set(t.incidentId, [...(byIncident.get(t.incidentId) ?? []), t]);
    for (const [incidentId, entries] of byIncident) appendTimeline(tx, incidentId, entries.map((e) => e.entry));
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

  // After the commit, and again on a duplicate (the first delivery may have died here).
  await scheduleRollups(result.rollup, now());
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
  });
  return { status: 'ingested', incidentIds: result.incidentIds, created: result.created };
}
