// Escalation (contract §10): which policy pages an incident, when each level
// of it starts, whom each level reaches, and what a Cloud Task that fires for
// one level should do. Pure: the clock, the incident's state and "who is on
// call" all come in as arguments.
//
// Timing. Level i of round r starts at
//   openedAt + r·cycle + (after of levels 0 … i-1),   cycle = the sum of every level's after,
// for rounds 0 … repeat. The last level's `after` is how long it waits before
// the next round starts, or, after the last round, before the escalation is
// exhausted (nobody acknowledged; the integrator may record that).
import { type EscalationPolicy, type EscalationTarget, type OncallConfig, type OnCall, type OnCallLookup } from './oncall';
import { type SeverityRules } from './severity';
import { type IncidentStatus, type RoutingHints, type Severity } from './types';

// ---------------------------------------------------------------------------
// Which policy

export type PagingDecision =
  | {
      page: true;
      policyId: string;
      policy: EscalationPolicy;
      /** `route`: a severity rule's route.escalation chose it; `default`: page.policy. */
      chosenBy: 'route' | 'default';
      /** Set when route.escalation named a policy that does not exist (page.policy was used instead). */
      warning: string | null;
    }
  | { page: false; reason: string };

/**
 * Whether an incident pages anyone, and with which policy: only severities in
 * `page.severities` page; the policy is the severity rules' `route.escalation`
 * when it names a known policy, else `page.policy`. Drills page unless
 * `page.drills` is false (their messages say [DRILL]); a drill whose scenario
 * names participants (`drillParticipants`, non-empty) pages them even then:
 * the admin who started it named them, and drillPageTargets (paging.ts)
 * keeps everyone else out of it.
 */
export function pagingDecision(
  config: OncallConfig,
  incident: { severity: Severity; drill?: boolean; routing?: Pick<RoutingHints, 'escalation'> | null },
  drillParticipants: readonly string[] | null = null,
): PagingDecision {
  const page = config.page;
  if (!page) return { page: false, reason: 'paging is off: config/oncall.yaml has no page: section' };
  if (incident.drill && !page.drills && !(drillParticipants && drillParticipants.length > 0)) return { page: false, reason: 'drills page nobody (page.drills: false)' };
  if (!page.severities.includes(incident.severity)) {
    return { page: false, reason: `${incident.severity} incidents are not paged (page.severities: ${page.severities.join(', ') || 'none'})` };
  }
  const routed = incident.routing?.escalation ?? null;
  const routedPolicy = routed ? config.escalationPolicies[routed] : undefined;
  if (routed && routedPolicy) return { page: true, policyId: routed, policy: routedPolicy, chosenBy: 'route', warning: null };
  const policy = config.escalationPolicies[page.policy];
  if (!policy) return { page: false, reason: `page.policy names an unknown escalation policy "${page.policy}"` };
  return {
    page: true,
    policyId: page.policy,
    policy,
    chosenBy: 'default',
    warning: routed ? `route.escalation names an unknown escalation policy "${routed}"; used page.policy "${page.policy}"` : null,
  };
}

/**
 * Severity rules whose `route.escalation` names no policy of config/oncall.yaml,
 * as paths into config/severity.yaml (build-time check across the two files).
 */
export function escalationRouteIssues(rules: SeverityRules, config: Pick<OncallConfig, 'escalationPolicies'>): { path: (string | number)[]; message: string }[] {
  const known = Object.keys(config.escalationPolicies);
  return rules.rules.flatMap((rule, i) => {
    const id = rule.route?.escalation;
    if (id === undefined || known.includes(id)) return [];
    return [{ path: ['rules', i, 'route', 'escalation'], message: `unknown escalation policy "${id}"${known.length ? ` (config/oncall.yaml has: ${known.join(', ')})` : ' (config/oncall.yaml has no escalationPolicies)'}` }];
  });
}

// ---------------------------------------------------------------------------
// The plan

/** What an escalation is planned from. */
export interface EscalationInput {
  incidentId: string;
  policyId: string;
  policy: EscalationPolicy;
  /** When the escalation starts: the incident's createdAt, or the moment it was reopened. */
  openedAt: Date;
  /** Which escalation of this incident: its reopenCount (0 for the first). Keeps task ids of a reopened incident apart. */
  cycle: number;
}

