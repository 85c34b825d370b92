// Use case: fold an incident's alert documents into its counts, at most once a
// second per incident (Firestore's sustained per-document write rate), and
// resolve it when every alert has resolved.
import { countSlot } from '../domain/coalesce';
import { decide, isOpen, isRejected } from '../domain/incident';
import type { Effect } from '../domain/types';
import { pipelineConfig } from '../adapters/configFiles';
import { db } from '../adapters/firebase';
import { log } from '../adapters/logs';
import { alertsCol, appendTimeline, col, enqueueEffects, outboxDoc, readIncident, writeIncident } from '../adapters/store';
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
    incidentIds.map((incidentId) => enqueueTask(ROLLUP_QUEUE, { incidentId }, { id: `rollup-${incidentId}-${second}`, at: new Date(second * 1000) })),
  );
}

export async function rollupIncident(incidentId: string, now: () => Date = () => new Date()): Promise<void> {
  const { policy } = pipelineConfig();
  const outcome = await db().runTransaction(async (tx) => {
    const incident = await readIncident(tx, incidentId);
    if (!incident) return null;
    const [total, firing] = await Promise.all([
      tx.get(alertsCol(incidentId).count()),
      tx.get(alertsCol(incidentId).where('status', '==', 'firing').count()),
    ]);
    const alertCount = total.data().count;
    const firingCount = firing.data().count;
    const countsChanged = alertCount !== incident.alertCount || firingCount !== incident.firingCount;
    const at = now();
    // One coalesced "alerts changed" notification per slot (read before any write).
    const slot = countSlot(incident.createdAt, at);
    const slotRef = col.notifications().doc(`${incidentId}_alerts_${slot.index}`);
    const slotTaken = countsChanged ? (await tx.get(slotRef)).exists : true;

    let next = { ...incident, alertCount, firingCount };
    const timeline = [];
    const effects: Effect[] = [];
    if (policy.autoResolve && isOpen(next.status) && alertCount > 0 && firingCount === 0) {
      const d = decide(next, { action: 'alerts_resolved', alertCount }, at, { postmortemRequiredFor: policy.postmortem.requiredFor });
      if (!isRejected(d)) {
        next = d.incident;
        timeline.push(...d.timeline);
        effects.push(...d.effects);
      }
    }
    if (!countsChanged && effects.length === 0) return { incident: next, changed: false };
    if (countsChanged) next.updatedAt = at;
    writeIncident(tx, next);
    appendTimeline(tx, incidentId, timeline);
    const meta = { now: at, drill: next.drill };
    enqueueEffects(tx, incidentId, effects, meta);
    if (!slotTaken) tx.create(slotRef, outboxDoc(incidentId, { kind: 'alerts_changed' }, meta, 0, slot.postAt));
    return { incident: next, changed: true };
  });
  if (outcome) {
    log.rollup({ incidentId, alertCount: outcome.incident.alertCount, firingCount: outcome.incident.firingCount, changed: outcome.changed });
  }
}
