// Use case: fold an incident's alert documents into its counts, at most once a
// second per incident (Firestore's sustained per-document write rate); the
// state machine resolves it when every alert has resolved (counts_rolled_up).
import { decide, isRejected } from '../domain/incident';
import { incidentPolicy, withinReopenWindow } from '../domain/lifecycle';
import type { Policy } from '../domain/policy';
import type { Deps } from './ports';

export const ROLLUP_QUEUE = 'rollupIncident';

/** The last second each incident's roll-up was requested for, by this instance. */
const scheduled = new Map<string, number>();

/**
 * Asks for a roll-up of each incident at the start of the next second. All
 * requests within one second share one task (the task id names the second),
 * so an incident's document is written at most once a second.
 */
export async function scheduleRollups(incidentIds: string[], deps: Pick<Deps, 'tasks' | 'clock'>): Promise<void> {
  const second = Math.floor(deps.clock.now().getTime() / 1000) + 1;
  await Promise.all(
    incidentIds
      // This instance already asked for that second: Cloud Tasks would refuse the duplicate anyway.
      .filter((incidentId) => scheduled.get(incidentId) !== second)
      .map(async (incidentId) => {
        await deps.tasks.enqueue(ROLLUP_QUEUE, { incidentId, second }, { id: `rollup-${incidentId}-${second}`, at: new Date(second * 1000) });
        scheduled.set(incidentId, second);
        if (scheduled.size > 1000) scheduled.delete(scheduled.keys().next().value as string);
      }),
  );
}

export type RollupOutcome = 'rolled_up' | 'unchanged' | 'stale' | 'missing';

/**
 * Rolls up one incident's counts for the roll-up second `second`. Optimistic,
 * without locks: the incident is read plainly and the decision committed
 * only if the incident is still as it was read, so concurrent roll-ups (a
 * duplicate task, a retry) never deadlock: one commits, the others see its work.
 */
export async function rollupIncident(incidentId: string, second: number, deps: Deps & { policy: Policy; log?: (f: Record<string, unknown>) => void }): Promise<RollupOutcome> {
  const policy = incidentPolicy(deps.policy);
  for (let attempt = 1; attempt <= 8; attempt++) {
    const loaded = await deps.store.incident(incidentId);
    if (!loaded) return 'missing';
    if (loaded.incident.rolledUpFor >= second) return 'stale'; // a roll-up for this second (or later) already ran
    // An alert committed after this count asked for a later roll-up, which will include it.
    const now = deps.clock.now();
    // A resolved incident reopens only for alerts written after it resolved, not for those it resolved with.
    const since = withinReopenWindow(loaded.incident, now, policy) ? loaded.incident.statusChangedAt : undefined;
    const counts = await deps.store.countAlerts(incidentId, { firingWrittenAfter: since });
    const command = { action: 'counts_rolled_up' as const, alertCount: counts.total, firingCount: counts.firing, second, firedAfterResolve: counts.firingWrittenAfter };
    const decision = decide(loaded.incident, command, { now, policy, cause: `rollup-${second}` });
    if (isRejected(decision)) {
      deps.log?.({ incidentId, alertCount: counts.total, firingCount: counts.firing, changed: false });
      return 'unchanged';
    }
    if (await deps.store.commitIfUnchanged(decision, loaded.version)) {
      deps.log?.({ incidentId, alertCount: counts.total, firingCount: counts.firing, changed: true });
      return 'rolled_up';
    }
  }
  throw new Error(`roll-up of ${incidentId} kept conflicting; the task will retry`);
}
