// Wall-clock dates and times in IANA time zones, for postmortems, reminders
// and the console. Pure: the instant comes in as an argument.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      throw new RangeError(`unknown time zone "${timeZone}" (use an IANA name such as "Europe/Paris" or "Etc/UTC")`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM:SS, 00-23 hours */
  time: string;
}

/** The wall-clock date and time of an instant in an IANA time zone. */
export function localTime(at: Date, timeZone = 'Etc/UTC'): LocalTime {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(at).map((p) => [p.type, p.value]));
  const hour = parts.hour === '24' ? '00' : parts.hour;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${hour}:${parts.minute}:${parts.second}` };
}

/** Whole calendar days from `from`'s local date to `to`'s local date. */
export function calendarDaysBetween(from: Date, to: Date, timeZone = 'Etc/UTC'): number {
  const day = (d: Date) => {
    const [y, m, dd] = localTime(d, timeZone).date.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, dd) / 86_400_000;
  };
  return day(to) - day(from);
}

// ---------------------------------------------------------------------------
// Wall-clock arithmetic (on-call rotations, restrictions).
//
// A "wall-clock time" is a reading of a zone's clocks, held as the milliseconds
// that reading would be if it were UTC (`Date.UTC(y, m, d, h, min, s)`). Adding
// a day to it is adding a calendar day whatever the DST rules say, so a daily
// hand-over at 09:00 stays at 09:00 on both sides of a change.

/** Milliseconds of one wall-clock day. */
export const WALL_DAY_MS = 86_400_000;

/** The wall-clock reading of the instant `at` (epoch ms) in `timeZone`, as wall-clock ms. */
export function wallClockOf(at: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const hour = get('hour');
  const ms = ((at % 1000) + 1000) % 1000;
  return Date.UTC(get('year'), get('month') - 1, get('day'), hour === 24 ? 0 : hour, get('minute'), get('second')) + ms;
}

/** The zone's offset from UTC at the instant `at`, in ms (Paris in summer: +7 200 000). */
export function utcOffsetAt(at: number, timeZone: string): number {
  return wallClockOf(at, timeZone) - at;
}

/**
 * The first instant (epoch ms) at which the clocks of `timeZone` read `wall`
 * or later. For a reading that happens once, that instant. For a reading that
 * happens twice (the repeated hour when clocks go back), the first time. For a
 * reading that never happens (the hour skipped when clocks go forward), the
 * instant the clocks jump past it: 02:30 on the morning Paris skips from 02:00
 * to 03:00 is 03:00 CEST. Monotonic: a later reading never maps to an earlier
 * instant (RFC 5545 and Temporal would put a skipped 02:30 at 03:30, which can
 * overtake a 03:00 hand-over; this rule cannot).
 * Assumes at most one offset change within a day of `wall` (true of every zone
 * in the IANA database since 1970, bar none in practical use).
 */
export function instantOfWallClock(wall: number, timeZone: string): number {
  const before = utcOffsetAt(wall - WALL_DAY_MS, timeZone);
  const after = utcOffsetAt(wall + WALL_DAY_MS, timeZone);
  const candidates = [...new Set([wall - before, wall - after])].filter((t) => wallClockOf(t, timeZone) === wall).sort((a, b) => a - b);
  if (candidates[0] !== undefined) return candidates[0];
  // In a gap: the reading is skipped. Find the first instant that reads later.
  let lo = Math.min(wall - before, wall - after);
  let hi = Math.max(wall - before, wall - after);
  if (wallClockOf(lo, timeZone) >= wall) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallClockOf(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** `2026-12-01T09:00:00` (or `2026-12-01T09:00`, or `2026-12-01`) → wall-clock ms; null when it is not a real date and time. */
export function parseWallClock(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  return check.getUTCFullYear() === y && check.getUTCMonth() === mo - 1 && check.getUTCDate() === d ? wall : null;
}

/** Wall-clock ms → `2026-12-01T09:00:00`. */
export function formatWallClock(wall: number): string {
  return new Date(wall).toISOString().slice(0, 19);
}

/** Day of the week of a wall-clock time: 0 = Sunday … 6 = Saturday. */
export function weekdayOfWallClock(wall: number): number {
  return new Date(Math.floor(wall / WALL_DAY_MS) * WALL_DAY_MS).getUTCDay();
}
