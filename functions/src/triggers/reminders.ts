import { onSchedule } from 'firebase-functions/v2/scheduler';
import { REMINDER_TIME_ZONE } from '../params';

/** Every minute: SEV1/SEV2 incidents nobody acknowledged are announced again, with a louder mention each time. */
export const remindUnacknowledged = onSchedule({ schedule: 'every 1 minutes', timeZone: REMINDER_TIME_ZONE, retryCount: 0 }, async () => {
  const { remindUnacknowledged: remind } = await import('../app/reminders.js');
  await remind();
});

/** Daily at 09:00 (REMINDER_TIME_ZONE): overdue postmortems and action items, to their owners and the incident channel. */
export const remindOverdue = onSchedule({ schedule: 'every day 09:00', timeZone: REMINDER_TIME_ZONE, retryCount: 2 }, async () => {
  const { remindOverdue: remind } = await import('../app/reminders.js');
  const { reminderTimeZone } = await import('../app/timeZone.js');
  await remind(reminderTimeZone());
});
