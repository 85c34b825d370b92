// The incident channel's name: inc-<yyyymmdd>-<service>-<n>, a valid Slack
// channel name (lowercase letters, digits, `-` and `_`, at most 80 characters).
export const MAX_CHANNEL_NAME = 80;

export interface ChannelNameInput {
  createdAt: Date;
  service: string | null;
  /** The incident's number that day (or any disambiguating counter), ≥ 0. */
  n: number;
  /** Default `inc`. */
  prefix?: string;
}

/** Lowercase, accents dropped, anything outside [a-z0-9_] becomes one `-`, no `-`/`_` at either end. */
export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
}

function yyyymmdd(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`;
}

export function incidentChannelName({ createdAt, service, n, prefix = 'inc' }: ChannelNameInput): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`channel number must be a whole number ≥ 0, got ${n}`);
  if (Number.isNaN(createdAt.getTime())) throw new RangeError('createdAt is not a valid date');
  const pre = slug(prefix).slice(0, 20).replace(/[-_]+$/, '') || 'inc';
  const fixed = `${pre}-${yyyymmdd(createdAt)}--${n}`; // everything but the service slug
  const room = MAX_CHANNEL_NAME - fixed.length;
  const svc = slug(service ?? '').slice(0, Math.max(0, room)).replace(/[-_]+$/, '') || 'incident'.slice(0, Math.max(1, room));
  return `${pre}-${yyyymmdd(createdAt)}-${svc}-${n}`;
}
