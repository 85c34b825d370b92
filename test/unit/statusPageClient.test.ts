// The status page's own code (console/src/status): Firestore's REST encoding,
// and what the page makes of the documents the pipeline writes: the round trip
// writer (functions/src/domain/statusPage.ts) → REST → reader.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeDocument, decodeValue, documentsBase, firestoreRest, type RestValue } from '../../console/src/status/firestoreRest';
import { currentStatus, dailyStatuses as pageDailyStatuses, historySummary, pageData, summaryKey } from '../../console/src/status/model';
import { applyPublicUpdate, dailyStatuses, rollHistory, statusConfigSchema, type StatusPageState, type StatusWrite } from '../../functions/src/domain/statusPage';
import { at, T0 } from '../support/factories';

/** What Firestore's REST API returns for a value the Admin SDK wrote. */
function toRest(v: unknown): RestValue {
  if (v === null || v === undefined) return { nullValue: null };
  if (v instanceof Date) return { timestampValue: v.toISOString() };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { booleanValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { integerValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: v.length ? { values: v.map(toRest) } : {} };
  return { mapValue: { fields: Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toRest(x)])) } };
}
const restDoc = (w: StatusWrite) => ({ name: `projects/p/databases/(default)/documents/${w.path}`, fields: (toRest(w.data).mapValue?.fields ?? {}) as Record<string, RestValue> });

const config = statusConfigSchema.parse({
  title: 'Acme status',
  components: [
    { id: 'checkout', name: 'Checkout', services: ['checkout'] },
    { id: 'search', name: 'Search', services: ['search'], description: 'Finding products' },
  ],
});
const FALLBACK = { title: 'Acme (build time)', components: [{ id: 'checkout', name: 'Checkout', description: null }] };

describe('Firestore REST values', () => {
  it('decode every type the projection uses', () => {
    expect(decodeValue({ stringValue: 'x' })).toBe('x');
    expect(decodeValue({ integerValue: '42' })).toBe(42);
    expect(decodeValue({ doubleValue: 1.5 })).toBe(1.5);
    expect(decodeValue({ booleanValue: false })).toBe(false);
    expect(decodeValue({ nullValue: null })).toBeNull();
    expect(decodeValue({ timestampValue: '2026-11-30T10:00:00.123456Z' })).toEqual(new Date('2026-11-30T10:00:00.123Z'));
    expect(decodeValue({ arrayValue: {} })).toEqual([]);
    expect(decodeValue({ mapValue: {} })).toEqual({});
    expect(decodeValue({ mapValue: { fields: { a: { arrayValue: { values: [{ integerValue: '1' }, { mapValue: { fields: { b: { stringValue: 'c' } } } }] } } } } })).toEqual({ a: [1, { b: 'c' }] });
    expect(decodeValue(undefined)).toBeNull();
  });

  it('a document gets its id from its name', () => {
    expect(decodeDocument({ name: 'projects/p/databases/(default)/documents/statusPage/summary/history/checkout', fields: { status: { stringValue: 'degraded' } } })).toEqual({ id: 'checkout', status: 'degraded' });
  });

  describe('requests', () => {
    afterEach(() => vi.unstubAllGlobals());
    it('get and list the documents with no credentials; a missing document is null', async () => {
      const calls: { url: string; init: RequestInit | undefined }[] = [];
      vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
        calls.push({ url, init });
        if (url.includes('/summary?') || url.endsWith('/incidents?orderBy=startedAt%20desc&pageSize=20')) {
          return new Response(JSON.stringify({ documents: [{ name: 'x/statusPage/summary/incidents/p1', fields: { title: { stringValue: 'T' } } }] }));
        }
        return new Response('{"error":{}}', { status: 404, statusText: 'Not Found' });
      });
      const db = firestoreRest(documentsBase('http://127.0.0.1:28080', 'demo-incidents'));
      expect(db.base).toBe('http://127.0.0.1:28080/v1/projects/demo-incidents/databases/(default)/documents');
      expect(await db.get('statusPage/summary')).toBeNull();
      expect(await db.list('statusPage/summary/incidents', { orderBy: 'startedAt desc', pageSize: 20 })).toEqual([{ id: 'p1', title: 'T' }]);
      expect(calls.map((c) => c.url)).toEqual([
        'http://127.0.0.1:28080/v1/projects/demo-incidents/databases/(default)/documents/statusPage/summary',
        'http://127.0.0.1:28080/v1/projects/demo-incidents/databases/(default)/documents/statusPage/summary/incidents?orderBy=startedAt%20desc&pageSize=20',
      ]);
      expect(calls.map((c) => [c.init?.credentials, (c.init as { cache?: string } | undefined)?.cache])).toEqual([
        ['omit', 'no-store'],
        ['omit', 'no-store'],
      ]);
    });

    it('a refused read is an error that says which document', async () => {
      vi.stubGlobal('fetch', async () => new Response('{}', { status: 403, statusText: 'Forbidden' }));
      await expect(firestoreRest('http://h/v1/projects/p/databases/(default)/documents').get('statusPage/summary')).rejects.toThrow('403 Forbidden reading statusPage/summary');
    });
  });
});

