// Insights: incidents per deploy, MTTA, MTTR and change failure rate, kept
// incrementally in `stats/{bucketId}` documents.
//
// A bucket is one scope × one period:
//   scope   `all` | `service:<name>` | `severity:<SEV>`
//   period  `week:<ISO week, e.g. 2026-W48>` | `month:<YYYY-MM>` (UTC)
// An incident counts in the periods of its `createdAt` (its ack and resolve
// times too, even when they fall in a later period); a deploy in those of its
// `deployedAt`. Service names are trimmed, lower-cased and cut to 100 characters.
//
// Bucket document id: `<scope part>__<period part>`, Firestore-safe and reversible:
//   all__week_2026-W48
//   service_checkout__month_2026-11
//   severity_SEV1__week_2027-W01
// In `service_<name>`, letters, digits, `.` and `-` stay as they are; every
// other byte of the UTF-8 name is written `~XX` (hex), so `my_svc` is
// `service_my~5Fsvc` and no name can produce the `__` separator.
//
// Idempotence: the caller keeps, on each incident/deploy, the contribution it
// last applied; on every change it computes the new one, applies
// `diffContributions(old, new)` with FieldValue.increment, and stores the new
// one. Replaying the same state gives an empty diff.
import type { Severity } from './types';

export const STAT_FIELDS = [
  'incidents',
  'acknowledged',
  'ackSecondsSum',
  'resolved',
  'resolveSecondsSum',
  'deploys',
  'failedDeploys',
  'incidentsWithDeploy',
] as const;
export type StatField = (typeof STAT_FIELDS)[number];
export type StatFields = Record<StatField, number>;

/** Bucket id → the numbers an incident or deploy adds to that bucket. */
export type Contribution = Record<string, Partial<StatFields>>;

export type ScopeType = 'all' | 'service' | 'severity';
export type PeriodType = 'week' | 'month';

export interface BucketMeta {
  /** `all`, `service:checkout`, `severity:SEV1` */
  scope: string;
  scopeType: ScopeType;
  /** `week:2026-W48`, `month:2026-11` */
  period: string;
  periodType: PeriodType;
}

// ---------------------------------------------------------------------------
// Periods (UTC)

