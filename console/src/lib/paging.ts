// The incident page's paging section: who was paged, on which channel, with
// what result, and who acknowledged (incidents/{id}/pages, paging/c{cycle} and
// the timeline's acknowledgements). Pure: the page reads the documents.
import { toDate } from './format';
import type { TimelineRow } from './incidents';

/** incidents/{id}/pages/{pageId} as stored (app/pagingPorts.ts PageRecord). */
export interface PageRow {
  id: string;
  uid?: unknown;
  cycle?: unknown;
  level?: unknown;
  round?: unknown;
  step?: unknown;
  channel?: unknown;
  status?: unknown;
  at?: unknown;
  error?: unknown;
  to?: unknown;
  acknowledgedAt?: unknown;
  via?: unknown;
}

/** incidents/{id}/paging/c{cycle} as stored (EscalationState). */
export interface EscalationRow {
  id: string;
  cycle?: unknown;
  status?: unknown;
  reason?: unknown;
  policyId?: unknown;
  level?: unknown;
  round?: unknown;
  nextAt?: unknown;
}

export interface Attempt {
  id: string;
  channel: string;
  status: string;
  at: Date | null;
  to: string | null;
  error: string | null;
  via: string | null;
}

/** One person paged at one level of one round of one cycle, with their channel attempts in order. */
export interface PagedPerson {
  uid: string;
  cycle: number;
  level: number;
  round: number;
  attempts: Attempt[];
  acknowledged: boolean;
}

export interface Acknowledgement {
  actor: string;
  /** The channel it came from (email, sms, voice, slack…), when known. */
  via: string | null;
  at: Date | null;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
const ms = (d: Date | null) => d?.getTime() ?? Number.POSITIVE_INFINITY;

/** Pages grouped by person and level: earliest cycle, level and round first; attempts oldest first. */
export function pagedPeople(pages: readonly PageRow[]): PagedPerson[] {
  const groups = new Map<string, PagedPerson>();
  for (const p of pages) {
    const uid = str(p.uid);
    if (!uid) continue;
    const cycle = num(p.cycle);
    const level = num(p.level);
    const round = num(p.round);
    const key = `${cycle}/${level}/${round}/${uid}`;
    const g = groups.get(key) ?? { uid, cycle, level, round, attempts: [], acknowledged: false };
    const status = str(p.status) ?? 'unknown';
    g.attempts.push({ id: p.id, channel: str(p.channel) ?? 'unknown', status, at: toDate(p.at), to: str(p.to), error: str(p.error), via: str(p.via) });
    if (status === 'acknowledged') g.acknowledged = true;
    groups.set(key, g);
  }
  const out = [...groups.values()];
  for (const g of out) g.attempts.sort((a, b) => ms(a.at) - ms(b.at) || a.id.localeCompare(b.id));
  const first = (g: PagedPerson) => ms(g.attempts[0]?.at ?? null);
  return out.sort((a, b) => a.cycle - b.cycle || a.level - b.level || a.round - b.round || first(a) - first(b) || a.uid.localeCompare(b.uid));
}

/** Attempts per channel and status, e.g. { sms: { sent: 2, failed: 1 } }. */
export function channelCounts(pages: readonly PageRow[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const p of pages) {
    const channel = str(p.channel) ?? 'unknown';
    const status = str(p.status) ?? 'unknown';
    const c = (out[channel] ??= {});
    c[status] = (c[status] ?? 0) + 1;
  }
  return out;
}

/** Who acknowledged, from the timeline's status changes to `acknowledged` (any source: console, Slack, a page's link, SMS or voice), oldest first. */
export function acknowledgements(timeline: readonly TimelineRow[]): Acknowledgement[] {
  return timeline
    .filter((e) => e.type === 'status_changed' && e.data?.to === 'acknowledged')
    .map((e) => ({ actor: e.actor ?? '', via: str(e.data?.via), at: toDate(e.at) }))
    .sort((a, b) => ms(a.at) - ms(b.at));
}

/** The latest escalation cycle's state, in words. */
export function escalationWords(rows: readonly EscalationRow[], levelCount: (policyId: string) => number | null): string | null {
  const last = [...rows].sort((a, b) => num(b.cycle) - num(a.cycle))[0];
  if (!last) return null;
  const status = str(last.status);
  const policy = str(last.policyId);
  const reason = str(last.reason);
  const levels = policy ? levelCount(policy) : null;
  const at = last.level == null ? '' : ` at level ${num(last.level) + 1}${levels ? ` of ${levels}` : ''}${num(last.round) > 0 ? `, round ${num(last.round) + 1}` : ''}`;
  const of = policy ? ` (policy ${policy})` : '';
  switch (status) {
    case 'paging':
      return `Paging${at}${of}`;
    case 'stopped':
      return `Stopped${at}${of}${reason ? `: ${reason}` : ''}`;
    case 'exhausted':
      return `Nobody acknowledged: escalation ended${of}`;
    case 'not_paged':
      return `Not paged${reason ? `: ${reason}` : ''}`;
    default:
      return status ? `${status}${of}` : null;
  }
}
