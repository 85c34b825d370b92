// The insights report of `npm run report`: a plain-text table of the buckets
// in stats/ and an SVG chart of incidents and deploys per week. It serves
// only the report script, so it lives outside the functions bundle (built
// into lib-tools/ by npm run build, never deployed).
import { formatDuration as words } from '../functions/src/domain/duration';
import { escapeXml } from '../functions/src/domain/markup';
import { bucketMeta, formatRate, isoWeek, mondayOfIsoWeek, type PeriodType, STAT_FIELDS, type StatFields, summarize } from '../functions/src/domain/stats';

const DAY_MS = 86_400_000;
const n = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
/** A duration in the table: the same words as everywhere, `-` for none. */
const formatDuration = (seconds: number | null) => (seconds === null ? '-' : words(seconds));

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
