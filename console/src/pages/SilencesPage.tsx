// #/silences: create a silence (from matchers, or prefilled from an incident
// with ?incident=<id>), the active, upcoming and expired silences, and for
// each what it holds (silencedAlerts with its id). Ending one early writes
// expiredAt/expiredBy, as firestore.rules allow; the pipeline then releases
// what it held (onSilenceWritten).
import { useState } from 'preact/hooks';
import { addDoc, collection, doc, limit, orderBy, query, serverTimestamp, updateDoc, where } from 'firebase/firestore';
import { Empty, ErrorNote, Section, VIEWER_TITLE } from '../components/ui';
import { useDoc, useNow, useQuery, useSession } from '../hooks';
import { actorLabel, explainError, formatDateTime, since } from '../lib/format';
import { describeMatchers, fromDateTimeLocal, groupSilences, matchersForIncident, type SilenceForm, silenceEndOf, silenceFromForm, type SilenceRow, type SilenceState, silenceStateOf } from '../lib/silences';
import { hrefOf } from '../lib/route';

interface HeldRow {
  id: string;
  status?: 'held' | 'resolved' | 'released';
  title?: string;
  source?: string;
  service?: string | null;
  environment?: string | null;
  occurrences?: number;
  firstSeenAt?: unknown;
  lastSeenAt?: unknown;
  incidentId?: string | null;
}

export function SilencesPage({ query: q }: { query: Record<string, string> }) {
  const session = useSession();
  const now = useNow(10_000);
  const silences = useQuery<Omit<SilenceRow, 'id'>>(query(collection(session.db, 'silences'), orderBy('endsAt', 'desc'), limit(200)), 'silences');
  const groups = groupSilences(silences.data, now);
  const titles: Record<SilenceState, string> = { active: 'Active silences', upcoming: 'Upcoming silences', expired: 'Expired silences' };
  return (
    <>
      <h1>Silences</h1>
      <p class="hint">
        An alert that a silence's matchers fit opens no incident and notifies nobody while the silence is active; it is kept below, counted. When the silence
        ends, the alerts still firing open their incidents. Maintenance windows (config/maintenance.yaml) hold alerts the same way.
      </p>
      {session.canRespond ? <NewSilence incidentId={q.incident ?? ''} /> : <p class="hint">{VIEWER_TITLE}</p>}
      <ErrorNote error={silences.error} />
      {(['active', 'upcoming', 'expired'] as const).map((state) => (
        <Section key={state} title={`${titles[state]} (${groups[state].length})`} id={`silences-${state}`}>
          {silences.loading ? <Empty>Loading…</Empty> : groups[state].length === 0 ? <Empty>None.</Empty> : groups[state].map((s) => <SilenceCard key={s.id} silence={s} now={now} />)}
        </Section>
      ))}
    </>
  );
}

