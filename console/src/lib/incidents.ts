// The incident list's filters and ordering, and the timeline's order. Pure.
import { type Incident, INCIDENT_STATUSES, type IncidentStatus, isOpen, SEVERITIES, type Severity, severityRank, type Stored } from '../../../functions/src/domain/types';
import { toDate } from './format';

/** What the list needs of an incident document (its fields as Firestore returns them). */
export type IncidentRow = Stored<Incident> & { id: string };

export type StatusFilter = 'open' | 'all' | IncidentStatus;

export interface IncidentFilter {
  status: StatusFilter;
  severity: 'all' | Severity;
  /** '' for every service. */
  service: string;
}

export const DEFAULT_FILTER: IncidentFilter = { status: 'open', severity: 'all', service: '' };

export const STATUS_FILTERS: readonly StatusFilter[] = ['open', 'all', ...INCIDENT_STATUSES];

/** The filter a `#/incidents?status=…&sev=…&service=…` query asks for; unknown values fall back to the defaults. */
export function filterFromQuery(q: Record<string, string | undefined>): IncidentFilter {
  const status = STATUS_FILTERS.includes(q.status as StatusFilter) ? (q.status as StatusFilter) : DEFAULT_FILTER.status;
  const severity = SEVERITIES.includes(q.sev as Severity) ? (q.sev as Severity) : 'all';
  return { status, severity, service: q.service ?? '' };
}

export function filterToQuery(f: IncidentFilter): Record<string, string> {
  return {
    status: f.status === DEFAULT_FILTER.status ? '' : f.status,
    sev: f.severity === 'all' ? '' : f.severity,
    service: f.service,
  };
}

export function matchesFilter(i: IncidentRow, f: IncidentFilter): boolean {
  if (f.status === 'open' && !(i.status && isOpen(i.status))) return false;
  if (f.status !== 'open' && f.status !== 'all' && i.status !== f.status) return false;
  if (f.severity !== 'all' && i.severity !== f.severity) return false;
  if (f.service !== '' && (i.service ?? '') !== f.service) return false;
  return true;
}

const millis = (v: unknown) => toDate(v)?.getTime() ?? 0;

/**
 * The incidents that pass the filter, real ones and drills apart, each list
 * most severe first, then newest first.
 */
export function filterIncidents(list: readonly IncidentRow[], f: IncidentFilter): { incidents: IncidentRow[]; drills: IncidentRow[] } {
  const rank = (s: Severity | undefined) => (s ? severityRank(s) : SEVERITIES.length);
  const sorted = list
    .filter((i) => matchesFilter(i, f))
    .sort((a, b) => rank(a.severity) - rank(b.severity) || millis(b.createdAt) - millis(a.createdAt) || a.id.localeCompare(b.id));
  return { incidents: sorted.filter((i) => !i.drill), drills: sorted.filter((i) => i.drill === true) };
}

/** Every service named by the incidents, sorted, for the filter's choices. */
export function servicesOf(list: readonly IncidentRow[]): string[] {
  return [...new Set(list.map((i) => i.service).filter((s): s is string => typeof s === 'string' && s !== ''))].sort();
}

export interface TimelineRow {
  id: string;
  at?: unknown;
  seq?: unknown;
  type?: string;
  actor?: string;
  message?: string;
  data?: Record<string, unknown>;
}

/** Oldest first: by `at`, then `seq` (entries written together share `at`), then id. */
export function sortTimeline<T extends TimelineRow>(entries: readonly T[]): T[] {
  const seq = (e: TimelineRow) => (typeof e.seq === 'number' ? e.seq : 0);
  return [...entries].sort((a, b) => millis(a.at) - millis(b.at) || seq(a) - seq(b) || a.id.localeCompare(b.id));
}
