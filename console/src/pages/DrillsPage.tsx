import { useMemo, useState } from 'preact/hooks';
import { collection, limit, orderBy, query } from 'firebase/firestore';
import { httpsCallable } from 'firebase/functions';
import { formatDuration } from '../../../functions/src/domain/duration';
import type { GeneratedDrillResponse } from '../../../functions/src/app/drillRequests';
import { Empty, ErrorNote, Section } from '../components/ui';
import { useQuery, useSession } from '../hooks';
import { DRILL_KINDS, type DrillDocRow, drillHistory, HISTORY_LIMIT, type HistorySeries, runsFromDocs } from '../lib/drills';
import { actorLabel, explainError, formatDateTime } from '../lib/format';
import { hrefOf } from '../lib/route';

const dur = (s: number | null) => (s === null ? '-' : formatDuration(s));
const offset = (s: number) => (s < 0 ? `-${formatDuration(-s)}` : formatDuration(s));
const change = (n: number | null, time: boolean) => (n === null ? '-' : time ? `${n > 0 ? '+' : n < 0 ? '-' : '±'}${formatDuration(Math.abs(n))}` : `${n > 0 ? '+' : ''}${n}`);

/**
 * Drills: an admin picks a service and a kind, previews the drill generated
 * from the service's own context (the generateDrill callable: the same
 * generator as `npm run drill -- --generate`), and starts it with runDrill.
 * Everyone sees the history of scored drills per service and per person.
 */
export function DrillsPage({ query: q }: { query: Record<string, string> }) {
  const session = useSession();
  const isAdmin = session.role === 'admin';
  // The newest scored drills, bounded; grouped here as the CLI groups them.
  const live = useQuery<DrillDocRow>(query(collection(session.db, 'drills'), orderBy('scoredAt', 'desc'), limit(HISTORY_LIMIT)), 'drills/history');
  const runs = useMemo(() => runsFromDocs(live.data), [live.data]);
  const byService = useMemo(() => drillHistory(runs, 'service'), [runs]);
  const byPerson = useMemo(() => drillHistory(runs, 'person'), [runs]);
  const services = [...new Set(byService.map((s) => s.key))];

  return (
    <>
      <div class="pagehead">
        <h1>Drills</h1>
        <span class="muted">Drill incidents are flagged [DRILL], post in the training channel only, and stay out of the insights.</span>
      </div>
      {isAdmin ? (
        <GenerateDrill initialService={q.service ?? ''} services={services} />
      ) : (
        <Section title="Generate a drill">
          <p class="muted">Only admins generate and start drills (custom claim role: admin).</p>
        </Section>
      )}
      <Section title="History per service" id="drill-history-service">
        <ErrorNote error={live.error} />
        {live.loading ? <p class="muted">Loading…</p> : <HistoryTables series={byService} by="service" me={session.user.uid} />}
      </Section>
      <Section title="History per person (who responded first)" id="drill-history-person">
        {live.loading ? <p class="muted">Loading…</p> : <HistoryTables series={byPerson} by="person" me={session.user.uid} />}
      </Section>
    </>
  );
}

