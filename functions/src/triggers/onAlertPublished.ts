import { onMessagePublished } from 'firebase-functions/v2/pubsub';

/** Messages older than this are no longer retried: they are stored in rejectedAlerts instead. */
export const MAX_EVENT_AGE_MS = 24 * 60 * 60 * 1000;

/** A message on `alerts` becomes incidents. Retried on failure; deduplicated on the Pub/Sub messageId. */
export const onAlertPublished = onMessagePublished({ topic: 'alerts', retry: true }, async (event) => {
  const { handleAlertEvent } = await import('../app/pubsubAdapters.js');
  await handleAlertEvent(event, MAX_EVENT_AGE_MS);
});
