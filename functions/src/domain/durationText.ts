// Durations that people write in config files and Slack: `90s`, `10m`, `2h`,
// `1d`, `1w`, or units together, largest first (`1h30m`, `1d12h`), as
// Alertmanager writes them. The units of the contract (§10): s, m, h, d, w.
import { z } from 'zod';

const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
const DURATION_TEXT = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

export const DURATION_HELP = 'a duration such as 30s, 10m, 2h, 1d, 1w or 1h30m';

/** `1h30m` → 5,400,000 (milliseconds); null when it is not a duration. */
export function parseDurationText(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === '') return null;
  const m = DURATION_TEXT.exec(t);
  if (!m) return null;
  const units = [UNIT_MS.w, UNIT_MS.d, UNIT_MS.h, UNIT_MS.m, UNIT_MS.s];
  let ms = 0;
  for (const [i, size] of units.entries()) ms += Number(m[i + 1] ?? 0) * size;
  return ms;
}

/** 5,400,000 → `1h30m`: the same notation back, largest unit first, zero units left out. */
export function formatDurationText(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = Math.round(ms / 1000) * 1000;
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest %= size;
  }
  return out;
}

/**
 * A zod schema for a duration field: the text (or a number of seconds),
 * validated and turned into milliseconds. `min`/`max` are milliseconds too.
 */
export function durationSchema(name: string, opts: { min?: number; max?: number } = {}) {
  return z
    .union([z.string(), z.number()], { error: (i) => (i.input === undefined ? `${name} is required` : `${name} must be ${DURATION_HELP}`) })
    .transform((v, ctx) => {
      const ms = typeof v === 'number' ? (Number.isFinite(v) && v >= 0 ? v * 1000 : null) : parseDurationText(v);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `${name} must be ${DURATION_HELP}, not ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      if (opts.min !== undefined && ms < opts.min) {
        ctx.addIssue({ code: 'custom', message: `${name} must be at least ${formatDurationText(opts.min)} (got ${formatDurationText(ms)})` });
        return z.NEVER;
      }
      if (opts.max !== undefined && ms > opts.max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be at most ${formatDurationText(opts.max)} (got ${formatDurationText(ms)})` });
        return z.NEVER;
      }
      return ms;
    });
}
