// The status page's projection: config/status.yaml, applyPublicUpdate and the
// documents it writes, the 90-day history, and what may never leak into them.
import fs from 'node:fs';
import path from 'node:path';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { renderStatusFeed } from '../../functions/src/app/statusHttp';
import {
  applyPublicUpdate,
  type ComponentHistory,
  componentsForService,
  componentStatusOf,
  dailyStatuses,
  feedEntries,
  HISTORY_DAYS,
  MAX_MESSAGE_LENGTH,
  MAX_UPDATES_PER_INCIDENT,
  parseComponentStatus,
  publicIdFor,
  type PublicUpdateInput,
  publishStatusArgsSchema,
  rollHistory,
  type StatusConfig,
  statusConfigSchema,
  type StatusPageState,
  type StatusWrite,
  worstStatus,
} from '../../functions/src/domain/statusPage';
import { parseStatusUpdate } from '../../functions/src/domain/updates';
import { parseYaml, parseYamlOrThrow } from '../../functions/src/domain/yamlConfig';
import { ROOT } from '../support/config';
import { at, incident as incidentFixture, T0 } from '../support/factories';

const shipped = parseYamlOrThrow(fs.readFileSync(path.join(ROOT, 'config', 'status.yaml'), 'utf8'), statusConfigSchema, 'config/status.yaml');

const config: StatusConfig = statusConfigSchema.parse({
  title: 'Acme status',
  components: [
    { id: 'checkout', name: 'Checkout', services: ['checkout', 'cart'] },
    { id: 'payments', name: 'Payments', services: ['payments', 'checkout'], description: 'Cards' },
    { id: 'search', name: 'Search', services: ['search'] },
  ],
});

const EMPTY: StatusPageState = { summary: null, incident: null, history: {} };

/** Applies updates in turn, feeding each result's documents back as the next state. */
function run(updates: (Partial<PublicUpdateInput> & { now?: Date })[], start: StatusPageState = EMPTY) {
  let state = start;
  const results = [];
  for (const [n, u] of updates.entries()) {
    const { now = at(n * 60), ...input } = u;
    const r = applyPublicUpdate(state, { publicId: 'pub-abcdef12', updateId: `u${n}`, message: `update ${n}`, ...input }, config, now);
    if (!r.ok) throw new Error(r.reason);
    results.push(r);
    state = stateAfter(state, r.writes, input.publicId ?? 'pub-abcdef12');
  }
  return { state, results, last: results[results.length - 1]! };
}

function stateAfter(state: StatusPageState, writes: StatusWrite[], publicId: string): StatusPageState {
  const next: StatusPageState = { summary: state.summary, incident: state.incident, history: { ...state.history } };
  for (const w of writes) {
    if (w.path === 'statusPage/summary') next.summary = w.data as never;
    else if (w.path === `statusPage/summary/incidents/${publicId}`) next.incident = w.data as never;
    else if (w.path.startsWith('statusPage/summary/history/')) next.history[w.path.split('/').pop()!] = w.data as ComponentHistory;
  }
  return next;
}

describe('config/status.yaml', () => {
  it('ships components for the services of the runbooks and scenarios (checkout, payments, search...)', () => {
    expect(shipped.components.map((c) => c.id)).toEqual(['storefront', 'search', 'checkout', 'payments', 'billing']);
    expect(componentsForService(shipped, 'checkout')).toEqual(['checkout']);
    expect(componentsForService(shipped, 'Payments-API')).toEqual(['payments']);
    expect(componentsForService(shipped, 'front-end')).toEqual(['storefront']);
    expect(componentsForService(shipped, 'db')).toEqual([]);
    expect(componentsForService(shipped, null)).toEqual([]);
  });

  it('reports a duplicate id, a bad id and an unknown key at their own lines', () => {
    const text = ['components:', '  - id: checkout', '    name: Checkout', '    services: [checkout]', '  - id: checkout', '    name: Again', '    services: [cart]', '  - id: Bad Id', '    name: X', '    services: [x]', '    colour: red'].join('\n');
    const r = parseYaml(text, statusConfigSchema, 'config/status.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.line} ${i.path}: ${i.message}`).sort()).toEqual([
      '11 components.2.colour: unknown key "colour" in a component; allowed: id, name, services, description',
      '5 components.1.id: duplicate component id "checkout"',
      '8 components.2.id: a component id is lowercase letters, digits and -, at most 40 characters (it appears in public URLs and document ids)',
    ]);
  });

  it('needs a name and at least one service per component', () => {
    const r = parseYaml('components:\n  - id: a\n    services: []\n', statusConfigSchema, 'config/status.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['components.0.name', 'components.0.services']));
  });

  it('an empty file is a page with no components', () => {
    expect(statusConfigSchema.parse({})).toEqual({ title: 'System status', components: [] });
  });
});

