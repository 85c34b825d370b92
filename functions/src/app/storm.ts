// Use case: the storm breaker's tick (domain/storm.ts). Each new group that
// joins the storm schedules a tick at stormCloseAt (its join + quietMinutes);
// the tick that finds no later join closes the storm: a `storm_closed` entry
// on the storm incident's timeline and one Slack post, and counting starts
// afresh. The state is written with a precondition, like ingest's.
import { decide, isRejected } from '../domain/incident';
import { incidentPolicy } from '../domain/lifecycle';
import { stormCloseAt, stormStep } from '../domain/storm';
import { type IngestDeps, STORM_QUEUE } from './ingestBatch';
import { rerunIfRaced } from './retry';

export type StormTickOutcome = 'closed' | 'open' | 'none';

export async function stormTick(deps: IngestDeps): Promise<StormTickOutcome> {
  const policy = deps.config.policy.storm;
  const now = deps.clock.now();
  const r = await rerunIfRaced(() =>
    deps.store.run(async (tx) => {
      const { state, version } = await tx.stormState();
      const step = stormStep(state, { kind: 'tick' }, now, policy);
      const close = step.decisions.find((d) => d.kind === 'close_storm');
      if (!close || close.kind !== 'close_storm') return { outcome: state.storm ? ('open' as const) : ('none' as const), state };
      const incident = (await tx.peekIncidents([close.incidentId])).get(close.incidentId);
      if (incident) {
        const d = decide(
          incident,
          { action: 'storm_closed', groups: close.groups, openedAt: close.openedAt, lastJoinAt: close.lastJoinAt, quietMinutes: policy.quietMinutes },
          { now, policy: incidentPolicy(deps.config.policy), cause: `storm-closed-${close.openedAt.getTime()}` },
        );
        if (!isRejected(d)) tx.commit(d);
      }
      tx.putStormState(step.state, version);
      return { outcome: 'closed' as const, state: step.state, incidentId: close.incidentId, groups: close.groups };
    }),
  );
  if (r.outcome === 'open') {
    // A join after the tick was scheduled moved the close, or this tick came a
    // moment early (a task may arrive up to a second before its time): tick
    // again then. The id names this tick too: the task that carried it had
    // the close time's id, and a task id is never reused (deduplication), so
    // re-enqueueing under it would drop the check and the storm never closes.
    const at = stormCloseAt(r.state, policy);
    if (at && r.state.storm) await deps.tasks.enqueue(STORM_QUEUE, { incidentId: r.state.storm.incidentId }, { id: `storm-${r.state.storm.incidentId}-${at.getTime()}-after-${now.getTime()}`, at });
  }
  if (r.outcome === 'closed') deps.log.noise({ event: 'storm_closed', incidentId: 'incidentId' in r ? r.incidentId : null, groups: 'groups' in r ? r.groups : null });
  return r.outcome;
}
