import { useMemo } from 'preact/hooks';
import { collection, query, where } from 'firebase/firestore';
import { formatDuration as words } from '../../../functions/src/domain/duration';
import { formatRate } from '../../../functions/src/domain/stats';
import { Chart } from '../components/Chart';
import { Empty, ErrorNote, Section } from '../components/ui';
import { useQuery, useSession } from '../hooks';
import { niceDurationMax, scopeLabel, type SeriesPoint, seriesByScope, type StatDoc, summarizeSeries } from '../lib/insights';
import { hrefOf } from '../lib/route';

/** MTTA and MTTR in the words used everywhere; `-` for none. */
const formatDuration = (seconds: number | null) => (seconds === null ? '-' : words(seconds));

type PeriodType = 'week' | 'month';

const METRICS = [
  { key: 'mtta', title: 'MTTA (mean time to acknowledge)', color: '#d97706', value: (p: SeriesPoint) => p.summary.mttaSeconds, format: (v: number) => formatDuration(v), niceTop: niceDurationMax },
  { key: 'mttr', title: 'MTTR (mean time to resolve)', color: '#2563eb', value: (p: SeriesPoint) => p.summary.mttrSeconds, format: (v: number) => formatDuration(v), niceTop: niceDurationMax },
  {
    key: 'cfr',
    title: 'Change failure rate',
    color: '#dc2626',
    value: (p: SeriesPoint) => p.summary.changeFailureRate,
    format: (v: number) => formatRate(v),
    niceTop: undefined,
  },
] as const;

export function InsightsPage({ query: q }: { query: Record<string, string> }) {
  const session = useSession();
  const periodType: PeriodType = q.period === 'month' ? 'month' : 'week';
  const scope = q.scope ?? 'all';
  // Equality filters only: served by single-field indexes, no composite index needed.
  const live = useQuery<StatDoc>(query(collection(session.db, 'stats'), where('periodType', '==', periodType)), `stats/${periodType}`);
  const series = useMemo(() => seriesByScope(live.data, periodType), [live.data, periodType]);
  const scopes = [...series.keys()].filter((s) => s === 'all' || s.startsWith('service:'));
  const shown = series.get(scope) ?? [];
  const go = (patch: Record<string, string>) => {
    location.hash = hrefOf({ page: 'insights', query: { period: periodType === 'week' ? '' : periodType, scope: scope === 'all' ? '' : scope, ...patch } });
  };

  return (
    <>
      <div class="pagehead">
        <h1>Insights</h1>
        <span class="muted">Drills are not counted. Periods are UTC {periodType === 'week' ? 'ISO weeks' : 'months'}.</span>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Insight options">
        <div class="field">
          <label for="insights-period">Period</label>
          <select id="insights-period" value={periodType} onChange={(e) => go({ period: e.currentTarget.value === 'week' ? '' : e.currentTarget.value })}>
            <option value="week">weekly</option>
            <option value="month">monthly</option>
          </select>
        </div>
        <div class="field">
          <label for="insights-service">Service</label>
          <select id="insights-service" value={scope} onChange={(e) => go({ scope: e.currentTarget.value === 'all' ? '' : e.currentTarget.value })}>
            {[...new Set(['all', ...scopes, scope])].map((s) => (
              <option key={s} value={s}>
                {scopeLabel(s)}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorNote error={live.error} />
      {!live.loading && live.data.length === 0 && <Empty>No statistics yet: they appear as incidents and deploys are recorded.</Empty>}
      <Section title={`${scopeLabel(scope)} over time`} id="charts">
        <div class="charts">
          {METRICS.map((m) => (
            <figure key={m.key}>
              <figcaption>{m.title}</figcaption>
              <Chart
                title={`${m.title}, ${scopeLabel(scope)}`}
                values={shown.map((p) => ({ label: p.period, value: m.value(p) }))}
                format={m.format}
                color={m.color}
                niceTop={m.niceTop}
              />
            </figure>
          ))}
        </div>
      </Section>
      <Section title="Per service" id="per-service">
        {scopes.length === 0 ? (
          <Empty>No data.</Empty>
        ) : (
          <table class="list insights" aria-label="Insights per service">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Incidents</th>
                <th scope="col">MTTA</th>
                <th scope="col">MTTR</th>
                <th scope="col">Deploys</th>
                <th scope="col">Change failure rate</th>
              </tr>
            </thead>
            <tbody>
              {scopes.map((s) => {
                const points = series.get(s) ?? [];
                const sum = summarizeSeries(points);
                return (
                  <tr key={s}>
                    <td>
                      <a href={hrefOf({ page: 'insights', query: { period: periodType === 'week' ? '' : periodType, scope: s === 'all' ? '' : s } })}>
                        {scopeLabel(s)}
                      </a>
                    </td>
                    <td class="num">{sum.incidents}</td>
                    {METRICS.slice(0, 2).map((m) => (
                      <td key={m.key}>
                        <span class="numcell">{m.key === 'mtta' ? formatDuration(sum.mttaSeconds) : formatDuration(sum.mttrSeconds)}</span>
                        <Chart compact title={`${m.title}, ${scopeLabel(s)}`} values={points.map((p) => ({ label: p.period, value: m.value(p) }))} format={m.format} color={m.color} niceTop={m.niceTop} />
                      </td>
                    ))}
                    <td class="num">
                      {sum.failedDeploys}/{sum.deploys}
                    </td>
                    <td>
                      <span class="numcell">{formatRate(sum.changeFailureRate)}</span>
                      <Chart
                        compact
                        title={`Change failure rate, ${scopeLabel(s)}`}
                        values={points.map((p) => ({ label: p.period, value: p.summary.changeFailureRate }))}
                        format={(v) => formatRate(v)}
                        color="#dc2626"
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
