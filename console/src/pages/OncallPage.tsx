import { useMemo, useState } from 'preact/hooks';
import { addDoc, collection, deleteDoc, doc, limit, query, serverTimestamp, Timestamp, where } from 'firebase/firestore';
import { MAX_OVERRIDE_SECONDS } from '../../../functions/src/domain/oncall';
import { parseDuration } from '../../../functions/src/domain/duration';
import { Empty, ErrorNote, Section, VIEWER_TITLE } from '../components/ui';
import { useNow, useQuery, useSession } from '../hooks';
import { explainError, formatDateTime } from '../lib/format';
import { labelOf, type OverrideRow, overridesOf, personLabel, scheduleViews, type UserRow } from '../lib/oncall';
import { ONCALL } from '../lib/oncallConfig';

const DURATIONS = ['1h', '2h', '4h', '8h', '12h', '1d', '2d', '3d', '1w'];

/** `YYYY-MM-DDTHH:MM` in local time, for a datetime-local input. */
function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function OncallPage() {
  const session = useSession();
  const now = useNow(30_000);
  // Overrides that have not ended; re-queried every ten minutes, live in between.
  const since = Math.floor(now / 600_000) * 600_000;
  const live = useQuery<OverrideRow>(query(collection(session.db, 'oncallOverrides'), where('end', '>', Timestamp.fromMillis(since)), limit(500)), `overrides/${since}`);
  const people = useQuery<UserRow>(query(collection(session.db, 'users'), limit(500)), 'users');
  const users = useMemo(() => new Map(people.data.map((u) => [u.id, u])), [people.data]);
  const overrides = useMemo(() => overridesOf(live.data, ONCALL), [live.data]);
  const views = useMemo(() => scheduleViews(overrides, new Date(now), ONCALL), [overrides, now]);
  const label = (uid: string) => personLabel(uid, users);
  // The list drops a cancelled override at once (the local write); this says when Firestore has it, or why not.
  const [cancelled, setCancelled] = useState<{ kind: 'idle' | 'saving' | 'saved' | 'error'; text?: string }>({ kind: 'idle' });
  async function cancelOverride(id: string) {
    setCancelled({ kind: 'saving', text: 'Cancelling…' });
    try {
      await deleteDoc(doc(session.db, 'oncallOverrides', id));
      setCancelled({ kind: 'saved', text: 'Override cancelled' });
    } catch (err) {
      setCancelled({ kind: 'error', text: `The override was not cancelled: ${explainError(err)}` });
    }
  }

  return (
    <>
      <div class="pagehead">
        <h1>On call</h1>
        <span class="muted">Schedules from config/oncall.yaml; overrides live</span>
      </div>
      <ErrorNote error={live.error ?? people.error} />
      {views.length === 0 && <Empty>There are no on-call schedules (config/oncall.yaml).</Empty>}
      {views.map((v) => (
        <Section key={v.schedule.id} title={v.schedule.name ?? v.schedule.id} id={`schedule-${v.schedule.id}`}>
          <p data-testid={`oncall-now-${v.schedule.id}`}>
            On call now:{' '}
            {v.now ? (
              <>
                <strong>{label(v.now.uid)}</strong> until {formatDateTime(v.now.end)}
                {v.now.source === 'override' ? ' (override)' : ''}
              </>
            ) : (
              <span class="muted">nobody</span>
            )}
          </p>
          <table class="list" aria-label={`Next two weeks of ${v.schedule.name ?? v.schedule.id}`}>
            <thead>
              <tr>
                <th>From</th>
                <th>To</th>
                <th>Who</th>
                <th>How</th>
              </tr>
            </thead>
            <tbody>
              {v.upcoming.map((s) => (
                <tr key={`${s.start.getTime()}-${s.uid}`}>
                  <td>{formatDateTime(s.start)}</td>
                  <td>{formatDateTime(s.end)}</td>
                  <td>{label(s.uid)}</td>
                  <td>{s.source === 'override' ? 'override' : `rotation ${s.layer + 1}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted small">Times in your browser's zone; hand-overs follow {v.schedule.timeZone}.</p>
        </Section>
      ))}
      <OverrideForm users={people.data} />
      <Section title="Overrides" id="overrides">
        {overrides.length === 0 ? (
          <Empty>No override now or ahead.</Empty>
        ) : (
          <table class="list" aria-label="Overrides">
            <thead>
              <tr>
                <th>Schedule</th>
                <th>Who</th>
                <th>From</th>
                <th>To</th>
                <th>Reason</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {overrides.map((o) => (
                <tr key={o.id}>
                  <td>{ONCALL.schedules[o.schedule]?.name ?? o.schedule}</td>
                  <td>{label(o.uid)}</td>
                  <td>{formatDateTime(o.start)}</td>
                  <td>{formatDateTime(o.end)}</td>
                  <td>{o.reason ?? ''}</td>
                  <td>
                    <button type="button" disabled={!session.canRespond} title={session.canRespond ? 'Cancel this override' : VIEWER_TITLE} onClick={() => void cancelOverride(o.id)}>
                      Cancel
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <span class={`result ${cancelled.kind === 'error' ? 'result-error' : cancelled.kind === 'saved' ? 'result-ok' : ''}`} role="status" aria-live="polite">
          {cancelled.text ?? ''}
        </span>
      </Section>
    </>
  );
}

function OverrideForm({ users }: { users: UserRow[] }) {
  const session = useSession();
  const ids = Object.keys(ONCALL.schedules);
  const [schedule, setSchedule] = useState(ids[0] ?? '');
  const [uid, setUid] = useState(session.user.uid);
  const [start, setStart] = useState(() => localInput(new Date()));
  const [duration, setDuration] = useState('4h');
  const [reason, setReason] = useState('');
  const [state, setState] = useState<{ kind: 'idle' | 'saving' | 'saved' | 'error'; text?: string }>({ kind: 'idle' });
  const viewer = !session.canRespond;
  const sorted = [...users].sort((a, b) => labelOf(a).localeCompare(labelOf(b)));
  if (!sorted.some((u) => u.id === session.user.uid)) sorted.unshift({ id: session.user.uid, name: session.user.email ?? session.user.uid });

  async function save(e: Event) {
    e.preventDefault();
    const seconds = parseDuration(duration);
    const from = new Date(start);
    if (!seconds || seconds > MAX_OVERRIDE_SECONDS || Number.isNaN(from.getTime())) return setState({ kind: 'error', text: 'Pick a start and a duration of at most 31 days.' });
    setState({ kind: 'saving' });
    try {
      await addDoc(collection(session.db, 'oncallOverrides'), {
        schedule,
        uid,
        start: Timestamp.fromDate(from),
        end: Timestamp.fromDate(new Date(from.getTime() + seconds * 1000)),
        createdBy: session.user.uid,
        createdAt: serverTimestamp(),
        ...(reason.trim() ? { reason: reason.trim().slice(0, 500) } : {}),
      });
      setState({ kind: 'saved', text: 'Override saved' });
      setReason('');
    } catch (err) {
      setState({ kind: 'error', text: explainError(err) });
    }
  }

  return (
    <Section title="Create an override" id="create-override">
      {viewer && <p class="hint">{VIEWER_TITLE}</p>}
      <p class="muted">Someone covers a schedule for a while. It wins over the rotation and never edits config/oncall.yaml.</p>
      <form class="inline" onSubmit={(e) => void save(e)}>
        <div class="field">
          <label for="override-schedule">Schedule</label>
          <select id="override-schedule" value={schedule} disabled={viewer} onChange={(e) => setSchedule(e.currentTarget.value)}>
            {ids.map((id) => (
              <option key={id} value={id}>
                {ONCALL.schedules[id]?.name ?? id}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="override-person">Person</label>
          <select id="override-person" value={uid} disabled={viewer} onChange={(e) => setUid(e.currentTarget.value)}>
            {sorted.map((u) => (
              <option key={u.id} value={u.id}>
                {u.id === session.user.uid ? `${labelOf(u)} (you)` : labelOf(u)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="override-start">From</label>
          <input id="override-start" type="datetime-local" value={start} disabled={viewer} onInput={(e) => setStart(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="override-duration">For</label>
          <select id="override-duration" value={duration} disabled={viewer} onChange={(e) => setDuration(e.currentTarget.value)}>
            {DURATIONS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="override-reason">Reason</label>
          <input id="override-reason" type="text" value={reason} disabled={viewer} maxLength={500} onInput={(e) => setReason(e.currentTarget.value)} />
        </div>
        <button type="submit" class="primary" disabled={viewer || state.kind === 'saving' || !schedule} title={viewer ? VIEWER_TITLE : undefined}>
          Create override
        </button>
        <span class={`result ${state.kind === 'error' ? 'result-error' : state.kind === 'saved' ? 'result-ok' : ''}`} role="status" aria-live="polite">
          {state.text ?? ''}
        </span>
      </form>
    </Section>
  );
}
