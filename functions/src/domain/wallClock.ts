// Wall-clock times in IANA time zones as "floating" milliseconds: the UTC
// fields of the number are the local date and time (02:00 in Paris is
// Date.UTC(…, 2, 0)). Recurrence rules are evaluated on floating times, so a
// window "every Sunday 02:00 Europe/Paris" is at 02:00 on the local clock on
// both sides of a daylight-saving change; instantOf turns the local time back
// into the real instant. Pure: every instant comes in as an argument.
import { localTime } from './timeZones';

const MINUTE = 60_000;
const offsets = new Map<string, number>();

/**
 * The zone's offset from UTC at an instant, in milliseconds (Paris in winter:
 * +3,600,000). Offsets change on whole minutes, so each minute is looked up once.
 */
export function offsetAt(at: Date, timeZone: string): number {
  const minute = Math.floor(at.getTime() / MINUTE) * MINUTE;
  const key = `${timeZone}|${minute}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const { date, time } = localTime(new Date(minute), timeZone);
    const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
    const [h, mi] = time.split(':').map(Number) as [number, number];
    offset = Date.UTC(y, mo - 1, d, h, mi) - minute;
    if (offsets.size >= 10_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** The local wall-clock time of an instant, as floating milliseconds. */
export function wallClockMs(at: Date, timeZone: string): number {
  return at.getTime() + offsetAt(at, timeZone);
}

const DAY_MS = 86_400_000;

/**
 * The instant at which the clocks of `timeZone` show the floating time
 * `wall`. As RFC 5545 says for DTSTART: a local time that occurs twice (the
 * hour repeated when the clocks go back) is the first of the two; one that
 * does not exist (the hour skipped when they go forward) is read with the
 * offset from before the gap, so 02:30 on the night Paris skips 02:00-03:00 is
 * 01:30 UTC, which the clocks show as 03:30.
 */
export function instantOf(wall: number, timeZone: string): Date {
  const before = offsetAt(new Date(wall - DAY_MS), timeZone);
  const after = offsetAt(new Date(wall + DAY_MS), timeZone);
  const fits = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((t) => wallClockMs(new Date(t), timeZone) === wall)
    .sort((a, b) => a - b);
  return new Date(fits[0] ?? wall - before);
}