function GenerateDrill({ initialService, services }: { initialService: string; services: string[] }) {
  const session = useSession();
  const [service, setService] = useState(initialService);
  const [kind, setKind] = useState('');
  const [seed, setSeed] = useState('1');
  const [speed, setSpeed] = useState('1');
  const [busy, setBusy] = useState<'' | 'preview' | 'start'>('');
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<GeneratedDrillResponse | null>(null);
  const [started, setStarted] = useState<string | null>(null);

  const generate = async () => {
    setBusy('preview');
    setError(null);
    setStarted(null);
    try {
      const call = httpsCallable<{ service: string; kind?: string; seed: number }, GeneratedDrillResponse>(session.functions, 'generateDrill');
      const res = await call({ service: service.trim(), ...(kind ? { kind } : {}), seed: Number(seed) || 0 });
      setPreview(res.data);
    } catch (e) {
      setPreview(null);
      setError(explainError(e));
    } finally {
      setBusy('');
    }
  };

  const start = async () => {
    if (!preview) return;
    setBusy('start');
    setError(null);
    try {
      const call = httpsCallable<{ yaml: string; speed: number }, { drillId: string }>(session.functions, 'runDrill');
      const res = await call({ yaml: preview.yaml, speed: Math.max(1, Number(speed) || 1) });
      setStarted(res.data.drillId);
    } catch (e) {
      setError(explainError(e));
    } finally {
      setBusy('');
    }
  };

  return (
    <Section title="Generate a drill" id="drill-generate">
      <form
        class="filters"
        aria-label="Generate a drill"
        onSubmit={(e) => {
          e.preventDefault();
          void generate();
        }}
      >
        <div class="field">
          <label for="drill-service">Service</label>
          <input id="drill-service" list="drill-services" required value={service} onInput={(e) => setService(e.currentTarget.value)} placeholder="checkout" />
          <datalist id="drill-services">
            {services.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </div>
        <div class="field">
          <label for="drill-kind">Kind</label>
          <select id="drill-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="">from the history</option>
            {DRILL_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="drill-seed">Seed</label>
          <input id="drill-seed" type="number" min="0" step="1" value={seed} onInput={(e) => setSeed(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={busy !== '' || service.trim() === ''}>
          {busy === 'preview' ? 'Generating…' : 'Preview'}
        </button>
      </form>
      <ErrorNote error={error} />
      {preview && (
        <div class="drill-preview" data-testid="drill-preview">
          <h3>{preview.name}</h3>
          {preview.fallback && (
            <p class="note" data-testid="drill-fallback">
              {preview.service} has no past incidents: this drill uses generic alerts, the runbook they match and the severity rules.
            </p>
          )}
          <p class="muted">
            Kind {preview.kind} ({preview.kindFrom === 'given' ? 'chosen' : preview.kindFrom === 'history' ? 'from the history' : 'the default'}) · acknowledge within{' '}
            {formatDuration(preview.acknowledgeWithinSeconds)} · time limit {preview.timeLimitMinutes} min
          </p>
          <table class="table" aria-label="Drill timeline">
            <thead>
              <tr>
                <th>At</th>
                <th>What happens</th>
              </tr>
            </thead>
            <tbody>
              {preview.timeline.map((t, i) => (
                <tr key={i}>
                  <td>{offset(t.at)}</td>
                  <td>{t.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {preview.runbookSteps.length > 0 && (
            <>
              <h4>Expected runbook steps</h4>
              <ol>
                {preview.runbookSteps.map((s) => (
                  <li key={s}>{s}</li>
                ))}
              </ol>
            </>
          )}
          {preview.notes.length > 0 && (
            <ul class="muted">
              {preview.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
          <details>
            <summary>Scenario YAML</summary>
            <pre>{preview.yaml}</pre>
          </details>
          <form
            class="filters"
            aria-label="Start the drill"
            onSubmit={(e) => {
              e.preventDefault();
              void start();
            }}
          >
            <div class="field">
              <label for="drill-speed">Speed</label>
              <input id="drill-speed" type="number" min="1" step="1" value={speed} onInput={(e) => setSpeed(e.currentTarget.value)} />
            </div>
            <button type="submit" disabled={busy !== ''}>
              {busy === 'start' ? 'Starting…' : 'Start drill'}
            </button>
          </form>
          {started && (
            <p data-testid="drill-started">
              Drill <code>{started}</code> started: its incidents appear under{' '}
              <a href={hrefOf({ page: 'incidents', query: { service: preview.service } })}>Drills on the incidents page</a>.
            </p>
          )}
        </div>
      )}
    </Section>
  );
}

function HistoryTables({ series, by, me }: { series: HistorySeries[]; by: 'service' | 'person'; me: string }) {
  if (series.length === 0) return <Empty>{by === 'service' ? 'No scored drills yet.' : 'No scored drill with a responder yet.'}</Empty>;
  return (
    <>
      {series.map((s) => (
        <div key={s.key} class="drill-history">
          <h3>
            {by === 'service' ? s.key : actorLabel(s.key, me)}: {s.runs.length} run{s.runs.length === 1 ? '' : 's'}, average {s.averageScore}, best {s.bestScore}
          </h3>
          {s.runs.length > 1 && (
            <p class="muted">
              Latest against the earlier runs: score {change(s.change.score, false)}, acknowledge {change(s.change.timeToAcknowledgeSeconds, true)}, mitigate{' '}
              {change(s.change.timeToMitigateSeconds, true)}, page acknowledged {change(s.change.pageAckSeconds, true)}
            </p>
          )}
          <table class="table" aria-label={`Drills of ${s.key}`}>
            <thead>
              <tr>
                <th>Started</th>
                <th>Scenario</th>
                <th>{by === 'service' ? 'Responder' : 'Service'}</th>
                <th>Acknowledge</th>
                <th>Mitigate</th>
                <th title="From the first page to its acknowledgement">Page ack</th>
                <th title="The highest escalation level that paged">Level</th>
                <th>Score</th>
              </tr>
            </thead>
            <tbody>
              {s.runs.map((r) => (
                <tr key={r.drillId}>
                  <td>{formatDateTime(r.startedAt)}</td>
                  <td>{r.scenarioName}</td>
                  <td>{by === 'service' ? (r.acknowledgedBy ? actorLabel(r.acknowledgedBy, me) : '-') : r.service}</td>
                  <td>{dur(r.timeToAcknowledgeSeconds)}</td>
                  <td>{dur(r.timeToMitigateSeconds)}</td>
                  <td>{dur(r.pageAckSeconds)}</td>
                  <td>{r.escalationLevelReached ?? '-'}</td>
                  <td>
                    {r.score}
                    {r.timedOut ? ' (timed out)' : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </>
  );
}
