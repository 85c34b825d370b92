// The incident state machine (contract §5) as one pure function:
//   decide(incident, command, { now, policy, cause }) → Decision | { rejected }
// Every change to an incident is a command here: its birth (`open`), what
// people ask for through status updates, what alerts do (`alert_fired`,
// `escalate`, `counts_rolled_up`), a deploy landing, a Slack channel created.
// Time, ids and the cause come in as arguments; ids of what a decision
// writes are stamped from the cause (domain/decision.ts).
import { type DecideResult, type Decision, noChange, stamp, type StampedEffect } from './decision';
import { deployTimelineMessage, mergeDeploys } from './deploys';
import { ACTION_TARGET, type IncidentPolicy, isOpen, moveTo, postmortemRequired, type StatusAction, TRANSITIONS, transitionRejection, withinReopenWindow } from './lifecycle';
import { alertsChangedEffect } from './outbox';
import { type PagingCommand, pagingEntries } from './paging';
import { approveStatus, closingMessage, type PublishRequest, publishStatus } from './publicUpdates';
import type { RunbookChecklistItem } from './runbooks';
import type { StatusConfig } from './statusPage';
import { type Actor, type DeployRef, type Effect, type Incident, type Link, type NormalizedAlert, type RoutingHints, type Severity, severityRank, SYSTEM, type TimelineEntry } from './types';

export { type DecideResult, type Decision, isRejected } from './decision';
export { isOpen, TRANSITIONS } from './lifecycle';

export const USER_ACTIONS = ['acknowledge', 'mitigate', 'resolve', 'reopen', 'close', 'set_severity', 'assign_commander', 'note', 'check_step', 'publish_status', 'approve_status'] as const;
export type UserAction = (typeof USER_ACTIONS)[number];

export type PostmortemStatus = 'draft' | 'in_review' | 'published';

export interface ChecklistStep {
  id: string;
  text: string;
  order: number;
  done: boolean;
}

/** A new incident, from the first alert of its group and what enrichment found for it. */
export interface OpenCommand {
  action: 'open';
  id: string;
  groupKey: string;
  alert: NormalizedAlert;
  severity: Severity;
  route: RoutingHints;
  drillId: string | null;
  runbook: { id: string; title: string } | null;
  checklist: RunbookChecklistItem[];
  deploys: DeployRef[];
  links: Link[];
  /** Set when this group opens the storm breaker's incident (domain/storm.ts `open_storm`). */
  storm?: { newIncidents: number; windowMinutes: number; quietMinutes: number } | null;
}

/** Commands from people (through status updates) and from the pipeline itself. */
/** Where a status change came from, named on its timeline entry (`data.via`): console, slack, email, sms, voice, push, postmortem. */
export type Via = string;

