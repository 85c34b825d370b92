// The storm breaker (contract §11), across groups: when too many new
// incidents open at once, one incident with `storm: true` opens and the
// further new groups join it as its alerts, so a storm pages people once.
//
// config/policy.yaml:
//   storm: { enabled: true, maxNewIncidents: 10, windowMinutes: 5, quietMinutes: 10 }
//
// Semantics (every number from the policy):
// - Only a `new_group` counts: a group that would open an incident (not a
//   repeat, not an alert joining an open incident, not a reopen).
// - The storm opens on the new group that would be the 11th (maxNewIncidents
//   + 1) new incident inside one window of windowMinutes: the 11 opening times
//   are less than 5 minutes from first to last. That group's incident is the
//   storm incident (`open_storm`). So 25 distinct groups within seconds make
//   exactly 10 normal incidents, 1 storm incident and 14 joins.
// - While the storm is open, every new group joins it (`join_storm`): the
//   group's alerts become alerts of the storm incident, and its group points
//   there, so the group's later alerts go there too.
// - The storm ends when no new group has joined for quietMinutes (`tick`
//   says `close_storm`; a new group arriving after the quiet period closes it
//   first and is then handled as usual). The storm incident stays open for
//   responders to resolve; counting starts afresh.
// - Times may arrive slightly out of order (clocks of different instances,
//   retries): the window test uses the set of opening times, not their order,
//   and a join never moves the last join back in time.
//
// State: one small document, updated in the same transaction that creates the
// group (so each group is counted once): the opening times of the last
// maxNewIncidents new incidents and the open storm.
import { z } from 'zod';
import { type MatchBlock, type MatchSubject, matches } from './match';

export interface StormPolicy {
  enabled: boolean;
  /** More new incidents than this within windowMinutes open a storm. */
  maxNewIncidents: number;
  windowMinutes: number;
  /** The storm ends after this many minutes with no new group joining it. */
  quietMinutes: number;
  /** Only new groups whose first alert fits this count and join (absent: every alert). */
  match?: MatchBlock;
}

export const DEFAULT_STORM: StormPolicy = { enabled: true, maxNewIncidents: 10, windowMinutes: 5, quietMinutes: 10 };

export interface OpenStorm {
  incidentId: string;
  /** Epoch milliseconds. */
  openedAt: number;
  lastJoinAt: number;
  /** New groups in the storm, the opening one included. */
  groups: number;
}

export interface StormState {
  /** Epoch milliseconds of the latest new incidents (at most maxNewIncidents), ascending. */
  recent: number[];
  storm: OpenStorm | null;
}

export const EMPTY_STORM_STATE: StormState = { recent: [], storm: null };

/** The state document as read back (a missing document is EMPTY_STORM_STATE). */
export const stormStateSchema = z.object({
  recent: z.array(z.number()),
  storm: z
    .object({ incidentId: z.string().min(1), openedAt: z.number(), lastJoinAt: z.number(), groups: z.number().int().min(1) })
    .nullable(),
});

export type StormEvent =
  /** A group that would open an incident; `incidentId` is the id it gets if it opens one. */
  | { kind: 'new_group'; groupKey: string; incidentId: string }
  /** The clock: check whether the open storm is over. */
  | { kind: 'tick' };

export type StormDecision =
  | { kind: 'open_incident'; groupKey: string; incidentId: string }
  /** Open the group's incident with storm: true; `newIncidents` counts it and the ones in the window before it. */
  | { kind: 'open_storm'; groupKey: string; incidentId: string; newIncidents: number }
  /** Attach the group (its alert) to the storm incident instead of opening one. */
  | { kind: 'join_storm'; groupKey: string; incidentId: string; groups: number }
  /** The storm is over: announce it once (how many groups it took in). */
  | { kind: 'close_storm'; incidentId: string; openedAt: Date; lastJoinAt: Date; closedAt: Date; groups: number };

export interface StormStep {
  state: StormState;
  /** In order: a close_storm may come before the new group's own decision. */
  decisions: StormDecision[];
}

const minutes = (m: number) => m * 60_000;

function close(storm: OpenStorm, now: number): StormDecision {
  return {
    kind: 'close_storm',
    incidentId: storm.incidentId,
    openedAt: new Date(storm.openedAt),
    lastJoinAt: new Date(storm.lastJoinAt),
    closedAt: new Date(now),
    groups: storm.groups,
  };
}

/** One event. Pure: the caller persists `state` and carries out `decisions` in the same transaction. */
export function stormStep(state: StormState, event: StormEvent, now: Date, policy: StormPolicy = DEFAULT_STORM): StormStep {
  const t = now.getTime();
  const decisions: StormDecision[] = [];
  let storm = state.storm;
  let recent = state.recent;

  if (storm && (!policy.enabled || t - storm.lastJoinAt >= minutes(policy.quietMinutes))) {
    decisions.push(close(storm, t));
    storm = null;
    recent = [];
  }
  if (event.kind === 'tick') return { state: decisions.length > 0 ? { recent, storm } : state, decisions };

  const { groupKey, incidentId } = event;
  if (!policy.enabled) {
    decisions.push({ kind: 'open_incident', groupKey, incidentId });
    return { state: { recent, storm: null }, decisions };
  }
  if (storm) {
    const groups = storm.groups + 1;
    decisions.push({ kind: 'join_storm', groupKey, incidentId: storm.incidentId, groups });
    return { state: { recent, storm: { ...storm, lastJoinAt: Math.max(storm.lastJoinAt, t), groups } }, decisions };
  }

  // `recent` holds at most max times, so `all` is this group and the max before it (in time, not arrival).
  const max = policy.maxNewIncidents;
  const all = [...recent.slice(-max), t].sort((a, b) => a - b);
  const span = (all.at(-1) ?? t) - (all[0] ?? t);
  if (all.length > max && span < minutes(policy.windowMinutes)) {
    decisions.push({ kind: 'open_storm', groupKey, incidentId, newIncidents: all.length });
    return { state: { recent: [], storm: { incidentId, openedAt: t, lastJoinAt: t, groups: 1 } }, decisions };
  }
  decisions.push({ kind: 'open_incident', groupKey, incidentId });
  return { state: { recent: all.slice(-max), storm: null }, decisions };
}

/** Whether a new group opened by this alert is the breaker's business (enabled, and `match` fits). Drills never are. */
export function stormCovers(alert: MatchSubject, policy: StormPolicy): boolean {
  return policy.enabled && (policy.match === undefined || matches(policy.match, alert));
}

/** When the open storm closes if no new group joins it (the time to send a tick), or null. */
export function stormCloseAt(state: StormState, policy: StormPolicy = DEFAULT_STORM): Date | null {
  return state.storm ? new Date(state.storm.lastJoinAt + minutes(policy.quietMinutes)) : null;
}
