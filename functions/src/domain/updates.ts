// A status update document (incidents/{id}/updates/{updateId}) as a client
// writes it, validated and turned into an incident command.
import { z } from 'zod';
import { type ChecklistStep, type IncidentCommand, type PostmortemStatus, USER_ACTIONS } from './incident';
import { componentStatusArgSchema, MAX_MESSAGE_LENGTH, MAX_TITLE_LENGTH, PUBLIC_PHASES, type StatusConfig } from './statusPage';
import { SEVERITIES } from './types';

const severity = z.preprocess(
  (v) => (typeof v === 'number' || (typeof v === 'string' && /^[1-4]$/.test(v.trim())) ? `SEV${String(v).trim()}` : typeof v === 'string' ? v.trim().toUpperCase() : v),
  z.enum(SEVERITIES, { error: 'severity must be SEV1, SEV2, SEV3 or SEV4' }),
);

export const statusUpdateSchema = z.object({
  action: z.enum(USER_ACTIONS, { error: `action must be one of ${USER_ACTIONS.join(', ')}` }),
  requestedBy: z.string().min(1, 'requestedBy (the writer) is required'),
  severity: severity.optional(),
  commander: z.string().trim().min(1).max(128).optional(),
  message: z.string().trim().max(5000).optional(),
  step: z.string().trim().min(1).optional(),
  done: z.boolean().optional(),
  /** Where the update came from: console, slack, email, sms, voice, push, postmortem (the pipeline's own are written with the Admin SDK). */
  via: z.string().trim().min(1).max(40).optional(),
  /** publish_status: the components' statuses (one status, or {componentId: status}), the public title and phase. */
  componentStatus: componentStatusArgSchema.optional(),
  title: z.string().trim().min(1).max(MAX_TITLE_LENGTH).optional(),
  phase: z.enum(PUBLIC_PHASES, { error: `phase must be one of ${PUBLIC_PHASES.join(', ')}` }).optional(),
  /** resolve: the closing public message of a published incident. */
  publicMessage: z.string().trim().max(MAX_MESSAGE_LENGTH).optional(),
  /** approve_status: the draft the approver saw. */
  draft: z.string().trim().min(1).max(200).optional(),
});

export type StatusUpdate = z.infer<typeof statusUpdateSchema>;

/** What the shell must read for some actions. */
export interface UpdateContext {
  postmortemStatus: PostmortemStatus | null;
  checklist: ChecklistStep[];
  /** config/status.yaml's components, for publish_status, approve_status and a resolve's closing message. */
  status?: Pick<StatusConfig, 'components'>;
}

export function parseStatusUpdate(data: unknown): { ok: true; update: StatusUpdate } | { ok: false; reason: string } {
  const r = statusUpdateSchema.safeParse(data);
  if (r.success) return { ok: true, update: r.data };
  const first = r.error.issues[0];
  return { ok: false, reason: `invalid update: ${first?.path.join('.') || 'document'}: ${first?.message ?? 'invalid'}` };
}

/** The incident command an update asks for, or why it cannot be one. */
export function commandOf(u: StatusUpdate, ctx: UpdateContext): IncidentCommand | { invalid: string } {
  const actor = u.requestedBy;
  const message = u.message ?? null;
  switch (u.action) {
    case 'acknowledge':
    case 'mitigate':
    case 'reopen':
      return { action: u.action, actor, message, ...(u.via ? { via: u.via } : {}) };
    case 'resolve':
      return { action: 'resolve', actor, message, ...(u.via ? { via: u.via } : {}), ...(u.publicMessage ? { publicMessage: u.publicMessage, status: ctx.status } : {}) };
    case 'close':
      return { action: 'close', actor, message, postmortemStatus: ctx.postmortemStatus };
    case 'set_severity':
      return u.severity ? { action: 'set_severity', actor, severity: u.severity, message } : { invalid: 'set_severity needs a severity (SEV1-SEV4)' };
    case 'assign_commander':
      return u.commander ? { action: 'assign_commander', actor, commander: u.commander, message } : { invalid: 'assign_commander needs a commander (a uid)' };
    case 'note':
      return message ? { action: 'note', actor, message } : { invalid: 'a note needs a message' };
    case 'check_step':
      return u.step ? { action: 'check_step', actor, stepId: u.step, done: u.done ?? true, checklist: ctx.checklist } : { invalid: 'check_step needs a step id' };
    case 'publish_status':
      if (!message) return { invalid: 'publish_status needs a message (the public text)' };
      return { action: 'publish_status', actor, request: { message, componentStatus: u.componentStatus ?? null, title: u.title ?? null, phase: u.phase ?? null }, status: ctx.status ?? { components: [] } };
    case 'approve_status':
      return { action: 'approve_status', actor, draftId: u.draft ?? null, status: ctx.status ?? { components: [] } };
  }
}