export type IncidentCommand =
  | OpenCommand
  | { action: 'acknowledge' | 'mitigate' | 'reopen'; actor: Actor; message?: string | null; via?: Via | null }
  /** A resolve may carry the closing public message of a published incident (`status` is then config/status.yaml). */
  | { action: 'resolve'; actor: Actor; message?: string | null; via?: Via | null; publicMessage?: string | null; status?: Pick<StatusConfig, 'components'> }
  | { action: 'close'; actor: Actor; message?: string | null; postmortemStatus: PostmortemStatus | null }
  | { action: 'set_severity'; actor: Actor; severity: Severity; message?: string | null }
  | { action: 'assign_commander'; actor: Actor; commander: string; message?: string | null }
  | { action: 'note'; actor: Actor; message: string }
  | { action: 'check_step'; actor: Actor; stepId: string; done: boolean; checklist: ChecklistStep[] }
  /** A public status page update (domain/publicUpdates.ts), checked against config/status.yaml (`status`). */
  | { action: 'publish_status'; actor: Actor; request: PublishRequest; status: Pick<StatusConfig, 'components'> }
  /** A second responder publishes the draft public update (the one they saw, when `draftId` is given). */
  | { action: 'approve_status'; actor: Actor; draftId: string | null; status: Pick<StatusConfig, 'components'> }
  /** An alert fired again for this incident's group: a resolved incident within the window reopens, a mitigated one came back. */
  | { action: 'alert_fired'; title: string }
  /** One of the incident's alerts was added, fired again or resolved (its `known`-th distinct alert). */
  | { action: 'alert_changed'; change: 'added' | 'refired' | 'resolved'; title: string; fingerprint: string; known: number }
  /** The rules give a joining alert a higher severity. */
  | { action: 'escalate'; severity: Severity; title: string }
  /**
   * The incident's alert documents were counted (the roll-up of second `second`): counts, auto-resolve, late reopen.
   * `firedAfterResolve`: firing alerts written after the incident resolved (an ingest that read it open committed late); 0 when not asked.
   */
  | { action: 'counts_rolled_up'; alertCount: number; firingCount: number; second: number; firedAfterResolve: number }
  /** A deploy of the incident's service landed while it was open. */
  | { action: 'deploy_linked'; deploy: DeployRef }
  /** The incident's Slack channel exists. */
  | { action: 'channel_created'; channelId: string; name: string }
  /** Paging: a level paged, a person's channels answered, the escalation ran out (domain/paging.ts). */
  | PagingCommand
  /** A new group joined this storm incident instead of opening its own (the storm's `groups`-th group). */
  | { action: 'storm_joined'; groupKey: string; title: string; fingerprint: string; groups: number }
  /** The storm breaker closed: no new group joined for the quiet period. */
  | { action: 'storm_closed'; groups: number; openedAt: Date; lastJoinAt: Date; quietMinutes: number }
  /** A new alert was attached to this incident: a firing alert of it explains the new one (an inhibition rule). */
  | { action: 'alert_inhibited'; title: string; fingerprint: string; inhibitor: string; rule: string; known: number };

export interface DecideContext {
  now: Date;
  policy: IncidentPolicy;
  /** What caused the change (`update-<id>`, `msg-<messageId>`, `rollup-<second>`…): the base of every id the decision writes. */
  cause: string;
}

function entry(at: Date, type: string, actor: Actor, message: string, data: Record<string, unknown> = {}): TimelineEntry {
  return { at, type, actor, message, data };
}

interface Draft {
  incident: Incident;
  timeline: TimelineEntry[];
  effects: (Effect | StampedEffect)[];
  checklist?: RunbookChecklistItem[];
  /** Only timeline entries: the incident document itself stays as it is. */
  unchanged?: boolean;
}

function done(d: Draft, ctx: DecideContext): Decision {
  return stamp({ ...noChange(d.incident), changed: !d.unchanged, timeline: d.timeline, effects: d.effects, checklist: d.checklist ?? [] }, ctx.cause);
}

/** Alerts beyond this count in one incident no longer get a timeline entry each. */
export const ALERT_TIMELINE_LIMIT = 20;

/** Channels a page arrives on: an acknowledgement from one of them says so in its message too. */
const PAGE_CHANNELS = new Set(['email', 'sms', 'voice', 'push']);

function statusChange(incident: Incident, to: Incident['status'], actor: Actor, now: Date, why: string | null, type = 'status_changed', via: Via | null = null): Draft {
  const from = incident.status;
  const by = actor === SYSTEM ? '' : ` by ${actor}`;
  const channel = via && PAGE_CHANNELS.has(via) ? ` (${via})` : '';
  const message = `${from} → ${to}${by}${channel}${why ? `: ${why}` : ''}`;
  return {
    incident: moveTo(incident, to, actor, now),
    timeline: [entry(now, type, actor, message, { from, to, ...(why ? { reason: why } : {}), ...(via ? { via } : {}) })],
    effects: [{ kind: 'status_changed', from, to, actor, reason: why }],
  };
}

