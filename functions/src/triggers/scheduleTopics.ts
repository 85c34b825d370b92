import { onMessagePublished } from 'firebase-functions/v2/pubsub';

// Local only. The emulator exposes each scheduled function as a Pub/Sub topic
// `firebase-schedule-<name>`, but its Pub/Sub emulator can only deliver to
// event-style functions, not to 2nd-gen schedules ("Unsupported trigger
// signature: http"). These companions listen on those topics and run the same
// code, so a schedule can be fired on demand by publishing to its topic. They
// exist only when the Functions emulator loads this module: never deployed.
const onEmulator = process.env.FUNCTIONS_EMULATOR === 'true';

/** A message may say when the schedule is to think it runs (`{"at": "<ISO time>"}`, for tests); else now. */
type Run = (at: Date) => Promise<unknown>;
const companion = (name: string, run: Run) =>
  onEmulator
    ? onMessagePublished<{ at?: string }>(`firebase-schedule-${name}`, async (event) => {
        const at = new Date(event.data.message.json?.at ?? Date.now());
        await run(Number.isNaN(at.getTime()) ? new Date() : at);
      })
    : undefined;

export const remindUnacknowledgedOnTopic = companion('remindUnacknowledged', async (at) => (await import('../app/reminders.js')).remindUnacknowledged(at));

export const remindOverdueOnTopic = companion('remindOverdue', async (at) => {
  const { remindOverdue } = await import('../app/reminders.js');
  const { reminderTimeZone } = await import('../app/timeZone.js');
  return remindOverdue(reminderTimeZone(), at);
});

export const finishDrillsOnTopic = companion('finishDrills', async (at) => (await import('../app/drills.js')).finishOverdueDrills(at));

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
