// Durations and placeholders of drill scenarios: "90s", "2m", "1m30s",
// "500ms", and {n}, {drill}, {time}, {epoch}, {epochMs} with offsets.

import { parseDuration } from '../duration';

/** Without a drill start time, the times of a scenario count from here. */
export const DRILL_REFERENCE_TIME = new Date('2000-01-01T00:00:00.000Z');
// ---------------------------------------------------------------------------
// Placeholders

export const TIME_PLACEHOLDERS = ['time', 'epoch', 'epochMs'];
/** `{n}`, `{drill}`, `{time}`, `{epoch}`, `{epochMs}`; the time ones may carry an offset: `{time-2m45s}`. */
export const placeholderPattern = () => /\{(n|drill|time|epoch|epochMs)([+-][0-9a-z.]+)?\}/g;
export const WHOLE_EPOCH = /^\{epoch([+-][0-9a-z.]+)?\}$/;

/** Placeholders with an offset that is not valid (or on {n}/{drill}), with their path inside `value`. */
export function badPlaceholders(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; placeholder: string }[] {
  if (typeof value === 'string') {
    const probe: PlaceholderVars = { n: 1, drill: 'x', time: DRILL_REFERENCE_TIME };
    return [...value.matchAll(placeholderPattern())]
      .filter((m) => m[2] !== undefined && placeholderValue(m[1] ?? '', m[2], probe) === null)
      .map((m) => ({ path, placeholder: m[0] }));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => badPlaceholders(v, [...path, i]));
  if (isRecord(value)) return Object.entries(value).flatMap(([k, v]) => badPlaceholders(v, [...path, k]));
  return [];
}


export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** The map at `obj[key]`, created (or replaced, if it is not a map) when needed. */
export function child(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = obj[key];
  if (isRecord(v)) return v;
  const created: Record<string, unknown> = {};
  obj[key] = created;
  return created;
}

export interface PlaceholderVars {
  n: number;
  drill: string;
  time: Date;
}

/** The value of one placeholder, or null when its offset is not valid. */
export function placeholderValue(name: string, offset: string | undefined, vars: PlaceholderVars): string | null {
  let shiftMs = 0;
  if (offset !== undefined) {
    if (!TIME_PLACEHOLDERS.includes(name)) return null;
    const s = parseDuration(offset.replace(/^\+/, ''));
    if (s === null) return null;
    shiftMs = Math.round(s * 1000);
  }
  const t = vars.time.getTime() + shiftMs;
  switch (name) {
    case 'n':
      return String(vars.n);
    case 'drill':
      return vars.drill;
    case 'time':
      return new Date(t).toISOString();
    case 'epoch':
      return String(Math.floor(t / 1000));
    case 'epochMs':
      return String(t);
    default:
      return null;
  }
}

/** A deep copy of `value` with the placeholders substituted. */
export function substitute(value: unknown, vars: PlaceholderVars): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_EPOCH.exec(value);
    if (whole) {
      const v = placeholderValue('epoch', whole[1], vars);
      if (v !== null) return Number(v);
    }
    return value.replace(placeholderPattern(), (m: string, name: string, offset: string | undefined) => placeholderValue(name, offset, vars) ?? m);
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  return value;
}

/** Sets `key:value` in a Datadog tag list (text or array), replacing an existing `key:` tag, or appending it. */
