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
