// The public status page (/status): static Hosting plus Firestore REST reads
// of statusPage/ documents. No framework, no Firebase SDK, no function call
// to render: it keeps working when the functions are down. Refreshes every
// 30 s while visible, and when the tab comes back into view.
import type { FirestoreRest } from './firestoreRest';
import { locateFirestore } from './locate';
import { pageData, summaryKey } from './model';
import { type PageElements, renderPage, time } from './render';

const REFRESH_MS = 30_000;
const $ = (id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`status.html has no #${id}`);
  return el;
};

const elements: PageElements = { title: $('page-title'), overall: $('overall'), components: $('components'), active: $('active'), past: $('past') };
const updated = $('updated');
let db: FirestoreRest | null = null;
let lastLoad = 0;
let lastSuccess: Date | null = null;
let loading: Promise<void> | null = null;
/** The lists as of the summary they were read with (see summaryKey). */
let cached: { key: string; incidents: Record<string, unknown>[]; history: Record<string, unknown>[] } | null = null;

async function load(): Promise<void> {
  lastLoad = Date.now();
  try {
    const store = (db ??= await locateFirestore());
    const lists = () => Promise.all([store.list('statusPage/summary/incidents', { orderBy: 'startedAt desc', pageSize: 20 }), store.list('statusPage/summary/history', { pageSize: 100 })]);
    let summary: Record<string, unknown> | null;
    let incidents: Record<string, unknown>[];
    let history: Record<string, unknown>[];
    if (!cached) {
      // The first load reads everything at once.
      [summary, [incidents, history]] = await Promise.all([store.get('statusPage/summary'), lists()]);
    } else {
      // Later ones read the summary, and the lists only when it changed.
      summary = await store.get('statusPage/summary');
      [incidents, history] = summaryKey(summary) === cached.key ? [cached.incidents, cached.history] : await lists();
    }
    cached = { key: summaryKey(summary), incidents, history };
    const now = new Date();
    renderPage(elements, pageData(summary, incidents, history, __STATUS_CONFIG__), now);
    lastSuccess = now;
    updated.replaceChildren('Checked ', time(now), '. This page refreshes every 30 seconds.');
    document.body.dataset.state = 'ready';
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    updated.replaceChildren(lastSuccess ? 'Could not refresh (' : 'Could not load the current status (', why, lastSuccess ? '). Showing the status checked ' : '). Try again in a moment.', lastSuccess ? time(lastSuccess) : '', lastSuccess ? '.' : '');
    if (!lastSuccess) {
      elements.overall.className = 'overall s-unknown';
      elements.overall.textContent = 'The current status could not be loaded';
    }
    document.body.dataset.state = lastSuccess ? 'stale' : 'error';
  }
}

function refresh(minGapMs = 0): void {
  if (loading || Date.now() - lastLoad < minGapMs) return;
  loading = load().finally(() => (loading = null));
}

refresh();
setInterval(() => document.visibilityState === 'visible' && refresh(), REFRESH_MS);
document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && refresh(5_000));
window.addEventListener('focus', () => refresh(5_000));
window.addEventListener('online', () => refresh());

// Subscribing: the form posts by itself without JavaScript (the function answers
// with a redirect back here, ?subscribe=sent); with it, the answer shows in place.
const form = document.getElementById('subscribe-form') as HTMLFormElement | null;
const answer = $('subscribe-answer');
const outcome = new URLSearchParams(location.search).get('subscribe');
if (outcome === 'sent') answer.textContent = 'Check your inbox: if this address can receive mail, a message with a confirmation link is on its way.';
if (outcome === 'invalid') answer.textContent = 'That is not an email address. Check it and try again.';
form?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const button = form.querySelector('button');
  if (button) button.disabled = true;
  answer.textContent = 'Sending…';
  try {
    const res = await fetch(form.action, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ email: data.get('email'), website: data.get('website') }) });
    const body = (await res.json().catch(() => ({}))) as { message?: string; error?: string };
    answer.textContent = res.ok ? (body.message ?? 'Check your inbox.') : res.status === 400 ? `Not sent: ${body.error ?? 'check the address'}.` : 'Subscriptions are unavailable right now. Try again later, or follow the Atom feed.';
    if (res.ok) form.reset();
  } catch {
    answer.textContent = 'Subscriptions are unavailable right now. Try again later, or follow the Atom feed.';
  } finally {
    if (button) button.disabled = false;
  }
});
