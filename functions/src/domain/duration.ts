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
