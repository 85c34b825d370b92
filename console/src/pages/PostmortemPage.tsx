import { useEffect, useState } from 'preact/hooks';
import { doc, serverTimestamp, updateDoc } from 'firebase/firestore';
import { MAX_ACTION_ITEM_TITLE, MAX_ACTION_ITEMS, MAX_SECTION_LENGTH, POSTMORTEM_TRANSITIONS, TEMPLATE_SECTIONS, type TextSectionKey } from '../../../functions/src/domain/postmortem';
import { formatDuration } from '../../../functions/src/domain/duration';
import { Empty, ErrorNote, Section, SevBadge, VIEWER_TITLE } from '../components/ui';
import { type Session, useDoc, useSession } from '../hooks';
import { actorLabel, explainError, formatDateTime, fromDateInput, markdownCurrent, safeUrl, toDateInput } from '../lib/format';
import { sortTimeline } from '../lib/incidents';
import { hrefOf } from '../lib/route';

type PmStatus = 'draft' | 'in_review' | 'published';

interface ActionItemDoc {
  title?: string;
  owner?: string | null;
  dueAt?: unknown;
  done?: boolean;
}
interface PostmortemDoc extends Partial<Record<TextSectionKey, string>> {
  title?: string;
  severity?: string;
  service?: string | null;
  environment?: string | null;
  status?: PmStatus;
  owner?: string | null;
  dueAt?: unknown;
  required?: boolean;
  createdAt?: unknown;
  updatedAt?: unknown;
  updatedBy?: string;
  resolvedAt?: unknown;
  actionItems?: ActionItemDoc[];
  timeline?: { at?: unknown; seq?: number; type?: string; actor?: string; message?: string }[];
  metrics?: { timeToAcknowledge?: number | null; timeToMitigate?: number | null; timeToResolve?: number | null };
  deploys?: { id?: string; version?: string; service?: string; deployedAt?: unknown; url?: string | null }[];
  drill?: boolean;
}
/** postmortems/{id}/exports/markdown: the export, rendered by the pipeline for the postmortem's `updatedAt` (markdownOf). */
interface MarkdownDoc {
  markdown?: string;
  markdownOf?: unknown;
}

/** An action item as edited: the due date as a date input's value. */
interface ItemDraft {
  title: string;
  owner: string;
  due: string;
  done: boolean;
}

const TEXT_SECTIONS = TEMPLATE_SECTIONS.filter((s): s is (typeof TEMPLATE_SECTIONS)[number] & { key: TextSectionKey } => s.key !== 'actionItems');
const ITEMS_PROMPT = TEMPLATE_SECTIONS.find((s) => s.key === 'actionItems')?.prompt ?? '';

const STATUS_LABEL: Record<PmStatus, string> = { draft: 'draft', in_review: 'in review', published: 'published' };
const MOVE_LABEL: Record<string, string> = {
  'draft>in_review': 'Submit for review',
  'in_review>draft': 'Back to draft',
  'in_review>published': 'Publish',
};

const itemsOf = (pm: PostmortemDoc): ItemDraft[] =>
  (Array.isArray(pm.actionItems) ? pm.actionItems : []).map((a) => ({ title: a.title ?? '', owner: a.owner ?? '', due: toDateInput(a.dueAt), done: a.done === true }));
const textsOf = (pm: PostmortemDoc) => Object.fromEntries(TEXT_SECTIONS.map((s) => [s.key, pm[s.key] ?? ''])) as Record<TextSectionKey, string>;

export function PostmortemPage({ id }: { id: string }) {
  const session = useSession();
  const live = useDoc<PostmortemDoc>(doc(session.db, 'postmortems', id), `postmortem/${id}`);
  const exported = useDoc<MarkdownDoc>(doc(session.db, 'postmortems', id, 'exports', 'markdown'), `postmortem/${id}/markdown`);
  if (live.loading) return <p class="empty">Loading postmortem…</p>;
  if (live.error) return <ErrorNote error={`Cannot read this postmortem: ${live.error}`} />;
  if (!live.data) {
    return (
      <section class="card">
        <h1>No postmortem yet</h1>
        <p>
          The pipeline writes a postmortem draft when an incident resolves. <a href={hrefOf({ page: 'incident', id })}>Back to the incident</a>.
        </p>
      </section>
    );
  }
  return <Editor session={session} id={id} pm={live.data} exported={exported.data} />;
}

