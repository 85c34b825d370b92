// The public status page (contract §12): its components (config/status.yaml)
// and the projection the pipeline writes under `statusPage/`, the only
// documents a visitor can read.
//
// The projection is built from what responders chose to publish, never from
// the incident: a public document holds the public id (an HMAC of the
// incident id, or a random id), the responder's public title and messages,
// component ids and statuses from the config, phases and times. The incident's
// id, title, service, alerts, labels, people and channel never enter it.
//
// Documents (all written by the pipeline alone; see firestore.rules):
//   statusPage/summary                          components with their current status,
//                                               the active public incidents with their latest update
//   statusPage/summary/incidents/{publicId}     one published incident and its updates, newest first
//   statusPage/summary/history/{componentId}    the component's worst status per UTC day, 90 days
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { stableId } from './hash';
import { closedObject } from './yamlConfig';

// ---- vocabulary ------------------------------------------------------------

/** From best to worst; `worstStatus` takes the last of several. */
export const COMPONENT_STATUSES = ['operational', 'maintenance', 'degraded', 'partial_outage', 'major_outage'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const COMPONENT_STATUS_LABELS: Record<ComponentStatus, string> = {
  operational: 'Operational',
  maintenance: 'Under maintenance',
  degraded: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

/** Where a public incident stands, as visitors read it. */
export const PUBLIC_PHASES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type PublicPhase = (typeof PUBLIC_PHASES)[number];

export const PUBLIC_PHASE_LABELS: Record<PublicPhase, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

/** Days of history kept per component (today included). */
export const HISTORY_DAYS = 90;
/** Updates kept in an incident document (newest first): 60 × 5,000 characters stays far under 1 MiB. */
export const MAX_UPDATES_PER_INCIDENT = 60;
export const MAX_MESSAGE_LENGTH = 5000;
export const MAX_TITLE_LENGTH = 200;

export const STATUS_PATHS = {
  summary: 'statusPage/summary',
  incidents: 'statusPage/summary/incidents',
  history: 'statusPage/summary/history',
  incident: (publicId: string) => `statusPage/summary/incidents/${publicId}`,
  componentHistory: (componentId: string) => `statusPage/summary/history/${componentId}`,
} as const;

const STATUS_ALIASES: Record<string, ComponentStatus> = {
  operational: 'operational',
  ok: 'operational',
  up: 'operational',
  maintenance: 'maintenance',
  under_maintenance: 'maintenance',
  degraded: 'degraded',
  degraded_performance: 'degraded',
  partial_outage: 'partial_outage',
  partial: 'partial_outage',
  major_outage: 'major_outage',
  major: 'major_outage',
  outage: 'major_outage',
  down: 'major_outage',
};

/** `Partial outage`, `partial-outage`, `degraded_performance`... → the status, or null. */
export function parseComponentStatus(value: unknown): ComponentStatus | null {
  if (typeof value !== 'string') return null;
  return STATUS_ALIASES[value.trim().toLowerCase().replace(/[\s-]+/g, '_')] ?? null;
}

const componentStatus = z.preprocess((v) => parseComponentStatus(v) ?? v, z.enum(COMPONENT_STATUSES, { error: `a status is one of ${COMPONENT_STATUSES.join(', ')}` }));

const rank = (s: ComponentStatus) => COMPONENT_STATUSES.indexOf(s);

/** The worst of several statuses; operational when there are none. */
export function worstStatus(statuses: Iterable<ComponentStatus | null | undefined>): ComponentStatus {
  let worst: ComponentStatus = 'operational';
  for (const s of statuses) if (s && rank(s) > rank(worst)) worst = s;
  return worst;
}

// ---- config/status.yaml ----------------------------------------------------

const componentSchema = closedObject(
  {
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a component id is lowercase letters, digits and -, at most 40 characters (it appears in public URLs and document ids)'),
    name: z.string().trim().min(1, 'a component needs a name').max(80),
    /** The services (as alerts name them, any case) whose incidents affect this component. */
    services: z.array(z.string().trim().min(1)).min(1, 'a component covers at least one service'),
    description: z.string().trim().max(300).optional(),
  },
  'a component',
  'a component is { id, name, services: [...] }',
);

export const statusConfigSchema = closedObject(
  {
    /** The page's heading, e.g. "Example Shop status". */
    title: z.string().trim().min(1).max(100).default('System status'),
    components: z.array(componentSchema).default([]),
  },
  'config/status.yaml',
  'config/status.yaml is a map with `components:`',
).superRefine((config, ctx) => {
  const seen = new Set<string>();
  config.components.forEach((c, i) => {
    if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['components', i, 'id'], message: `duplicate component id "${c.id}"` });
    seen.add(c.id);
  });
});

