import { onRequest } from 'firebase-functions/v2/https';
import { CONSOLE_URL, readSecret, SLACK_API_URL, SLACK_APP_ID, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_TEAM_ID } from '../params';

const settings = () => ({
  signingSecret: readSecret(SLACK_SIGNING_SECRET),
  token: readSecret(SLACK_BOT_TOKEN),
  apiUrl: SLACK_API_URL.value(),
  consoleUrl: CONSOLE_URL.value(),
  teamId: SLACK_TEAM_ID.value().trim() || null,
  appId: SLACK_APP_ID.value().trim() || null,
});

/** POST /slackCommands: the `/incident` slash command. */
export const slackCommands = onRequest({ secrets: [SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN], invoker: 'public' }, async (req, res) => {
  const { serveSlack } = await import('../app/httpAdapters.js');
  await serveSlack('command', req, res, settings());
});

/** POST /slackInteractions: the Acknowledge and Resolve buttons. */
export const slackInteractions = onRequest({ secrets: [SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN], invoker: 'public' }, async (req, res) => {
  const { serveSlack } = await import('../app/httpAdapters.js');
  await serveSlack('interaction', req, res, settings());
});