describe('the page reads what the pipeline writes', () => {
  let state: StatusPageState = { summary: null, incident: null, history: {} };
  const writes: StatusWrite[] = [];
  const apply = (publicId: string, input: Record<string, unknown>, now: Date) => {
    const r = applyPublicUpdate({ ...state, incident: publicId === state.incident?.publicId ? state.incident : (writes.filter((w) => w.path.endsWith(publicId)).pop()?.data as never) ?? null }, { publicId, updateId: `${publicId}-${now.getTime()}`, message: '', ...input } as never, config, now);
    if (!r.ok) throw new Error(r.reason);
    writes.push(...r.writes);
    state = { summary: r.summary, incident: r.incident, history: { ...state.history, ...Object.fromEntries(r.writes.filter((w) => w.path.includes('/history/')).map((w) => [w.path.split('/').pop(), w.data])) } };
  };
  apply('pub-old00001', { title: 'Search was slow', message: 'Slow searches.', componentStatus: { search: 'degraded' } }, at(0));
  apply('pub-old00001', { message: 'Fixed.', resolved: true }, at(600));
  apply('pub-new00001', { title: 'Checkout errors', message: 'Some orders fail.', componentStatus: { checkout: 'major_outage' } }, at(3600));
  apply('pub-new00001', { message: 'A fix is rolling out.', phase: 'identified' }, at(4200));

  const latest = (prefix: string) => writes.filter((w) => w.path.startsWith(prefix));
  const lastOf = (path: string) => writes.filter((w) => w.path === path).pop()!;
  const summary = decodeDocument(restDoc(lastOf('statusPage/summary')));
  const incidentPaths = [...new Set(latest('statusPage/summary/incidents/').map((w) => w.path))];
  const incidents = incidentPaths.map((p) => decodeDocument(restDoc(lastOf(p))));
  const historyPaths = [...new Set(latest('statusPage/summary/history/').map((w) => w.path))];
  const histories = historyPaths.map((p) => decodeDocument(restDoc(lastOf(p))));
  const data = pageData(summary, incidents, histories, FALLBACK);

  it('the title, the overall status and each component', () => {
    expect(data.title).toBe('Acme status');
    expect(data.status).toBe('major_outage');
    expect(data.components).toEqual([
      { id: 'checkout', name: 'Checkout', description: null, status: 'major_outage' },
      { id: 'search', name: 'Search', description: 'Finding products', status: 'operational' },
    ]);
    expect(data.updatedAt).toEqual(at(4200));
  });

  it('open incidents with every update newest first; resolved ones as past incidents', () => {
    expect(data.active.map((i) => i.title)).toEqual(['Checkout errors']);
    expect(data.active[0]?.updates.map((u) => [u.phase, u.message])).toEqual([
      ['identified', 'A fix is rolling out.'],
      ['investigating', 'Some orders fail.'],
    ]);
    expect(data.past.map((i) => [i.title, i.resolvedAt?.toISOString()])).toEqual([['Search was slow', at(600).toISOString()]]);
  });

  it('the 90 days of each component, read the same way on both sides', () => {
    const now = at(86_400 * 3);
    for (const id of ['checkout', 'search']) {
      expect(pageDailyStatuses(data.history[id], now)).toEqual(dailyStatuses(state.history[id], now));
    }
    expect(pageDailyStatuses(data.history.checkout, now).slice(-4).map((d) => d.status)).toEqual(['major_outage', 'major_outage', 'major_outage', 'major_outage']);
    const h = rollHistory('x', rollHistory('x', null, 'partial_outage', at(-86_400 * 10)), 'operational', at(-86_400 * 8));
    expect(pageDailyStatuses({ ...h }, T0)).toEqual(dailyStatuses(h, T0));
  });

  it('an open incident missing from the listed documents is shown from its summary entry', () => {
    const d = pageData(summary, [], histories, FALLBACK);
    expect(d.active.map((i) => [i.title, i.updates.map((u) => u.message)])).toEqual([['Checkout errors', ['A fix is rolling out.']]]);
  });

  it('before anything is published: the build-time components, operational, and no incidents', () => {
    const d = pageData(null, [], [], FALLBACK);
    expect(d).toEqual({ title: 'Acme (build time)', status: 'operational', components: [{ id: 'checkout', name: 'Checkout', description: null, status: 'operational' }], active: [], past: [], history: {}, updatedAt: null });
  });

  it('an open incident shows its status now (its worst component), a resolved one operational', () => {
    expect(currentStatus({ componentStatus: { checkout: 'degraded', search: 'partial_outage' }, impact: 'major_outage', resolvedAt: null })).toBe('partial_outage');
    expect(currentStatus({ componentStatus: {}, impact: 'degraded', resolvedAt: null })).toBe('degraded');
    expect(currentStatus({ componentStatus: { checkout: 'major_outage' }, impact: 'major_outage', resolvedAt: T0 })).toBe('operational');
    expect(data.active.map(currentStatus)).toEqual(['major_outage']);
  });

  it('a refresh re-lists incidents and histories only when the summary was rewritten', () => {
    expect(summaryKey(summary)).toBe(at(4200).toISOString());
    expect(summaryKey(decodeDocument(restDoc(writes.filter((w) => w.path === 'statusPage/summary')[0]!)))).toBe(at(0).toISOString());
    expect(summaryKey(null)).toBe('none');
    // Every applied update rewrites the summary, so its updatedAt moves whenever anything else does.
    expect(writes.filter((w) => w.path === 'statusPage/summary')).toHaveLength(4);
  });

  it('history bars have a text alternative', () => {
    expect(historySummary(pageDailyStatuses(undefined, T0))).toBe('No incidents in the last 90 days');
    expect(historySummary([{ status: 'operational' }, { status: 'degraded' }, { status: 'major_outage' }, { status: 'degraded' }])).toBe('Last 4 days: 1 day major outage, 2 days degraded performance; operational otherwise');
  });
});