export type StatusConfig = z.output<typeof statusConfigSchema>;
export type StatusComponent = StatusConfig['components'][number];

export const DEFAULT_STATUS_CONFIG: StatusConfig = statusConfigSchema.parse({});

/** The components (ids, in config order) that cover `service`; none for no service. */
export function componentsForService(config: Pick<StatusConfig, 'components'>, service: string | null | undefined): string[] {
  const s = service?.trim().toLowerCase();
  if (!s) return [];
  return config.components.filter((c) => c.services.some((x) => x.toLowerCase() === s)).map((c) => c.id);
}

// ---- the public documents ----------------------------------------------------

export interface PublicIncidentUpdate {
  /** Opaque: a hash of the status update's id, so a repeated delivery is recognised. */
  id: string;
  at: Date;
  phase: PublicPhase;
  message: string;
  /** The affected components' statuses as of this update. */
  componentStatus: Record<string, ComponentStatus>;
}

/** statusPage/summary/incidents/{publicId} */
export interface PublicIncident {
  publicId: string;
  /** The public title the responder wrote (never the incident's own title). */
  title: string;
  phase: PublicPhase;
  /** The worst status any component reached during the incident. */
  impact: ComponentStatus;
  /** The affected component ids, in config order. */
  components: string[];
  componentStatus: Record<string, ComponentStatus>;
  startedAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  /** Newest first, at most MAX_UPDATES_PER_INCIDENT. */
  updates: PublicIncidentUpdate[];
}

export interface ActivePublicIncident {
  publicId: string;
  title: string;
  phase: PublicPhase;
  impact: ComponentStatus;
  components: string[];
  componentStatus: Record<string, ComponentStatus>;
  startedAt: Date;
  updatedAt: Date;
  latest: { at: Date; phase: PublicPhase; message: string };
}

export interface SummaryComponent {
  id: string;
  name: string;
  description: string | null;
  status: ComponentStatus;
}

/** statusPage/summary */
export interface StatusSummary {
  title: string;
  /** The worst component status. */
  status: ComponentStatus;
  components: SummaryComponent[];
  /** Open public incidents, newest first. */
  active: ActivePublicIncident[];
  updatedAt: Date;
}

/**
 * statusPage/summary/history/{componentId}: the worst status per UTC day
 * (`YYYY-MM-DD`), listed only when not operational, up to `through`; every day
 * after `through` (to today) has had `status`, which still holds.
 */
export interface ComponentHistory {
  componentId: string;
  days: Record<string, ComponentStatus>;
  through: string;
  status: ComponentStatus;
  updatedAt: Date;
}

export type StatusDoc = StatusSummary | PublicIncident | ComponentHistory;

export interface StatusWrite {
  path: string;
  data: StatusDoc;
}

/** What the projection needs to read first (one transaction): the summary, the incident, every component's history. */
export interface StatusPageState {
  summary: StatusSummary | null;
  incident: PublicIncident | null;
  history: Partial<Record<string, ComponentHistory>>;
}