export interface ResolvedTarget {
  /** As config writes it: `schedule:primary`, `user:uid-c`. */
  target: string;
  kind: EscalationTarget['kind'];
  id: string;
  /** Whom it reaches at the level's start; null: nobody is on call on that schedule then. */
  uid: string | null;
  /** For a schedule: how they came to be on call. */
  onCall: OnCall | null;
}

export interface EscalationStep {
  level: number;
  round: number;
  /** When this level pages. */
  at: Date;
  /** The Cloud Task that runs it: `esc-<incidentId>-<level>-<round>` (`-c<cycle>` appended after a reopen). */
  taskId: string;
  targets: ResolvedTarget[];
  /** The distinct people this level pages, in target order. */
  uids: string[];
}

export interface EscalationPlan {
  incidentId: string;
  policyId: string;
  cycle: number;
  openedAt: Date;
  steps: EscalationStep[];
  /** When the last step's wait ends with nobody having acknowledged. */
  exhaustedAt: Date;
}

/** Where a task stands in a plan. */
export interface EscalationPosition {
  level: number;
  round: number;
}

/** A task to enqueue: run `position` at `at`, with Cloud Tasks id `taskId`. */
export interface EscalationTask extends EscalationPosition {
  at: Date;
  taskId: string;
}

/** Cloud Tasks ids: letters, digits, - and _ only. */
function taskSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** `esc-<incidentId>-<level>-<round>`, plus `-c<cycle>` for an escalation after a reopen. Deterministic: a retried enqueue is a duplicate. */
export function escalationTaskId(incidentId: string, position: EscalationPosition, cycle = 0): string {
  return `esc-${taskSafe(incidentId)}-${position.level}-${position.round}${cycle > 0 ? `-c${cycle}` : ''}`.slice(0, 480);
}

/** Seconds from openedAt to the start of `position`. */
function offsetSeconds(policy: EscalationPolicy, position: EscalationPosition): number {
  const cycle = policy.levels.reduce((sum, l) => sum + l.afterSeconds, 0);
  let s = position.round * cycle;
  for (let i = 0; i < position.level; i++) s += policy.levels[i]?.afterSeconds ?? 0;
  return s;
}

function inPlan(policy: EscalationPolicy, p: EscalationPosition): boolean {
  return Number.isInteger(p.level) && Number.isInteger(p.round) && p.level >= 0 && p.level < policy.levels.length && p.round >= 0 && p.round <= policy.repeat;
}

/** The position after `p`, or null after the last level of the last round. */
export function nextPosition(policy: EscalationPolicy, p: EscalationPosition): EscalationPosition | null {
  if (p.level + 1 < policy.levels.length) return { level: p.level + 1, round: p.round };
  if (p.round + 1 <= policy.repeat) return { level: 0, round: p.round + 1 };
  return null;
}

function taskAt(input: EscalationInput, p: EscalationPosition): EscalationTask {
  return { ...p, at: new Date(input.openedAt.getTime() + offsetSeconds(input.policy, p) * 1000), taskId: escalationTaskId(input.incidentId, p, input.cycle) };
}

/** When the escalation runs out: the end of the last level's wait in the last round. */
export function exhaustedAt(input: EscalationInput): Date {
  return new Date(input.openedAt.getTime() + offsetSeconds(input.policy, { level: 0, round: input.policy.repeat + 1 }) * 1000);
}

function targetText(t: EscalationTarget): string {
  return `${t.kind}:${t.id}`;
}

/** Resolves one step: its targets at its own start time. */
function stepAt(input: EscalationInput, p: EscalationPosition, lookup: OnCallLookup): EscalationStep {
  const task = taskAt(input, p);
  const level = input.policy.levels[p.level];
  const targets: ResolvedTarget[] = (level?.targets ?? []).map((t) => {
    if (t.kind === 'user') return { target: targetText(t), kind: t.kind, id: t.id, uid: t.id, onCall: null };
    const onCall = lookup(t.id, task.at);
    return { target: targetText(t), kind: t.kind, id: t.id, uid: onCall?.uid ?? null, onCall };
  });
  const uids = [...new Set(targets.map((t) => t.uid).filter((u): u is string => u !== null))];
  return { level: p.level, round: p.round, at: task.at, taskId: task.taskId, targets, uids };
}

