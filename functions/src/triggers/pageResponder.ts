import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { consoleUrl, misconfiguredSecrets, optionalSecret, PAGE_LINK_SECRET, readSecret, SLACK_API_URL, SLACK_BOT_TOKEN, TWILIO_ACCOUNT_SID, TWILIO_API_URL, TWILIO_AUTH_TOKEN, TWILIO_FROM } from '../params';

const secrets = [SLACK_BOT_TOKEN, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PAGE_LINK_SECRET];

/** A secret in effect: null when unset, `none`, or (outside the emulator) a published placeholder, which is logged. */
const secret = (s: (typeof secrets)[number]) => (misconfiguredSecrets([s]).length ? null : readSecret(s));

/** One person's notification rules for one escalation level: the steps due now, on each channel (app/paging.ts). */
export const pageResponder = onTaskDispatched<Record<string, unknown> & { dueAt?: number }>(
  { secrets, timeoutSeconds: 60, retryConfig: { maxAttempts: 5, minBackoffSeconds: 1, maxBackoffSeconds: 30 }, rateLimits: { maxConcurrentDispatches: 20 } },
  async (req) => {
    const { runNotification } = await import('../app/paging.js');
    const { notifyDeps } = await import('../app/compose.js');
    const { assertDue } = await import('../adapters/tasks.js');
    assertDue(req.data.dueAt);
    await runNotification(
      req.data,
      notifyDeps({
        slackToken: secret(SLACK_BOT_TOKEN),
        slackApiUrl: SLACK_API_URL.value() || 'https://slack.com/api/',
        consoleUrl: consoleUrl(),
        pageLinkSecret: secret(PAGE_LINK_SECRET),
        twilio: { accountSid: secret(TWILIO_ACCOUNT_SID), authToken: secret(TWILIO_AUTH_TOKEN), apiUrl: TWILIO_API_URL.value() || 'https://api.twilio.com', from: optionalSecret(TWILIO_FROM.value()) },
      }),
    );
  },
);
