// The incident state machine (contract §5) as one pure function:
//   decide(incident, command, now, policy) → { incident, timeline, effects } | { rejected }
// Time comes in as an argument; ids are the shell's business.
import { type Actor, type Effect, type Incident, type IncidentStatus, type Severity, SEVERITIES, SYSTEM, type TimelineEntry } from './types';

export const USER_ACTIONS = [
  'acknowledge',
  'mitigate',
  'resolve',
  'reopen',
  'close',
  'set_severity',
  'assign_commander',
  'note',
  'check_step',
] as const;
export type UserAction = (typeof USER_ACTIONS)[number];

export type PostmortemStatus = 'draft' | 'in_review' | 'published';

export interface ChecklistStep {
  id: string;
  text: string;
  order: number;
  done: boolean;
}

/** Commands from people (through status updates) and from the pipeline itself. */
export type IncidentCommand =
  | { action: 'acknowledge' | 'mitigate' | 'resolve' | 'reopen'; actor: Actor; message?: string | null }
  | { action: 'close'; actor: Actor; message?: string | null; postmortemStatus: PostmortemStatus | null }
  | { action: 'set_severity'; actor: Actor; severity: Severity; message?: string | null }
  | { action: 'assign_commander'; actor: Actor; commander: string; message?: string | null }
  | { action: 'note'; actor: Actor; message: string }
  | {
      action: 'check_step';
      actor: Actor;
      stepId: string;
      done: boolean;
      /** The incident's checklist as it is now. */
      checklist: ChecklistStep[];
    }
  /** Every alert of the incident has resolved (auto-resolve). */
  | { action: 'alerts_resolved'; alertCount: number }
  /** An alert fired again for this incident's group. */
  | { action: 'alert_fired'; title: string }
  /** The rules give a joining alert a higher severity. */
  | { action: 'escalate'; severity: Severity; title: string };

export interface LifecyclePolicy {
  /** Severities whose incidents must have a published postmortem before they close. */
  postmortemRequiredFor: Severity[];
}

export const DEFAULT_LIFECYCLE_POLICY: LifecyclePolicy = { postmortemRequiredFor: ['SEV1', 'SEV2'] };

export interface Decision {
  incident: Incident;
  timeline: TimelineEntry[];
  effects: Effect[];
  /** For check_step: the step as it should now be stored. */
  step?: { id: string; done: boolean; doneBy: Actor | null; doneAt: Date | null };
}

export type DecideResult = Decision | { rejected: string };

export const isRejected = (r: DecideResult): r is { rejected: string } => 'rejected' in r;

/** The lifecycle table: from → the states it may move to. */
export const TRANSITIONS: Record<IncidentStatus, readonly IncidentStatus[]> = {
  triggered: ['acknowledged', 'mitigated', 'resolved'],
  acknowledged: ['mitigated', 'resolved'],
  mitigated: ['acknowledged', 'resolved'],
  resolved: ['triggered', 'closed'],
  closed: [],
};

