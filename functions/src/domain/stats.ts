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

/** A bucket as read back: its numbers, and its id or its scope and period. */
export type ReportBucket = Partial<StatFields> & { id?: string; scope?: string; period?: string };

export interface ReportOptions {
  /** Only weeks or only months (default: both). */
  periodType?: PeriodType;
  /** Only these scopes: exact (`service:checkout`) or a type followed by `:` (`service:`). Default: all. */
  scopes?: string[];
}

interface Row {
  scope: string;
  period: string;
  periodType: PeriodType;
  fields: Partial<StatFields>;
}

/** Buckets grouped by scope and period (summed, in case one comes twice), sorted by period type, period, scope. */
function rows(buckets: readonly ReportBucket[], opts: ReportOptions): Row[] {
  const byKey = new Map<string, Row>();
  for (const b of buckets) {
    let scope = b.scope;
    let period = b.period;
    if ((scope === undefined || period === undefined) && b.id !== undefined) {
      const meta = bucketMeta(b.id);
      scope ??= meta.scope;
      period ??= meta.period;
    }
    if (scope === undefined || period === undefined) continue;
    const periodType: PeriodType = period.startsWith('month:') ? 'month' : 'week';
    if (opts.periodType && opts.periodType !== periodType) continue;
    if (opts.scopes && !opts.scopes.some((s) => (s.endsWith(':') ? scope.startsWith(s) : scope === s))) continue;
    const key = `${period}\u0000${scope}`;
    const row = byKey.get(key) ?? { scope, period, periodType, fields: {} };
    for (const f of STAT_FIELDS) if (b[f] !== undefined) row.fields[f] = n(row.fields[f]) + n(b[f]);
    byKey.set(key, row);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...byKey.values()].sort((a, b) => cmp(a.periodType, b.periodType) || cmp(a.period, b.period) || cmp(a.scope, b.scope));
}

/** `45s`, `4m 10s`, `1h 05m`, `2d 03h`; `-` for none. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** `25%`, `33.3%`; `-` for none. */
export function formatRate(rate: number | null): string {
  if (rate === null) return '-';
  return `${Math.round(rate * 1000) / 10}%`;
}

/**
 * A plain-text table of the buckets: period, scope, incidents, MTTA, MTTR,
 * deploys, failed deploys and change failure rate, sorted by period then scope.
 */
export function reportTable(buckets: readonly ReportBucket[], opts: ReportOptions = {}): string {
  const header = ['period', 'scope', 'incidents', 'MTTA', 'MTTR', 'deploys', 'failed', 'CFR'];
  const leftAligned = 2; // period and scope
  const body = rows(buckets, opts).map((r) => {
    const s = summarize(r.fields);
    return [
      r.period,
      r.scope,
      String(s.incidents),
      formatDuration(s.mttaSeconds),
      formatDuration(s.mttrSeconds),
      String(s.deploys),
      String(s.failedDeploys),
      formatRate(s.changeFailureRate),
    ];
  });
  if (body.length === 0) return `${header.join('  ')}\n(no data)\n`;
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < leftAligned ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return `${[line(header), rule, ...body.map(line)].join('\n')}\n`;
}

// ---------------------------------------------------------------------------
// SVG chart

export interface SvgOptions {
  /** The scope to chart (default `all`). */
  scope?: string;
  title?: string;
  /** Show at most this many weeks, the latest (default 52). */
  weeks?: number;
  height?: number;
}

/** Escapes text for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A round step for an axis going up to `max` with about 5 ticks (integers only). */
function niceStep(max: number): number {
  for (let mag = 1; ; mag *= 10) for (const m of [1, 2, 5]) if (max / (m * mag) <= 5) return m * mag;
}

const fmt = (x: number) => (Math.round(x * 10) / 10).toString();

/**
 * A self-contained SVG chart of incidents and deploys per ISO week for one
 * scope (default `all`): two bars per week (weeks without data are shown
 * empty), a y axis with ticks, week labels, a legend and a title.
 */
