// Drill history: the scored drills of a service, or of a person (who
// responded first), in order, so practice shows in the numbers: time to
// acknowledge, time to mitigate, time from the page to its acknowledgement,
// the escalation level reached and score per run, and how the latest run
// compares with the average of the earlier ones.
import { formatDuration } from '../duration';

/** At most this many runs are read and shown per query (the newest). */
export const HISTORY_LIMIT = 50;

export interface DrillRun {
  drillId: string;
  service: string;
  scenarioName: string;
  startedAt: Date;
  /** Who responded first (score.acknowledgedBy); null = nobody. */
  acknowledgedBy: string | null;
  timeToAcknowledgeSeconds: number | null;
  timeToMitigateSeconds: number | null;
  /** From the first page to its acknowledgement (score.pageAckSeconds); null = not paged, or not acknowledged. */
  pageAckSeconds: number | null;
  /** The highest escalation level that paged, 1-based (score.escalationLevelReached); null = never paged. */
  escalationLevelReached: number | null;
  score: number;
  timedOut: boolean;
}

export interface HistorySeries {
  /** The service, or the person. */
  key: string;
  /** Oldest first. */
  runs: DrillRun[];
  latest: DrillRun;
  bestScore: number;
  averageScore: number;
  /** Latest minus the average of the earlier runs (null with one run): a positive score change and negative time changes are improvements. */
  change: { score: number | null; timeToAcknowledgeSeconds: number | null; timeToMitigateSeconds: number | null; pageAckSeconds: number | null };
}

const avg = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

function changeOf(earlier: DrillRun[], latest: DrillRun, pick: (r: DrillRun) => number | null): number | null {
  const now = pick(latest);
  const before = avg(earlier.map(pick).filter((x): x is number => x !== null));
  return now === null || before === null ? null : Math.round(now - before);
}

/**
 * The runs grouped by service or by person (runs nobody responded to have no
 * person and are left out of `person`), each oldest first; series with the
 * most recent run first. At most HISTORY_LIMIT runs per series (the newest).
 */
export function drillHistory(runs: readonly DrillRun[], by: 'service' | 'person'): HistorySeries[] {
  const groups = new Map<string, DrillRun[]>();
  for (const r of runs) {
    const key = by === 'service' ? r.service : r.acknowledgedBy;
    if (!key) continue;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const series: HistorySeries[] = [];
  for (const [key, list] of groups) {
    const sorted = [...list].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.drillId.localeCompare(b.drillId)).slice(-HISTORY_LIMIT);
    const latest = sorted[sorted.length - 1] as DrillRun;
    const earlier = sorted.slice(0, -1);
    series.push({
      key,
      runs: sorted,
      latest,
      bestScore: Math.max(...sorted.map((r) => r.score)),
      averageScore: Math.round(avg(sorted.map((r) => r.score)) ?? 0),
      change: {
        score: changeOf(earlier, latest, (r) => r.score),
        timeToAcknowledgeSeconds: changeOf(earlier, latest, (r) => r.timeToAcknowledgeSeconds),
        timeToMitigateSeconds: changeOf(earlier, latest, (r) => r.timeToMitigateSeconds),
        pageAckSeconds: changeOf(earlier, latest, (r) => r.pageAckSeconds),
      },
    });
  }
  return series.sort((a, b) => b.latest.startedAt.getTime() - a.latest.startedAt.getTime() || a.key.localeCompare(b.key));
}

const dur = (s: number | null) => (s === null ? '—' : formatDuration(s));
const signed = (n: number | null, unit: 'points' | 'time') =>
  n === null ? '' : unit === 'points' ? `${n > 0 ? '+' : ''}${n}` : n === 0 ? '±0 s' : `${n > 0 ? '+' : '-'}${formatDuration(Math.abs(n))}`;

/** The history as text (the CLI): one block per series, one line per run, then the change. */
export function drillHistoryText(series: readonly HistorySeries[], by: 'service' | 'person'): string {
  if (series.length === 0) return `no scored drills${by === 'person' ? ' with a responder' : ''}`;
  const out: string[] = [];
  for (const s of series) {
    out.push(`${by === 'service' ? 'service' : 'person'} ${s.key}: ${s.runs.length} run${s.runs.length === 1 ? '' : 's'}, average score ${s.averageScore}, best ${s.bestScore}`);
    out.push(
      `  ${'started (UTC)'.padEnd(17)} ${'scenario'.padEnd(36)} ${'ack'.padStart(12)} ${'mitigate'.padStart(12)} ${'page ack'.padStart(12)} ${'level'.padStart(5)} ${'score'.padStart(5)}  ${by === 'service' ? 'responder' : 'service'}`,
    );
    for (const r of s.runs) {
      const who = by === 'service' ? (r.acknowledgedBy ?? '—') : r.service;
      out.push(
        `  ${r.startedAt.toISOString().slice(0, 16).replace('T', ' ').padEnd(17)} ${r.scenarioName.slice(0, 36).padEnd(36)} ${dur(r.timeToAcknowledgeSeconds).padStart(12)} ${dur(r.timeToMitigateSeconds).padStart(12)} ${dur(r.pageAckSeconds).padStart(12)} ${(r.escalationLevelReached === null ? '—' : String(r.escalationLevelReached)).padStart(5)} ${String(r.score).padStart(5)}  ${who}${r.timedOut ? ' (timed out)' : ''}`,
      );
    }
    if (s.runs.length > 1) {
      const c = s.change;
      out.push(
        `  latest vs the earlier runs' average: score ${signed(c.score, 'points') || '—'}, acknowledge ${signed(c.timeToAcknowledgeSeconds, 'time') || '—'}, mitigate ${signed(c.timeToMitigateSeconds, 'time') || '—'}, page ack ${signed(c.pageAckSeconds, 'time') || '—'}`,
      );
    }
  }
  return out.join('\n');
}
