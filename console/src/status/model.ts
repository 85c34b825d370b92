// The statusPage/ documents as the page reads them (see
// functions/src/domain/statusPage.ts, which writes them), and the pure helpers
// the page renders with. No DOM here: unit-tested in Node.

export const COMPONENT_STATUSES = ['operational', 'maintenance', 'degraded', 'partial_outage', 'major_outage'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];
export type PublicPhase = 'investigating' | 'identified' | 'monitoring' | 'resolved';

export const STATUS_LABELS: Record<ComponentStatus, string> = {
  operational: 'Operational',
  maintenance: 'Under maintenance',
  degraded: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

export const OVERALL_LABELS: Record<ComponentStatus, string> = {
  operational: 'All systems operational',
  maintenance: 'Maintenance in progress',
  degraded: 'Some systems are degraded',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

export const PHASE_LABELS: Record<PublicPhase, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export interface PageComponent {
  id: string;
  name: string;
  description: string | null;
  status: ComponentStatus;
}

export interface PageUpdate {
  id: string;
  at: Date;
  phase: PublicPhase;
  message: string;
  componentStatus: Record<string, ComponentStatus>;
}

export interface PageIncident {
  publicId: string;
  title: string;
  phase: PublicPhase;
  impact: ComponentStatus;
  components: string[];
  componentStatus: Record<string, ComponentStatus>;
  startedAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  updates: PageUpdate[];
}

export interface PageHistory {
  componentId: string;
  days: Record<string, ComponentStatus>;
  through: string;
  status: ComponentStatus;
}

export interface PageData {
  title: string;
  status: ComponentStatus;
  components: PageComponent[];
  /** Open incidents first (newest first), then the resolved ones. */
  active: PageIncident[];
  past: PageIncident[];
  history: Record<string, PageHistory>;
  /** When the pipeline last wrote the summary; null before anything was published. */
  updatedAt: Date | null;
}

const isStatus = (v: unknown): v is ComponentStatus => typeof v === 'string' && (COMPONENT_STATUSES as readonly string[]).includes(v);
const status = (v: unknown): ComponentStatus => (isStatus(v) ? v : 'operational');
const phase = (v: unknown): PublicPhase => (v === 'identified' || v === 'monitoring' || v === 'resolved' ? v : 'investigating');
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const date = (v: unknown) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v : null);
const rec = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) ? (v as Record<string, unknown>) : {});
const statuses = (v: unknown): Record<string, ComponentStatus> => Object.fromEntries(Object.entries(rec(v)).filter(([, s]) => isStatus(s))) as Record<string, ComponentStatus>;

export function toIncident(raw: Record<string, unknown>): PageIncident | null {
  const publicId = str(raw.publicId);
  const startedAt = date(raw.startedAt);
  if (!publicId || !startedAt) return null;
  const updates = (Array.isArray(raw.updates) ? raw.updates : [])
    .map(rec)
    .flatMap((u) => {
      const at = date(u.at);
      return at ? [{ id: str(u.id), at, phase: phase(u.phase), message: str(u.message), componentStatus: statuses(u.componentStatus) }] : [];
    })
    .sort((a, b) => b.at.getTime() - a.at.getTime());
  return {
    publicId,
    title: str(raw.title) || 'Service disruption',
    phase: phase(raw.phase),
    impact: status(raw.impact),
    components: (Array.isArray(raw.components) ? raw.components : []).map(str).filter(Boolean),
    componentStatus: statuses(raw.componentStatus),
    startedAt,
    updatedAt: date(raw.updatedAt) ?? startedAt,
    resolvedAt: date(raw.resolvedAt),
    updates,
  };
}

export interface StaticConfig {
  title: string;
  components: { id: string; name: string; description: string | null }[];
}

/**
 * The page's data from the raw documents. Before anything was published (no
 * summary) the components come from config/status.yaml as it was at build
 * time, all operational.
 */