function open(c: OpenCommand, ctx: DecideContext): Draft {
  const { now } = ctx;
  const a = c.alert;
  const incident: Incident = {
    id: c.id,
    title: c.storm ? `Alert storm: ${c.storm.newIncidents} new incidents within ${c.storm.windowMinutes} min` : a.title,
    status: 'triggered',
    severity: c.severity,
    severitySource: 'rules',
    source: a.source,
    service: a.service,
    environment: a.environment,
    groupKey: c.groupKey,
    alertCount: 0,
    firingCount: 0,
    createdAt: now,
    updatedAt: now,
    statusChangedAt: now,
    acknowledgedAt: null,
    mitigatedAt: null,
    resolvedAt: null,
    closedAt: null,
    commander: null,
    resolvedBy: null,
    drill: c.drillId !== null,
    drillId: c.drillId,
    runbook: c.runbook?.id ?? null,
    slack: null,
    deploys: mergeDeploys([], c.deploys),
    links: c.links,
    routing: c.route,
    postmortemRequired: postmortemRequired(c.severity, ctx.policy),
    reopenCount: 0,
    storm: Boolean(c.storm),
    rolledUpFor: 0,
    flapping: false,
  };
  const timeline = [
    entry(now, 'incident_opened', SYSTEM, `${c.severity} incident opened by ${a.source} alert "${a.title}"`, {
      source: a.source,
      fingerprint: a.fingerprint,
      severity: c.severity,
      nativeSeverity: a.severity,
    }),
  ];
  if (c.storm) timeline.push(stormOpenedEntry(now, a, c.storm));
  if (c.runbook) timeline.push(entry(now, 'runbook_attached', SYSTEM, `runbook "${c.runbook.title}" attached (${c.checklist.length} steps)`, { runbook: c.runbook.id }));
  for (const d of [...incident.deploys].reverse()) {
    timeline.push(entry(now, 'deploy_linked', SYSTEM, deployTimelineMessage(d, now), { deployId: d.id, version: d.version, service: d.service }));
  }
  return { incident, timeline, effects: [{ kind: 'incident_opened' }], checklist: c.checklist };
}

function statusCommand(incident: Incident, c: Extract<IncidentCommand, { action: StatusAction }>, ctx: DecideContext): Draft | string {
  const from = incident.status;
  const to = ACTION_TARGET[c.action];
  if (!TRANSITIONS[from].includes(to)) return transitionRejection(from, c.action);
  if (c.action === 'close' && postmortemRequired(incident.severity, ctx.policy) && c.postmortemStatus !== 'published') {
    const state = c.postmortemStatus ? `it is ${c.postmortemStatus.replace('_', ' ')}` : 'it has not been written yet';
    return `cannot close a ${incident.severity} incident before its postmortem is published: ${state}`;
  }
  const change = statusChange(incident, to, c.actor, ctx.now, c.message ?? null, 'status_changed', 'via' in c ? (c.via ?? null) : null);
  if (c.action !== 'resolve' || !c.publicMessage?.trim()) return change;
  // The closing public message goes out with the resolve, or neither does.
  const closing = closingMessage(change.incident, c.actor, c.publicMessage, publishContext(ctx, c.status));
  if (typeof closing === 'string') return `cannot resolve with a closing public message: ${closing}`;
  return { incident: closing.incident, timeline: [...change.timeline, ...closing.timeline], effects: [...change.effects, ...closing.effects] };
}

const publishContext = (ctx: DecideContext, status: Pick<StatusConfig, 'components'> | undefined) => ({ now: ctx.now, policy: ctx.policy.statusPage, config: status ?? { components: [] }, cause: ctx.cause });