/** The paths of StatusPageState, for a transaction's getAll. */
export function statusReadPaths(config: StatusConfig, publicId: string): { summary: string; incident: string; history: Record<string, string> } {
  return {
    summary: STATUS_PATHS.summary,
    incident: STATUS_PATHS.incident(publicId),
    history: Object.fromEntries(config.components.map((c) => [c.id, STATUS_PATHS.componentHistory(c.id)])),
  };
}

// ---- ids -------------------------------------------------------------------

/**
 * The public id of an incident: an HMAC of its id (hex, 20 characters), so it
 * is stable (every update of the incident lands on the same document) and
 * reveals nothing (the incident id cannot be recovered or guessed from it).
 */
export function publicIdFor(secret: string, incidentId: string): string {
  return createHmac('sha256', secret).update(`status-incident:${incidentId}`).digest('hex').slice(0, 20);
}

const PUBLIC_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The id of a public update: opaque and stable for one status update. */
export function publicUpdateId(publicId: string, updateId: string): string {
  return stableId(`status-update:${publicId}:${updateId}`, 16);
}

// ---- publish_status ------------------------------------------------------------

/**
 * `componentStatus` as a responder gives it: a map `{componentId: status}`, or
 * one status for all of the incident's components (those it already affects
 * publicly, plus those that cover its service).
 */
export const componentStatusArgSchema = z.union([componentStatus, z.record(z.string().min(1), componentStatus)], { error: (issue) => componentStatusArgError(issue.input) });

/** Why `componentStatus` is neither one status nor a map of them, naming the value (and the component) at fault. */
export function componentStatusArgError(input: unknown): string {
  const statuses = COMPONENT_STATUSES.join(', ');
  if (typeof input === 'string') return `"${input.slice(0, 40)}" is not a status; give one of ${statuses}, or {componentId: status}`;
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const entries = Object.entries(input as Record<string, unknown>);
    if (entries.some(([id]) => !id)) return 'a component id cannot be empty';
    const bad = entries.find(([, v]) => parseComponentStatus(v) === null);
    if (bad) return `${JSON.stringify(bad[1])?.slice(0, 40) ?? String(bad[1])} (for ${bad[0].slice(0, 40)}) is not a status; give one of ${statuses}`;
  }
  return `give one status (${statuses}) or {componentId: status}`;
}
export type ComponentStatusArg = z.output<typeof componentStatusArgSchema>;

/** The arguments of a `publish_status` update, for the status update schema. */
export const publishStatusArgsSchema = z.object({
  message: z.string().trim().min(1, 'a public update needs a message').max(MAX_MESSAGE_LENGTH),
  componentStatus: componentStatusArgSchema.optional(),
  /** The public title; kept from the previous update when absent. */
  title: z.string().trim().min(1).max(MAX_TITLE_LENGTH).optional(),
  phase: z.enum(PUBLIC_PHASES).optional(),
});
export type PublishStatusArgs = z.output<typeof publishStatusArgsSchema>;

export interface PublicUpdateInput {
  /** The incident's public id: publicIdFor(secret, incident.id), or a random id kept on the incident. */
  publicId: string;
  /** The id of the status update (or effect) being applied; a second delivery changes nothing. */
  updateId: string;
  message: string;
  title?: string | null;
  componentStatus?: ComponentStatusArg | null;
  /** The incident's service: which components a single status applies to (config/status.yaml). */
  service?: string | null;
  phase?: PublicPhase | null;
  /** The closing update: every affected component is operational again and the incident leaves the summary. */
  resolved?: boolean;
  /** When the responder published it (default: now). */
  at?: Date;
}

export type PublicUpdateResult =
  | {
      ok: true;
      /** False for a repeated delivery: nothing to write. */
      changed: boolean;
      /** The documents to write (set, whole), in one transaction. */
      writes: StatusWrite[];
      incident: PublicIncident;
      update: PublicIncidentUpdate;
      summary: StatusSummary;
    }
  | { ok: false; reason: string };

const componentOrder = (config: StatusConfig, ids: Iterable<string>) => {
  const set = new Set(ids);
  return config.components.filter((c) => set.has(c.id)).map((c) => c.id);
};

