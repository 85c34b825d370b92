// The drills page: stored drill documents as history runs (the same grouping
// as `npm run drill -- --history`, domain/drills/history.ts), and the kinds a
// generated drill can have.
import { type DrillRun } from '../../../functions/src/domain/drills/history';
import { toDate } from './format';

export { DRILL_KINDS } from '../../../functions/src/domain/drills/kinds';
export { drillHistory, HISTORY_LIMIT, type HistorySeries } from '../../../functions/src/domain/drills/history';

/** A drills/{id} document as the console reads it (any field may be missing). */
export interface DrillDocRow {
  id: string;
  service?: unknown;
  scenarioName?: unknown;
  startedAt?: unknown;
  acknowledgedBy?: unknown;
  timedOut?: unknown;
  score?: { score?: unknown; acknowledgedBy?: unknown; timeToAcknowledgeSeconds?: unknown; timeToMitigateSeconds?: unknown; pageAckSeconds?: unknown; escalationLevelReached?: unknown } | null;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/** The scored drills as runs; a document without a start time or a score is left out. */
export function runsFromDocs(docs: readonly DrillDocRow[]): DrillRun[] {
  const out: DrillRun[] = [];
  for (const d of docs) {
    const startedAt = toDate(d.startedAt);
    const score = num(d.score?.score);
    if (!startedAt || score === null) continue;
    out.push({
      drillId: d.id,
      service: text(d.service) ?? 'unknown',
      scenarioName: text(d.scenarioName) ?? d.id,
      startedAt,
      acknowledgedBy: text(d.score?.acknowledgedBy) ?? text(d.acknowledgedBy),
      timeToAcknowledgeSeconds: num(d.score?.timeToAcknowledgeSeconds),
      timeToMitigateSeconds: num(d.score?.timeToMitigateSeconds),
      pageAckSeconds: num(d.score?.pageAckSeconds),
      escalationLevelReached: num(d.score?.escalationLevelReached),
      score,
      timedOut: d.timedOut === true,
    });
  }
  return out;
}