/**
 * The whole plan: every level of every round, its start time, and whom it
 * reaches then (schedules resolved with `lookup` at each level's own start).
 * For display and for the first task; each task resolves its own step again
 * when it runs (escalationStep), so overrides written meanwhile count.
 */
export function escalationPlan(input: EscalationInput, lookup: OnCallLookup): EscalationPlan {
  const steps: EscalationStep[] = [];
  for (let p: EscalationPosition | null = { level: 0, round: 0 }; p; p = nextPosition(input.policy, p)) steps.push(stepAt(input, p, lookup));
  return { incidentId: input.incidentId, policyId: input.policyId, cycle: input.cycle, openedAt: input.openedAt, steps, exhaustedAt: exhaustedAt(input) };
}

/** The first task: level 0 of round 0, due at openedAt. */
export function firstEscalationTask(input: EscalationInput): EscalationTask {
  return taskAt(input, { level: 0, round: 0 });
}

// ---------------------------------------------------------------------------
// One task

/** What the task handler reads of the incident (now). */
export interface EscalationIncidentState {
  status: IncidentStatus;
  /** The incident's reopenCount now; a task of an older cycle is stale. */
  reopenCount: number;
}

export type EscalationDecision =
  | {
      kind: 'page';
      step: EscalationStep;
      /** The task to enqueue next, or null when this was the last level of the last round. */
      next: EscalationTask | null;
      /** Set when next is null: when this last level's wait runs out. */
      exhaustedAt: Date | null;
      /** Targets with nobody on call (`schedule:primary`), for the timeline. */
      unresolved: string[];
    }
  | { kind: 'stop'; reason: 'acknowledged' | 'resolved' | 'stale'; message: string }
  | { kind: 'done'; message: string };

/**
 * What the Cloud Task of `position` should do now: page the step's people
 * (and enqueue `next`), stop because someone acknowledged (any status past
 * triggered counts: acknowledged, mitigated) or it resolved, stop because the
 * task belongs to an escalation from before a reopen, or nothing because the
 * position is not in the policy (it changed since the task was enqueued).
 */
export function escalationStep(input: EscalationInput, position: EscalationPosition, incident: EscalationIncidentState, lookup: OnCallLookup): EscalationDecision {
  if (incident.reopenCount !== input.cycle) {
    return { kind: 'stop', reason: 'stale', message: `this task belongs to escalation cycle ${input.cycle}; the incident is in cycle ${incident.reopenCount}` };
  }
  if (incident.status === 'acknowledged' || incident.status === 'mitigated') {
    return { kind: 'stop', reason: 'acknowledged', message: `the incident is ${incident.status}: escalation stops` };
  }
  if (incident.status === 'resolved' || incident.status === 'closed') {
    return { kind: 'stop', reason: 'resolved', message: `the incident is ${incident.status}: escalation stops` };
  }
  if (!inPlan(input.policy, position)) {
    return { kind: 'done', message: `level ${position.level + 1} of round ${position.round + 1} is not in policy "${input.policyId}" (${input.policy.levels.length} levels, ${input.policy.repeat + 1} rounds)` };
  }
  const step = stepAt(input, position, lookup);
  const after = nextPosition(input.policy, position);
  return {
    kind: 'page',
    step,
    next: after ? taskAt(input, after) : null,
    exhaustedAt: after ? null : exhaustedAt(input),
    unresolved: step.targets.filter((t) => t.uid === null).map((t) => t.target),
  };
}

/** Reads the position back from a task payload ({ level, round }), or null. */
export function positionOf(data: unknown): EscalationPosition | null {
  const d = data as { level?: unknown; round?: unknown } | null;
  const level = d?.level;
  const round = d?.round;
  return typeof level === 'number' && typeof round === 'number' && Number.isInteger(level) && Number.isInteger(round) && level >= 0 && round >= 0 ? { level, round } : null;
}
