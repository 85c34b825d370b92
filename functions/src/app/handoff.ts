// Use case: on-call hand-overs. When the pager passes to someone, they get a
// Slack DM with the open incidents. Each schedule has a chain of Cloud Tasks,
// one per hand-over (its id names the schedule and the instant, so enqueuing
// it again is a no-op): the task at a hand-over sends the DM and enqueues the
// next one. The chain is (re)started by what can change it: a new override
// (onOncallOverrideWritten) and a new incident (a deploy that adds a schedule
// starts its chain with the next incident). Nothing polls.
import { handoffAt, handoffMessage, handoffTaskId, nextHandoff } from '../domain/handoff';
import { profileForPaging } from '../domain/notificationRules';
import { log } from '../adapters/logs';
import { SlackCallFailed } from '../adapters/slack';
import { activeOverrides, type PagingDeps } from './paging';
import type { DirectMessages } from './pagingPorts';

export const HANDOFF_QUEUE = 'announceHandoff';

export interface HandoffTaskData {
  schedule: string;
  /** The hand-over (or re-check) instant, ms. */
  at: number;
}

/** Hand-overs this instance has enqueued already (a duplicate enqueue is refused by Cloud Tasks anyway). */
const enqueued = new Set<string>();

/** When this instance last looked (a burst of new incidents looks once). */
let lastLook = 0;
const LOOK_EVERY_MS = 10 * 60_000;

/** Enqueues the next hand-over of each schedule (or of `only`); `throttled`: at most once per 10 minutes per instance. */
export async function ensureHandoffs(deps: PagingDeps, opts: { only?: string[]; throttled?: boolean } = {}): Promise<string[]> {
  const now = deps.clock.now();
  if (opts.throttled && now.getTime() - lastLook < LOOK_EVERY_MS) return [];
  lastLook = now.getTime();
  const only = opts.only ?? null;
  const overrides = await activeOverrides(deps.paging, deps.oncall, now);
  const ids: string[] = [];
  for (const schedule of Object.values(deps.oncall.schedules)) {
    if (only && !only.includes(schedule.id)) continue;
    const next = nextHandoff(schedule, overrides, now);
    const id = handoffTaskId(schedule.id, next.at);
    ids.push(id);
    if (enqueued.has(id)) continue;
    await deps.tasks.enqueue(HANDOFF_QUEUE, { schedule: schedule.id, at: next.at.getTime() }, { id, at: next.at });
    enqueued.add(id);
    if (enqueued.size > 500) enqueued.delete(enqueued.values().next().value as string);
  }
  return ids;
}

export type HandoffOutcome = { kind: 'sent'; uid: string } | { kind: 'skipped'; reason: string };

export async function runHandoff(data: HandoffTaskData, deps: PagingDeps & { dm: DirectMessages | null; consoleUrl: string }): Promise<HandoffOutcome> {
  const schedule = typeof data?.schedule === 'string' ? deps.oncall.schedules[data.schedule] : undefined;
  if (!schedule || typeof data.at !== 'number') return { kind: 'skipped', reason: `no schedule ${JSON.stringify(data?.schedule)} in config/oncall.yaml` };
  const at = new Date(data.at);
  const overrides = await activeOverrides(deps.paging, deps.oncall, new Date(at.getTime() - 1));
  // The chain goes on, whatever happens to this one.
  const next = nextHandoff(schedule, overrides, at);
  await deps.tasks.enqueue(HANDOFF_QUEUE, { schedule: schedule.id, at: next.at.getTime() }, { id: handoffTaskId(schedule.id, next.at), at: next.at });

  // Overrides may have moved the hand-overs since this task was enqueued: check it still is one.
  const shift = handoffAt(schedule, overrides, at);
  if (!shift) return { kind: 'skipped', reason: 'no hand-over at this time any more' };
  if (!deps.dm) return { kind: 'skipped', reason: 'SLACK_BOT_TOKEN is not set' };
  const { user } = profileForPaging(shift.uid, await deps.paging.user(shift.uid));
  if (!user.slackUserId && !user.email) return { kind: 'skipped', reason: `users/${shift.uid} has no slackUserId or email` };
  const key = handoffTaskId(schedule.id, at);
  if (!(await deps.paging.claimHandoff(key, { schedule: schedule.id, uid: shift.uid, at, sentAt: deps.clock.now() }))) return { kind: 'skipped', reason: 'already sent' };
  const incidents = await deps.paging.openIncidents();
  try {
    await deps.dm.send({ slackUserId: user.slackUserId, email: user.email }, handoffMessage({ schedule, shift, incidents, consoleUrl: deps.consoleUrl }));
  } catch (e) {
    if (e instanceof SlackCallFailed && e.outcome.kind === 'platform_error') {
      log.warn('hand-over DM refused by Slack', { event: 'handoff_failed', schedule: schedule.id, uid: shift.uid, error: e.message });
      return { kind: 'skipped', reason: e.message };
    }
    await deps.paging.releaseHandoff(key); // busy or rate limited: the task's retry sends it
    throw e;
  }
  log.info('hand-over announced', { event: 'handoff_sent', schedule: schedule.id, uid: shift.uid, at: at.toISOString() });
  return { kind: 'sent', uid: shift.uid };
}