function NewSilence({ incidentId }: { incidentId: string }) {
  const session = useSession();
  const incident = useDoc<{ service?: string; environment?: string; alertName?: string; title?: string }>(incidentId ? doc(session.db, 'incidents', incidentId) : null, incidentId);
  const suggested = incident.data ? matchersForIncident(incident.data) : '';
  const [form, setForm] = useState<SilenceForm & { touched: boolean; start: string }>({ matchers: '', startsAt: null, start: '', duration: '2h', comment: '', touched: false });
  const [state, setState] = useState<{ busy: boolean; error: string | null; created: string | null }>({ busy: false, error: null, created: null });
  const matchers = form.touched ? form.matchers : suggested;

  async function create(e: Event) {
    e.preventDefault();
    const r = silenceFromForm({ ...form, matchers, startsAt: fromDateTimeLocal(form.start) }, session.user.uid, Date.now());
    if (!r.ok) return setState({ busy: false, error: `${r.field}: ${r.error}`, created: null });
    setState({ busy: true, error: null, created: null });
    try {
      const ref = await addDoc(collection(session.db, 'silences'), { ...r.silence, createdAt: serverTimestamp() });
      setState({ busy: false, error: null, created: ref.id });
      setForm({ matchers: '', startsAt: null, start: '', duration: '2h', comment: '', touched: true });
    } catch (err) {
      setState({ busy: false, error: explainError(err), created: null });
    }
  }

  return (
    <Section title="New silence" id="silence-new">
      {incidentId && incident.data && (
        <p class="hint">
          From incident <a href={hrefOf({ page: 'incident', id: incidentId })}>{incident.data.title ?? incidentId}</a>: its service, environment and alert name.
        </p>
      )}
      <form class="stack" onSubmit={(e) => void create(e)}>
        <div class="field">
          <label for="silence-matchers">Matchers</label>
          <input
            id="silence-matchers"
            required
            placeholder='service=checkout environment=production alertname=~"Disk.*"'
            value={matchers}
            onInput={(e) => setForm({ ...form, matchers: e.currentTarget.value, touched: true })}
          />
        </div>
        <div class="field">
          <label for="silence-start">Starts (empty: now)</label>
          <input id="silence-start" type="datetime-local" value={form.start} onInput={(e) => setForm({ ...form, start: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="silence-duration">For</label>
          <input id="silence-duration" required placeholder="2h" value={form.duration} onInput={(e) => setForm({ ...form, duration: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="silence-comment">Why</label>
          <input id="silence-comment" required placeholder="database migration" value={form.comment} onInput={(e) => setForm({ ...form, comment: e.currentTarget.value })} />
        </div>
        <button type="submit" class="primary" disabled={state.busy}>
          Silence
        </button>
      </form>
      <ErrorNote error={state.error} />
      {state.created && (
        <p class="result result-done" role="status">
          Silence created.
        </p>
      )}
    </Section>
  );
}

function SilenceCard({ silence: s, now }: { silence: SilenceRow; now: number }) {
  const session = useSession();
  const [open, setOpen] = useState(silenceStateOf(s, now) === 'active');
  const [error, setError] = useState<string | null>(null);
  const state = silenceStateOf(s, now);
  const end = silenceEndOf(s);
  async function expire() {
    setError(null);
    try {
      await updateDoc(doc(session.db, 'silences', s.id), { expiredAt: serverTimestamp(), expiredBy: session.user.uid });
    } catch (err) {
      setError(explainError(err));
    }
  }
  return (
    <article class="silence" data-testid={`silence-${s.id}`}>
      <p>
        <code>{describeMatchers(s.matchers)}</code> — {s.comment}
      </p>
      <p class="hint">
        {state === 'upcoming' ? `starts ${formatDateTime(s.startsAt)}` : `from ${formatDateTime(s.startsAt)}`}
        {state === 'expired' ? `, ended ${formatDateTime(end)}` : `, until ${formatDateTime(end)}`}
        {s.expiredAt ? ` (ended early by ${actorLabel(s.expiredBy, session.user.uid)})` : ''} · by {actorLabel(s.createdBy, session.user.uid)}
      </p>
      {s.problem && <p class="error">The pipeline cannot use this silence: {s.problem}</p>}
      {state !== 'expired' && (
        <button type="button" disabled={!session.canRespond} title={session.canRespond ? undefined : VIEWER_TITLE} onClick={() => void expire()}>
          {state === 'upcoming' ? 'Cancel' : 'End now'}
        </button>
      )}{' '}
      <button type="button" class="link" onClick={() => setOpen(!open)} aria-expanded={open}>
        {open ? 'Hide what it holds' : 'What it holds'}
      </button>
      <ErrorNote error={error} />
      {open && <Held silenceId={s.id} now={now} />}
    </article>
  );
}

function Held({ silenceId, now }: { silenceId: string; now: number }) {
  const session = useSession();
  const held = useQuery<Omit<HeldRow, 'id'>>(query(collection(session.db, 'silencedAlerts'), where('silenceId', '==', silenceId), limit(200)), `held-${silenceId}`);
  if (held.loading) return <Empty>Loading…</Empty>;
  if (held.error) return <ErrorNote error={held.error} />;
  if (held.data.length === 0) return <Empty>It has held no alert.</Empty>;
  const count = (st: HeldRow['status']) => held.data.filter((h) => h.status === st).length;
  return (
    <>
      <p class="hint">
        {count('held')} held · {count('resolved')} resolved while held · {count('released')} released
      </p>
      <table>
        <thead>
          <tr>
            <th>Alert</th>
            <th>Service</th>
            <th>Status</th>
            <th>Times</th>
            <th>Last seen</th>
            <th>Incident</th>
          </tr>
        </thead>
        <tbody>
          {held.data.map((h) => (
            <tr key={h.id}>
              <td>{h.title ?? h.id}</td>
              <td>
                {h.service ?? '—'}
                {h.environment ? ` (${h.environment})` : ''}
              </td>
              <td>{h.status ?? '?'}</td>
              <td>{h.occurrences ?? 1}</td>
              <td>{since(h.lastSeenAt, now)}</td>
              <td>{h.incidentId ? <a href={hrefOf({ page: 'incident', id: h.incidentId })}>{h.incidentId}</a> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
