import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { collection, doc, limit, orderBy, query, where } from 'firebase/firestore';
import { ACTION_TARGET, TRANSITIONS } from '../../../functions/src/domain/lifecycle';
import type { RunbookChecklistItem } from '../../../functions/src/domain/runbooks';
import { type AlertRecord, type DeployRef, type IncidentStatus, SEVERITIES, type Stored } from '../../../functions/src/domain/types';
import { Empty, ErrorNote, Result, Section, SevBadge, StatusBadge, VIEWER_TITLE } from '../components/ui';
import { type Session, useDoc, useNow, useQuery, useSession } from '../hooks';
import { actorLabel, formatAge, formatDateTime, safeUrl, since, toDate } from '../lib/format';
import { type IncidentRow, sortTimeline, type TimelineRow } from '../lib/incidents';
import { ONCALL } from '../lib/oncallConfig';
import { acknowledgements, channelCounts, type EscalationRow, escalationWords, type PageRow, pagedPeople } from '../lib/paging';
import { labelOf, personLabel, type UserRow } from '../lib/people';
import { offersClosingMessage, type StatusPageDoc } from '../lib/publicUpdates';
import { hrefOf } from '../lib/route';
import { useUpdates } from '../updates';
import { StatusPublishing } from './StatusPublishing';

type DeployDoc = Stored<DeployRef>;
type IncidentDoc = IncidentRow & { statusPage?: StatusPageDoc | null };
type AlertDoc = Stored<AlertRecord>;
type StepDoc = Stored<RunbookChecklistItem>;

/** The status buttons; where each leads comes from the state machine's own table. */
const STATUS_ACTIONS = (
  [
    ['acknowledge', 'Acknowledge'],
    ['mitigate', 'Mitigate'],
    ['resolve', 'Resolve'],
    ['reopen', 'Reopen'],
    ['close', 'Close'],
  ] as const
).map(([action, label]) => ({ action, label, to: ACTION_TARGET[action] }));

export function IncidentPage({ id }: { id: string }) {
  const session = useSession();
  const now = useNow(5000);
  const incident = useDoc<IncidentDoc>(doc(session.db, 'incidents', id), `incident/${id}`);
  const postmortem = useDoc<{ status?: string }>(doc(session.db, 'postmortems', id), `postmortem/${id}`);

  if (incident.loading) return <p class="empty">Loading incident…</p>;
  if (incident.error) return <ErrorNote error={`Cannot read this incident: ${incident.error}`} />;
  const i = incident.data;
  if (!i) {
    return (
      <section class="card">
        <h1>No such incident</h1>
        <p>
          There is no incident <code>{id}</code>. <a href="#/incidents">Back to the incidents</a>.
        </p>
      </section>
    );
  }

  return (
    <>
      <p class="crumbs">
        <a href="#/incidents">← Incidents</a>
      </p>
      <IncidentHeader i={i} now={now} me={session.user.uid} postmortemStatus={postmortem.data?.status ?? null} />
      <div class="columns">
        <div class="col">
          <Actions session={session} i={i} />
          <StatusPublishing session={session} incident={i} now={now} />
          <Timeline session={session} id={id} />
        </div>
        <div class="col">
          <Paging session={session} id={id} />
          <Checklist session={session} i={i} />
          <Alerts session={session} id={id} now={now} />
          <Deploys session={session} i={i} />
          <Links i={i} />
        </div>
      </div>
    </>
  );
}

