// Publishing to the public status page as decisions of the incident state
// machine (domain/incident.ts calls these for `publish_status`,
// `approve_status` and a resolve's closing message). What a responder asks
// for is checked against config/status.yaml and the incident's public state,
// and becomes either a public update (effect `status_published`, which the
// outbox turns into the statusPage/ projection, subscriber mails and the
// cadence reminder) or, where the severity policy asks for a second pair of
// eyes, a draft on the incident that another responder approves.
//
// Pure: the config, the policy, the time and the cause come in as arguments.
import { isOpen, type StatusPagePolicy } from './lifecycle';
import {
  type ComponentStatus,
  type ComponentStatusArg,
  componentsForService,
  MAX_MESSAGE_LENGTH,
  MAX_TITLE_LENGTH,
  type PublicPhase,
  type StatusConfig,
} from './statusPage';
import type { Actor, Effect, Incident, IncidentStatusPage, PublicUpdate, PublicUpdateDraft, Severity, TimelineEntry } from './types';

/** What a responder asks to publish (a `publish_status` update, `/incident status-page`, a resolve's closing message). */
export interface PublishRequest {
  message: string;
  /** One status for every component the incident affects (those it already affects, and those that cover its service), or `{componentId: status}`. */
  componentStatus?: ComponentStatusArg | null;
  title?: string | null;
  phase?: PublicPhase | null;
}

/** What a publishing decision writes (domain/incident.ts turns it into a Decision). */
export interface PublicationDraft {
  incident: Incident;
  timeline: TimelineEntry[];
  effects: Effect[];
}

export interface PublishContext {
  now: Date;
  /** The severity policy's `statusPage` (absent: no approval, no cadence). */
  policy: StatusPagePolicy | undefined;
  /** The components of config/status.yaml, to check and resolve `componentStatus`. */
  config: Pick<StatusConfig, 'components'>;
  /** The decision's cause: a draft's id. */
  cause: string;
}

export const NO_STATUS_PAGE: IncidentStatusPage = {
  firstPublishedAt: null,
  lastPublishedAt: null,
  published: 0,
  title: null,
  message: null,
  phase: null,
  componentStatus: {},
  nextUpdateDueAt: null,
  draft: null,
};

export const statusPageOf = (incident: Pick<Incident, 'statusPage'>): IncidentStatusPage => incident.statusPage ?? NO_STATUS_PAGE;

/** Whether the incident is on the public page (at least one update went out). */
export const isPublished = (incident: Pick<Incident, 'statusPage'>): boolean => (incident.statusPage?.published ?? 0) > 0;

/** Whether the severity's public updates need a second responder. */
export const approvalRequired = (policy: StatusPagePolicy | undefined, severity: Severity): boolean => policy?.approvalFor.includes(severity) ?? false;

/** The cadence of the severity in minutes, or null for none. */
export function cadenceMinutes(policy: StatusPagePolicy | undefined, severity: Severity): number | null {
  const m = policy?.cadenceMinutes[severity];
  return typeof m === 'number' && m > 0 ? m : null;
}

const STATUS_WORDS: Record<ComponentStatus, string> = {
  operational: 'operational',
  maintenance: 'under maintenance',
  degraded: 'degraded',
  partial_outage: 'partial outage',
  major_outage: 'major outage',
};

/** `checkout: partial outage, payments: degraded` */
export function componentStatusText(statuses: Record<string, ComponentStatus>): string {
  const parts = Object.entries(statuses).map(([id, s]) => `${id}: ${STATUS_WORDS[s]}`);
  return parts.length ? parts.join(', ') : 'no component';
}

const inConfigOrder = (config: Pick<StatusConfig, 'components'>, statuses: Record<string, ComponentStatus>) =>
  Object.fromEntries(config.components.filter((c) => c.id in statuses).map((c) => [c.id, statuses[c.id] as ComponentStatus]));

/**
 * What a request publishes, given the incident's public state: every affected
 * component with its status, the phase, the message and title. A string is
 * why it cannot be published (unknown component, no component to apply one
 * status to, an empty or too long message).
 */
