// Use case: fold an incident's alert documents into its counts, at most once a
// second per incident (Firestore's sustained per-document write rate), and
// resolve it when every alert has resolved.
import { countSlot } from '../domain/coalesce';
import { decide, isOpen, isRejected } from '../domain/incident';
import type { Effect, Incident, TimelineEntry } from '../domain/types';
import { pipelineConfig } from '../adapters/configFiles';
import { db } from '../adapters/firebase';
import { log } from '../adapters/logs';
import { decode } from '../adapters/firestoreCodec';
import { alertsCol, appendTimeline, col, enqueueEffects, incidentRef, outboxDoc } from '../adapters/store';
import { enqueueTask } from '../adapters/tasks';

export const ROLLUP_QUEUE = 'rollupIncident';

/**
 * Asks for a roll-up of each incident at the start of the next second. All
 * requests within one second share one task (the task id names the second),
 * so an incident's document is written at most once a second.
 */
export async function scheduleRollups(incidentIds: string[], now: Date): Promise<void> {
  const second = Math.floor(now.getTime() / 1000) + 1;
  await Promise.all(
    incidentIds
      // This instance already asked for that second: Cloud Tasks would refuse the duplicate anyway.
      .filter((incidentId) => scheduled.get(incidentId) !== second)
      .map(async (incidentId) => {
        await enqueueTask(ROLLUP_QUEUE, { incidentId, second }, { id: `rollup-${incidentId}-${second}`, at: new Date(second * 1000) });
        scheduled.set(incidentId, second);
        if (scheduled.size > 1000) scheduled.delete(scheduled.keys().next().value as string);
      }),
  );
}

/** The last second each incident's roll-up was requested for, by this instance. */
const scheduled = new Map<string, number>();

/**
 * Rolls up one incident's counts for the roll-up second `second`. Optimistic,
 * without locks: the incident is read plainly and written back in one batch
 * with a precondition on its update time, so concurrent roll-ups (a duplicate
 * task, a retry) never deadlock: one commits, the others see its work.
 */
export async function rollupIncident(incidentId: string, second: number = Math.floor(Date.now() / 1000), now: () => Date = () => new Date()): Promise<void> {
  const { policy } = pipelineConfig();
  const lifecycle = { postmortemRequiredFor: policy.postmortem.requiredFor };
  for (let attempt = 1; attempt <= 8; attempt++) {
    const snap = await incidentRef(incidentId).get();
    if (!snap.exists) return;
    const incident = decode<Incident & { rolledUpFor?: number }>({ ...snap.data(), id: incidentId });
    if ((incident.rolledUpFor ?? 0) >= second) return; // a roll-up for this second (or later) already ran
    // Counted outside the write: a read-write transaction counting would lock
    // the whole alerts collection and stall every concurrent ingest. An alert
    // committed after this count asked for a later roll-up, which will include it.
    // Both counts from one consistent snapshot (a read-only transaction takes no locks).
    const [total, firing] = await db().runTransaction(
      (tx) => Promise.all([tx.get(alertsCol(incidentId).count()), tx.get(alertsCol(incidentId).where('status', '==', 'firing').count())]),
      { readOnly: true },
    );
    const alertCount = total.data().count;
    const firingCount = firing.data().count;
    const countsChanged = alertCount !== incident.alertCount || firingCount !== incident.firingCount;
    const at = now();

    let next: Incident & { rolledUpFor?: number } = { ...incident, alertCount, firingCount, rolledUpFor: second };
    const timeline: TimelineEntry[] = [];
    const effects: Effect[] = [];
    const apply = (d: ReturnType<typeof decide>) => {
      if (isRejected(d)) return;
      next = { ...d.incident, rolledUpFor: second };
      timeline.push(...d.timeline);
      effects.push(...d.effects);
    };
    if (policy.autoResolve && isOpen(next.status) && alertCount > 0 && firingCount === 0) {
      apply(decide(next, { action: 'alerts_resolved', alertCount }, at, lifecycle));
    } else if (next.status === 'resolved' && firingCount > 0 && at.getTime() - next.statusChangedAt.getTime() <= policy.reopenWindowMinutes * 60_000) {
      // An alert joined just as the incident resolved (ingest reads incidents without locking them).
      apply(decide(next, { action: 'alert_fired', title: `${firingCount} alert${firingCount === 1 ? '' : 's'} still firing` }, at, lifecycle));
    }
    if (!countsChanged && effects.length === 0) {
      log.rollup({ incidentId, alertCount, firingCount, changed: false });
      return;
    }
    if (countsChanged) next.updatedAt = at;
    // One coalesced "alerts changed" notification per slot.
    const slot = countSlot(incident.createdAt, at);
    const slotRef = col.notifications().doc(`${incidentId}_alerts_${slot.index}`);
    const slotTaken = countsChanged ? (await slotRef.get()).exists : true;

    const batch = db().batch();
    const { id: _id, ...data } = next;
    batch.update(incidentRef(incidentId), data, { lastUpdateTime: snap.updateTime });
    appendTimeline(batch, incidentId, timeline);
    const meta = { now: at, drill: next.drill };
    enqueueEffects(batch, incidentId, effects, meta);
    if (!slotTaken) batch.create(slotRef, outboxDoc(incidentId, { kind: 'alerts_changed' }, meta, 0, slot.postAt));
    try {
      await batch.commit();
      log.rollup({ incidentId, alertCount, firingCount, changed: true });
      return;
    } catch (e) {
      // The incident changed since we read it (FAILED_PRECONDITION), or another
      // roll-up created the slot first (ALREADY_EXISTS): read again.
      const code = (e as { code?: number }).code;
      if (code !== 9 && code !== 6 && code !== 10) throw e;
    }
  }
  throw new Error(`roll-up of ${incidentId} kept conflicting; the task will retry`);
}