function inConfigOrder(config: StatusConfig, statuses: Record<string, ComponentStatus>): Record<string, ComponentStatus> {
  return Object.fromEntries(componentOrder(config, Object.keys(statuses)).map((id) => [id, statuses[id] as ComponentStatus]));
}

/** `Checkout and Payments: partial outage`, from components and statuses only. */
export function defaultPublicTitle(config: StatusConfig, statuses: Record<string, ComponentStatus>): string {
  const ids = componentOrder(config, Object.keys(statuses));
  if (ids.length === 0) return 'Service disruption';
  const names = ids.map((id) => config.components.find((c) => c.id === id)?.name ?? id);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const worst = worstStatus(Object.values(statuses));
  return `${list}: ${worst === 'operational' ? 'service disruption' : COMPONENT_STATUS_LABELS[worst].toLowerCase()}`.slice(0, MAX_TITLE_LENGTH);
}

/** Worst active status per component (config order); operational when no active incident names it. */
export function componentStatusOf(config: StatusConfig, active: Pick<ActivePublicIncident, 'componentStatus'>[]): Record<string, ComponentStatus> {
  return Object.fromEntries(config.components.map((c) => [c.id, worstStatus(active.map((a) => a.componentStatus[c.id]))]));
}

/** `2026-11-30` (UTC). */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function addDays(day: string, n: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000));
}

/**
 * Rolls a component's history forward to `now`: the days from `through` to
 * today get the status that held since (`status`), today also gets `next`, and
 * days older than HISTORY_DAYS are dropped.
 */
