// Use case: `/incident silence <matchers> [for] <duration> <why>` from Slack,
// anywhere. slackHttp.ts has verified the request (signature, workspace,
// replay) and dispatches here; this checks the role (responder, as for the
// console's silences), parses (domain/silences.ts), writes silences/{id} and
// answers in the channel, so the people there see what is silenced. The
// onSilenceWritten trigger then schedules its end and its reminder.
import { hasRole, type Role } from '../domain/roles';
import { silenceFromArgs } from '../domain/silences';
import { roleRefusalText, type SlackActorRole } from '../domain/slack/access';
import { parseSlashCommand, usageText } from '../domain/slack/command';
import { silenceCreatedText } from '../domain/slack/silenceMessages';
import { stableId } from '../domain/hash';
import type { HttpResult } from './alertWebhook';
import type { Clock } from './ports';
import { createSilence, type NoiseDeps } from './silences';

/** Who may silence: the same role the security rules ask of the console. */
export const ROLE_FOR_SILENCES: Role = 'responder';

export interface SlackSilenceDeps extends Pick<NoiseDeps, 'noise' | 'log' | 'config'> {
  clock: Clock;
  consoleUrl: string;
  /** The Slack user's uid and role (slackHttp.ts's lookup), or why it could not be found. */
  whoIs(slackUserId: string): Promise<(SlackActorRole & { actor: string }) | { error: string }>;
}

const ephemeral = (text: string): HttpResult => ({ status: 200, body: { response_type: 'ephemeral', text } });

/** `requestId` (the signed request's id) makes the silence's id: a replay could not make a second one. */
export async function handleSilenceCommand(text: string, slackUserId: string, requestId: string, deps: SlackSilenceDeps): Promise<HttpResult> {
  const { policy } = deps.config;
  const cmd = parseSlashCommand(text, { silences: true, maxSilenceDays: policy.silences.maxDays });
  if (cmd.kind === 'help') return ephemeral(usageText({ silences: true }));
  if (cmd.kind === 'error') return ephemeral(cmd.message);
  if (cmd.kind !== 'silence') return ephemeral(usageText({ silences: true }));
  const who = await deps.whoIs(slackUserId);
  if ('error' in who) return ephemeral(who.error);
  if (!hasRole(who.role, ROLE_FOR_SILENCES)) {
    deps.log.noise({ event: 'silence_refused', slackUser: slackUserId, uid: who.uid, role: who.role });
    return ephemeral(roleRefusalText('silence alerts', ROLE_FOR_SILENCES, who));
  }
  const now = deps.clock.now();
  const silence = silenceFromArgs(cmd, now, who.actor);
  const id = `slack-${stableId(requestId, 20)}`;
  await createSilence(id, silence, deps);
  return { status: 200, body: { response_type: 'in_channel', text: silenceCreatedText(id, silence, deps.consoleUrl, policy.silences.reminderMinutes) } };
}
