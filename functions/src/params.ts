// Every secret and param of the pipeline, declared once (contract §1).
// Read them with `.value()` inside a handler, never at import time.
import { defineSecret, defineString } from 'firebase-functions/params';

export const ALERT_WEBHOOK_TOKEN = defineSecret('ALERT_WEBHOOK_TOKEN');
export const DEPLOY_WEBHOOK_TOKEN = defineSecret('DEPLOY_WEBHOOK_TOKEN');
export const SLACK_BOT_TOKEN = defineSecret('SLACK_BOT_TOKEN');
export const SLACK_SIGNING_SECRET = defineSecret('SLACK_SIGNING_SECRET');
/** Verifies Grafana's X-Grafana-Alerting-Signature (HMAC-SHA256); `none` = not used. */
export const GRAFANA_WEBHOOK_SECRET = defineSecret('GRAFANA_WEBHOOK_SECRET');
/** Verifies Sentry's Sentry-Hook-Signature (the integration's client secret); `none` = not used. */
export const SENTRY_CLIENT_SECRET = defineSecret('SENTRY_CLIENT_SECRET');
/** Signs the status page's confirm and unsubscribe links (HMAC-SHA256). */
export const STATUS_LINK_SECRET = defineSecret('STATUS_LINK_SECRET');

export const SLACK_API_URL = defineString('SLACK_API_URL', {
  default: 'https://slack.com/api/',
  description: 'Slack Web API base URL (GovSlack, or a test server, use another)',
});
export const INCIDENTS_CHANNEL = defineString('INCIDENTS_CHANNEL', {
  default: '#incidents',
  description: 'Channel where every incident is announced',
});
export const TRAINING_CHANNEL = defineString('TRAINING_CHANNEL', {
  default: '#incident-drills',
  description: 'Channel where drill incidents are announced instead',
});
export const CONSOLE_URL = defineString('CONSOLE_URL', {
  default: 'http://127.0.0.1:5000',
  description: 'Base URL of the responder console, for links in Slack',
});
export const REMINDER_TIME_ZONE = defineString('REMINDER_TIME_ZONE', {
  default: 'Etc/UTC',
  description: 'Time zone of the scheduled reminders',
});

/** A secret that was never set, or set to a placeholder, counts as absent. */
export function optionalSecret(value: string | undefined): string | null {
  const v = (value ?? '').trim();
  return v === '' || v === '-' || v.toLowerCase() === 'none' ? null : v;
}

/** Reads a secret without throwing when it is not available (emulator without .secret.local). */
export function readSecret(secret: { value(): string }): string | null {
  try {
    return optionalSecret(secret.value());
  } catch {
    return null;
  }
}