const DAY_MS = 86_400_000;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The ISO 8601 week of a date (UTC): weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeekOf(d: Date): { year: number; week: number } {
  const day = d.getUTCDay() || 7; // Monday 1 … Sunday 7
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const thursday = new Date(midnight + (4 - day) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return { year, week };
}

/** `2026-W48` */
export function isoWeek(d: Date): string {
  const { year, week } = isoWeekOf(d);
  return `${year}-W${pad(week)}`;
}

/** `2026-11` */
export function isoMonth(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
}

/** The Monday (00:00 UTC) of an ISO week given as `2026-W48`. */
export function mondayOfIsoWeek(key: string): Date {
  const m = /^(\d{4})-W(\d{2})$/.exec(key);
  if (!m) throw new Error(`not an ISO week: ${key}`);
  const year = Number(m[1]);
  const jan4 = Date.UTC(year, 0, 4); // always in week 1
  const jan4Day = new Date(jan4).getUTCDay() || 7;
  return new Date(jan4 - (jan4Day - 1) * DAY_MS + (Number(m[2]) - 1) * 7 * DAY_MS);
}

/** The periods a moment counts in: its ISO week and its month. */
export function periodsOf(d: Date): string[] {
  return [`week:${isoWeek(d)}`, `month:${isoMonth(d)}`];
}

// ---------------------------------------------------------------------------
// Scopes and bucket ids

/** How a service name appears in a scope: trimmed, lower-case, at most 100 characters. */
export function serviceScope(service: string): string {
  return `service:${Array.from(service.trim().toLowerCase()).slice(0, 100).join('')}`;
}

function encodeName(name: string): string {
  let out = '';
  for (const ch of Array.from(name)) {
    if (/^[a-z0-9.-]$/i.test(ch)) out += ch;
    else for (const b of new TextEncoder().encode(ch)) out += `~${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decodeName(encoded: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; ) {
    if (encoded[i] === '~') {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(encoded.charCodeAt(i));
      i += 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The document id of a bucket, e.g. `bucketId('service:checkout', 'week:2026-W48')` → `service_checkout__week_2026-W48`. */
export function bucketId(scope: string, period: string): string {
  let scopePart: string;
  if (scope === 'all') scopePart = 'all';
  else if (scope.startsWith('service:')) scopePart = `service_${encodeName(scope.slice('service:'.length))}`;
  else if (/^severity:SEV[1-4]$/.test(scope)) scopePart = `severity_${scope.slice('severity:'.length)}`;
  else throw new Error(`unknown stats scope: ${scope}`);
  const p = /^(week|month):(\d{4}-W\d{2}|\d{4}-\d{2})$/.exec(period);
  if (!p) throw new Error(`unknown stats period: ${period}`);
  return `${scopePart}__${p[1]}_${p[2]}`;
}

/** What a bucket id stands for (written with the bucket so clients can query by scope and period). */
export function bucketMeta(id: string): BucketMeta {
  const m = /^(all|service_([A-Za-z0-9.~-]+)|severity_(SEV[1-4]))__(week|month)_(\d{4}-W\d{2}|\d{4}-\d{2})$/.exec(id);
  if (!m) throw new Error(`not a stats bucket id: ${id}`);
  const scopeType: ScopeType = m[1] === 'all' ? 'all' : m[2] !== undefined ? 'service' : 'severity';
  const scope = scopeType === 'all' ? 'all' : scopeType === 'service' ? `service:${decodeName(m[2] ?? '')}` : `severity:${m[3]}`;
  const periodType = m[4] as PeriodType;
  return { scope, scopeType, period: `${periodType}:${m[5]}`, periodType };
}

// ---------------------------------------------------------------------------
// Contributions

/** What the insights need of an incident. */
export interface StatsIncident {
  createdAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  service: string | null;
  severity: Severity;
  drill: boolean;
  deploys: readonly unknown[];
}

/** What the insights need of a deploy. */
export interface StatsDeploy {
  id: string;
  service: string;
  environment: string | null;
  deployedAt: Date;
  drill?: boolean;
}

const secondsBetween = (from: Date, to: Date) => Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));

function spread(scopes: string[], at: Date, fields: Partial<StatFields>): Contribution {
  const out: Contribution = {};
  for (const scope of scopes) for (const period of periodsOf(at)) out[bucketId(scope, period)] = { ...fields };
  return out;
}

/**
 * What one incident adds to the buckets: `all`, its service and its severity,
 * in the week and month of `createdAt`. A drill adds nothing.
 * Acknowledged/resolved count once `acknowledgedAt`/`resolvedAt` are set (the
 * first entry into that state), with the seconds since `createdAt`, rounded.
 */
export function incidentContribution(incident: StatsIncident): Contribution {
  if (incident.drill) return {};
  const fields: Partial<StatFields> = { incidents: 1 };
  if (incident.acknowledgedAt) {
    fields.acknowledged = 1;
    fields.ackSecondsSum = secondsBetween(incident.createdAt, incident.acknowledgedAt);
  }
  if (incident.resolvedAt) {
    fields.resolved = 1;
    fields.resolveSecondsSum = secondsBetween(incident.createdAt, incident.resolvedAt);
  }
  if (incident.deploys.length > 0) fields.incidentsWithDeploy = 1;
  const scopes = ['all'];
  if (incident.service && incident.service.trim() !== '') scopes.push(serviceScope(incident.service));
  scopes.push(`severity:${incident.severity}`);
  return spread(scopes, incident.createdAt, fields);
}

/**
 * What one deploy adds: `all` and its service, in the week and month of
 * `deployedAt`; a failed deploy is one linked to at least one (non-drill)
 * incident. A drill deploy adds nothing.
 */
export function deployContribution(deploy: StatsDeploy, linkedIncidentCount: number): Contribution {
  if (deploy.drill) return {};
  const fields: Partial<StatFields> = { deploys: 1 };
  if (linkedIncidentCount > 0) fields.failedDeploys = 1;
  return spread(['all', serviceScope(deploy.service)], deploy.deployedAt, fields);
}

/** What to add to each bucket to go from `oldC` to `newC`: non-zero deltas only. */
export function diffContributions(oldC: Contribution | null | undefined, newC: Contribution | null | undefined): Contribution {
  const before = oldC ?? {};
  const after = newC ?? {};
  const out: Contribution = {};
  const ids = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const id of ids) {
    const delta: Partial<StatFields> = {};
    for (const f of STAT_FIELDS) {
      const d = (after[id]?.[f] ?? 0) - (before[id]?.[f] ?? 0);
      if (d !== 0) delta[f] = d;
    }
    if (Object.keys(delta).length > 0) out[id] = delta;
  }
  return out;
}

/** Adds a diff to buckets held in memory (what FieldValue.increment does in Firestore). */
export function applyDiff(buckets: Record<string, Partial<StatFields>>, diff: Contribution): Record<string, Partial<StatFields>> {
  const out: Record<string, Partial<StatFields>> = {};
  for (const [id, b] of Object.entries(buckets)) out[id] = { ...b };
  for (const [id, delta] of Object.entries(diff)) {
    const b = (out[id] ??= {});
    for (const f of STAT_FIELDS) if (delta[f] !== undefined) b[f] = (b[f] ?? 0) + delta[f];
  }
  return out;
}

// ---------------------------------------------------------------------------
// Reading the buckets

export interface BucketSummary {
  incidents: number;
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  deploys: number;
  failedDeploys: number;
  /** failedDeploys / deploys; null without deploys. */
  changeFailureRate: number | null;
  /** incidents / deploys; null without deploys. */
  incidentsPerDeploy: number | null;
  incidentsWithDeploy: number;
}

const n = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function summarize(bucket: Partial<StatFields>): BucketSummary {
  const incidents = n(bucket.incidents);
  const acknowledged = n(bucket.acknowledged);
  const resolved = n(bucket.resolved);
  const deploys = n(bucket.deploys);
  const failedDeploys = n(bucket.failedDeploys);
  return {
    incidents,
    mttaSeconds: acknowledged > 0 ? n(bucket.ackSecondsSum) / acknowledged : null,
    mttrSeconds: resolved > 0 ? n(bucket.resolveSecondsSum) / resolved : null,
    deploys,
    failedDeploys,
    changeFailureRate: deploys > 0 ? failedDeploys / deploys : null,
    incidentsPerDeploy: deploys > 0 ? incidents / deploys : null,
    incidentsWithDeploy: n(bucket.incidentsWithDeploy),
  };
}

/** `25%`, `33.3%`; `-` for none. */
export function formatRate(rate: number | null): string {
  if (rate === null) return '-';
  return `${Math.round(rate * 1000) / 10}%`;
}
