import { onRequest } from 'firebase-functions/v2/https';
import { consoleUrl, misconfiguredSecrets, PAGE_LINK_SECRET, readSecret, refuseMisconfigured, SLACK_API_URL, SLACK_APP_ID, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_TEAM_ID } from '../params';

const settings = () => ({
  signingSecret: readSecret(SLACK_SIGNING_SECRET),
  token: readSecret(SLACK_BOT_TOKEN),
  apiUrl: SLACK_API_URL.value(),
  consoleUrl: consoleUrl(),
  teamId: SLACK_TEAM_ID.value().trim() || null,
  appId: SLACK_APP_ID.value().trim() || null,
});

const secrets = [SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN];
/** Slack answers must come within 3 s; one request per instance keeps a slow one from delaying others. */
const limits = { memory: '256MiB', concurrency: 1, maxInstances: 10, timeoutSeconds: 30 } as const;

/** The page-link secret signs the calendar feed link of `/incident oncall <schedule>`; a placeholder means no link, not a refused command. */
const pageLinkSecret = () => (misconfiguredSecrets([PAGE_LINK_SECRET]).length ? null : readSecret(PAGE_LINK_SECRET));

/** POST /slackCommands: the `/incident` slash command. */
export const slackCommands = onRequest({ secrets: [...secrets, PAGE_LINK_SECRET], invoker: 'public', ...limits }, async (req, res) => {
  if (refuseMisconfigured(res, secrets)) return;
  const { serveSlack } = await import('../app/httpAdapters.js');
  await serveSlack('command', req, res, { ...settings(), pageLinkSecret: pageLinkSecret() });
});

/** POST /slackInteractions: the Acknowledge and Resolve buttons. */
export const slackInteractions = onRequest({ secrets, invoker: 'public', ...limits }, async (req, res) => {
  if (refuseMisconfigured(res, secrets)) return;
  const { serveSlack } = await import('../app/httpAdapters.js');
  await serveSlack('interaction', req, res, settings());
});