export function resolvePublicUpdate(incident: Incident, req: PublishRequest, config: Pick<StatusConfig, 'components'>): PublicUpdate | string {
  const message = (req.message ?? '').trim();
  if (!message) return 'a public update needs a message';
  if (message.length > MAX_MESSAGE_LENGTH) return `a public message is at most ${MAX_MESSAGE_LENGTH} characters (this one has ${message.length})`;
  const title = req.title?.trim() || null;
  if (title && title.length > MAX_TITLE_LENGTH) return `a public title is at most ${MAX_TITLE_LENGTH} characters`;

  const known = config.components.map((c) => c.id);
  const list = known.length ? known.join(', ') : 'none';
  const state = statusPageOf(incident);
  const before: Record<string, ComponentStatus> = Object.fromEntries(Object.entries(state.componentStatus).filter(([k]) => known.includes(k)));
  let statuses: Record<string, ComponentStatus> = { ...before };
  const arg = req.componentStatus ?? null;
  if (typeof arg === 'string') {
    const targets = new Set([...Object.keys(before), ...componentsForService(config, incident.service)]);
    if (targets.size === 0) {
      const where = incident.service ? `the service "${incident.service}" is in no component of config/status.yaml` : 'the incident has no service';
      return `which components? ${where}: give componentStatus as {componentId: status} (components: ${list})`;
    }
    for (const t of targets) statuses[t] = arg;
  } else if (arg) {
    const unknown = Object.keys(arg).filter((k) => !known.includes(k));
    if (unknown.length) return `unknown component ${unknown.map((u) => `"${u}"`).join(', ')}; config/status.yaml has ${list}`;
    statuses = { ...statuses, ...arg };
  } else if (Object.keys(before).length === 0 && known.length > 0) {
    const service = componentsForService(config, incident.service);
    const which = service.length ? `one status for ${service.join(', ')} (the components of the service ${incident.service})` : `a status per component (components: ${list})`;
    return `the first public update says how the components are affected: give ${which}; in Slack, e.g. status=partial_outage`;
  }
  const phase: PublicPhase = req.phase ?? (state.phase && state.phase !== 'resolved' ? state.phase : 'investigating');
  if (phase === 'resolved') statuses = Object.fromEntries(Object.keys(statuses).map((k) => [k, 'operational' as const]));
  return { message, title, componentStatus: inConfigOrder(config, statuses), phase };
}

function entry(at: Date, type: string, actor: Actor, message: string, data: Record<string, unknown>): TimelineEntry {
  return { at, type, actor, message, data };
}

const clipped = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The public update goes out: the incident's public state, its timeline entry, and the effect. */
function publication(incident: Incident, update: PublicUpdate, who: { by: Actor; approvedBy: Actor | null }, ctx: PublishContext): PublicationDraft {
  const state = statusPageOf(incident);
  const cadence = cadenceMinutes(ctx.policy, incident.severity);
  const due = cadence !== null && update.phase !== 'resolved' && isOpen(incident.status) ? new Date(ctx.now.getTime() + cadence * 60_000) : null;
  const statusPage: IncidentStatusPage = {
    firstPublishedAt: state.firstPublishedAt ?? ctx.now,
    lastPublishedAt: ctx.now,
    published: state.published + 1,
    title: update.title ?? state.title,
    message: update.message,
    phase: update.phase,
    componentStatus: update.componentStatus,
    nextUpdateDueAt: due,
    draft: null,
  };
  const approved = who.approvedBy ? ` (written by ${who.by}, approved by ${who.approvedBy})` : '';
  const actor = who.approvedBy ?? who.by;
  return {
    incident: { ...incident, statusPage, updatedAt: ctx.now },
    timeline: [
      entry(ctx.now, 'status_published', actor, `public update published${approved}: ${update.phase}, ${componentStatusText(update.componentStatus)}: ${clipped(update.message)}`, {
        phase: update.phase,
        componentStatus: update.componentStatus,
        title: update.title,
        by: who.by,
        approvedBy: who.approvedBy,
        nextUpdateDueAt: due,
      }),
    ],
    effects: [{ kind: 'status_published', update, at: ctx.now, actor: who.by, approvedBy: who.approvedBy }],
  };
}

/** The update waits for another responder: a draft on the incident (replacing an earlier one). */
function drafted(incident: Incident, update: PublicUpdate, actor: Actor, ctx: PublishContext): PublicationDraft {
  const state = statusPageOf(incident);
  const draft: PublicUpdateDraft = { ...update, id: ctx.cause, by: actor, at: ctx.now };
  const replaced = state.draft ? ` (it replaces the draft by ${state.draft.by})` : '';
  return {
    incident: { ...incident, statusPage: { ...state, draft }, updatedAt: ctx.now },
    timeline: [
      entry(ctx.now, 'status_drafted', actor, `public update drafted${replaced}, waiting for another responder's approval: ${update.phase}, ${componentStatusText(update.componentStatus)}: ${clipped(update.message)}`, {
        draftId: draft.id,
        phase: update.phase,
        componentStatus: update.componentStatus,
        title: update.title,
      }),
    ],
    effects: [{ kind: 'status_drafted', draft }],
  };
}

