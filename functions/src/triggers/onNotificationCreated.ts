import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { SLACK_BOT_TOKEN, STATUS_LINK_SECRET } from '../params';

/** The outbox: each notification document is delivered by this retried trigger (idempotent by its status): the status page and mails, then Slack. */
export const onNotificationCreated = onDocumentCreated({ document: 'notifications/{notificationId}', retry: true, secrets: [SLACK_BOT_TOKEN, STATUS_LINK_SECRET] }, async (event) => {
  const { deliverNotification } = await import('../app/outbox.js');
  const { outboxDeps } = await import('../app/compose.js');
  const { slackSettings } = await import('../app/slackSettings.js');
  const { stakeholderSettings } = await import('../app/stakeholderSettings.js');
  const { withRetries } = await import('../app/retry.js');
  await withRetries(() => deliverNotification(event.params.notificationId, outboxDeps(slackSettings(), stakeholderSettings())));
});