describe('statuses', () => {
  it('reads the words people type', () => {
    expect(parseComponentStatus('Partial outage')).toBe('partial_outage');
    expect(parseComponentStatus('major-outage')).toBe('major_outage');
    expect(parseComponentStatus('degraded_performance')).toBe('degraded');
    expect(parseComponentStatus('under maintenance')).toBe('maintenance');
    expect(parseComponentStatus('fine-ish')).toBeNull();
    expect(parseComponentStatus(3)).toBeNull();
  });

  it('orders them from operational to major outage', () => {
    expect(worstStatus([])).toBe('operational');
    expect(worstStatus(['degraded', 'maintenance', undefined])).toBe('degraded');
    expect(worstStatus(['partial_outage', 'major_outage', 'degraded'])).toBe('major_outage');
  });

  it('the publish_status arguments accept a map or one status', () => {
    expect(publishStatusArgsSchema.parse({ message: ' hi ', componentStatus: 'partial outage' })).toEqual({ message: 'hi', componentStatus: 'partial_outage' });
    expect(publishStatusArgsSchema.parse({ message: 'hi', componentStatus: { checkout: 'degraded' } }).componentStatus).toEqual({ checkout: 'degraded' });
    expect(publishStatusArgsSchema.safeParse({ message: 'hi', componentStatus: { checkout: 'broken' } }).success).toBe(false);
    expect(publishStatusArgsSchema.safeParse({ message: '  ' }).success).toBe(false);
  });

  it('a componentStatus that is neither says which value, for which component, and what it may be', () => {
    const reason = (componentStatus: unknown) => {
      const r = parseStatusUpdate({ action: 'publish_status', requestedBy: 'uid-1', message: 'Orders fail.', componentStatus });
      return r.ok ? 'accepted' : r.reason;
    };
    const statuses = 'operational, maintenance, degraded, partial_outage, major_outage';
    expect(reason('broken')).toBe(`invalid update: componentStatus: "broken" is not a status; give one of ${statuses}, or {componentId: status}`);
    expect(reason({ checkout: 'degraded', payments: 'broken' })).toBe(`invalid update: componentStatus: "broken" (for payments) is not a status; give one of ${statuses}`);
    expect(reason({ checkout: 7 })).toBe(`invalid update: componentStatus: 7 (for checkout) is not a status; give one of ${statuses}`);
    expect(reason({ '': 'degraded' })).toBe('invalid update: componentStatus: a component id cannot be empty');
    expect(reason(['degraded'])).toBe(`invalid update: componentStatus: give one status (${statuses}) or {componentId: status}`);
    expect(reason({ checkout: 'Partial outage' })).toBe('accepted');
  });
});

describe('public ids', () => {
  it('are stable per incident and secret, and reveal nothing of the incident id', () => {
    const a = publicIdFor('secret-1', 'incident-42');
    expect(a).toMatch(/^[0-9a-f]{20}$/);
    expect(publicIdFor('secret-1', 'incident-42')).toBe(a);
    expect(publicIdFor('secret-2', 'incident-42')).not.toBe(a);
    expect(publicIdFor('secret-1', 'incident-43')).not.toBe(a);
    expect(a).not.toContain('42');
  });
});