function Editor({ session, id, pm, exported }: { session: Session; id: string; pm: PostmortemDoc; exported: MarkdownDoc | null }) {
  const status: PmStatus = pm.status ?? 'draft';
  const editable = session.canRespond && status !== 'published';
  const [texts, setTexts] = useState(() => textsOf(pm));
  const [items, setItems] = useState<ItemDraft[]>(() => itemsOf(pm));
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  // Someone else's save (or the pipeline's) shows up at once unless we are editing.
  useEffect(() => {
    if (!dirty) {
      setTexts(textsOf(pm));
      setItems(itemsOf(pm));
    }
  }, [pm]);

  const edit = () => {
    setDirty(true);
    setMessage(null);
  };

  async function save(nextStatus?: PmStatus) {
    setSaving(true);
    setMessage(null);
    const patch: Record<string, unknown> = { updatedBy: session.user.uid, updatedAt: serverTimestamp() };
    if (dirty) {
      for (const s of TEXT_SECTIONS) if (texts[s.key] !== (pm[s.key] ?? '')) patch[s.key] = texts[s.key];
      if (JSON.stringify(items) !== JSON.stringify(itemsOf(pm))) {
        const before = Array.isArray(pm.actionItems) ? pm.actionItems : [];
        patch.actionItems = items
          .map((a, n) => {
            // An untouched due date keeps its exact stored time.
            const old = before[n];
            const dueAt = old && toDateInput(old.dueAt) === a.due ? (old.dueAt ?? null) : fromDateInput(a.due);
            return { title: a.title.trim(), owner: a.owner.trim() || null, dueAt, done: a.done };
          })
          .filter((a) => a.title !== '');
      }
    }
    if (nextStatus) patch.status = nextStatus;
    try {
      await updateDoc(doc(session.db, 'postmortems', id), patch);
      setDirty(false);
      setMessage({ ok: true, text: nextStatus ? `Saved: the postmortem is now ${STATUS_LABEL[nextStatus]}` : 'Saved' });
    } catch (e) {
      setMessage({ ok: false, text: `Not saved: ${explainError(e)}` });
    } finally {
      setSaving(false);
    }
  }

  const m = pm.metrics ?? {};
  const dur = (s: number | null | undefined) => (typeof s === 'number' ? formatDuration(s) : '-');
  const timeline = sortTimeline((pm.timeline ?? []).map((e, n) => ({ ...e, id: String(n).padStart(6, '0') })));
  const moves = POSTMORTEM_TRANSITIONS[status] ?? [];
  const disabledTitle = !session.canRespond ? VIEWER_TITLE : status === 'published' ? 'A published postmortem is final.' : undefined;

  // The pipeline re-renders the markdown a moment after each save; until it has
  // caught up with this version of the text, the export would be stale.
  const exportCurrent = markdownCurrent(pm, exported);

  function download() {
    const blob = new Blob([exported?.markdown ?? ''], { type: 'text/markdown;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `postmortem-${id}.md`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  return (
    <>
      <p class="crumbs">
        <a href={hrefOf({ page: 'incident', id })}>← Incident</a>
      </p>
      <section class="card" aria-labelledby="pm-title">
        <div class="titleline">
          <SevBadge sev={pm.severity} />
          <span class={`badge pm-${status}`} data-testid="postmortem-status">
            {STATUS_LABEL[status]}
          </span>
          {pm.drill && <span class="badge drill">drill</span>}
          <h1 id="pm-title">Postmortem: {pm.title ?? id}</h1>
        </div>
        <dl class="facts">
          <div class="fact">
            <dt>Owner</dt>
            <dd>{pm.owner ? actorLabel(pm.owner, session.user.uid) : '-'}</dd>
          </div>
          <div class="fact">
            <dt>Due</dt>
            <dd>{formatDateTime(pm.dueAt)}</dd>
          </div>
          <div class="fact">
            <dt>Required</dt>
            <dd>{pm.required ? 'yes (the incident cannot close before it is published)' : 'no'}</dd>
          </div>
          <div class="fact">
            <dt>Service</dt>
            <dd>
              {pm.service ?? '-'} / {pm.environment ?? '-'}
            </dd>
          </div>
          <div class="fact">
            <dt>Last edit</dt>
            <dd>
              {formatDateTime(pm.updatedAt)}
              {pm.updatedBy ? ` by ${actorLabel(pm.updatedBy, session.user.uid)}` : ''}
            </dd>
          </div>
        </dl>
        <div class="inline">
          {moves.map((to) => (
            <button
              key={to}
              type="button"
              class={to === 'draft' ? 'secondary' : 'primary'}
              disabled={!editable || saving}
              title={disabledTitle}
              onClick={() => void save(to)}
            >
              {MOVE_LABEL[`${status}>${to}`] ?? `Move to ${STATUS_LABEL[to]}`}
            </button>
          ))}
          <button
            type="button"
            onClick={download}
            disabled={!exported?.markdown || !exportCurrent}
            title={exportCurrent ? undefined : 'The markdown is being updated with the latest save.'}
          >
            {exportCurrent ? 'Download markdown' : 'Updating markdown…'}
          </button>
        </div>
      </section>

      <div class="columns">
        <div class="col wide">
          <Section title="Write-up" id="writeup">
            {!session.canRespond && <p class="hint">{VIEWER_TITLE}</p>}
            {status === 'published' && <p class="hint">Published: this postmortem is final and can no longer be edited.</p>}
            <form
              class="stack"
              onSubmit={(e) => {
                e.preventDefault();
                void save();
              }}
            >
              {TEXT_SECTIONS.map((s) => (
                <div class="field" key={s.key}>
                  <label for={`pm-${s.key}`}>{s.heading}</label>
                  <textarea id={`pm-${s.key}`}
                    rows={s.key === 'summary' ? 3 : 4}
                    maxLength={MAX_SECTION_LENGTH}
                    placeholder={s.prompt}
                    value={texts[s.key]}
                    disabled={!editable}
                    onInput={(e) => {
                      const v = e.currentTarget.value;
                      setTexts((t) => ({ ...t, [s.key]: v }));
                      edit();
                    }}
                  />
                </div>
              ))}
              <fieldset>
                <legend>Action items</legend>
                <p class="muted small">{ITEMS_PROMPT}</p>
                {items.length === 0 && <Empty>No action items yet.</Empty>}
                <ul class="items">
                  {items.map((a, n) => {
                    const upd = (patch: Partial<ItemDraft>) => {
                      setItems((list) => list.map((x, k) => (k === n ? { ...x, ...patch } : x)));
                      edit();
                    };
                    return (
                      <li key={n} class="item">
                        <div class="field">
                          <label for={`item-${n}-title`}>Title</label>
                          <input id={`item-${n}-title`} type="text" maxLength={MAX_ACTION_ITEM_TITLE} value={a.title} disabled={!editable} onInput={(e) => upd({ title: e.currentTarget.value })} />
                        </div>
                        <div class="field">
                          <label for={`item-${n}-owner`}>Owner</label>
                          <input id={`item-${n}-owner`} type="text" value={a.owner} disabled={!editable} onInput={(e) => upd({ owner: e.currentTarget.value })} />
                        </div>
                        <div class="field">
                          <label for={`item-${n}-due`}>Due date</label>
                          <input id={`item-${n}-due`} type="date" value={a.due} disabled={!editable} onInput={(e) => upd({ due: e.currentTarget.value })} />
                        </div>
                        <label class="check">
                          <input type="checkbox" checked={a.done} disabled={!editable} onChange={(e) => upd({ done: e.currentTarget.checked })} /> Done
                        </label>
                        <button
                          type="button"
                          class="link"
                          disabled={!editable}
                          onClick={() => {
                            setItems((list) => list.filter((_, k) => k !== n));
                            edit();
                          }}
                        >
                          Remove
                        </button>
                      </li>
                    );
                  })}
                </ul>
                {items.length >= MAX_ACTION_ITEMS && <p class="muted small">At most {MAX_ACTION_ITEMS} action items per postmortem.</p>}
                <button
                  type="button"
                  disabled={!editable || items.length >= MAX_ACTION_ITEMS}
                  title={items.length >= MAX_ACTION_ITEMS ? `At most ${MAX_ACTION_ITEMS} action items` : disabledTitle}
                  onClick={() => {
                    setItems((list) => [...list, { title: '', owner: '', due: '', done: false }]);
                    edit();
                  }}
                >
                  Add action item
                </button>
              </fieldset>
              <div class="inline">
                <button type="submit" class="primary" disabled={!editable || saving || !dirty} title={disabledTitle}>
                  Save
                </button>
                {dirty && <span class="muted">Unsaved changes</span>}
                {message && (
                  <span class={message.ok ? 'result result-ok' : 'result result-error'} role="status">
                    {message.text}
                  </span>
                )}
              </div>
            </form>
          </Section>
        </div>
        <div class="col">
          <Section title="Metrics" id="metrics">
            <dl class="facts">
              <div class="fact">
                <dt>Time to acknowledge</dt>
                <dd>{dur(m.timeToAcknowledge)}</dd>
              </div>
              <div class="fact">
                <dt>Time to mitigate</dt>
                <dd>{dur(m.timeToMitigate)}</dd>
              </div>
              <div class="fact">
                <dt>Time to resolve</dt>
                <dd>{dur(m.timeToResolve)}</dd>
              </div>
            </dl>
          </Section>
          <Section title="Timeline (frozen at resolution)" id="frozen-timeline">
            {timeline.length === 0 ? (
              <Empty>No timeline.</Empty>
            ) : (
              <ol class="timeline">
                {timeline.map((e) => (
                  <li key={e.id}>
                    <time class="muted">{formatDateTime(e.at)}</time> <span class="actor">{actorLabel(e.actor, session.user.uid)}</span>
                    <div class="msg">{e.message}</div>
                  </li>
                ))}
              </ol>
            )}
          </Section>
          {Array.isArray(pm.deploys) && pm.deploys.length > 0 && (
            <Section title="Deploys" id="pm-deploys">
              <ul class="links">
                {pm.deploys.map((d, n) => {
                  const url = safeUrl(d.url);
                  return (
                    <li key={d.id ?? n}>
                      {url ? (
                        <a href={url} target="_blank" rel="noopener noreferrer">
                          {d.service} {d.version}
                        </a>
                      ) : (
                        `${d.service ?? ''} ${d.version ?? ''}`
                      )}{' '}
                      <span class="muted">{formatDateTime(d.deployedAt)}</span>
                    </li>
                  );
                })}
              </ul>
            </Section>
          )}
          {exported?.markdown && (
            <Section title="Markdown" id="markdown">
              <details>
                <summary>Preview the markdown export</summary>
                <pre class="markdown">{exported.markdown}</pre>
              </details>
            </Section>
          )}
        </div>
      </div>
    </>
  );
}