function Fact({ label, children, testId }: { label: string; children: ComponentChildren; testId?: string }) {
  return (
    <div class="fact">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

function When({ at, now }: { at: unknown; now: number }) {
  const d = toDate(at);
  if (!d) return <span class="muted">-</span>;
  return (
    <time dateTime={d.toISOString()} title={d.toISOString()}>
      {formatDateTime(d)} <span class="muted">({formatAge(now - d.getTime())} ago)</span>
    </time>
  );
}

function IncidentHeader({ i, now, me, postmortemStatus }: { i: IncidentDoc; now: number; me: string; postmortemStatus: string | null }) {
  return (
    <section class="card incident-head" aria-labelledby="incident-title">
      <div class="titleline">
        <SevBadge sev={i.severity} />
        <StatusBadge status={i.status} testId="incident-status" />
        {i.drill && <span class="badge drill">drill</span>}
        <h1 id="incident-title">{i.title ?? i.id}</h1>
        <a class="silence-link" href={hrefOf({ page: 'silences', query: { incident: i.id } })} title="Hold this service's new alerts for a while (a silence)">
          Silence alerts like this
        </a>
      </div>
      <dl class="facts">
        <Fact label="SEV" testId="incident-severity">
          {i.severity ?? '-'}
          {i.severitySource === 'manual' ? ' (set by hand)' : ''}
        </Fact>
        <Fact label="Status">{i.status ?? '-'}</Fact>
        <Fact label="Service">{i.service ?? '-'}</Fact>
        <Fact label="Environment">{i.environment ?? '-'}</Fact>
        <Fact label="Commander" testId="incident-commander">
          {i.commander ? (i.commander === me ? 'you' : <CommanderName uid={i.commander} />) : <span class="muted">none</span>}
        </Fact>
        <Fact label="Opened">
          <When at={i.createdAt} now={now} />
        </Fact>
        <Fact label="Acknowledged">
          <When at={i.acknowledgedAt} now={now} />
        </Fact>
        <Fact label="Mitigated">
          <When at={i.mitigatedAt} now={now} />
        </Fact>
        <Fact label="Resolved">
          <When at={i.resolvedAt} now={now} />
        </Fact>
        {toDate(i.closedAt) && (
          <Fact label="Closed">
            <When at={i.closedAt} now={now} />
          </Fact>
        )}
        <Fact label="Last change">{since(i.updatedAt, now)}</Fact>
        <Fact label="Alerts">
          {i.firingCount ?? 0} firing of {i.alertCount ?? 0}
        </Fact>
        <Fact label="Source">{i.source ?? '-'}</Fact>
        {i.slack && <Fact label="Slack channel">{i.slack}</Fact>}
        {(i.reopenCount ?? 0) > 0 && <Fact label="Reopened">{i.reopenCount} time(s)</Fact>}
        <Fact label="Postmortem">
          {postmortemStatus ? (
            <a href={hrefOf({ page: 'postmortem', id: i.id })}>{postmortemStatus.replace('_', ' ')}</a>
          ) : i.postmortemRequired ? (
            'required, written once resolved'
          ) : (
            'not required'
          )}
        </Fact>
      </dl>
    </section>
  );
}

/** A commander by name (users/{uid}), else the uid. */
function CommanderName({ uid }: { uid: string }) {
  const session = useSession();
  const user = useDoc<Omit<UserRow, 'id'>>(doc(session.db, 'users', uid), `users/${uid}`);
  return <>{user.data ? labelOf(user.data) : actorLabel(uid, null)}</>;
}

function Actions({ session, i }: { session: Session; i: IncidentDoc }) {
  const { states, send, busy } = useUpdates(session, i.id);
  // The commander is picked from the people who have a profile (users/{uid}).
  const people = useQuery<UserRow>(query(collection(session.db, 'users'), limit(500)), 'users');
  const choices = [...people.data].sort((a, b) => labelOf(a).localeCompare(labelOf(b)));
  const [message, setMessage] = useState('');
  const [sev, setSev] = useState<string>(i.severity ?? 'SEV3');
  const [commander, setCommander] = useState('');
  const [note, setNote] = useState('');
  const [closing, setClosing] = useState('');
  const viewer = !session.canRespond;
  const title = viewer ? VIEWER_TITLE : undefined;
  const allowed = (to: IncidentStatus) => (i.status ? TRANSITIONS[i.status].includes(to) : false);
  const offerClosing = offersClosingMessage(i.statusPage) && allowed('resolved');

  return (
    <Section title="Actions" id="actions">
      {viewer && <p class="hint">{VIEWER_TITLE}</p>}
      <div class="status-actions">
        {STATUS_ACTIONS.map((a) => (
          <div class="action" key={a.action}>
            <button
              type="button"
              class={allowed(a.to) ? 'primary' : 'secondary'}
              disabled={viewer || busy(a.action)}
              title={title ?? (allowed(a.to) ? `Move the incident to ${a.to}` : `Not a move from ${i.status ?? 'this status'}: the pipeline will say why`)}
              aria-describedby={`result-${a.action}`}
              onClick={() => {
                const publicMessage = a.action === 'resolve' && offerClosing ? closing.trim() : '';
                void send(a.action, { message: message.trim(), publicMessage }).then((ok) => {
                  if (!ok) return;
                  setMessage('');
                  if (publicMessage) setClosing('');
                });
              }}
            >
              {a.label}
            </button>
            <Result state={states[a.action]} id={`result-${a.action}`} />
          </div>
        ))}
      </div>
      <div class="field wide">
        <label for="action-message">Message (optional, sent with the status change)</label>
        <input id="action-message" type="text" value={message} disabled={viewer} maxLength={5000} onInput={(e) => setMessage(e.currentTarget.value)} />
      </div>
      {offerClosing && (
        <div class="field wide">
          <label for="closing-message">Closing public message (optional, published with Resolve: the status page shows the incident resolved)</label>
          <textarea id="closing-message" rows={2} value={closing} disabled={viewer} maxLength={5000} onInput={(e) => setClosing(e.currentTarget.value)} />
        </div>
      )}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void send('set_severity', { severity: sev });
        }}
      >
        <div class="field">
          <label for="action-severity">Severity</label>
          <select id="action-severity" value={sev} disabled={viewer} onChange={(e) => setSev(e.currentTarget.value)}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={viewer || busy('set_severity')} title={title}>
          Set SEV
        </button>
        <Result state={states.set_severity} />
      </form>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (commander.trim()) void send('assign_commander', { commander: commander.trim() }).then((ok) => ok && setCommander(''));
        }}
      >
        <div class="field">
          <label for="action-commander">Commander</label>
          <select id="action-commander" value={commander} disabled={viewer} onChange={(e) => setCommander(e.currentTarget.value)}>
            <option value="">{people.loading ? 'Loading people…' : choices.length ? 'Pick someone' : 'Nobody has a profile yet'}</option>
            {choices.map((u) => (
              <option key={u.id} value={u.id}>
                {labelOf(u)}
                {u.id === session.user.uid ? ' (you)' : ''}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={viewer || busy('assign_commander') || !commander.trim()} title={title}>
          Assign commander
        </button>
        <button
          type="button"
          disabled={viewer || busy('assign_commander')}
          title={title ?? 'Make yourself the incident commander'}
          onClick={() => void send('assign_commander', { commander: session.user.uid })}
        >
          Take command
        </button>
        <Result state={states.assign_commander} />
      </form>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (note.trim()) void send('note', { message: note.trim() }).then((ok) => ok && setNote(''));
        }}
      >
        <div class="field">
          <label for="action-note">Note</label>
          <textarea id="action-note" rows={2} value={note} disabled={viewer} maxLength={5000} onInput={(e) => setNote(e.currentTarget.value)} />
        </div>
        <div class="inline">
          <button type="submit" disabled={viewer || busy('note') || !note.trim()} title={title}>
            Add note
          </button>
          <Result state={states.note} />
        </div>
      </form>
    </Section>
  );
}

