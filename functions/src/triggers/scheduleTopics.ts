import { onMessagePublished } from 'firebase-functions/v2/pubsub';

// Local only. The emulator exposes each scheduled function as a Pub/Sub topic
// `firebase-schedule-<name>`, but its Pub/Sub emulator can only deliver to
// event-style functions, not to 2nd-gen schedules ("Unsupported trigger
// signature: http"). These companions listen on those topics and run the same
// code, so a schedule can be fired on demand by publishing to its topic. They
// exist only when the Functions emulator loads this module: never deployed.
const onEmulator = process.env.FUNCTIONS_EMULATOR === 'true';

const companion = (name: string, run: () => Promise<unknown>) => (onEmulator ? onMessagePublished(`firebase-schedule-${name}`, run) : undefined);

export const remindUnacknowledgedOnTopic = companion('remindUnacknowledged', async () => (await import('../app/reminders.js')).remindUnacknowledged());

export const remindOverdueOnTopic = companion('remindOverdue', async () => {
  const { remindOverdue } = await import('../app/reminders.js');
  const { reminderTimeZone } = await import('../app/timeZone.js');
  return remindOverdue(reminderTimeZone());
});

export const finishDrillsOnTopic = companion('finishDrills', async () => (await import('../app/drills.js')).finishOverdueDrills());

export const redriveNotificationsOnTopic = companion('redriveNotifications', async () => {
  const { redriveStalled } = await import('../app/outbox.js');
  const { deps } = await import('../app/compose.js');
  const { firestoreOutbox } = await import('../adapters/outbox.js');
  return redriveStalled({ ...deps(), outbox: firestoreOutbox });
});

export const watchHeartbeatsOnTopic = companion('watchHeartbeats', async () => {
  const { watchHeartbeats } = await import('../app/heartbeats.js');
  const { noiseDeps } = await import('../app/compose.js');
  return watchHeartbeats(noiseDeps());
});