describe('applyPublicUpdate', () => {
  it('a first update with one status marks the components of the incident\'s service and opens a public incident', () => {
    const r = applyPublicUpdate(EMPTY, { publicId: 'pub-abcdef12', updateId: 'u1', message: 'Some payments fail.', componentStatus: 'partial_outage', service: 'checkout' }, config, T0);
    if (!r.ok) throw new Error(r.reason);
    expect(r.incident).toMatchObject({
      publicId: 'pub-abcdef12',
      title: 'Checkout and Payments: partial outage',
      phase: 'investigating',
      impact: 'partial_outage',
      components: ['checkout', 'payments'],
      componentStatus: { checkout: 'partial_outage', payments: 'partial_outage' },
      startedAt: T0,
      resolvedAt: null,
    });
    expect(r.incident.updates).toEqual([{ id: r.update.id, at: T0, phase: 'investigating', message: 'Some payments fail.', componentStatus: { checkout: 'partial_outage', payments: 'partial_outage' } }]);
    expect(r.summary.status).toBe('partial_outage');
    expect(r.summary.components.map((c) => [c.id, c.status])).toEqual([
      ['checkout', 'partial_outage'],
      ['payments', 'partial_outage'],
      ['search', 'operational'],
    ]);
    expect(r.summary.active).toHaveLength(1);
    expect(r.summary.active[0]?.latest).toEqual({ at: T0, phase: 'investigating', message: 'Some payments fail.' });
    expect(r.writes.map((w) => w.path)).toEqual([
      'statusPage/summary',
      'statusPage/summary/incidents/pub-abcdef12',
      'statusPage/summary/history/checkout',
      'statusPage/summary/history/payments',
    ]);
  });

  it('later updates keep the title, change only the named components, and list the updates newest first', () => {
    const { last } = run([
      { componentStatus: { checkout: 'major_outage' }, title: 'Orders cannot be placed' },
      { componentStatus: { payments: 'degraded' }, phase: 'identified' },
      { message: 'Fix deployed, watching.', componentStatus: { checkout: 'degraded' }, phase: 'monitoring' },
    ]);
    expect(last.incident.title).toBe('Orders cannot be placed');
    expect(last.incident.componentStatus).toEqual({ checkout: 'degraded', payments: 'degraded' });
    expect(last.incident.impact).toBe('major_outage');
    expect(last.incident.phase).toBe('monitoring');
    expect(last.incident.updates.map((u) => u.message)).toEqual(['Fix deployed, watching.', 'update 1', 'update 0']);
    expect(last.incident.updates.map((u) => u.phase)).toEqual(['monitoring', 'identified', 'investigating']);
    expect(last.summary.active[0]?.latest.message).toBe('Fix deployed, watching.');
  });

  it('resolving sets every affected component operational, stamps resolvedAt and leaves the summary', () => {
    const { last, state } = run([{ componentStatus: 'major_outage', service: 'search' }, { message: 'All good now.', resolved: true }]);
    expect(last.incident.phase).toBe('resolved');
    expect(last.incident.resolvedAt).toEqual(at(60));
    expect(last.incident.componentStatus).toEqual({ search: 'operational' });
    expect(last.incident.impact).toBe('major_outage');
    expect(state.summary?.active).toEqual([]);
    expect(state.summary?.status).toBe('operational');
  });

  it('a new update after the resolution reopens the public incident', () => {
    const { last } = run([{ componentStatus: 'degraded', service: 'search' }, { resolved: true }, { message: 'It is back.', componentStatus: 'partial_outage' }]);
    expect(last.incident.resolvedAt).toBeNull();
    expect(last.incident.phase).toBe('investigating');
    expect(last.summary.active.map((a) => a.publicId)).toEqual(['pub-abcdef12']);
    expect(last.summary.components.find((c) => c.id === 'search')?.status).toBe('partial_outage');
  });

  it('a component shows the worst status of the active incidents that name it', () => {
    const first = run([{ publicId: 'pub-first001', componentStatus: { checkout: 'degraded', search: 'major_outage' } }]);
    const both = run([{ publicId: 'pub-second01', componentStatus: { checkout: 'partial_outage' }, now: at(600) }], { ...first.state, incident: null });
    expect(both.last.summary.components.map((c) => c.status)).toEqual(['partial_outage', 'operational', 'major_outage']);
    expect(both.last.summary.active.map((a) => a.publicId)).toEqual(['pub-second01', 'pub-first001']);
    expect(componentStatusOf(config, both.last.summary.active)).toEqual({ checkout: 'partial_outage', payments: 'operational', search: 'major_outage' });
    // Resolving one leaves the other's statuses.
    const resolved = run([{ publicId: 'pub-second01', updateId: 'x', resolved: true, now: at(900) }], { ...both.state });
    expect(resolved.last.summary.components.map((c) => c.status)).toEqual(['degraded', 'operational', 'major_outage']);
  });

  it('a second delivery of the same update writes nothing', () => {
    const { state, last } = run([{ componentStatus: 'degraded', service: 'search' }]);
    const again = applyPublicUpdate(state, { publicId: 'pub-abcdef12', updateId: 'u0', message: 'update 0' }, config, at(5));
    expect(again).toMatchObject({ ok: true, changed: false, writes: [] });
    if (again.ok) expect(again.update).toEqual(last.update);
  });

  it('refuses what it cannot place, with the reason', () => {
    const reason = (input: Partial<PublicUpdateInput>) => {
      const r = applyPublicUpdate(EMPTY, { publicId: 'pub-abcdef12', updateId: 'u', message: 'x', ...input }, config, T0);
      return r.ok ? null : r.reason;
    };
    expect(reason({ componentStatus: { kitchen: 'degraded' } })).toMatch(/unknown component "kitchen"; config\/status.yaml has checkout, payments, search/);
    expect(reason({ componentStatus: 'degraded', service: 'db' })).toMatch(/the service "db" is in no component of config\/status.yaml/);
    expect(reason({ componentStatus: 'degraded', service: null })).toMatch(/the incident has no service/);
    expect(reason({ message: '   ' })).toBe('a public update needs a message');
    expect(reason({ message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) })).toMatch(/at most 5000 characters/);
    expect(reason({ publicId: 'inc/1' })).toMatch(/public id/);
  });

  it('an update with no component status is a notice that affects no component', () => {
    const r = applyPublicUpdate(EMPTY, { publicId: 'pub-abcdef12', updateId: 'u', message: 'We are looking into reports of slow emails.' }, config, T0);
    if (!r.ok) throw new Error(r.reason);
    expect(r.incident.components).toEqual([]);
    expect(r.incident.title).toBe('Service disruption');
    expect(r.summary.status).toBe('operational');
    expect(r.summary.active).toHaveLength(1);
  });

  it('keeps the newest updates and every document far under 1 MiB', () => {
    const big = 'x'.repeat(MAX_MESSAGE_LENGTH);
    const { state } = run(Array.from({ length: MAX_UPDATES_PER_INCIDENT + 15 }, (_, n) => ({ message: `${n} ${big}`.slice(0, MAX_MESSAGE_LENGTH), componentStatus: n % 2 ? 'degraded' : 'major_outage', service: 'checkout', now: at(n * 86_400) })) as never);
    expect(state.incident?.updates).toHaveLength(MAX_UPDATES_PER_INCIDENT);
    expect(state.incident?.updates[0]?.message.startsWith(`${MAX_UPDATES_PER_INCIDENT + 14} `)).toBe(true);
    for (const doc of [state.summary, state.incident, ...Object.values(state.history)]) {
      expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThan(512 * 1024);
    }
    expect(Object.keys(state.history.checkout?.days ?? {}).length).toBeLessThanOrEqual(HISTORY_DAYS);
  });
});

