import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { SLACK_BOT_TOKEN, STATUS_LINK_SECRET } from '../params';

/** Rescheduled outbox deliveries: after a 429's Retry-After, a 5xx back-off, or a busy incident. */
export const deliverNotification = onTaskDispatched<{ notificationId: string; dueAt?: number }>(
  // A delivery drains for at most 45 s (then it reschedules itself), inside a 60 s timeout.
  { secrets: [SLACK_BOT_TOKEN, STATUS_LINK_SECRET], timeoutSeconds: 60, retryConfig: { maxAttempts: 100, minBackoffSeconds: 1, maxBackoffSeconds: 60, maxDoublings: 3 }, rateLimits: { maxConcurrentDispatches: 20 } },
  async (req) => {
    const { deliverNotification: deliver } = await import('../app/outbox.js');
    const { outboxDeps } = await import('../app/compose.js');
    const { slackSettings } = await import('../app/slackSettings.js');
    const { stakeholderSettings } = await import('../app/stakeholderSettings.js');
    const { assertDue } = await import('../adapters/tasks.js');
    assertDue(req.data.dueAt);
    await deliver(req.data.notificationId, outboxDeps(slackSettings(), stakeholderSettings()));
  },
);
