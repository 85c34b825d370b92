import { onSchedule } from 'firebase-functions/v2/scheduler';

/** Every 2 minutes: notifications still pending or retrying well after their time (their trigger or task was lost) get a delivery task. */
export const redriveNotifications = onSchedule({ schedule: 'every 2 minutes', retryCount: 0 }, async () => {
  const { redriveStalled } = await import('../app/outbox.js');
  const { deps } = await import('../app/compose.js');
  const { firestoreOutbox } = await import('../adapters/outbox.js');
  await redriveStalled({ ...deps(), outbox: firestoreOutbox });
});