function rolledUp(incident: Incident, c: Extract<IncidentCommand, { action: 'counts_rolled_up' }>, ctx: DecideContext): Draft | string {
  if (incident.rolledUpFor >= c.second) return `the counts of second ${c.second} are already rolled up`;
  const countsChanged = c.alertCount !== incident.alertCount || c.firingCount !== incident.firingCount;
  let draft: Draft = {
    incident: { ...incident, alertCount: c.alertCount, firingCount: c.firingCount, rolledUpFor: c.second, ...(countsChanged ? { updatedAt: ctx.now } : {}) },
    timeline: [],
    effects: countsChanged ? [alertsChangedEffect(incident, ctx.now)] : [],
  };
  const n = c.alertCount;
  const allResolved = ctx.policy.autoResolve && isOpen(incident.status) && n > 0 && c.firingCount === 0;
  if (allResolved && incident.reopenCount >= ctx.policy.flapReopens) {
    // A flap: it would resolve and reopen again and again. It stays open, and says so once.
    if (!incident.flapping) {
      const message = `reopened ${incident.reopenCount} times: it no longer resolves by itself while its alerts flap; resolve it by hand when it is fixed`;
      draft = {
        incident: { ...draft.incident, flapping: true, updatedAt: ctx.now },
        timeline: [entry(ctx.now, 'flapping', SYSTEM, message, { reopens: incident.reopenCount })],
        effects: [...draft.effects, { kind: 'note_added', message: `:repeat: ${message}`, actor: SYSTEM }],
      };
    } else if (!countsChanged) return 'nothing changed';
  } else if (allResolved) {
    const change = statusChange(draft.incident, 'resolved', SYSTEM, ctx.now, `all ${n} alert${n === 1 ? '' : 's'} resolved`, 'auto_resolved');
    draft = { incident: change.incident, timeline: change.timeline, effects: change.effects };
  } else if (c.firedAfterResolve > 0 && withinReopenWindow(incident, ctx.now, ctx.policy)) {
    // An alert joined just as the incident resolved (ingest reads incidents without locking them). Alerts
    // that were firing before the resolve do not reopen it: the responder resolved with them in view.
    const f = c.firedAfterResolve;
    const change = statusChange(draft.incident, 'triggered', SYSTEM, ctx.now, `reopened: ${f} alert${f === 1 ? '' : 's'} fired as it resolved`, 'reopened');
    draft = { incident: change.incident, timeline: change.timeline, effects: change.effects };
  } else if (!countsChanged) {
    return 'nothing changed';
  }
  return draft;
}