export function reportSvg(buckets: readonly ReportBucket[], opts: SvgOptions = {}): string {
  const scope = opts.scope ?? 'all';
  const title = opts.title ?? `Incidents and deploys per week (${scope})`;
  const data = rows(buckets, { periodType: 'week', scopes: [scope] });
  const byWeek = new Map(data.map((r) => [r.period.slice('week:'.length), summarize(r.fields)]));

  // Every week from the first to the last, gaps included, the latest `weeks`.
  const weeks: string[] = [];
  if (data.length > 0) {
    const first = mondayOfIsoWeek(data[0]!.period.slice('week:'.length)).getTime();
    const last = mondayOfIsoWeek(data[data.length - 1]!.period.slice('week:'.length)).getTime();
    for (let t = first; t <= last; t += 7 * DAY_MS) weeks.push(isoWeek(new Date(t)));
  }
  const shown = weeks.slice(-Math.max(1, opts.weeks ?? 52));

  const height = opts.height ?? 320;
  const left = 56;
  const right = 24;
  const top = 64;
  const bottom = 72;
  const group = 36;
  const width = Math.max(480, left + right + shown.length * group);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...shown.map((w) => Math.max(byWeek.get(w)?.incidents ?? 0, byWeek.get(w)?.deploys ?? 0)));
  const step = niceStep(max);
  const yMax = Math.ceil(max / step) * step;
  const y = (v: number) => top + plotH - (v / yMax) * plotH;
  const colors = { incidents: '#d62728', deploys: '#1f77b4' };

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="${escapeXml(title)}">`,
  );
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="24" font-size="15" font-weight="bold" fill="#222">${escapeXml(title)}</text>`);
  // Legend
  const lx = width - right - 170;
  out.push(`<g class="legend">`);
  out.push(`<rect x="${lx}" y="36" width="12" height="12" fill="${colors.incidents}"/><text x="${lx + 16}" y="46" fill="#222">incidents</text>`);
  out.push(`<rect x="${lx + 85}" y="36" width="12" height="12" fill="${colors.deploys}"/><text x="${lx + 101}" y="46" fill="#222">deploys</text>`);
  out.push(`</g>`);
  // Y axis, grid and ticks
  out.push(`<g class="y-axis">`);
  for (let v = 0; v <= yMax; v += step) {
    const yy = fmt(y(v));
    out.push(`<line x1="${left}" y1="${yy}" x2="${width - right}" y2="${yy}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 6}" y="${fmt(y(v) + 4)}" text-anchor="end" fill="#555">${v}</text>`);
  }
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<text x="14" y="${fmt(top + plotH / 2)}" text-anchor="middle" fill="#555" transform="rotate(-90 14 ${fmt(top + plotH / 2)})">count</text>`);
  out.push(`</g>`);
  // X axis
  out.push(`<line x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}" stroke="#333"/>`);
  if (shown.length === 0) {
    out.push(`<text x="${fmt(left + plotW / 2)}" y="${fmt(top + plotH / 2)}" text-anchor="middle" fill="#888">No data</text>`);
  }
  const gw = shown.length > 0 ? plotW / shown.length : plotW;
  const labelEvery = Math.max(1, Math.ceil(shown.length / 26));
  out.push(`<g class="bars">`);
  shown.forEach((week, i) => {
    const s = byWeek.get(week);
    const x0 = left + i * gw;
    const bw = Math.min(14, gw * 0.36);
    const bars: [keyof typeof colors, number, number][] = [
      ['incidents', s?.incidents ?? 0, x0 + gw / 2 - bw - 1],
      ['deploys', s?.deploys ?? 0, x0 + gw / 2 + 1],
    ];
    for (const [kind, value, x] of bars) {
      const h = (value / yMax) * plotH;
      out.push(
        `<rect class="${kind}" x="${fmt(x)}" y="${fmt(top + plotH - h)}" width="${fmt(bw)}" height="${fmt(h)}" fill="${colors[kind]}"><title>${escapeXml(`${week}: ${value} ${kind}`)}</title></rect>`,
      );
    }
    if (i % labelEvery === 0) {
      const cx = fmt(x0 + gw / 2);
      const ly = top + plotH + 14;
      out.push(`<text x="${cx}" y="${ly}" text-anchor="end" fill="#555" transform="rotate(-45 ${cx} ${ly})">${escapeXml(week)}</text>`);
    }
  });
  out.push(`</g>`);
  out.push(`<text x="${fmt(left + plotW / 2)}" y="${height - 8}" text-anchor="middle" fill="#555">ISO week (UTC)</text>`);
  out.push(`</svg>`);
  return `${out.join('\n')}\n`;
}
