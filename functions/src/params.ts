// Every secret and param of the pipeline, declared once (contract §1).
// Read them with `.value()` inside a handler, never at import time.
import { defineSecret, defineString } from 'firebase-functions/params';
import * as logger from 'firebase-functions/logger';
import { isLoopbackUrl, secretProblem } from './domain/secrets';

export const ALERT_WEBHOOK_TOKEN = defineSecret('ALERT_WEBHOOK_TOKEN');
/**
 * Per-source alert tokens, a JSON object such as {"sentry": "…", "cloud-monitoring": "…"};
 * a source listed here accepts only its own token. `none` = not used.
 */
export const ALERT_WEBHOOK_TOKENS = defineSecret('ALERT_WEBHOOK_TOKENS');
export const DEPLOY_WEBHOOK_TOKEN = defineSecret('DEPLOY_WEBHOOK_TOKEN');
export const SLACK_BOT_TOKEN = defineSecret('SLACK_BOT_TOKEN');
export const SLACK_SIGNING_SECRET = defineSecret('SLACK_SIGNING_SECRET');
/** Verifies Grafana's X-Grafana-Alerting-Signature (HMAC-SHA256); `none` = not used. */
export const GRAFANA_WEBHOOK_SECRET = defineSecret('GRAFANA_WEBHOOK_SECRET');
/** Verifies Sentry's Sentry-Hook-Signature (the integration's client secret); `none` = not used. */
export const SENTRY_CLIENT_SECRET = defineSecret('SENTRY_CLIENT_SECRET');
/** Twilio account (AC…); `none` = SMS and voice pages are recorded as skipped. */
export const TWILIO_ACCOUNT_SID = defineSecret('TWILIO_ACCOUNT_SID');
/** Twilio auth token: authenticates REST calls and verifies X-Twilio-Signature on inbound webhooks. */
export const TWILIO_AUTH_TOKEN = defineSecret('TWILIO_AUTH_TOKEN');
/** Signs the one-time acknowledgement links of pages (and calendar feed tokens). */
export const PAGE_LINK_SECRET = defineSecret('PAGE_LINK_SECRET');
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
export const TWILIO_API_URL = defineString('TWILIO_API_URL', {
  default: 'https://api.twilio.com',
  description: 'Twilio REST API base URL (tests point it at a loopback Twilio)',
});
export const TWILIO_FROM = defineString('TWILIO_FROM', {
  default: 'none',
  description: 'Sender of SMS and calls: an E.164 Twilio number (+15551234567), or a Messaging Service SID (MG…) for SMS; `none` = no SMS or voice',
});
export const SLACK_TEAM_ID = defineString('SLACK_TEAM_ID', {
  default: '',
  description: 'The Slack workspace (team id, T0123ABCD) whose slash commands and buttons are served; empty = not checked',
});
export const SLACK_APP_ID = defineString('SLACK_APP_ID', {
  default: '',
  description: 'The Slack app (api_app_id, A0123ABCD) whose requests are served; empty = not checked',
});
export const REMINDER_TIME_ZONE = defineString('REMINDER_TIME_ZONE', {
  default: 'Etc/UTC',
  description: 'Time zone of the scheduled reminders',
});

type Secret = ReturnType<typeof defineSecret>;

/** The shortest value each secret can have in production (Slack signing secrets are 32 hex digits). */
const MIN_LENGTH: Record<string, number> = { SLACK_SIGNING_SECRET: 32 };
const DEFAULT_MIN_LENGTH = 16;

const onEmulator = () => process.env.FUNCTIONS_EMULATOR === 'true';

/**
 * Outside the emulator: the secrets among `secrets` that are set (not `none`)
 * but left at a published local default or too short, each logged as an
 * error that names it. On the emulator the local defaults are the point.
 */
export function misconfiguredSecrets(secrets: Secret[]): string[] {
  if (onEmulator()) return [];
  const problems: string[] = [];
  for (const secret of secrets) {
    const value = readSecret(secret);
    if (value === null) continue;
    const problem = secretProblem(secret.name, value, MIN_LENGTH[secret.name] ?? DEFAULT_MIN_LENGTH);
    if (problem) {
      problems.push(secret.name);
      logger.error(problem, { event: 'secret_misconfigured', secret: secret.name });
    }
  }
  return problems;
}

/**
 * For a public HTTP function: answers 503 (and returns true) when one of its
 * secrets is misconfigured, so a published default never guards production.
 */
export function refuseMisconfigured(res: { status(n: number): { json(b: unknown): unknown }; set(k: string, v: string): unknown }, secrets: Secret[]): boolean {
  const bad = misconfiguredSecrets(secrets);
  if (bad.length === 0) return false;
  res.set('Retry-After', '300');
  res.status(503).json({ error: 'this endpoint is not configured yet: a secret it needs still has a placeholder value (its operators can see which in the function logs)' });
  return true;
}

let consoleUrlChecked = false;

/** CONSOLE_URL, with an error logged (once per instance) when production links would point at a loopback address. */
export function consoleUrl(): string {
  const url = CONSOLE_URL.value();
  if (!consoleUrlChecked && !onEmulator() && isLoopbackUrl(url)) {
    logger.error(`CONSOLE_URL is ${url}, a loopback address: links in Slack, emails and SMS will not open for anyone. Set CONSOLE_URL in .env.<project-id> (e.g. https://<project-id>.web.app).`, { event: 'config_error', param: 'CONSOLE_URL' });
  }
  consoleUrlChecked = true;
  return url;
}

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
