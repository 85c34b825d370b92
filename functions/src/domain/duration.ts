import { z } from 'zod';
// How long something took, in words people read: the two most significant
// units, zero units left out (`4 min 12 s`, `1 h 2 min`, `2 h`). Used by
// postmortems, Slack, deploy timeline entries and drill reports alike.

/** `252` → `4 min 12 s`; the two most significant units, zero units left out. */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.round(Math.abs(seconds));
  if (rest === 0) return '0 s';
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ];
  const parts: [number, string][] = [];
  for (const [name, size] of units) {
    parts.push([Math.floor(rest / size), name]);
    rest %= size;
  }
  const first = parts.findIndex(([n]) => n > 0);
  const shown = parts.slice(first, first + 2).filter(([n]) => n > 0);
  return sign + shown.map(([n, name]) => `${n} ${name}`).join(' ');
}

/** Whole minutes, in the same words (`23 min`, `1 h 5 min`, `2 h`). */
export function formatMinutes(minutes: number): string {
  return formatDuration(Math.round(minutes) * 60);
}

// ---------------------------------------------------------------------------
// Durations as people write them, in config files, scenarios and Slack:
// a number of seconds, or units together, largest first as Alertmanager
// writes them: `90s`, `10m`, `2h`, `1d`, `1w`, `1h30m`, `1m30s`, `500ms`.

const UNIT_SECONDS = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1, ms: 0.001 } as const;
const DURATION = /^(-)?((?:\d+(?:\.\d+)?(?:ms|w|d|h|m|s))+)$/;
const PART = /(\d+(?:\.\d+)?)(ms|w|d|h|m|s)/g;

export const DURATION_HELP = 'a duration such as 30s, 10m, 2h, 1d, 1w or 1h30m';

/**
 * Seconds from a duration text (`1h30m`, `500ms`, `-2m`) or a number of
 * seconds (`90`, 90); null when it is neither. Callers that want a whole,
 * positive or bounded duration check that themselves.
 */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const s = value.replace(/\s+/g, '').toLowerCase();
  if (s.length === 0 || s.length > 64) return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  const m = DURATION.exec(s);
  if (!m?.[2]) return null;
  let total = 0;
  for (const part of m[2].matchAll(PART)) total += Number(part[1]) * UNIT_SECONDS[(part[2] ?? 's') as keyof typeof UNIT_SECONDS];
  total = Math.round(total * 1000) / 1000;
  return m[1] ? -total : total;
}

/** 5400 → `1h30m`: the notation back, largest unit first, zero units left out (whole seconds). */
export function durationText(seconds: number): string {
  let rest = Math.round(Math.abs(seconds));
  if (rest === 0) return '0s';
  let out = '';
  // Weeks only for a whole number of weeks: "31d" reads better than "4w3d".
  const units = rest % UNIT_SECONDS.w === 0 ? (['w'] as const) : (['d', 'h', 'm', 's'] as const);
  for (const unit of units) {
    const n = Math.floor(rest / UNIT_SECONDS[unit]);
    if (n > 0) out += `${n}${unit}`;
    rest %= UNIT_SECONDS[unit];
  }
  return seconds < 0 ? `-${out}` : out;
}

/**
 * A zod schema for a duration field: the text (or a number of seconds),
 * validated and turned into milliseconds; `min`/`max` in milliseconds too.
 */
export function durationSchema(name: string, opts: { min?: number; max?: number } = {}) {
  return z
    .union([z.string(), z.number()], { error: (i) => (i.input === undefined ? `${name} is required` : `${name} must be ${DURATION_HELP}`) })
    .transform((v, ctx) => {
      const seconds = parseDuration(v);
      const ms = seconds === null || seconds < 0 ? null : Math.round(seconds * 1000);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `${name} must be ${DURATION_HELP}, not ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      if (opts.min !== undefined && ms < opts.min) {
        ctx.addIssue({ code: 'custom', message: `${name} must be at least ${durationText(opts.min / 1000)} (got ${durationText(ms / 1000)})` });
        return z.NEVER;
      }
      if (opts.max !== undefined && ms > opts.max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be at most ${durationText(opts.max / 1000)} (got ${durationText(ms / 1000)})` });
        return z.NEVER;
      }
      return ms;
    });
}
