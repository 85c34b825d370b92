import { consoleUrl, INCIDENTS_CHANNEL, misconfiguredSecrets, readSecret, SLACK_API_URL, SLACK_BOT_TOKEN, TRAINING_CHANNEL } from '../params';
import { log } from '../adapters/logs';
import type { SlackSettings } from './deliverNotification';

/** The Slack params and secret, read inside a handler. */
export function slackSettings(): SlackSettings {
  return {
    // A placeholder token is logged as an error and treated as no token.
    token: misconfiguredSecrets([SLACK_BOT_TOKEN]).length ? null : readSecret(SLACK_BOT_TOKEN),
    apiUrl: SLACK_API_URL.value() || 'https://slack.com/api/',
    incidentsChannel: channel('INCIDENTS_CHANNEL', INCIDENTS_CHANNEL.value(), '#incidents'),
    trainingChannel: channel('TRAINING_CHANNEL', TRAINING_CHANNEL.value(), '#incident-drills'),
    consoleUrl: consoleUrl(),
  };
}

/** An empty channel param (often an unquoted `#name` in a dotenv file, where # starts a comment) falls back to the default. */
function channel(name: string, value: string, fallback: string): string {
  if (value.trim()) return value.trim();
  log.warn(`${name} is empty; using ${fallback}. In .env files, quote it: ${name}="${fallback}"`, { event: 'config_warning', param: name });
  return fallback;
}
