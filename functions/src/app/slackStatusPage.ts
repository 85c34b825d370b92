// Use case: `/incident status-page …` in an incident's channel (parsed by
// domain/slack/statusPageCommand.ts). Like every Slack command it only writes
// a status update (publish_status, approve_status) as the Slack user, which
// the state machine then decides on; the channel shows the result (the public
// update, or the draft waiting for approval) and a refusal comes back to the
// user privately. slackHttp.ts hands over its checked request with one line.
import { hasRole, type Role } from '../domain/roles';
import { roleRefusalText, type SlackActorRole } from '../domain/slack/access';
import { escapeMrkdwn } from '../domain/slack/format';
import { parseStatusPageCommand, STATUS_PAGE_USAGE } from '../domain/slack/statusPageCommand';
import { PUBLIC_PHASE_LABELS } from '../domain/statusPage';
import type { Incident } from '../domain/types';
import { log } from '../adapters/logs';
import type { HttpResult } from './alertWebhook';

/** What slackHttp.ts already has for a signed, first-seen request from the configured workspace. */
export interface SlackCommandContext {
  now: Date;
  whoIs(slackUserId: string): Promise<(SlackActorRole & { actor: string }) | { error: string }>;
  incidentOfChannel(channelId: string): Promise<Incident | null>;
  writeUpdate(incidentId: string, data: Record<string, unknown>, responseUrl: string | null, now: Date): Promise<string>;
}

const NEED: Role = 'responder';

const ephemeral = (text: string): HttpResult => ({ status: 200, body: { response_type: 'ephemeral', text } });

const quoted = (text: string) =>
  escapeMrkdwn(text.length > 600 ? `${text.slice(0, 599)}…` : text)
    .split('\n')
    .map((l) => `>${l}`)
    .join('\n');

/** The answer to a status-page command, or null when the text is another command. */
export async function slackStatusPageCommand(form: URLSearchParams, ctx: SlackCommandContext): Promise<HttpResult | null> {
  const cmd = parseStatusPageCommand(form.get('text'));
  if (!cmd) return null;
  if (cmd.kind === 'status_page_help') return ephemeral(STATUS_PAGE_USAGE);
  if (cmd.kind === 'error') return ephemeral(cmd.message);

  const userId = form.get('user_id') ?? '';
  const who = await ctx.whoIs(userId);
  if ('error' in who) return ephemeral(who.error);
  if (!hasRole(who.role, NEED)) {
    log.warn('slack request refused: role', { event: 'slack_role_refused', slackUser: userId, uid: who.uid, role: who.role, need: NEED, what: cmd.kind });
    return ephemeral(roleRefusalText('publish to the public status page', NEED, who));
  }
  const incident = await ctx.incidentOfChannel(form.get('channel_id') ?? '');
  if (!incident) return ephemeral(`This is not an incident channel: \`/incident status-page\` publishes the public update of the channel's incident.\n\n${STATUS_PAGE_USAGE}`);
  const base = { requestedBy: who.actor, slackUser: userId };
  const responseUrl = form.get('response_url');

  if (cmd.kind === 'status_page_approve') {
    const draft = incident.statusPage?.draft ?? null;
    if (!draft) return ephemeral('There is no draft public update to approve on this incident.');
    const updateId = await ctx.writeUpdate(incident.id, { ...base, action: 'approve_status', draft: draft.id }, responseUrl, ctx.now);
    log.info('slash command queued', { event: 'slack_command', incidentId: incident.id, updateId, action: 'approve_status', slackUser: userId, role: who.role });
    return ephemeral(`Approving the draft public update (${PUBLIC_PHASE_LABELS[draft.phase]}) by ${escapeMrkdwn(draft.by)}… (the channel will show it once published)\n${quoted(draft.message)}`);
  }

  const data: Record<string, unknown> = {
    ...base,
    action: 'publish_status',
    message: cmd.message,
    ...(cmd.componentStatus ? { componentStatus: cmd.componentStatus } : {}),
    ...(cmd.phase ? { phase: cmd.phase } : {}),
    ...(cmd.title ? { title: cmd.title } : {}),
  };
  const updateId = await ctx.writeUpdate(incident.id, data, responseUrl, ctx.now);
  log.info('slash command queued', { event: 'slack_command', incidentId: incident.id, updateId, action: 'publish_status', slackUser: userId, role: who.role });
  return ephemeral('Sending the public update to the status page… (the channel will show it, or the draft if it needs approval)');
}
