// Use case: a status update written by a client (console, Slack) is applied
// to its incident in one transaction, and answered on the update document.
import { decide, isRejected, type PostmortemStatus } from '../domain/incident';
import { incidentPolicy } from '../domain/lifecycle';
import type { Policy } from '../domain/policy';
import type { StatusConfig } from '../domain/statusPage';
import type { Effect } from '../domain/types';
import { commandOf, parseStatusUpdate } from '../domain/updates';
import type { Deps } from './ports';

export interface UpdateOutcome {
  ok: boolean;
  reason?: string;
  duplicate?: boolean;
  effects: Effect[];
  action: string;
}

/** `status` is config/status.yaml: publish_status checks its components (none given: no component is known). */
export async function applyStatusUpdate(incidentId: string, updateId: string, deps: Deps & { policy: Policy; status?: Pick<StatusConfig, 'components'> }): Promise<UpdateOutcome> {
  return deps.store.run(async (tx): Promise<UpdateOutcome> => {
    const update = await tx.statusUpdate(incidentId, updateId);
    if (!update) return { ok: false, reason: 'update not found', duplicate: true, effects: [], action: '?' };
    const data = update.data;
    const action = String(data.action ?? '?');
    if (update.processed) return { ok: Boolean(update.result?.ok), duplicate: true, effects: [], action };
    const at = deps.clock.now();
    const refuse = (reason: string): UpdateOutcome => {
      tx.answerUpdate(incidentId, updateId, { ok: false, reason }, at);
      // An update from Slack that was refused is answered to the person who asked (the URL is kept server-side).
      const responseUrl = update.responseUrl;
      if (responseUrl) {
        tx.notify({ id: `${updateId}_reply`, incidentId, drill: false, notice: { kind: 'slack_reply', responseUrl, text: `Could not ${action.replace('_', ' ')}: ${reason}` } }, at);
      }
      return { ok: false, reason, effects: [], action };
    };

    const incident = await tx.incident(incidentId);
    if (!incident) return refuse(`incident ${incidentId} does not exist`);
    const parsed = parseStatusUpdate(data);
    if (!parsed.ok) return refuse(parsed.reason);
    const postmortemStatus: PostmortemStatus | null = parsed.update.action === 'close' ? ((await tx.postmortem(incidentId))?.status ?? null) : null;
    const checklist = parsed.update.action === 'check_step' ? await tx.checklist(incidentId) : [];
    const command = commandOf(parsed.update, { postmortemStatus, checklist, status: deps.status });
    if ('invalid' in command) return refuse(command.invalid);
    const result = decide(incident, command, { now: at, policy: incidentPolicy(deps.policy), cause: `update-${updateId}` });
    if (isRejected(result)) return refuse(result.rejected);
    tx.commit({ ...result, timeline: result.timeline.map((e) => ({ ...e, data: { ...e.data, updateId } })) });
    tx.answerUpdate(incidentId, updateId, { ok: true }, at);
    return { ok: true, effects: result.effects.map((e) => e.effect), action };
  });
}