describe('the 90-day history', () => {
  const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

  it('fills the days an outage lasted even without updates, keeps the worst per day, and drops days older than 90', () => {
    let h = rollHistory('checkout', null, 'major_outage', day('2026-11-01'));
    expect(h).toMatchObject({ days: { '2026-11-01': 'major_outage' }, through: '2026-11-01', status: 'major_outage' });
    h = rollHistory('checkout', h, 'degraded', day('2026-11-04'));
    expect(h.days).toEqual({ '2026-11-01': 'major_outage', '2026-11-02': 'major_outage', '2026-11-03': 'major_outage', '2026-11-04': 'major_outage' });
    h = rollHistory('checkout', h, 'operational', day('2026-11-06'));
    expect(h.days['2026-11-05']).toBe('degraded');
    expect(h.days['2026-11-06']).toBe('degraded');
    expect(h.status).toBe('operational');
    h = rollHistory('checkout', h, 'maintenance', day('2027-01-31'));
    // 2026-11-01..03 are more than 90 days before 2027-01-31 (the window starts 2026-11-03).
    expect(Object.keys(h.days)).toEqual(['2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2027-01-31']);
  });

  it('reads back as 90 days, oldest first, with the current status after the last write', () => {
    const h = rollHistory('checkout', rollHistory('checkout', null, 'partial_outage', day('2026-11-28')), 'partial_outage', day('2026-11-28'));
    const days = dailyStatuses(h, day('2026-11-30'));
    expect(days).toHaveLength(HISTORY_DAYS);
    expect(days[0]?.day).toBe('2026-09-02');
    expect(days.slice(-4)).toEqual([
      { day: '2026-11-27', status: 'operational' },
      { day: '2026-11-28', status: 'partial_outage' },
      { day: '2026-11-29', status: 'partial_outage' },
      { day: '2026-11-30', status: 'partial_outage' },
    ]);
    expect(dailyStatuses(null, day('2026-11-30')).every((d) => d.status === 'operational')).toBe(true);
  });

  it('applyPublicUpdate writes a history only for the components whose status changed', () => {
    const { results } = run([
      { componentStatus: { checkout: 'degraded' } },
      { componentStatus: { checkout: 'degraded' } },
      { componentStatus: { checkout: 'degraded', search: 'maintenance' } },
    ]);
    const histories = results.map((r) => r.writes.filter((w) => w.path.includes('/history/')).map((w) => w.path.split('/').pop()));
    expect(histories).toEqual([['checkout'], [], ['search']]);
  });
});