export function pageData(
  summary: Record<string, unknown> | null,
  incidents: Record<string, unknown>[],
  histories: Record<string, unknown>[],
  fallback: StaticConfig,
): PageData {
  const components: PageComponent[] = summary
    ? (Array.isArray(summary.components) ? summary.components : []).map(rec).map((c) => ({ id: str(c.id), name: str(c.name) || str(c.id), description: str(c.description) || null, status: status(c.status) }))
    : fallback.components.map((c) => ({ ...c, status: 'operational' as const }));
  const all = incidents.map(toIncident).filter((i): i is PageIncident => i !== null);
  // The summary says which incidents are open (it is written in the same transaction as each incident).
  const activeIds = summary ? (Array.isArray(summary.active) ? summary.active : []).map(rec).map((a) => str(a.publicId)) : [];
  const byId = new Map(all.map((i) => [i.publicId, i]));
  const active = activeIds.map((id) => byId.get(id) ?? fromActive(summary, id)).filter((i): i is PageIncident => i !== null);
  const past = all.filter((i) => !activeIds.includes(i.publicId) && i.resolvedAt).sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  const history: Record<string, PageHistory> = {};
  for (const h of histories) {
    const id = str(h.componentId) || str(h.id);
    history[id] = { componentId: id, days: statuses(h.days), through: str(h.through), status: status(h.status) };
  }
  return {
    title: str(summary?.title) || fallback.title,
    status: summary ? status(summary.status) : 'operational',
    components,
    active,
    past,
    history,
    updatedAt: date(summary?.updatedAt),
  };
}

/** An open incident whose document is not in the listed page: its summary entry, with the latest update only. */
function fromActive(summary: Record<string, unknown> | null, id: string): PageIncident | null {
  const entry = (Array.isArray(summary?.active) ? summary.active : []).map(rec).find((a) => str(a.publicId) === id);
  if (!entry) return null;
  const latest = rec(entry.latest);
  const incident = toIncident({ ...entry, updates: [{ id: 'latest', ...latest, componentStatus: entry.componentStatus }] });
  return incident;
}

/**
 * What the incident and history lists depend on: the summary's `updatedAt`.
 * Every write of the projection rewrites the summary in the same transaction,
 * so while it is unchanged a refresh needs to read the summary alone.
 */
export function summaryKey(summary: Record<string, unknown> | null): string {
  const at = summary ? date(summary.updatedAt) : null;
  return at ? at.toISOString() : summary ? 'undated' : 'none';
}

export const HISTORY_DAYS = 90;

/** `2026-11-30` (UTC). */
export const utcDay = (d: Date) => d.toISOString().slice(0, 10);

/** The last `days` days, oldest first, with the worst status of each (same reading as the pipeline's dailyStatuses). */
export function dailyStatuses(history: PageHistory | undefined, now: Date, days = HISTORY_DAYS): { day: string; status: ComponentStatus }[] {
  const today = Date.parse(`${utcDay(now)}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => {
    const day = utcDay(new Date(today - (days - 1 - i) * 86_400_000));
    if (!history) return { day, status: 'operational' as const };
    return { day, status: day > history.through ? history.status : (history.days[day] ?? 'operational') };
  });
}

/** `No incidents in the last 90 days` / `2 days with a partial outage or worse, 1 day degraded`: the history bar's text alternative. */
export function historySummary(days: { status: ComponentStatus }[]): string {
  const counts = new Map<ComponentStatus, number>();
  for (const d of days) if (d.status !== 'operational') counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  if (counts.size === 0) return `No incidents in the last ${days.length} days`;
  const parts = [...COMPONENT_STATUSES]
    .reverse()
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${counts.get(s) === 1 ? 'day' : 'days'} ${STATUS_LABELS[s].toLowerCase()}`);
  return `Last ${days.length} days: ${parts.join(', ')}; operational otherwise`;
}

const RANK = (s: ComponentStatus) => COMPONENT_STATUSES.indexOf(s);

/** An open incident's status now: the worst of its components (its impact when it names none); operational once resolved. */
export function currentStatus(i: Pick<PageIncident, 'componentStatus' | 'impact' | 'resolvedAt'>): ComponentStatus {
  if (i.resolvedAt) return 'operational';
  const values = Object.values(i.componentStatus);
  if (values.length === 0) return i.impact;
  return values.reduce((worst, s) => (RANK(s) > RANK(worst) ? s : worst), 'operational' as ComponentStatus);
}

/** The names of an incident's components, in the page's order. */
export function componentNames(components: PageComponent[], ids: string[]): string[] {
  return ids.map((id) => components.find((c) => c.id === id)?.name ?? id);
}
