// Renders the status page into the static markup of status.html. Every piece
// of text goes through textContent (never innerHTML): published messages are
// shown exactly as written.
import { componentNames, currentStatus, dailyStatuses, historySummary, OVERALL_LABELS, type PageData, type PageIncident, PHASE_LABELS, STATUS_LABELS } from './model';

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(c);
  return el;
}

const dateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
const dayFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });

export const time = (d: Date) => h('time', { datetime: d.toISOString() }, dateTime.format(d));

const badge = (status: keyof typeof STATUS_LABELS, text = STATUS_LABELS[status]) => h('span', { class: `badge s-${status}` }, text);

function componentItem(data: PageData, c: PageData['components'][number], now: Date): HTMLLIElement {
  const days = dailyStatuses(data.history[c.id], now);
  const bars = h('div', { class: 'bars', role: 'img', 'aria-label': `${c.name}: ${historySummary(days)}` });
  for (const d of days) bars.append(h('span', { class: `bar s-${d.status}`, title: `${dayFormat.format(new Date(`${d.day}T00:00:00Z`))}: ${STATUS_LABELS[d.status]}` }));
  return h(
    'li',
    { class: 'component', 'data-component': c.id },
    h('div', { class: 'component-head' }, h('h3', {}, c.name), badge(c.status)),
    c.description ? h('p', { class: 'description' }, c.description) : null,
    bars,
    h('div', { class: 'bars-legend', 'aria-hidden': 'true' }, h('span', {}, '90 days ago'), h('span', {}, historySummary(days).replace(/; operational otherwise$/, '')), h('span', {}, 'Today')),
  );
}

function incidentArticle(data: PageData, i: PageIncident, open: boolean): HTMLElement {
  const names = componentNames(data.components, i.components);
  const updates = h(
    'ol',
    { class: 'updates', reversed: '' },
    ...i.updates.map((u) => h('li', { class: 'update' }, h('p', { class: 'update-head' }, h('strong', {}, PHASE_LABELS[u.phase]), ' · ', time(u.at)), h('p', { class: 'message' }, u.message))),
  );
  const meta = h(
    'p',
    { class: 'incident-meta' },
    badge(currentStatus(i), i.resolvedAt ? 'Resolved' : STATUS_LABELS[currentStatus(i)]),
    names.length ? ` Affects ${names.join(', ')}.` : '',
    ' Started ',
    time(i.startedAt),
    i.resolvedAt ? '; resolved ' : '',
    i.resolvedAt ? time(i.resolvedAt) : null,
    '.',
  );
  const heading = h('h3', { id: `incident-${i.publicId}-title` }, i.title);
  if (open) return h('article', { class: `incident s-${currentStatus(i)}`, id: `incident-${i.publicId}`, 'aria-labelledby': heading.id }, heading, meta, updates);
  const details = h('details', {}, h('summary', {}, `${i.updates.length} ${i.updates.length === 1 ? 'update' : 'updates'}`), updates);
  if (location.hash === `#incident-${i.publicId}`) details.open = true;
  return h('article', { class: 'incident past', id: `incident-${i.publicId}`, 'aria-labelledby': heading.id }, heading, meta, details);
}

export interface PageElements {
  title: HTMLElement;
  overall: HTMLElement;
  components: HTMLElement;
  active: HTMLElement;
  past: HTMLElement;
}

export function renderPage(el: PageElements, data: PageData, now: Date): void {
  document.title = data.title;
  el.title.textContent = data.title;
  el.overall.className = `overall s-${data.status}`;
  el.overall.textContent = OVERALL_LABELS[data.status];
  el.components.replaceChildren(...data.components.map((c) => componentItem(data, c, now)));
  el.active.replaceChildren(...(data.active.length ? data.active.map((i) => incidentArticle(data, i, true)) : [h('p', { class: 'none' }, 'No incident is open right now.')]));
  el.past.replaceChildren(...(data.past.length ? data.past.map((i) => incidentArticle(data, i, false)) : [h('p', { class: 'none' }, 'No past incidents.')]));
}