// ---- nothing internal leaks ------------------------------------------------------------

/** Every field name a public document may hold. Component ids (config) and days (YYYY-MM-DD) are keys too. */
const ALLOWED_KEYS = new Set([
  'title', 'status', 'components', 'active', 'updatedAt', 'id', 'name', 'description',
  'publicId', 'phase', 'impact', 'componentStatus', 'startedAt', 'resolvedAt', 'updates', 'at', 'message', 'latest',
  'componentId', 'days', 'through',
]);

function keysOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => keysOf(v, out));
  else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      keysOf(v, out);
    }
  }
  return out;
}

describe('the projection is an allowlist: no internal field reaches statusPage/', () => {
  const internal = incidentFixture({
    id: 'inc-7Hq2ZpX9Lw',
    title: 'HighErrorRate on checkout-api pod checkout-7d9f (db-primary-eu1 saturated)',
    service: 'checkout',
    environment: 'production-eu1',
    groupKey: 'alertmanager|checkout|production-eu1|HighErrorRate',
    commander: 'uid-commander-alice',
    resolvedBy: 'slack:U0ALICE123',
    slack: 'C0INCIDENT99',
    runbook: 'high-error-rate',
    alertCount: 1234,
    firingCount: 987,
    links: [{ title: 'Grafana', url: 'https://grafana.internal.example/d/abc' }],
    routing: { channels: ['#payments-incidents'], mentions: ['<!subteam^S0PAYMENTS>'], invite: ['U0BOB4567'] },
    deploys: [{ id: 'dep-9f3c2e1', service: 'checkout', environment: 'production-eu1', version: 'v2.14.0-rc3', deployedAt: T0, url: null, author: 'carol@internal.example', commit: '9f3c2e1abc' }],
  });
  const alertLabels = { alertname: 'HighErrorRate', pod: 'checkout-7d9f', namespace: 'shop-internal', trace_id: 'trace-5b1e' };
  const secret = 'test-status-link-secret';
  const publicId = publicIdFor(secret, internal.id);
  const updates: Partial<PublicUpdateInput>[] = [
    { title: 'Some orders fail', message: 'Some orders cannot be placed. We are on it.', componentStatus: 'partial_outage', service: internal.service },
    { message: 'The cause is identified; a fix is rolling out.', phase: 'identified', componentStatus: { payments: 'degraded' } },
    { message: 'Orders work again.', resolved: true },
  ];
  let state = EMPTY;
  const written: StatusWrite[] = [];
  updates.forEach((u, n) => {
    const r = applyPublicUpdate(state, { publicId, updateId: `upd-${internal.id}-${n}`, message: '', ...u } as PublicUpdateInput, config, at(n * 300));
    if (!r.ok) throw new Error(r.reason);
    written.push(...r.writes);
    state = stateAfter(state, r.writes, publicId);
  });
  const serialized = JSON.stringify(written.map((w) => ({ path: w.path, data: w.data })));

  const internalValues = [
    internal.id, internal.title, 'checkout-api', 'checkout-7d9f', 'db-primary', internal.environment!, internal.groupKey, internal.commander!, 'U0ALICE123', internal.slack!,
    internal.runbook!, '1234', '987', 'grafana.internal', '#payments-incidents', 'S0PAYMENTS', 'U0BOB4567', 'dep-9f3c2e1', 'v2.14.0-rc3', 'carol@internal', '9f3c2e1abc',
    ...Object.values(alertLabels), 'upd-', 'SEV2', 'alertmanager', 'triggered',
  ];

  it.each(internalValues)('the value %j appears in no document or path', (value) => {
    expect(serialized).not.toContain(value);
  });

  it('every field name is on the allowlist (component ids and days aside)', () => {
    const componentIds = new Set(config.components.map((c) => c.id));
    const unexpected = written.flatMap((w) => keysOf(w.data)).filter((k) => !ALLOWED_KEYS.has(k) && !componentIds.has(k) && !/^\d{4}-\d{2}-\d{2}$/.test(k));
    expect([...new Set(unexpected)]).toEqual([]);
    for (const field of ['severity', 'service', 'environment', 'commander', 'slack', 'alerts', 'labels', 'groupKey', 'incidentId', 'requestedBy', 'runbook', 'deploys', 'links']) {
      expect(keysOf(written.map((w) => w.data))).not.toContain(field);
    }
  });

  it('what the responder wrote is there, and internal words only appear if the responder wrote them', () => {
    expect(serialized).toContain('Some orders fail');
    expect(serialized).toContain('The cause is identified; a fix is rolling out.');
    const r = applyPublicUpdate(state, { publicId, updateId: 'late', message: 'Postmortem: db-primary was saturated.' }, config, at(2000));
    if (!r.ok) throw new Error(r.reason);
    expect(JSON.stringify(r.writes)).toContain('db-primary');
  });

  it('paths hold only the public id and component ids', () => {
    expect(new Set(written.map((w) => w.path))).toEqual(
      new Set(['statusPage/summary', `statusPage/summary/incidents/${publicId}`, 'statusPage/summary/history/checkout', 'statusPage/summary/history/payments']),
    );
  });
});