/** `publish_status`: published at once, or a draft when the severity needs approval. */
export function publishStatus(incident: Incident, actor: Actor, req: PublishRequest, ctx: PublishContext): PublicationDraft | string {
  if (incident.status === 'closed') return 'cannot publish a public update for a closed incident';
  const update = resolvePublicUpdate(incident, req, ctx.config);
  if (typeof update === 'string') return update;
  if (approvalRequired(ctx.policy, incident.severity)) return drafted(incident, update, actor, ctx);
  return publication(incident, update, { by: actor, approvedBy: null }, ctx);
}

/** `approve_status`: a second responder publishes the draft. `draftId`, when given, must be the draft they saw. */
export function approveStatus(incident: Incident, actor: Actor, draftId: string | null, ctx: PublishContext): PublicationDraft | string {
  if (incident.status === 'closed') return 'cannot publish a public update for a closed incident';
  const draft = statusPageOf(incident).draft;
  if (!draft) return 'there is no draft public update to approve';
  if (draftId && draftId !== draft.id) return 'the draft changed since you saw it: read the new one, then approve it';
  if (draft.by === actor) return `a draft public update is approved by another responder than the one who wrote it (${actor})`;
  const { id: _id, by, at: _at, ...update } = draft;
  return publication(incident, update, { by, approvedBy: actor }, ctx);
}

/**
 * The closing public message of a resolve (after the status change): the
 * public incident is resolved and its components operational again. Only for
 * an incident that is on the page; a draft when the severity needs approval.
 */
export function closingMessage(incident: Incident, actor: Actor, message: string, ctx: PublishContext): PublicationDraft | string {
  if (!isPublished(incident)) return 'a closing public message is for an incident that is on the status page; publish it first (publish_status, phase resolved)';
  return publishStatus(incident, actor, { message, phase: 'resolved' }, ctx);
}

// ---- the cadence -------------------------------------------------------------

/** The task queue function that reminds a published incident's channel (triggers/statusCadence.ts). */
export const CADENCE_TASK = 'statusCadence';

export interface CadenceTask {
  incidentId: string;
  /** The public update it follows (ms): a newer one makes the task stale. */
  publishedAt: number;
  /** The reminder's number since that update (1, 2…). */
  n: number;
}

/** The task's deterministic id: one per incident, public update and reminder. */
export const cadenceTaskId = (t: CadenceTask) => `status-cadence-${t.incidentId}-${t.publishedAt}-${t.n}`;

/** The first reminder after the incident's latest public update, or null when none is due (no cadence, resolved publicly). */
export function firstCadenceTask(incident: Incident): { task: CadenceTask; at: Date } | null {
  const s = incident.statusPage;
  if (!s?.lastPublishedAt || !s.nextUpdateDueAt) return null;
  return { task: { incidentId: incident.id, publishedAt: s.lastPublishedAt.getTime(), n: 1 }, at: s.nextUpdateDueAt };
}

export type CadenceCheck =
  | { remind: false; reason: string }
  | { remind: true; silentMinutes: number; lastPublishedAt: Date; draft: PublicUpdateDraft | null; next: { task: CadenceTask; at: Date } | null };

/**
 * What a cadence task finds when it runs: nothing to do when a newer public
 * update went out, the incident or its public side resolved, or the severity
 * no longer has a cadence; otherwise a reminder, and the next task one
 * interval later.
 */
export function checkCadence(incident: Incident | null, task: CadenceTask, now: Date, policy: StatusPagePolicy | undefined): CadenceCheck {
  if (!incident) return { remind: false, reason: 'the incident no longer exists' };
  const s = incident.statusPage;
  if (!s?.lastPublishedAt) return { remind: false, reason: 'the incident was never published' };
  if (s.lastPublishedAt.getTime() !== task.publishedAt) return { remind: false, reason: 'a newer public update went out' };
  if (!isOpen(incident.status)) return { remind: false, reason: `the incident is ${incident.status}` };
  if (s.phase === 'resolved') return { remind: false, reason: 'the public incident is resolved' };
  const cadence = cadenceMinutes(policy, incident.severity);
  if (cadence === null) return { remind: false, reason: `${incident.severity} has no public update cadence` };
  const next = { task: { ...task, n: task.n + 1 }, at: new Date(now.getTime() + cadence * 60_000) };
  return { remind: true, silentMinutes: Math.round((now.getTime() - task.publishedAt) / 60_000), lastPublishedAt: s.lastPublishedAt, draft: s.draft, next };
}
