// The incident lifecycle (contract §5): which status may follow which, what
// a move stamps, and the reopen window. The one place these rules live.
import type { Policy } from './policy';
import { type Actor, type Incident, type IncidentStatus, isOpen, type Severity } from './types';

export { isOpen } from './types';

/** The lifecycle table: from → the states it may move to. */
export const TRANSITIONS: Record<IncidentStatus, readonly IncidentStatus[]> = {
  triggered: ['acknowledged', 'mitigated', 'resolved'],
  acknowledged: ['mitigated', 'resolved'],
  mitigated: ['acknowledged', 'resolved'],
  resolved: ['triggered', 'closed'],
  closed: [],
};

export type StatusAction = 'acknowledge' | 'mitigate' | 'resolve' | 'reopen' | 'close';

/** The status each status action asks for (the console and Slack show it on their buttons). */
export const ACTION_TARGET: Record<StatusAction, IncidentStatus> = {
  acknowledge: 'acknowledged',
  mitigate: 'mitigated',
  resolve: 'resolved',
  reopen: 'triggered',
  close: 'closed',
};

const STAMP: Partial<Record<IncidentStatus, 'acknowledgedAt' | 'mitigatedAt' | 'resolvedAt' | 'closedAt'>> = {
  acknowledged: 'acknowledgedAt',
  mitigated: 'mitigatedAt',
  resolved: 'resolvedAt',
  closed: 'closedAt',
};

/** What of the incident policy the state machine needs. */
export interface IncidentPolicy {
  /** Severities whose incidents must have a published postmortem before they close. */
  postmortemRequiredFor: Severity[];
  /** An alert that fires again this long after its incident resolved reopens it; later, it opens a new one. */
  reopenWindowMinutes: number;
  /** Resolve an incident by itself when every one of its alerts has resolved. */
  autoResolve: boolean;
  /** After this many reopens, an incident no longer resolves by itself (a flapping alert). */
  flapReopens: number;
  /** Public status page updates: which severities need a second responder's approval, and the update cadence (absent: none, none). */
  statusPage?: StatusPagePolicy;
}

export interface StatusPagePolicy {
  approvalFor: Severity[];
  cadenceMinutes: Partial<Record<Severity, number>>;
}

export const DEFAULT_STATUS_PAGE_POLICY: StatusPagePolicy = { approvalFor: [], cadenceMinutes: { SEV1: 30, SEV2: 30 } };

export const DEFAULT_INCIDENT_POLICY: IncidentPolicy = { postmortemRequiredFor: ['SEV1', 'SEV2'], reopenWindowMinutes: 30, autoResolve: true, flapReopens: 3, statusPage: DEFAULT_STATUS_PAGE_POLICY };

export function incidentPolicy(policy: Pick<Policy, 'postmortem' | 'reopenWindowMinutes' | 'autoResolve' | 'flapReopens'> & Partial<Pick<Policy, 'statusPage'>>): IncidentPolicy {
  return {
    postmortemRequiredFor: policy.postmortem.requiredFor,
    reopenWindowMinutes: policy.reopenWindowMinutes,
    autoResolve: policy.autoResolve,
    flapReopens: policy.flapReopens,
    ...(policy.statusPage ? { statusPage: policy.statusPage } : {}),
  };
}

export const postmortemRequired = (severity: Severity, policy: Pick<IncidentPolicy, 'postmortemRequiredFor'>) => policy.postmortemRequiredFor.includes(severity);

/** A resolved incident still inside its reopen window: an alert of its group reopens it rather than opening a new one. */
export function withinReopenWindow(incident: Pick<Incident, 'status' | 'statusChangedAt'>, now: Date, policy: Pick<IncidentPolicy, 'reopenWindowMinutes'>): boolean {
  return incident.status === 'resolved' && now.getTime() - incident.statusChangedAt.getTime() <= policy.reopenWindowMinutes * 60_000;
}

/** Whether a firing alert of this incident's group joins it (open, or resolved within the window), or opens a new incident. */
export const takesAlerts = (incident: Pick<Incident, 'status' | 'statusChangedAt'>, now: Date, policy: Pick<IncidentPolicy, 'reopenWindowMinutes'>) =>
  isOpen(incident.status) || withinReopenWindow(incident, now, policy);

function article(word: string) {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/** Why a status move is not allowed, in words a responder understands. */
export function transitionRejection(from: IncidentStatus, action: StatusAction): string {
  const to = ACTION_TARGET[action];
  if (from === to) return `the incident is already ${from}`;
  if (from === 'closed') return `cannot ${action} a closed incident: closed incidents are final`;
  if (action === 'close') return `cannot close ${article(from)} incident: resolve it first`;
  if (action === 'reopen') return `cannot reopen ${article(from)} incident: it is still open`;
  if (from === 'resolved') return `cannot ${action} a resolved incident: reopen it first`;
  return `cannot ${action} ${article(from)} incident`;
}

/** Moves the incident to `to`, stamping the first entry into that state. */
export function moveTo(incident: Incident, to: IncidentStatus, actor: Actor, now: Date): Incident {
  const next: Incident = { ...incident, status: to, updatedAt: now, statusChangedAt: now };
  const stamp = STAMP[to];
  if (stamp && next[stamp] === null) next[stamp] = now;
  if (to === 'resolved') next.resolvedBy = actor;
  if (to === 'triggered') next.reopenCount = incident.reopenCount + 1;
  return next;
}

