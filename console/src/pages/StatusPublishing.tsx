// The incident page's "Status page" card: what the incident published, the
// draft waiting for another responder (with Approve), and the "Publish to
// status page" form. Every action is a status update (publish_status,
// approve_status) that the pipeline answers next to its button.
import { useState } from 'preact/hooks';
import { Result, Section, VIEWER_TITLE } from '../components/ui';
import type { Session } from '../hooks';
import { actorLabel, formatDateTime, since } from '../lib/format';
import {
  approvalBlocked,
  COMPONENT_STATUS_OPTIONS,
  type ConsoleComponent,
  dueAt,
  initialPhase,
  initialStatuses,
  isPublished,
  PHASE_OPTIONS,
  phaseLabel,
  publishArgs,
  type StatusPageDoc,
  statusLabel,
} from '../lib/publicUpdates';
import { useUpdates } from '../updates';

const COMPONENTS: ConsoleComponent[] = __STATUS_COMPONENTS__;

interface Props {
  session: Session;
  incident: { id: string; status?: string; service?: string | null; statusPage?: StatusPageDoc | null };
  now: number;
}

export function StatusPublishing({ session, incident, now }: Props) {
  const s = incident.statusPage ?? null;
  const { states, send, busy } = useUpdates(session, incident.id);
  const [message, setMessage] = useState('');
  const [title, setTitle] = useState('');
  const [phase, setPhase] = useState(initialPhase(s));
  const [statuses, setStatuses] = useState<Record<string, string>>(initialStatuses(COMPONENTS, incident.service, s));
  const viewer = !session.canRespond;
  const closed = incident.status === 'closed';
  const draft = s?.draft ?? null;
  const blocked = approvalBlocked(draft, session.user.uid, session.canRespond);
  const due = dueAt(s);
  const open = incident.status !== 'resolved' && incident.status !== 'closed';

  return (
    <Section title="Status page" id="status-page">
      {isPublished(s) ? (
        <p data-testid="status-page-state">
          On the <a href="/status">public status page</a>: <strong>{phaseLabel(s?.phase)}</strong>
          {Object.entries(s?.componentStatus ?? {}).map(([id, v]) => ` · ${COMPONENTS.find((c) => c.id === id)?.name ?? id}: ${statusLabel(v)}`)}. {s?.published} update{s?.published === 1 ? '' : 's'}, the last{' '}
          {since(s?.lastPublishedAt, now)}.
          {due && open && s?.phase !== 'resolved' && (
            <>
              {' '}
              Next update due {formatDateTime(due)}
              {due.getTime() < now ? ' (overdue: the channel has been reminded)' : ''}.
            </>
          )}
        </p>
      ) : (
        <p class="muted" data-testid="status-page-state">
          Not on the public status page. Nothing reaches it until a responder publishes.
        </p>
      )}
      {draft && (
        <div class="draft" data-testid="status-draft">
          <h3>Draft waiting for approval</h3>
          <p class="muted small">
            By {actorLabel(draft.by, session.user.uid)}, {formatDateTime(draft.at)} · {phaseLabel(draft.phase)}
            {Object.entries(draft.componentStatus ?? {}).map(([id, v]) => ` · ${COMPONENTS.find((c) => c.id === id)?.name ?? id}: ${statusLabel(v)}`)}
          </p>
          <blockquote>{draft.message}</blockquote>
          <button type="button" class="primary" disabled={blocked !== null || busy('approve_status')} title={blocked ?? 'Publish this draft as it is'} onClick={() => void send('approve_status', { draft: draft.id })}>
            Approve and publish
          </button>
          {blocked && draft.by === session.user.uid && <span class="muted small"> {blocked}</span>}
          <Result state={states.approve_status} />
        </div>
      )}
      <form
        class="stack"
        aria-label="Publish to status page"
        onSubmit={(e) => {
          e.preventDefault();
          if (!message.trim()) return;
          void send('publish_status', publishArgs({ message, title, phase, statuses })).then((ok) => ok && setMessage(''));
        }}
      >
        <h3>Publish to status page</h3>
        <div class="field">
          <label for="public-message">Public message (what customers read)</label>
          <textarea id="public-message" rows={3} value={message} disabled={viewer || closed} maxLength={5000} onInput={(e) => setMessage(e.currentTarget.value)} />
        </div>
        <div class="inline">
          <div class="field">
            <label for="public-title">Public title (optional)</label>
            <input id="public-title" type="text" value={title} placeholder={s?.title ?? 'from the components'} disabled={viewer || closed} maxLength={200} onInput={(e) => setTitle(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="public-phase">Phase</label>
            <select id="public-phase" value={phase} disabled={viewer || closed} onChange={(e) => setPhase(e.currentTarget.value)}>
              {PHASE_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <fieldset class="components" disabled={viewer || closed}>
          <legend>Components</legend>
          {COMPONENTS.map((c) => (
            <div class="field" key={c.id}>
              <label for={`public-component-${c.id}`}>{c.name}</label>
              <select id={`public-component-${c.id}`} value={statuses[c.id] ?? ''} onChange={(e) => setStatuses({ ...statuses, [c.id]: e.currentTarget.value })}>
                {!(c.id in (s?.componentStatus ?? {})) && <option value="">Not affected</option>}
                {COMPONENT_STATUS_OPTIONS.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </div>
          ))}
        </fieldset>
        <div class="inline">
          <button type="submit" disabled={viewer || closed || busy('publish_status') || !message.trim()} title={viewer ? VIEWER_TITLE : closed ? 'A closed incident publishes nothing' : undefined}>
            Publish to status page
          </button>
          <Result state={states.publish_status} />
        </div>
      </form>
    </Section>
  );
}
