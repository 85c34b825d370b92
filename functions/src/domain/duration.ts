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
// Durations as config writes them (on-call shifts, escalation delays,
// notification rules): `<n>s`, `<n>m`, `<n>h`, `<n>d` or `<n>w`.

const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 } as const;
export type DurationUnit = keyof typeof UNIT_SECONDS;

export const DURATION_HELP = 'a duration such as 30s, 5m, 12h, 1d or 1w (a whole number and one unit: s, m, h, d or w)';

/** `5m` → 300; `0m` → 0; anything else (`5`, `1h30m`, `-5m`, `1.5h`) → null. */
export function parseDurationText(text: string): number | null {
  const m = /^(\d{1,6})\s*([smhdw])$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * UNIT_SECONDS[m[2] as DurationUnit];
}

/** 300 → `5m`, 90 000 → `25h`, 604 800 → `1w`: the largest unit that divides it. */
export function durationText(seconds: number): string {
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    if (seconds !== 0 && seconds % UNIT_SECONDS[unit] === 0) return `${seconds / UNIT_SECONDS[unit]}${unit}`;
  }
  return `${seconds}s`;
}
