import { chartGeometry } from '../lib/insights';

export interface ChartProps {
  title: string;
  values: { label: string; value: number | null }[];
  format: (v: number) => string;
  width?: number;
  height?: number;
  color?: string;
  /** A sparkline: no axes or labels. */
  compact?: boolean;
  /** The axis top for the largest value (default: 1, 2, 2.5, 5 × 10^n). */
  niceTop?: (max: number) => number;
}

/** A small inline SVG line chart; each point carries its value as a tooltip. */
export function Chart({ title, values, format, width, height, color = '#2563eb', compact = false, niceTop }: ChartProps) {
  const g = chartGeometry(values, compact ? { width: width ?? 120, height: height ?? 28, left: 2, right: 2, top: 3, bottom: 3, niceTop } : { width, height, niceTop });
  const summary = values.length
    ? `${title}: ${values.map((v) => `${v.label} ${v.value === null ? 'no data' : format(v.value)}`).join(', ')}`
    : `${title}: no data`;
  return (
    <svg class={compact ? 'chart spark' : 'chart'} width={g.width} height={g.height} viewBox={`0 0 ${g.width} ${g.height}`} role="img" aria-label={summary}>
      <title>{summary}</title>
      {!compact && (
        <g class="axes">
          <line x1={g.plot.left} y1={g.plot.bottom} x2={g.plot.right} y2={g.plot.bottom} />
          <line x1={g.plot.left} y1={g.plot.top} x2={g.plot.left} y2={g.plot.bottom} />
          <line class="grid" x1={g.plot.left} y1={g.plot.top} x2={g.plot.right} y2={g.plot.top} />
          <text x={g.plot.left - 4} y={g.plot.top + 4} text-anchor="end">
            {format(g.yMax)}
          </text>
          <text x={g.plot.left - 4} y={g.plot.bottom} text-anchor="end">
            0
          </text>
          {g.slots.length > 0 && (
            <text x={g.slots[0]!.x} y={g.height - 6} text-anchor={g.slots.length === 1 ? 'middle' : 'start'}>
              {g.slots[0]!.label}
            </text>
          )}
          {g.slots.length > 1 && (
            <text x={g.slots[g.slots.length - 1]!.x} y={g.height - 6} text-anchor="end">
              {g.slots[g.slots.length - 1]!.label}
            </text>
          )}
        </g>
      )}
      {g.points.length === 0 && !compact && (
        <text class="nodata" x={(g.plot.left + g.plot.right) / 2} y={(g.plot.top + g.plot.bottom) / 2} text-anchor="middle">
          no data
        </text>
      )}
      <path d={g.path} fill="none" stroke={color} stroke-width={compact ? 1.5 : 2} />
      {g.points.map((p) => (
        <circle key={p.label} cx={p.x} cy={p.y} r={compact ? 1.5 : 3} fill={color}>
          <title>{`${p.label}: ${format(p.value)}`}</title>
        </circle>
      ))}
    </svg>
  );
}