function Timeline({ session, id }: { session: Session; id: string }) {
  // Ordered by `at` only (no composite index needed); `seq` breaks ties here.
  const live = useQuery<TimelineRow>(query(collection(session.db, 'incidents', id, 'timeline'), orderBy('at', 'asc')), `timeline/${id}`);
  const entries = sortTimeline(live.data);
  return (
    <Section title="Timeline" id="timeline">
      <ErrorNote error={live.error} />
      {!live.loading && entries.length === 0 && <Empty>No entries yet.</Empty>}
      <ol class="timeline" aria-label="Timeline entries" data-testid="timeline">
        {entries.map((e) => (
          <li key={e.id} class={`entry entry-${e.type ?? ''}`}>
            <time class="muted">{formatDateTime(e.at)}</time> <span class="etype">{(e.type ?? '').replace(/_/g, ' ')}</span>{' '}
            <span class="actor">{actorLabel(e.actor, session.user.uid)}</span>
            <div class="msg">{e.message}</div>
          </li>
        ))}
      </ol>
    </Section>
  );
}

const CHANNEL_NAMES: Record<string, string> = { slack: 'Slack DM', email: 'email', sms: 'SMS', voice: 'voice call', push: 'web push' };
const channelName = (c: string | null) => (c ? (CHANNEL_NAMES[c] ?? c) : null);

