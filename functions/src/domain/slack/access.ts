// Who may use the pipeline from Slack. Slack requests act through the Admin
// SDK, where the security rules never apply, so the same ladder is checked
// here: help for anyone, reading incidents (`list`, `status`) for any role,
// changing them (commands and buttons) for responders and admins. And only
// the configured workspace and app are served.
import { type Role } from '../roles';
import { escapeMrkdwn } from './format';
import type { SlashCommand, SlackUpdateAction } from './command';

/** The workspace and app this pipeline serves (params SLACK_TEAM_ID, SLACK_APP_ID); null = not checked. */
export interface SlackWorkspace {
  teamId: string | null;
  appId: string | null;
}

/** What a request says it comes from: `team_id` and `api_app_id` (a button payload's `team.id` and `api_app_id`). */
export interface SlackOrigin {
  teamId: string | null;
  appId: string | null;
}

/** Why a request is not for us (for the log), or null when it is, or when nothing is configured to check. */
export function workspaceRefusal(origin: SlackOrigin, configured: SlackWorkspace): string | null {
  if (configured.teamId && origin.teamId !== configured.teamId) {
    return `team_id ${JSON.stringify(origin.teamId)} is not the configured workspace SLACK_TEAM_ID=${configured.teamId}`;
  }
  if (configured.appId && origin.appId !== configured.appId) {
    return `api_app_id ${JSON.stringify(origin.appId)} is not the configured app SLACK_APP_ID=${configured.appId}`;
  }
  return null;
}

/** What the person in the other workspace is told: nothing about ours. */
export const FOREIGN_WORKSPACE_TEXT = 'This Slack app does not serve this workspace, so it cannot run `/incident` here.';

/** The role a slash command needs; null: anyone (help, and the usage shown for a mistyped command). */
export function roleForCommand(cmd: SlashCommand): Role | null {
  switch (cmd.kind) {
    case 'help':
    case 'error':
      return null;
    case 'list':
    case 'status':
      return 'viewer';
    case 'update':
      return 'responder';
  }
}

/** Buttons change the incident: responders and admins. */
export const ROLE_FOR_BUTTONS: Role = 'responder';

const WHAT: Record<SlackUpdateAction, string> = {
  acknowledge: 'acknowledge incidents',
  mitigate: 'mark incidents as mitigated',
  resolve: 'resolve incidents',
  set_severity: 'change the severity of incidents',
  note: 'add notes to incidents',
};

/** The words for what someone tried, in "you cannot …". */
export function attemptedWhat(cmd: SlashCommand | { kind: 'button'; action: 'acknowledge' | 'resolve' }): string {
  if (cmd.kind === 'update' || cmd.kind === 'button') return WHAT[cmd.action];
  return 'see incidents';
}

/** Who a Slack user acts as, and with which role (null: none, or no uid at all). */
export interface SlackActorRole {
  slackUserId: string;
  /** The Firebase uid, or null when the Slack user maps to none (`slack:U…`). */
  uid: string | null;
  role: Role | null;
}

/** The private reply to someone whose role is not enough (mrkdwn, escaped). */
export function roleRefusalText(what: string, need: Role, who: SlackActorRole): string {
  if (who.uid === null) {
    return (
      `You cannot ${what} from Slack: your Slack user is not linked to a user of the incident pipeline. ` +
      `Ask an admin to give the pipeline user with your Slack email the ${need} role, or to map your Slack user in \`config/slack.yaml\` (\`users:\`).`
    );
  }
  if (who.role === null) {
    return `You cannot ${what}: your pipeline user (${escapeMrkdwn(who.uid)}) has no role. Ask an admin for the ${need} role (\`npm run role -- <email> ${need}\`).`;
  }
  return `You cannot ${what}: that needs the ${need} role, and yours is ${who.role}.`;
}
