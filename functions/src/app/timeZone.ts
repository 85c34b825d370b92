import { isValidTimeZone } from '../domain/postmortem';
import { log } from '../adapters/logs';
import { REMINDER_TIME_ZONE } from '../params';

/** The REMINDER_TIME_ZONE param, checked (an unknown zone falls back to UTC with a warning). */
export function reminderTimeZone(): string {
  const tz = REMINDER_TIME_ZONE.value() || 'Etc/UTC';
  if (isValidTimeZone(tz)) return tz;
  log.warn(`REMINDER_TIME_ZONE "${tz}" is not an IANA time zone; using Etc/UTC`, { event: 'config_warning', param: 'REMINDER_TIME_ZONE' });
  return 'Etc/UTC';
}
