// Instants as senders write them: ISO 8601 text, or epoch seconds or
// milliseconds (as numbers or digits). One parser for alerts and deploys.

/** Longer date text is not a date (and is not worth parsing). */
const MAX_DATE_TEXT = 64;

/** A real date after 1971 from ISO text or epoch seconds/milliseconds; Go's zero time, garbage and blanks become null. */
export function parseInstant(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  let d: Date;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    d = new Date(value < 1e12 ? value * 1000 : value);
  } else if (typeof value === 'string') {
    const t = value.trim();
    if (t === '' || t.length > MAX_DATE_TEXT) return null;
    if (/^\d+(\.\d+)?$/.test(t)) return parseInstant(Number(t));
    d = new Date(t);
  } else return null;
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1971 ? null : d;
}
