// Insights from the stats buckets: series of MTTA, MTTR and change failure
// rate per scope over time, and the geometry of a small SVG line chart. Pure.
import { type BucketSummary, bucketMeta, STAT_FIELDS, type StatFields, summarize } from '../../../functions/src/domain/stats';

export interface StatDoc extends Partial<StatFields> {
  id: string;
  scope?: string;
  period?: string;
  [key: string]: unknown;
}

export interface SeriesPoint {
  /** `2026-W48` or `2026-11` */
  period: string;
  fields: Partial<StatFields>;
  summary: BucketSummary;
}

/** Bucket documents of one period type → scope → points sorted by period (gaps not filled). */
export function seriesByScope(docs: readonly StatDoc[], periodType: 'week' | 'month'): Map<string, SeriesPoint[]> {
  const sums = new Map<string, Map<string, Partial<StatFields>>>();
  for (const d of docs) {
    let scope = d.scope;
    let period = d.period;
    if (scope === undefined || period === undefined) {
      try {
        const meta = bucketMeta(d.id);
        scope ??= meta.scope;
        period ??= meta.period;
      } catch {
        continue;
      }
    }
    if (!period.startsWith(`${periodType}:`)) continue;
    const key = period.slice(periodType.length + 1);
    const byPeriod = sums.get(scope) ?? new Map<string, Partial<StatFields>>();
    const acc = byPeriod.get(key) ?? {};
    for (const f of STAT_FIELDS) {
      const v = d[f];
      if (typeof v === 'number' && Number.isFinite(v)) acc[f] = (acc[f] ?? 0) + v;
    }
    byPeriod.set(key, acc);
    sums.set(scope, byPeriod);
  }
  const out = new Map<string, SeriesPoint[]>();
  for (const scope of [...sums.keys()].sort()) {
    const byPeriod = sums.get(scope) ?? new Map<string, Partial<StatFields>>();
    out.set(
      scope,
      [...byPeriod.keys()].sort().map((period) => {
        const fields = byPeriod.get(period) ?? {};
        return { period, fields, summary: summarize(fields) };
      }),
    );
  }
  return out;
}

/** One summary over several periods: sums the underlying counts, then averages. */
export function summarizeSeries(points: readonly SeriesPoint[]): BucketSummary {
  const total: Partial<StatFields> = {};
  for (const p of points) for (const f of STAT_FIELDS) total[f] = (total[f] ?? 0) + (p.fields[f] ?? 0);
  return summarize(total);
}

/** `service:checkout` → `checkout`; `all` → `All services`. */
export function scopeLabel(scope: string): string {
  if (scope === 'all') return 'All services';
  if (scope.startsWith('service:')) return scope.slice('service:'.length);
  if (scope.startsWith('severity:')) return scope.slice('severity:'.length);
  return scope;
}

export interface ChartPoint {
  x: number;
  y: number;
  value: number;
  label: string;
}

export interface ChartGeometry {
  width: number;
  height: number;
  /** The top of the y axis (a round number ≥ every value). */
  yMax: number;
  points: ChartPoint[];
  /** SVG path data, one `M…L…` run per stretch without gaps. */
  path: string;
  /** x of each label, in order (null values keep their slot). */
  slots: { x: number; label: string }[];
  plot: { left: number; right: number; top: number; bottom: number };
}

/** A round axis top for `max`: 1, 2, 2.5, 5 × 10^n. */
export function niceMax(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const mag = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= max) return m * mag;
  return 10 * mag;
}

/** A round axis top for durations in seconds: 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, then whole days. */
export function niceDurationMax(seconds: number): number {
  if (!(seconds > 0) || !Number.isFinite(seconds)) return 60;
  if (seconds <= 60) return niceMax(seconds);
  const steps = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];
  for (const s of steps) if (s >= seconds) return s;
  return Math.ceil(seconds / 86_400) * 86_400;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** Where each value goes in a `width` × `height` chart; null values leave a gap in the line. */
export function chartGeometry(
  values: readonly { label: string; value: number | null }[],
  opts: { width?: number; height?: number; left?: number; right?: number; top?: number; bottom?: number; niceTop?: (max: number) => number } = {},
): ChartGeometry {
  const width = opts.width ?? 320;
  const height = opts.height ?? 140;
  const plot = { left: opts.left ?? 60, right: width - (opts.right ?? 10), top: opts.top ?? 10, bottom: height - (opts.bottom ?? 24) };
  const present = values.map((v) => v.value).filter((v): v is number => v !== null && Number.isFinite(v));
  const yMax = (opts.niceTop ?? niceMax)(Math.max(0, ...present));
  const n = values.length;
  const xOf = (i: number) => (n <= 1 ? (plot.left + plot.right) / 2 : plot.left + (i * (plot.right - plot.left)) / (n - 1));
  const yOf = (v: number) => plot.bottom - (Math.max(0, v) / yMax) * (plot.bottom - plot.top);
  const points: ChartPoint[] = [];
  const runs: string[] = [];
  let run: string[] = [];
  values.forEach((v, i) => {
    if (v.value === null || !Number.isFinite(v.value)) {
      if (run.length) runs.push(run.join(' '));
      run = [];
      return;
    }
    const p = { x: r1(xOf(i)), y: r1(yOf(v.value)), value: v.value, label: v.label };
    points.push(p);
    run.push(`${run.length ? 'L' : 'M'}${p.x} ${p.y}`);
  });
  if (run.length) runs.push(run.join(' '));
  return { width, height, yMax, points, path: runs.join(' '), slots: values.map((v, i) => ({ x: r1(xOf(i)), label: v.label })), plot };
}