describe('the Atom feed', () => {
  it('has one entry per public update, newest first, that a real feed parser reads back', async () => {
    const { state } = run([
      { title: 'Checkout <slow> & flaky', message: 'Orders take long.\n\nWe are looking.', componentStatus: { checkout: 'degraded' } },
      { message: 'Fixed.', resolved: true },
    ]);
    const entries = feedEntries([state.incident!], state.summary!.components, 'https://status.example.com/status/');
    expect(entries.map((e) => e.title)).toEqual(['[Resolved] Checkout <slow> & flaky', '[Investigating] Checkout <slow> & flaky']);
    const xml = await renderStatusFeed(entries, { title: 'Acme status', pageUrl: 'https://status.example.com/status', updated: at(0) });
    const feed = await new Parser().parseString(xml);
    expect(feed.title).toBe('Acme status');
    expect(feed.link).toBe('https://status.example.com/status');
    expect(feed.feedUrl).toBe('https://status.example.com/status/feed.xml');
    // Atom `type="html"` titles are escaped HTML: a reader shows them as the responder wrote them.
    expect(feed.items.map((i) => i.title)).toEqual(['[Resolved] Checkout &lt;slow&gt; &amp; flaky', '[Investigating] Checkout &lt;slow&gt; &amp; flaky']);
    expect(feed.items[0]?.link).toBe('https://status.example.com/status#incident-pub-abcdef12');
    expect(feed.items[0]?.id).toBe(entries[0]?.id);
    expect(feed.items[1]?.content).toContain('<p>Orders take long.</p><p>We are looking.</p>');
    expect(feed.items[1]?.content).toContain('Affected: Checkout: Degraded performance');
    expect(new Date(feed.items[0]!.isoDate!).toISOString()).toBe(at(60).toISOString());
    expect(xml).not.toContain('<slow>');
  });

  it('is valid and empty when nothing was published', async () => {
    const feed = await new Parser().parseString(await renderStatusFeed([], { title: 'Acme status', pageUrl: 'https://s.example/status', updated: T0 }));
    expect(feed.items).toEqual([]);
    expect(feed.title).toBe('Acme status');
  });
});