function decideDraft(incident: Incident, command: Exclude<IncidentCommand, OpenCommand>, ctx: DecideContext): Draft | string {
  const { now } = ctx;
  const from = incident.status;
  switch (command.action) {
    case 'acknowledge':
    case 'mitigate':
    case 'resolve':
    case 'reopen':
    case 'close':
      return statusCommand(incident, command, ctx);

    case 'set_severity': {
      if (from === 'closed') return 'cannot change the severity of a closed incident';
      if (incident.severity === command.severity && incident.severitySource === 'manual') return `the incident is already ${command.severity}`;
      const why = command.message ? `: ${command.message}` : '';
      return {
        incident: { ...incident, severity: command.severity, severitySource: 'manual', postmortemRequired: postmortemRequired(command.severity, ctx.policy), updatedAt: now },
        timeline: [
          entry(now, 'severity_changed', command.actor, `severity ${incident.severity} → ${command.severity} by ${command.actor}${why}`, { from: incident.severity, to: command.severity, manual: true }),
        ],
        effects: incident.severity === command.severity ? [] : [{ kind: 'severity_changed', from: incident.severity, to: command.severity, actor: command.actor }],
      };
    }

    case 'assign_commander': {
      if (from === 'closed') return 'cannot assign a commander to a closed incident';
      if (incident.commander === command.commander) return `${command.commander} is already the commander`;
      return {
        incident: { ...incident, commander: command.commander, updatedAt: now },
        timeline: [
          entry(now, 'commander_assigned', command.actor, `${command.commander} is now the incident commander (assigned by ${command.actor})`, { commander: command.commander, previous: incident.commander }),
        ],
        effects: [{ kind: 'commander_assigned', commander: command.commander, actor: command.actor }],
      };
    }

    case 'note': {
      const text = command.message.trim();
      if (!text) return 'a note needs a message';
      return { incident: { ...incident, updatedAt: now }, timeline: [entry(now, 'note', command.actor, text)], effects: [{ kind: 'note_added', message: text, actor: command.actor }] };
    }

    case 'check_step': {
      if (from === 'closed') return 'cannot change the checklist of a closed incident';
      const step = command.checklist.find((s) => s.id === command.stepId);
      if (!step) return incident.runbook ? `no step "${command.stepId}" in this incident's checklist` : 'this incident has no runbook checklist';
      if (step.done === command.done) return `step "${step.text}" is already ${step.done ? 'done' : 'not done'}`;
      const doneCount = command.checklist.filter((s) => (s.id === step.id ? command.done : s.done)).length;
      const progress = { done: doneCount, total: command.checklist.length };
      return {
        incident: { ...incident, updatedAt: now },
        timeline: [
          entry(now, 'step_checked', command.actor, `step ${step.order + 1} ${command.done ? 'done' : 'not done'}: ${step.text} (${progress.done}/${progress.total})`, { stepId: step.id, done: command.done, progress }),
        ],
        effects: [{ kind: 'step_checked', stepId: step.id, text: step.text, done: command.done, actor: command.actor, progress }],
        checklist: [{ ...step, section: (step as Partial<RunbookChecklistItem>).section ?? null, done: command.done, doneBy: command.done ? command.actor : null, doneAt: command.done ? now : null }],
      };
    }

    case 'publish_status':
      return publishStatus(incident, command.actor, command.request, publishContext(ctx, command.status));

    case 'approve_status':
      return approveStatus(incident, command.actor, command.draftId, publishContext(ctx, command.status));

    case 'alert_fired': {
      if (withinReopenWindow(incident, now, ctx.policy)) return statusChange(incident, 'triggered', SYSTEM, now, `reopened: "${command.title}" fired again`, 'reopened');
      if (from === 'mitigated') return statusChange(incident, 'acknowledged', SYSTEM, now, `"${command.title}" fired again while mitigated`, 'alert_refired');
      if (from === 'resolved') return 'the incident resolved longer ago than the reopen window: the alert opens a new incident';
      return `nothing to do: the incident is ${from}`;
    }

    case 'alert_changed': {
      if (command.known > ALERT_TIMELINE_LIMIT) return `the incident has more than ${ALERT_TIMELINE_LIMIT} alerts: the timeline no longer lists each`;
      const { type, words } = { added: { type: 'alert_added', words: 'alert firing' }, refired: { type: 'alert_refired', words: 'alert firing again' }, resolved: { type: 'alert_resolved', words: 'alert resolved' } }[command.change];
      return { incident, timeline: [entry(now, type, SYSTEM, `${words}: ${command.title}`, { fingerprint: command.fingerprint })], effects: [], unchanged: true };
    }

    case 'escalate': {
      if (from === 'closed' || incident.severitySource === 'manual' || severityRank(command.severity) >= severityRank(incident.severity)) return 'no escalation';
      return {
        incident: { ...incident, severity: command.severity, postmortemRequired: postmortemRequired(command.severity, ctx.policy), updatedAt: now },
        timeline: [
          entry(now, 'severity_changed', SYSTEM, `severity ${incident.severity} → ${command.severity}: "${command.title}" is ${command.severity}`, { from: incident.severity, to: command.severity, manual: false }),
        ],
        effects: [{ kind: 'severity_changed', from: incident.severity, to: command.severity, actor: SYSTEM }],
      };
    }

    case 'counts_rolled_up':
      return rolledUp(incident, command, ctx);

    case 'deploy_linked': {
      const d = command.deploy;
      if (incident.deploys.some((x) => x.id === d.id)) return `deploy ${d.id} is already linked`;
      return {
        incident: { ...incident, deploys: mergeDeploys(incident.deploys, [d]), updatedAt: now },
        timeline: [entry(now, 'deploy_linked', SYSTEM, deployTimelineMessage(d, incident.createdAt), { deployId: d.id, version: d.version, service: d.service })],
        effects: [{ kind: 'deploy_linked', deploy: d }],
      };
    }

    case 'page_level':
    case 'page_outcome':
    case 'escalation_exhausted': {
      const timeline = pagingEntries(incident, command, now);
      return typeof timeline === 'string' ? timeline : { incident, timeline, effects: [], unchanged: true };
    }
    case 'storm_joined':
    case 'storm_closed':
    case 'alert_inhibited':
      return noiseDraft(incident, command, now);

    case 'channel_created': {
      if (incident.slack === command.channelId) return `the incident's channel is already ${command.channelId}`;
      return {
        incident: { ...incident, slack: command.channelId },
        timeline: [entry(now, 'channel_created', SYSTEM, `Slack channel #${command.name} created`, { channelId: command.channelId, name: command.name })],
        effects: [],
      };
    }
  }
}