/** Who was paged, on which channel, with what result, and who acknowledged (pages/, paging/ and the timeline). */
function Paging({ session, id }: { session: Session; id: string }) {
  const pages = useQuery<PageRow>(query(collection(session.db, 'incidents', id, 'pages'), limit(500)), `pages/${id}`);
  const cycles = useQuery<EscalationRow>(query(collection(session.db, 'incidents', id, 'paging'), limit(50)), `paging/${id}`);
  const acks = useQuery<TimelineRow>(query(collection(session.db, 'incidents', id, 'timeline'), where('type', '==', 'status_changed'), limit(200)), `timeline-status/${id}`);
  const people = useQuery<UserRow>(query(collection(session.db, 'users'), limit(500)), 'users');
  const users = new Map(people.data.map((u) => [u.id, u]));
  const who = (actor: string) => (actor === session.user.uid ? 'you' : users.has(actor) ? personLabel(actor, users) : actorLabel(actor, session.user.uid));
  const paged = pagedPeople(pages.data);
  const counts = channelCounts(pages.data);
  const acked = acknowledgements(acks.data);
  const state = escalationWords(cycles.data, (policyId) => ONCALL.escalationPolicies[policyId]?.levels.length ?? null);
  const loading = pages.loading || cycles.loading;
  return (
    <Section title="Paging" id="paging">
      <ErrorNote error={pages.error ?? cycles.error ?? acks.error} />
      {state && <p data-testid="paging-state">{state}</p>}
      {acked.length > 0 && (
        <p data-testid="paging-acknowledged">
          Acknowledged by{' '}
          {acked.map((a, n) => (
            <span key={n}>
              {n > 0 ? '; ' : ''}
              <strong>{who(a.actor)}</strong>
              {a.via ? ` (${channelName(a.via)})` : ''} {formatDateTime(a.at)}
            </span>
          ))}
        </p>
      )}
      {!loading && paged.length === 0 ? (
        <Empty>{state ? 'Nobody has been paged.' : 'This incident pages nobody (config/oncall.yaml page.severities).'}</Empty>
      ) : (
        <>
          <p class="muted small" data-testid="paging-counts">
            {Object.entries(counts)
              .map(([c, by]) => `${channelName(c)}: ${Object.entries(by).map(([st, n]) => `${n} ${st}`).join(', ')}`)
              .join(' · ')}
          </p>
          <table class="list" aria-label="Pages">
            <thead>
              <tr>
                <th scope="col">Who</th>
                <th scope="col">Level</th>
                <th scope="col">Channel</th>
                <th scope="col">Result</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {paged.flatMap((p) =>
                p.attempts.map((a, n) => (
                  <tr key={a.id} data-testid="page-row">
                    <td>{n === 0 ? <strong>{who(p.uid)}</strong> : ''}</td>
                    <td class="num">{n === 0 ? `${p.level + 1}${p.round > 0 ? ` (round ${p.round + 1})` : ''}${p.cycle > 0 ? ` · cycle ${p.cycle + 1}` : ''}` : ''}</td>
                    <td>
                      {channelName(a.channel)}
                      {a.to && <div class="muted small">{a.to}</div>}
                    </td>
                    <td>
                      <span class={`badge page-${a.status}`}>{a.status === 'acknowledged' && a.via ? `acknowledged (${channelName(a.via)})` : a.status}</span>
                      {a.error && <div class="error small">{a.error}</div>}
                    </td>
                    <td>{formatDateTime(a.at)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </>
      )}
    </Section>
  );
}

function Checklist({ session, i }: { session: Session; i: IncidentDoc }) {
  const live = useQuery<StepDoc>(query(collection(session.db, 'incidents', i.id, 'checklist'), orderBy('order', 'asc')), `checklist/${i.id}`);
  const { states, send, busy } = useUpdates(session, i.id);
  const steps = live.data;
  const done = steps.filter((s) => s.done).length;
  const sections: { name: string; steps: typeof steps }[] = [];
  for (const s of steps) {
    const name = s.section ?? '';
    const last = sections[sections.length - 1];
    if (last && last.name === name) last.steps.push(s);
    else sections.push({ name, steps: [s] });
  }
  return (
    <Section title={steps.length ? `Runbook checklist (${done}/${steps.length})` : 'Runbook checklist'} id="checklist">
      {i.runbook && (
        <p class="muted">
          Runbook <code>{i.runbook}</code>
        </p>
      )}
      <ErrorNote error={live.error} />
      {!live.loading && steps.length === 0 && <Empty>{i.runbook ? 'This runbook has no steps.' : 'No runbook matched this incident.'}</Empty>}
      {sections.map((sec) => (
        <div key={sec.name}>
          {sec.name && <h3>{sec.name}</h3>}
          <ul class="checklist">
            {sec.steps.map((s) => {
              const key = `check_step:${s.id}`;
              return (
                <li key={s.id}>
                  <label title={session.canRespond ? undefined : VIEWER_TITLE}>
                    <input
                      type="checkbox"
                      checked={s.done === true}
                      disabled={!session.canRespond || busy(key)}
                      onChange={(e) => {
                        const want = e.currentTarget.checked;
                        e.currentTarget.checked = s.done === true; // the document decides, once the pipeline has answered
                        void send('check_step', { step: s.id, done: want }, key);
                      }}
                    />{' '}
                    {s.text}
                  </label>
                  {s.done && s.doneBy && <span class="muted"> ({actorLabel(s.doneBy, session.user.uid)}, {formatDateTime(s.doneAt)})</span>}{' '}
                  <Result state={states[key]} />
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </Section>
  );
}

function Alerts({ session, id, now }: { session: Session; id: string; now: number }) {
  const live = useQuery<AlertDoc>(query(collection(session.db, 'incidents', id, 'alerts'), orderBy('lastSeenAt', 'desc')), `alerts/${id}`);
  return (
    <Section title="Alerts" id="alerts">
      <ErrorNote error={live.error} />
      {!live.loading && live.data.length === 0 ? (
        <Empty>No alerts.</Empty>
      ) : (
        <table class="list" aria-label="Alerts">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Alert</th>
              <th scope="col">Occurrences</th>
              <th scope="col">First seen</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {live.data.map((a) => (
              <tr key={a.id}>
                <td>
                  <span class={`badge alert-${a.status ?? ''}`}>{a.status ?? '-'}</span>
                </td>
                <td>
                  {a.title ?? a.alertName ?? a.id}
                  <div class="muted small">
                    {a.source} · {a.severity}
                    {a.nativeSeverity ? ` (${a.nativeSeverity})` : ''}
                  </div>
                </td>
                <td class="num">{a.occurrences ?? 1}</td>
                <td title={formatDateTime(a.firstSeenAt)}>{since(a.firstSeenAt, now)}</td>
                <td title={formatDateTime(a.lastSeenAt)}>{since(a.lastSeenAt, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function DeployRow({ d }: { d: DeployDoc }) {
  const url = safeUrl(d.url);
  return (
    <tr>
      <td>{url ? <a href={url} target="_blank" rel="noopener noreferrer">{d.version ?? '?'}</a> : (d.version ?? '?')}</td>
      <td>{d.service ?? '-'}</td>
      <td>{d.environment ?? '-'}</td>
      <td>{formatDateTime(d.deployedAt)}</td>
      <td>{d.author ?? '-'}</td>
      <td>
        <code>{d.commit ? d.commit.slice(0, 10) : '-'}</code>
      </td>
    </tr>
  );
}

function DeployTable({ rows, label }: { rows: DeployDoc[]; label: string }) {
  return (
    <table class="list" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Service</th>
          <th scope="col">Env</th>
          <th scope="col">Deployed</th>
          <th scope="col">Author</th>
          <th scope="col">Commit</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d, n) => (
          <DeployRow key={d.id ?? n} d={d} />
        ))}
      </tbody>
    </table>
  );
}

function Deploys({ session, i }: { session: Session; i: IncidentDoc }) {
  const linked = Array.isArray(i.deploys) ? i.deploys : [];
  const svc = i.service ?? null;
  const recent = useQuery<DeployDoc>(
    svc ? query(collection(session.db, 'deploys'), where('service', '==', svc), orderBy('deployedAt', 'desc'), limit(5)) : null,
    `deploys/${svc ?? ''}`,
  );
  const linkedIds = new Set(linked.map((d) => d.id));
  const others = recent.data.filter((d) => !linkedIds.has(d.id));
  return (
    <Section title="Recent deploys" id="deploys">
      {linked.length > 0 ? (
        <>
          <h3>Linked to this incident</h3>
          <DeployTable rows={linked} label="Deploys linked to this incident" />
        </>
      ) : (
        <Empty>No deploy was linked to this incident.</Empty>
      )}
      {others.length > 0 && (
        <>
          <h3>Other recent deploys of {svc}</h3>
          <DeployTable rows={others} label={`Recent deploys of ${svc}`} />
        </>
      )}
      {recent.error && <p class="muted small">Recent deploys unavailable: {recent.error}</p>}
    </Section>
  );
}

function Links({ i }: { i: IncidentDoc }) {
  const links = (Array.isArray(i.links) ? i.links : []).map((l) => ({ title: l.title || l.url || 'link', url: safeUrl(l.url) }));
  return (
    <Section title="Observability links" id="links">
      {links.length === 0 ? (
        <Empty>No links.</Empty>
      ) : (
        <ul class="links">
          {links.map((l, n) =>
            l.url ? (
              <li key={n}>
                <a href={l.url} target="_blank" rel="noopener noreferrer">
                  {l.title}
                </a>
              </li>
            ) : (
              <li key={n} class="muted">
                {l.title} (not an http(s) link)
              </li>
            ),
          )}
        </ul>
      )}
    </Section>
  );
}
