// Firestore stores Dates as Timestamps; the domain works with Dates.
import type { DocumentData } from 'firebase-admin/firestore';

function isTimestamp(v: unknown): v is { toDate(): Date } {
  return typeof v === 'object' && v !== null && typeof (v as { toDate?: unknown }).toDate === 'function' && 'seconds' in v && 'nanoseconds' in v;
}

/** Turns every Timestamp inside a document into a Date. */
export function decode<T>(data: DocumentData | undefined): T {
  const walk = (v: unknown): unknown => {
    if (isTimestamp(v)) return v.toDate();
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(data) as T;
}