// ---------------------------------------------------------------------------
// What noise control does to an incident (domain/storm.ts, domain/inhibition.ts)

function stormOpenedEntry(now: Date, a: NormalizedAlert, s: NonNullable<OpenCommand['storm']>): TimelineEntry {
  return entry(
    now,
    'storm_opened',
    SYSTEM,
    `storm breaker: "${a.title}" makes ${s.newIncidents} new incidents within ${s.windowMinutes} min; further new groups join this incident until ${s.quietMinutes} min pass without one`,
    { newIncidents: s.newIncidents, windowMinutes: s.windowMinutes },
  );
}

type NoiseCommand = Extract<IncidentCommand, { action: 'storm_joined' | 'storm_closed' | 'alert_inhibited' }>;

/** Timeline entries (and the storm's closing post); the incident document itself is not written (ingest keeps off it). */
function noiseDraft(incident: Incident, c: NoiseCommand, now: Date): Draft | string {
  switch (c.action) {
    case 'storm_joined':
      if (!incident.storm) return 'not a storm incident';
      if (c.groups > ALERT_TIMELINE_LIMIT) return `the storm has more than ${ALERT_TIMELINE_LIMIT} groups: the timeline no longer lists each`;
      return { incident, timeline: [entry(now, 'storm_joined', SYSTEM, `joined the storm (group ${c.groups}): ${c.title}`, { groupKey: c.groupKey, fingerprint: c.fingerprint, groups: c.groups })], effects: [], unchanged: true };
    case 'storm_closed': {
      if (!incident.storm) return 'not a storm incident';
      const n = c.groups;
      const message = `storm over: no new group for ${c.quietMinutes} min; it took in ${n} group${n === 1 ? '' : 's'} (${c.openedAt.toISOString()} to ${c.lastJoinAt.toISOString()}). New groups open their own incidents again`;
      return {
        incident,
        timeline: [entry(now, 'storm_closed', SYSTEM, message, { groups: n, openedAt: c.openedAt, lastJoinAt: c.lastJoinAt })],
        effects: [{ kind: 'storm_closed', groups: n, openedAt: c.openedAt, lastJoinAt: c.lastJoinAt }],
        unchanged: true,
      };
    }
    case 'alert_inhibited':
      if (c.known > ALERT_TIMELINE_LIMIT) return `the incident has more than ${ALERT_TIMELINE_LIMIT} alerts: the timeline no longer lists each`;
      return {
        incident,
        timeline: [entry(now, 'alert_inhibited', SYSTEM, `alert attached: ${c.title} (explained by ${c.inhibitor}, rule "${c.rule}")`, { fingerprint: c.fingerprint, inhibitor: c.inhibitor, rule: c.rule })],
        effects: [],
        unchanged: true,
      };
  }
}

/** Decides one command. `incident` is null only for `open`. */
export function decide(incident: Incident | null, command: IncidentCommand, ctx: DecideContext): DecideResult {
  if (command.action === 'open') {
    if (incident) return { rejected: `incident ${incident.id} already exists` };
    return done(open(command, ctx), ctx);
  }
  if (!incident) return { rejected: 'no such incident' };
  const d = decideDraft(incident, command, ctx);
  return typeof d === 'string' ? { rejected: d } : done(d, ctx);
}