const TARGET: Record<'acknowledge' | 'mitigate' | 'resolve' | 'reopen' | 'close', IncidentStatus> = {
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

export const isOpen = (s: IncidentStatus) => s === 'triggered' || s === 'acknowledged' || s === 'mitigated';

export const postmortemRequired = (severity: Severity, policy: LifecyclePolicy) => policy.postmortemRequiredFor.includes(severity);

function article(word: string) {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/** Why a status move is not allowed, in words a responder understands. */
function transitionRejection(from: IncidentStatus, action: keyof typeof TARGET): string {
  const to = TARGET[action];
  if (from === to) return `the incident is already ${from}`;
  if (from === 'closed') return `cannot ${action} a closed incident: closed incidents are final`;
  if (action === 'close') return `cannot close ${article(from)} incident: resolve it first`;
  if (action === 'reopen') return `cannot reopen ${article(from)} incident: it is still open`;
  if (from === 'resolved') return `cannot ${action} a resolved incident: reopen it first`;
  return `cannot ${action} ${article(from)} incident`;
}

function entry(at: Date, type: string, actor: Actor, message: string, data: Record<string, unknown> = {}): TimelineEntry {
  return { at, type, actor, message, data };
}

/** Moves the incident to `to`, stamping the first entry into that state. */
function moveTo(incident: Incident, to: IncidentStatus, actor: Actor, now: Date): Incident {
  const next: Incident = { ...incident, status: to, updatedAt: now, statusChangedAt: now };
  const stamp = STAMP[to];
  if (stamp && next[stamp] === null) next[stamp] = now;
  if (to === 'resolved') next.resolvedBy = actor;
  if (to === 'triggered') next.reopenCount = incident.reopenCount + 1;
  return next;
}

function statusDecision(incident: Incident, to: IncidentStatus, actor: Actor, now: Date, why: string | null, type = 'status_changed'): Decision {
  const from = incident.status;
  const by = actor === SYSTEM ? '' : ` by ${actor}`;
  const message = `${from} → ${to}${by}${why ? `: ${why}` : ''}`;
  return {
    incident: moveTo(incident, to, actor, now),
    timeline: [entry(now, type, actor, message, { from, to, ...(why ? { reason: why } : {}) })],
    effects: [{ kind: 'status_changed', from, to, actor, reason: why }],
  };
}

const rankOf = (s: Severity) => SEVERITIES.indexOf(s);

export function decide(incident: Incident, command: IncidentCommand, now: Date, policy: LifecyclePolicy = DEFAULT_LIFECYCLE_POLICY): DecideResult {
  const from = incident.status;
  switch (command.action) {
    case 'acknowledge':
    case 'mitigate':
    case 'resolve':
    case 'reopen':
    case 'close': {
      const to = TARGET[command.action];
      if (!TRANSITIONS[from].includes(to)) return { rejected: transitionRejection(from, command.action) };
      if (command.action === 'close' && postmortemRequired(incident.severity, policy) && command.postmortemStatus !== 'published') {
        const state = command.postmortemStatus ? `it is ${command.postmortemStatus.replace('_', ' ')}` : 'it has not been written yet';
        return { rejected: `cannot close a ${incident.severity} incident before its postmortem is published: ${state}` };
      }
      return statusDecision(incident, to, command.actor, now, command.message ?? null);
    }

    case 'set_severity': {
      if (from === 'closed') return { rejected: 'cannot change the severity of a closed incident' };
      if (incident.severity === command.severity && incident.severitySource === 'manual') {
        return { rejected: `the incident is already ${command.severity}` };
      }
      const next: Incident = {
        ...incident,
        severity: command.severity,
        severitySource: 'manual',
        postmortemRequired: postmortemRequired(command.severity, policy),
        updatedAt: now,
      };
      const why = command.message ? `: ${command.message}` : '';
      return {
        incident: next,
        timeline: [
          entry(now, 'severity_changed', command.actor, `severity ${incident.severity} → ${command.severity} by ${command.actor}${why}`, {
            from: incident.severity,
            to: command.severity,
            manual: true,
          }),
        ],
        effects: incident.severity === command.severity ? [] : [{ kind: 'severity_changed', from: incident.severity, to: command.severity, actor: command.actor }],
      };
    }

    case 'assign_commander': {
      if (from === 'closed') return { rejected: 'cannot assign a commander to a closed incident' };
      if (incident.commander === command.commander) return { rejected: `${command.commander} is already the commander` };
      return {
        incident: { ...incident, commander: command.commander, updatedAt: now },
        timeline: [
          entry(now, 'commander_assigned', command.actor, `${command.commander} is now the incident commander (assigned by ${command.actor})`, {
            commander: command.commander,
            previous: incident.commander,
          }),
        ],
        effects: [{ kind: 'commander_assigned', commander: command.commander, actor: command.actor }],
      };
    }

    case 'note': {
      const text = command.message.trim();
      if (!text) return { rejected: 'a note needs a message' };
      return {
        incident: { ...incident, updatedAt: now },
        timeline: [entry(now, 'note', command.actor, text)],
        effects: [{ kind: 'note_added', message: text, actor: command.actor }],
      };
    }

    case 'check_step': {
      if (from === 'closed') return { rejected: 'cannot change the checklist of a closed incident' };
      const step = command.checklist.find((s) => s.id === command.stepId);
      if (!step) {
        return { rejected: incident.runbook ? `no step "${command.stepId}" in this incident's checklist` : 'this incident has no runbook checklist' };
      }
      if (step.done === command.done) return { rejected: `step "${step.text}" is already ${step.done ? 'done' : 'not done'}` };
      const doneCount = command.checklist.filter((s) => (s.id === step.id ? command.done : s.done)).length;
      const progress = { done: doneCount, total: command.checklist.length };
      const verb = command.done ? 'done' : 'not done';
      return {
        incident: { ...incident, updatedAt: now },
        timeline: [
          entry(now, 'step_checked', command.actor, `step ${step.order + 1} ${verb}: ${step.text} (${progress.done}/${progress.total})`, {
            stepId: step.id,
            done: command.done,
            progress,
          }),
        ],
        effects: [{ kind: 'step_checked', stepId: step.id, text: step.text, done: command.done, actor: command.actor, progress }],
        step: { id: step.id, done: command.done, doneBy: command.done ? command.actor : null, doneAt: command.done ? now : null },
      };
    }

    case 'alerts_resolved': {
      if (!isOpen(from)) return { rejected: `the incident is already ${from}` };
      const n = command.alertCount;
      return statusDecision(incident, 'resolved', SYSTEM, now, `all ${n} alert${n === 1 ? '' : 's'} resolved`, 'auto_resolved');
    }

    case 'alert_fired': {
      if (from === 'resolved') return statusDecision(incident, 'triggered', SYSTEM, now, `reopened: "${command.title}" fired again`, 'reopened');
      if (from === 'mitigated') return statusDecision(incident, 'acknowledged', SYSTEM, now, `"${command.title}" fired again while mitigated`, 'alert_refired');
      return { rejected: `nothing to do: the incident is ${from}` };
    }

    case 'escalate': {
      if (from === 'closed' || incident.severitySource === 'manual' || rankOf(command.severity) >= rankOf(incident.severity)) {
        return { rejected: 'no escalation' };
      }
      return {
        incident: { ...incident, severity: command.severity, postmortemRequired: postmortemRequired(command.severity, policy), updatedAt: now },
        timeline: [
          entry(now, 'severity_changed', SYSTEM, `severity ${incident.severity} → ${command.severity}: "${command.title}" is ${command.severity}`, {
            from: incident.severity,
            to: command.severity,
            manual: false,
          }),
        ],
        effects: [{ kind: 'severity_changed', from: incident.severity, to: command.severity, actor: SYSTEM }],
      };
    }
  }
}
