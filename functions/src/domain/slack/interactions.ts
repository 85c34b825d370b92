// Slack interactivity (button clicks): the `payload` form field of a
// `block_actions` request, validated at the door.
import { z } from 'zod';

/** The action ids of our message buttons; each button's value is the incident id. */
export const ACKNOWLEDGE_ACTION_ID = 'incident_acknowledge';
export const RESOLVE_ACTION_ID = 'incident_resolve';

const ACTIONS: Record<string, 'acknowledge' | 'resolve'> = {
  [ACKNOWLEDGE_ACTION_ID]: 'acknowledge',
  [RESOLVE_ACTION_ID]: 'resolve',
};

/** Firestore document ids: not empty, no `/`, not `.` or `..`, bounded. */
const incidentId = z
  .string()
  .min(1, 'the button has no incident id')
  .max(200)
  .refine((v) => !v.includes('/') && v !== '.' && v !== '..', 'not a valid incident id');

/** Unknown keys are dropped: Slack adds fields over time. */
export const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  /** The workspace and the app the click comes from (checked against SLACK_TEAM_ID / SLACK_APP_ID). */
  team: z.object({ id: z.string().min(1) }).nullish(),
  api_app_id: z.string().optional(),
  user: z.object({
    id: z.string().min(1),
    username: z.string().optional(),
    name: z.string().optional(),
    team_id: z.string().optional(),
  }),
  channel: z.object({ id: z.string().min(1), name: z.string().optional() }).optional(),
  message: z.object({ ts: z.string().min(1) }).optional(),
  container: z.object({ message_ts: z.string().optional(), channel_id: z.string().optional() }).optional(),
  response_url: z.url().optional(),
  trigger_id: z.string().optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string().min(1),
        value: z.string().optional(),
        block_id: z.string().optional(),
        type: z.string().optional(),
      }),
    )
    .min(1, 'no action in the payload'),
});

export type BlockActionsPayload = z.output<typeof blockActionsSchema>;

export type ParsedInteraction =
  | {
      ok: true;
      /** The Slack user who clicked (the caller maps it to a uid). */
      userId: string;
      userName: string | null;
      action: 'acknowledge' | 'resolve';
      incidentId: string;
      /** Where to answer (ephemeral or replacing the message); null when Slack sent none. */
      responseUrl: string | null;
      channelId: string | null;
      messageTs: string | null;
      /** `team.id` (else the user's `team_id`) and `api_app_id`; null when Slack sent none. */
      teamId: string | null;
      appId: string | null;
    }
  | { ok: false; reason: string };

export function parseInteraction(payloadJson: string): ParsedInteraction {
  let json: unknown;
  try {
    json = JSON.parse(payloadJson);
  } catch {
    return { ok: false, reason: 'the payload is not JSON' };
  }
  if (typeof json === 'object' && json !== null && 'type' in json && json.type !== 'block_actions') {
    return { ok: false, reason: `unsupported interaction type ${JSON.stringify(json.type)}` };
  }
  const parsed = blockActionsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `not a block_actions payload: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}` };
  }
  const p = parsed.data;
  const ours = p.actions.find((a) => ACTIONS[a.action_id] !== undefined);
  if (!ours) return { ok: false, reason: `unknown action ${JSON.stringify(p.actions[0]?.action_id)}` };
  const id = incidentId.safeParse(ours.value ?? '');
  if (!id.success) return { ok: false, reason: id.error.issues[0]?.message ?? 'not a valid incident id' };
  return {
    ok: true,
    userId: p.user.id,
    userName: p.user.username ?? p.user.name ?? null,
    action: ACTIONS[ours.action_id] as 'acknowledge' | 'resolve',
    incidentId: id.data,
    responseUrl: p.response_url ?? null,
    channelId: p.channel?.id ?? p.container?.channel_id ?? null,
    messageTs: p.message?.ts ?? p.container?.message_ts ?? null,
    teamId: p.team?.id ?? p.user.team_id ?? null,
    appId: p.api_app_id ?? null,
  };
}
