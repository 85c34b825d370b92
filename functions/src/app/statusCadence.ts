// Use case of the cadence task (triggers/statusCadence.ts): a published
// incident's channel is reminded when no public update went out for the
// policy's interval (config/policy.yaml `statusPage.cadenceMinutes`). The
// outbox schedules the first task when a public update goes out
// (app/stakeholderDelivery.ts); each reminder schedules the next one an
// interval later. Nothing polls: a task whose update is no longer the latest,
// or whose incident resolved, does nothing, and its chain ends there.
import { incidentPolicy } from '../domain/lifecycle';
import type { Policy } from '../domain/policy';
import { CADENCE_TASK, type CadenceCheck, type CadenceTask, cadenceTaskId, checkCadence } from '../domain/publicUpdates';
import { cadenceReminderPost } from '../domain/slack/statusPageMessages';
import type { Deps } from './ports';

const ALREADY_EXISTS = 6;

export type CadenceOutcome = CadenceCheck & { sent: boolean };

/** A task's data, checked: a malformed task is dropped (logged by the trigger), never retried. */
export function cadenceTaskOf(data: Record<string, unknown>): CadenceTask | null {
  const { incidentId, publishedAt, n } = data;
  if (typeof incidentId !== 'string' || !incidentId || typeof publishedAt !== 'number' || !Number.isFinite(publishedAt)) return null;
  return { incidentId, publishedAt, n: typeof n === 'number' && n >= 1 ? Math.floor(n) : 1 };
}

export async function remindPublicUpdate(task: CadenceTask, deps: Deps & { policy: Policy }): Promise<CadenceOutcome> {
  const now = deps.clock.now();
  const policy = incidentPolicy(deps.policy).statusPage;
  let check: CadenceCheck;
  let sent = false;
  try {
    check = await deps.store.run(async (tx) => {
      const incident = await tx.incident(task.incidentId);
      const c = checkCadence(incident, task, now, policy);
      if (c.remind && incident) {
        const msg = cadenceReminderPost(incident, { silentMinutes: c.silentMinutes, lastPublishedAt: c.lastPublishedAt, draft: c.draft, nextAt: c.next?.at ?? null });
        tx.notify({ id: cadenceTaskId(task), incidentId: incident.id, drill: incident.drill, notice: { kind: 'message', text: msg.text, blocks: msg.blocks, channelOnly: true } }, now);
      }
      return c;
    });
    sent = check.remind;
  } catch (e) {
    // A redelivered task: its reminder is already in the outbox. Check again (outside the failed transaction) for the next task.
    if ((e as { code?: unknown }).code !== ALREADY_EXISTS) throw e;
    const loaded = await deps.store.incident(task.incidentId);
    check = checkCadence(loaded?.incident ?? null, task, now, policy);
  }
  if (check.remind && check.next) await deps.tasks.enqueue(CADENCE_TASK, { ...check.next.task }, { id: cadenceTaskId(check.next.task), at: check.next.at });
  return { ...check, sent };
}
