// Use case: a status update written by a client (console, Slack) is applied to
// its incident in one transaction, and answered on the update document.
import { decide, isRejected, type ChecklistStep, type PostmortemStatus } from '../domain/incident';
import type { Effect } from '../domain/types';
import { commandOf, parseStatusUpdate } from '../domain/updates';
import { pipelineConfig } from '../adapters/configFiles';
import { decode } from '../adapters/firestoreCodec';
import { db } from '../adapters/firebase';
import { log } from '../adapters/logs';
import { appendTimeline, checklistCol, col, enqueueEffects, outboxDoc, readIncident, slackResponseUrl, updatesCol, writeIncident } from '../adapters/store';

export interface UpdateOutcome {
  ok: boolean;
  reason?: string;
  duplicate?: boolean;
  effects: Effect[];
}

export async function applyStatusUpdate(incidentId: string, updateId: string, now: () => Date = () => new Date()): Promise<UpdateOutcome> {
  const { policy } = pipelineConfig();
  const updateRef = updatesCol(incidentId).doc(updateId);
  const outcome = await db().runTransaction(async (tx): Promise<UpdateOutcome & { action: string }> => {
    const snap = await tx.get(updateRef);
    if (!snap.exists) return { ok: false, reason: 'update not found', duplicate: true, effects: [], action: '?' };
    const data = snap.data() ?? {};
    const action = String(data.action ?? '?');
    if (data.processedAt) return { ok: Boolean((data.result as { ok?: boolean } | undefined)?.ok), duplicate: true, effects: [], action };
    const at = now();
    // An update from Slack that was refused is answered to the person who asked (the URL is kept server-side).
    const responseUrl = data.via === 'slack' ? await slackResponseUrl(tx, updateId) : null;
    const answer = (result: { ok: true } | { ok: false; reason: string }) => {
      tx.update(updateRef, { result, processedAt: at });
      if (!result.ok && responseUrl) {
        tx.create(col.notifications().doc(`${updateId}_reply`), outboxDoc(incidentId, { kind: 'slack_reply', responseUrl, text: `Could not ${action.replace('_', ' ')}: ${result.reason}` }, { now: at, drill: false }));
      }
    };

    const incident = await readIncident(tx, incidentId);
    if (!incident) {
      answer({ ok: false, reason: `incident ${incidentId} does not exist` });
      return { ok: false, reason: 'no incident', effects: [], action };
    }
    const parsed = parseStatusUpdate(data);
    if (!parsed.ok) {
      answer({ ok: false, reason: parsed.reason });
      return { ok: false, reason: parsed.reason, effects: [], action };
    }
    let postmortemStatus: PostmortemStatus | null = null;
    let checklist: ChecklistStep[] = [];
    if (parsed.update.action === 'close') {
      const pm = await tx.get(col.postmortems().doc(incidentId));
      postmortemStatus = pm.exists ? ((pm.get('status') as PostmortemStatus | undefined) ?? null) : null;
    }
    if (parsed.update.action === 'check_step') {
      const steps = await tx.get(checklistCol(incidentId));
      checklist = steps.docs.map((d) => ({ ...(decode<Omit<ChecklistStep, 'id'>>(d.data())), id: d.id }));
    }
    const command = commandOf(parsed.update, { postmortemStatus, checklist });
    if ('invalid' in command) {
      answer({ ok: false, reason: command.invalid });
      return { ok: false, reason: command.invalid, effects: [], action };
    }
    const result = decide(incident, command, at, { postmortemRequiredFor: policy.postmortem.requiredFor });
    if (isRejected(result)) {
      answer({ ok: false, reason: result.rejected });
      return { ok: false, reason: result.rejected, effects: [], action };
    }
    writeIncident(tx, result.incident);
    appendTimeline(tx, incidentId, result.timeline.map((e) => ({ ...e, data: { ...e.data, updateId } })));
    enqueueEffects(tx, incidentId, result.effects, { now: at, drill: result.incident.drill });
    if (result.step) {
      tx.update(checklistCol(incidentId).doc(result.step.id), { done: result.step.done, doneBy: result.step.doneBy, doneAt: result.step.doneAt });
    }
    answer({ ok: true });
    return { ok: true, effects: result.effects, action };
  });
  if (!outcome.duplicate) {
    log.incidentUpdated({ incidentId, updateId, action: outcome.action, ok: outcome.ok, ...(outcome.reason ? { reason: outcome.reason } : {}) });
  }
  return outcome;
}