export function rollHistory(componentId: string, history: ComponentHistory | null | undefined, next: ComponentStatus, now: Date): ComponentHistory {
  const today = utcDay(now);
  const days: Record<string, ComponentStatus> = { ...(history?.days ?? {}) };
  const raise = (day: string, s: ComponentStatus) => {
    if (s === 'operational') return;
    days[day] = worstStatus([days[day], s]);
  };
  if (history && history.through <= today) {
    for (let d = history.through, n = 0; d <= today && n <= HISTORY_DAYS; d = addDays(d, 1), n++) raise(d, history.status);
  }
  raise(today, next);
  const oldest = addDays(today, -(HISTORY_DAYS - 1));
  const kept = Object.fromEntries(Object.entries(days).filter(([d]) => d >= oldest && d <= today).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { componentId, days: kept, through: today, status: next, updatedAt: now };
}

/**
 * The per-day statuses of the last `days` days (oldest first), as the page
 * shows them: what the history lists up to `through`, then its current status.
 */
export function dailyStatuses(history: ComponentHistory | null | undefined, now: Date, days = HISTORY_DAYS): { day: string; status: ComponentStatus }[] {
  const today = utcDay(now);
  return Array.from({ length: days }, (_, i) => {
    const day = addDays(today, i - days + 1);
    if (!history) return { day, status: 'operational' as const };
    const status = day > history.through ? history.status : (history.days[day] ?? 'operational');
    return { day, status };
  });
}

/**
 * Applies one public update (publish_status, or the closing message of a
 * resolve) to the status page: validates it against the config, and returns
 * the documents to write. Pure: the caller reads `current` and writes the
 * result in one transaction.
 */
export function applyPublicUpdate(current: StatusPageState, input: PublicUpdateInput, config: StatusConfig, now: Date): PublicUpdateResult {
  if (!PUBLIC_ID.test(input.publicId)) return { ok: false, reason: 'the public id must be 8 to 64 letters, digits, - or _ (publicIdFor gives one)' };
  const message = (input.message ?? '').trim();
  if (!message) return { ok: false, reason: 'a public update needs a message' };
  if (message.length > MAX_MESSAGE_LENGTH) return { ok: false, reason: `a public message is at most ${MAX_MESSAGE_LENGTH} characters (this one has ${message.length})` };
  const title = input.title?.trim() ?? '';
  if (title.length > MAX_TITLE_LENGTH) return { ok: false, reason: `a public title is at most ${MAX_TITLE_LENGTH} characters` };

  const previous = current.incident;
  const id = publicUpdateId(input.publicId, input.updateId);
  const repeat = previous?.updates.find((u) => u.id === id);
  if (previous && repeat) {
    const summary = current.summary ?? summaryOf(config, previous.resolvedAt ? [] : [activeEntry(previous)], now);
    return { ok: true, changed: false, writes: [], incident: previous, update: repeat, summary };
  }

  const known = new Set(config.components.map((c) => c.id));
  const before: Record<string, ComponentStatus> = Object.fromEntries(Object.entries(previous?.componentStatus ?? {}).filter(([k]) => known.has(k)));
  let statuses: Record<string, ComponentStatus> = { ...before };
  const arg = input.componentStatus ?? null;
  if (typeof arg === 'string') {
    const targets = new Set([...Object.keys(before), ...componentsForService(config, input.service)]);
    if (targets.size === 0) {
      const where = input.service ? `the service "${input.service}" is in no component of config/status.yaml` : 'the incident has no service';
      return { ok: false, reason: `which components? ${where}: give componentStatus as {componentId: status} (components: ${[...known].join(', ') || 'none'})` };
    }
    for (const t of targets) statuses[t] = arg;
  } else if (arg) {
    const unknown = Object.keys(arg).filter((k) => !known.has(k));
    if (unknown.length) return { ok: false, reason: `unknown component ${unknown.map((u) => `"${u}"`).join(', ')}; config/status.yaml has ${[...known].join(', ') || 'none'}` };
    statuses = { ...statuses, ...arg };
  }
  const resolved = input.resolved === true || input.phase === 'resolved';
  if (resolved) statuses = Object.fromEntries(Object.keys(statuses).map((k) => [k, 'operational' as const]));
  statuses = inConfigOrder(config, statuses);

  const at = input.at ?? now;
  if (previous && at.getTime() < previous.updatedAt.getTime()) return lateUpdate(current, previous, { id, at, message, resolved, input, statuses }, config, now);
  const phase: PublicPhase = resolved ? 'resolved' : (input.phase ?? (previous && previous.phase !== 'resolved' ? previous.phase : 'investigating'));
  const update: PublicIncidentUpdate = { id, at, phase, message, componentStatus: statuses };
  const incident: PublicIncident = {
    publicId: input.publicId,
    title: title || previous?.title || defaultPublicTitle(config, statuses),
    phase,
    impact: worstStatus([previous?.impact, ...Object.values(statuses)]),
    components: Object.keys(statuses),
    componentStatus: statuses,
    startedAt: previous?.startedAt ?? at,
    updatedAt: at,
    resolvedAt: resolved ? at : null,
    updates: [update, ...(previous?.updates ?? [])].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, MAX_UPDATES_PER_INCIDENT),
  };

  const others = (current.summary?.active ?? []).filter((a) => a.publicId !== input.publicId);
  const active = resolved ? others : [...others, activeEntry(incident)].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  const summary = summaryOf(config, active, now);

  const writes: StatusWrite[] = [
    { path: STATUS_PATHS.summary, data: summary },
    { path: STATUS_PATHS.incident(incident.publicId), data: incident },
  ];
  const was = componentStatusOf(config, current.summary?.active ?? []);
  for (const c of summary.components) {
    const history = current.history[c.id];
    const prior = history?.status ?? was[c.id] ?? 'operational';
    // Unchanged: the history's "status since `through`" still holds; nothing to write.
    if (prior === c.status && (history || c.status === 'operational')) continue;
    writes.push({ path: STATUS_PATHS.componentHistory(c.id), data: rollHistory(c.id, history ?? null, c.status, now) });
  }
  return { ok: true, changed: true, writes, incident, update, summary };
}

/**
 * An update older than the incident's latest one, delivered after it (two
 * publications in quick succession are not delivered in order): it joins the
 * list in its place, and the incident's current state stays the newer one's.
 */
function lateUpdate(
  current: StatusPageState,
  previous: PublicIncident,
  u: { id: string; at: Date; message: string; resolved: boolean; input: PublicUpdateInput; statuses: Record<string, ComponentStatus> },
  config: StatusConfig,
  now: Date,
): PublicUpdateResult {
  const arg = u.input.componentStatus;
  const own = arg && typeof arg === 'object' ? inConfigOrder(config, Object.fromEntries(Object.entries(arg).filter(([k]) => config.components.some((c) => c.id === k)))) : u.statuses;
  const componentStatus = u.resolved ? Object.fromEntries(Object.keys(own).map((k) => [k, 'operational' as const])) : own;
  const phase: PublicPhase = u.resolved ? 'resolved' : (u.input.phase ?? previous.phase);
  const update: PublicIncidentUpdate = { id: u.id, at: u.at, phase, message: u.message, componentStatus };
  const incident: PublicIncident = {
    ...previous,
    impact: worstStatus([previous.impact, ...Object.values(componentStatus)]),
    updates: [...previous.updates, update].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, MAX_UPDATES_PER_INCIDENT),
  };
  const summary = current.summary ?? summaryOf(config, previous.resolvedAt ? [] : [activeEntry(previous)], now);
  return { ok: true, changed: true, writes: [{ path: STATUS_PATHS.incident(incident.publicId), data: incident }], incident, update, summary };
}

/** How an open public incident appears in the summary. */
function activeEntry(incident: PublicIncident): ActivePublicIncident {
  const latest = incident.updates[0];
  return {
    publicId: incident.publicId,
    title: incident.title,
    phase: incident.phase,
    impact: incident.impact,
    components: incident.components,
    componentStatus: incident.componentStatus,
    startedAt: incident.startedAt,
    updatedAt: incident.updatedAt,
    latest: latest ? { at: latest.at, phase: latest.phase, message: latest.message } : { at: incident.updatedAt, phase: incident.phase, message: '' },
  };
}

/** The summary document for a set of active public incidents. */
export function summaryOf(config: StatusConfig, active: ActivePublicIncident[], now: Date): StatusSummary {
  const statuses = componentStatusOf(config, active);
  const components = config.components.map((c) => ({ id: c.id, name: c.name, description: c.description ?? null, status: statuses[c.id] ?? 'operational' }));
  return { title: config.title, status: worstStatus(components.map((c) => c.status)), components, active, updatedAt: now };
}

// ---- the Atom feed -------------------------------------------------------------

export interface StatusFeedEntry {
  /** A stable IRI: the page URL with the incident and update ids as fragment. */
  id: string;
  title: string;
  link: string;
  date: Date;
  published: Date;
  /** Plain text: the message, then the affected components. */
  content: string;
}

/** One entry per public update, newest first, at most `limit`. */
export function feedEntries(incidents: PublicIncident[], components: Pick<SummaryComponent, 'id' | 'name'>[], pageUrl: string, limit = 50): StatusFeedEntry[] {
  const base = pageUrl.replace(/\/+$/, '');
  const name = (id: string) => components.find((c) => c.id === id)?.name ?? id;
  return incidents
    .flatMap((incident) =>
      incident.updates.map((u) => {
        const affected = Object.entries(u.componentStatus).map(([id, s]) => `${name(id)}: ${COMPONENT_STATUS_LABELS[s]}`);
        return {
          id: `${base}#incident-${incident.publicId}-${u.id}`,
          title: `[${PUBLIC_PHASE_LABELS[u.phase]}] ${incident.title}`,
          link: `${base}#incident-${incident.publicId}`,
          date: u.at,
          published: u.at,
          content: affected.length ? `${u.message}\n\nAffected: ${affected.join(', ')}` : u.message,
        };
      }),
    )
    .sort((a, b) => b.date.getTime() - a.date.getTime())
    .slice(0, limit);
}
