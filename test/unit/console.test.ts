// The console's pure helpers: formatting, routes, emulator ports, list filters,
// timeline order, the insights' series and chart geometry, and the silences page.
import { describe, expect, it } from 'vitest';
import { actorLabel, explainError, formatAge, formatDateTime, fromDateInput, markdownCurrent, safeUrl, since, toDate, toDateInput } from '../../console/src/lib/format';
import { DEFAULT_EMULATOR_PORTS, isLocalHost, parseEmulatorPorts, parseInitJsEmulators, resolveEmulatorPorts } from '../../console/src/lib/emulators';
import { filterFromQuery, filterIncidents, filterToQuery, type IncidentRow, matchesFilter, servicesOf, sortTimeline } from '../../console/src/lib/incidents';
import { chartGeometry, niceDurationMax, niceMax, scopeLabel, seriesByScope, summarizeSeries } from '../../console/src/lib/insights';
import { hrefOf, parseRoute } from '../../console/src/lib/route';
import { groupSilences, matchersForIncident, parseSilenceDuration, silenceFromForm, silenceStateOf } from '../../console/src/lib/silences';

const T = Date.parse('2026-11-30T10:00:00Z');
const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanoseconds: (ms % 1000) * 1e6, toDate: () => new Date(ms) });

describe('the postmortem export', () => {
  it('is current once the pipeline has rendered it for the stored text, and not while a save is in flight', () => {
    expect(markdownCurrent({ updatedAt: ts(T) }, { markdownOf: ts(T) })).toBe(true);
    expect(markdownCurrent({ updatedAt: ts(T + 1500) }, { markdownOf: ts(T) })).toBe(false);
    expect(markdownCurrent({ updatedAt: null }, { markdownOf: ts(T) })).toBe(false);
    expect(markdownCurrent({ updatedAt: ts(T) }, { markdownOf: null })).toBe(false);
    expect(markdownCurrent({ updatedAt: ts(T) }, null)).toBe(false);
  });
});

describe('formatting', () => {
  it('reads Timestamps, Dates, millis and ISO strings as Dates', () => {
    expect(toDate(ts(T))?.getTime()).toBe(T);
    expect(toDate({ seconds: T / 1000, nanoseconds: 0 })?.getTime()).toBe(T);
    expect(toDate(new Date(T))?.getTime()).toBe(T);
    expect(toDate(T)?.getTime()).toBe(T);
    expect(toDate('2026-11-30T10:00:00Z')?.getTime()).toBe(T);
    for (const v of [null, undefined, 'soon', {}, Number.NaN, new Date('x')]) expect(toDate(v)).toBeNull();
  });

  it('formats ages in the words used everywhere, two units at most', () => {
    expect(formatAge(0)).toBe('0 s');
    expect(formatAge(59_999)).toBe('59 s');
    expect(formatAge(4 * 60_000 + 10_000)).toBe('4 min 10 s');
    expect(formatAge(3_600_000 + 5 * 60_000)).toBe('1 h 5 min');
    expect(formatAge(2 * 86_400_000 + 3 * 3_600_000)).toBe('2 d 3 h');
    expect(formatAge(-5000)).toBe('0 s');
    expect(since(ts(T - 90_000), T)).toBe('1 min 30 s ago');
    expect(since(null, T)).toBe('-');
  });

  it('formats date-times in a given zone, and date inputs in UTC', () => {
    expect(formatDateTime(ts(T), 'Etc/UTC')).toBe('2026-11-30 10:00:00');
    expect(formatDateTime(ts(T), 'Europe/Paris')).toBe('2026-11-30 11:00:00');
    expect(formatDateTime(null)).toBe('-');
    expect(toDateInput(ts(T))).toBe('2026-11-30');
    expect(toDateInput(null)).toBe('');
    expect(fromDateInput('2026-12-15')?.toISOString()).toBe('2026-12-15T00:00:00.000Z');
    expect(fromDateInput('')).toBeNull();
    expect(fromDateInput('15/12/2026')).toBeNull();
  });

  it('names actors for people', () => {
    expect(actorLabel('uid-1', 'uid-1')).toBe('you');
    expect(actorLabel('system', 'uid-1')).toBe('pipeline');
    expect(actorLabel('slack:U123', 'uid-1')).toBe('Slack U123');
    expect(actorLabel('uid-2', 'uid-1')).toBe('uid-2');
    expect(actorLabel(null, 'uid-1')).toBe('-');
  });

  it('only lets http(s) URLs become links', () => {
    expect(safeUrl('https://grafana.example.com/d/x?var=1')).toBe('https://grafana.example.com/d/x?var=1');
    expect(safeUrl('http://localhost:3000/')).toBe('http://localhost:3000/');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('JavaScript:alert(1)')).toBeNull();
    expect(safeUrl('data:text/html,<script>1</script>')).toBeNull();
    expect(safeUrl('/relative')).toBeNull();
    expect(safeUrl(42)).toBeNull();
  });

  it('explains errors in words', () => {
    expect(explainError({ code: 'permission-denied', message: 'Missing or insufficient permissions.' })).toMatch(/security rules refused/);
    expect(explainError({ code: 'auth/invalid-credential' })).toBe('wrong email or password');
    expect(explainError(new Error('boom'))).toBe('boom');
  });
});

describe('routes', () => {
  it('parses the hash routes', () => {
    expect(parseRoute('')).toEqual({ page: 'incidents', query: {} });
    expect(parseRoute('#/incidents?status=all&sev=SEV1')).toEqual({ page: 'incidents', query: { status: 'all', sev: 'SEV1' } });
    expect(parseRoute('#/incidents/abc123')).toEqual({ page: 'incident', id: 'abc123' });
    expect(parseRoute('#/postmortems/abc%20123')).toEqual({ page: 'postmortem', id: 'abc 123' });
    expect(parseRoute('#/insights?period=month')).toEqual({ page: 'insights', query: { period: 'month' } });
    expect(parseRoute('#/drills?service=checkout')).toEqual({ page: 'drills', query: { service: 'checkout' } });
    expect(parseRoute('#/silences?incident=inc1')).toEqual({ page: 'silences', query: { incident: 'inc1' } });
    expect(parseRoute('#/nope/x/y')).toEqual({ page: 'notFound', path: '/nope/x/y' });
  });

  it('writes hashes that parse back, without empty query values', () => {
    expect(hrefOf({ page: 'incidents', query: { status: '', service: 'db' } })).toBe('#/incidents?service=db');
    expect(hrefOf({ page: 'incident', id: 'a/b' })).toBe('#/incidents/a%2Fb');
    expect(parseRoute(hrefOf({ page: 'incident', id: 'a/b' }))).toEqual({ page: 'incident', id: 'a/b' });
    expect(parseRoute(hrefOf({ page: 'insights', query: { scope: 'service:check out' } }))).toEqual({ page: 'insights', query: { scope: 'service:check out' } });
  });
});

describe('emulator ports', () => {
  it('reads the query string override', () => {
    expect(parseEmulatorPorts('firestore:18080,auth:19099')).toEqual({ firestore: 18080, auth: 19099 });
    expect(parseEmulatorPorts('firestore:18080,auth:19099,functions:15001')).toEqual({ firestore: 18080, auth: 19099, functions: 15001 });
    expect(parseEmulatorPorts('auth=29099')).toEqual({ auth: 29099 });
    expect(parseEmulatorPorts('firestore:0,auth:99999,hosting:5000,junk')).toEqual({});
    expect(parseEmulatorPorts(null)).toEqual({});
  });

  it("reads the Hosting emulator's init.js", () => {
    const js = `var firebaseConfig = {"projectId": "demo-incidents"};\nif (firebaseConfig) {\n  var firebaseEmulators = {\n  "auth": {"host": "127.0.0.1", "port": 29099},\n  "firestore": {"host": "127.0.0.1", "port": 28080}\n};\n}`;
    expect(parseInitJsEmulators(js)).toEqual({ auth: 29099, firestore: 28080 });
    expect(parseInitJsEmulators('var firebaseEmulators = undefined;')).toEqual({});
    expect(parseInitJsEmulators('var firebaseEmulators = {"auth": ')).toEqual({});
    expect(parseInitJsEmulators('<!doctype html>')).toEqual({});
  });

  it('prefers the query string, then the Hosting emulator, then the defaults', () => {
    expect(resolveEmulatorPorts({}, {})).toEqual(DEFAULT_EMULATOR_PORTS);
    expect(resolveEmulatorPorts({ auth: 1 }, { auth: 2, firestore: 3 })).toEqual({ auth: 1, firestore: 3 });
  });

  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '[::1]', 'console.localhost']) expect(isLocalHost(h)).toBe(true);
    for (const h of ['incidents.example.com', 'demo-incidents.web.app']) expect(isLocalHost(h)).toBe(false);
  });
});

describe('incident list', () => {
  const rows: IncidentRow[] = [
    { id: 'a', status: 'triggered', severity: 'SEV3', service: 'db', createdAt: ts(T - 1000) },
    { id: 'b', status: 'acknowledged', severity: 'SEV1', service: 'checkout', createdAt: ts(T - 5000) },
    { id: 'c', status: 'resolved', severity: 'SEV2', service: 'db', createdAt: ts(T - 3000) },
    { id: 'd', status: 'triggered', severity: 'SEV3', service: 'db', createdAt: ts(T - 500), drill: true },
    { id: 'e', status: 'mitigated', severity: 'SEV3', service: null, createdAt: ts(T - 2000) },
  ];

  it('reads filters from the query, with safe defaults', () => {
    expect(filterFromQuery({})).toEqual({ status: 'open', severity: 'all', service: '' });
    expect(filterFromQuery({ status: 'resolved', sev: 'SEV2', service: 'db' })).toEqual({ status: 'resolved', severity: 'SEV2', service: 'db' });
    expect(filterFromQuery({ status: 'bogus', sev: 'SEV9' })).toEqual({ status: 'open', severity: 'all', service: '' });
    expect(filterFromQuery(filterToQuery({ status: 'all', severity: 'SEV1', service: 'x' }))).toEqual({ status: 'all', severity: 'SEV1', service: 'x' });
  });

  it('filters by status (open = triggered, acknowledged, mitigated), SEV and service', () => {
    const open = { status: 'open', severity: 'all', service: '' } as const;
    expect(rows.filter((r) => matchesFilter(r, open)).map((r) => r.id)).toEqual(['a', 'b', 'd', 'e']);
    expect(rows.filter((r) => matchesFilter(r, { ...open, status: 'resolved' })).map((r) => r.id)).toEqual(['c']);
    expect(rows.filter((r) => matchesFilter(r, { ...open, status: 'all', service: 'db' })).map((r) => r.id)).toEqual(['a', 'c', 'd']);
    expect(rows.filter((r) => matchesFilter(r, { ...open, severity: 'SEV1' })).map((r) => r.id)).toEqual(['b']);
  });

  it('shows drills apart, most severe first then newest', () => {
    const { incidents, drills } = filterIncidents(rows, { status: 'all', severity: 'all', service: '' });
    expect(incidents.map((r) => r.id)).toEqual(['b', 'c', 'a', 'e']);
    expect(drills.map((r) => r.id)).toEqual(['d']);
    expect(servicesOf(rows)).toEqual(['checkout', 'db']);
  });

  it('orders the timeline by time, then seq', () => {
    const entries = [
      { id: 'z', at: ts(T), seq: 1 },
      { id: 'y', at: ts(T), seq: 0 },
      { id: 'x', at: ts(T - 1000), seq: 5 },
      { id: 'w', at: ts(T + 1000) },
    ];
    expect(sortTimeline(entries).map((e) => e.id)).toEqual(['x', 'y', 'z', 'w']);
  });
});

describe('insights', () => {
  const docs = [
    { id: 'service_checkout__week_2026-W47', incidents: 2, acknowledged: 2, ackSecondsSum: 240, resolved: 1, resolveSecondsSum: 3600, deploys: 10, failedDeploys: 1 },
    { id: 'service_checkout__week_2026-W46', incidents: 1, acknowledged: 1, ackSecondsSum: 60, deploys: 5 },
    { id: 'service_checkout__month_2026-11', incidents: 3 },
    { id: 'x', scope: 'all', period: 'week:2026-W47', incidents: 4, deploys: 0 },
    { id: 'not-a-bucket', incidents: 9 },
  ];

  it('groups buckets into series per scope, sorted by period', () => {
    const s = seriesByScope(docs, 'week');
    expect([...s.keys()]).toEqual(['all', 'service:checkout']);
    const checkout = s.get('service:checkout') ?? [];
    expect(checkout.map((p) => p.period)).toEqual(['2026-W46', '2026-W47']);
    expect(checkout[1]?.summary).toMatchObject({ incidents: 2, mttaSeconds: 120, mttrSeconds: 3600, changeFailureRate: 0.1 });
    expect(checkout[0]?.summary).toMatchObject({ mttrSeconds: null, changeFailureRate: 0 });
    expect(s.get('all')?.[0]?.summary.changeFailureRate).toBeNull();
    expect(seriesByScope(docs, 'month').get('service:checkout')?.map((p) => p.period)).toEqual(['2026-11']);
  });

  it('sums counts, not averages, over several periods', () => {
    const total = summarizeSeries(seriesByScope(docs, 'week').get('service:checkout') ?? []);
    expect(total).toMatchObject({ incidents: 3, mttaSeconds: 100, mttrSeconds: 3600, deploys: 15, failedDeploys: 1 });
    expect(total.changeFailureRate).toBeCloseTo(1 / 15);
  });

  it('labels scopes', () => {
    expect(scopeLabel('all')).toBe('All services');
    expect(scopeLabel('service:checkout')).toBe('checkout');
    expect(scopeLabel('severity:SEV1')).toBe('SEV1');
  });

  it('picks round axis tops', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(0.07)).toBeCloseTo(0.1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(180)).toBe(200);
    expect(niceMax(2500)).toBe(2500);
    expect(niceMax(2600)).toBe(5000);
  });

  it('picks round axis tops for durations', () => {
    expect(niceDurationMax(0)).toBe(60);
    expect(niceDurationMax(45)).toBe(50);
    expect(niceDurationMax(1000)).toBe(1800);
    expect(niceDurationMax(10_000)).toBe(10_800);
    expect(niceDurationMax(100_000)).toBe(172_800);
    const g = chartGeometry([{ label: 'W1', value: 1000 }], { niceTop: niceDurationMax });
    expect(g.yMax).toBe(1800);
  });

  it('lays out a line chart, with gaps for missing values', () => {
    const g = chartGeometry(
      [
        { label: 'W1', value: 0 },
        { label: 'W2', value: 5 },
        { label: 'W3', value: null },
        { label: 'W4', value: 2.5 },
      ],
      { width: 100, height: 60, left: 10, right: 10, top: 10, bottom: 10 },
    );
    expect(g.yMax).toBe(5);
    expect(g.points.map((p) => [p.x, p.y])).toEqual([
      [10, 50],
      [36.7, 10],
      [90, 30],
    ]);
    expect(g.path).toBe('M10 50 L36.7 10 M90 30');
    expect(g.slots.map((s) => s.label)).toEqual(['W1', 'W2', 'W3', 'W4']);
    const one = chartGeometry([{ label: 'only', value: 1 }], { width: 100, left: 10, right: 10 });
    expect(one.points[0]?.x).toBe(50);
    expect(chartGeometry([]).path).toBe('');
  });
});

describe('the silences page', () => {
  const H = 3_600_000;
  it('tells active, upcoming and expired apart, an early expiry ending it', () => {
    expect(silenceStateOf({ id: 'a', startsAt: ts(T - H), endsAt: ts(T + H) }, T)).toBe('active');
    expect(silenceStateOf({ id: 'u', startsAt: ts(T + H), endsAt: ts(T + 2 * H) }, T)).toBe('upcoming');
    expect(silenceStateOf({ id: 'e', startsAt: ts(T - 2 * H), endsAt: ts(T) }, T)).toBe('expired');
    expect(silenceStateOf({ id: 'x', startsAt: ts(T - H), endsAt: ts(T + H), expiredAt: ts(T - 1) }, T)).toBe('expired');
    const g = groupSilences(
      [
        { id: 'late', startsAt: ts(T - H), endsAt: ts(T + 2 * H) },
        { id: 'soon', startsAt: ts(T - H), endsAt: ts(T + H) },
        { id: 'next', startsAt: ts(T + H), endsAt: ts(T + 2 * H) },
        { id: 'old', startsAt: ts(T - 3 * H), endsAt: ts(T - 2 * H) },
        { id: 'recent', startsAt: ts(T - 2 * H), endsAt: ts(T - H) },
      ],
      T,
    );
    expect({ active: g.active.map((s) => s.id), upcoming: g.upcoming.map((s) => s.id), expired: g.expired.map((s) => s.id) }).toEqual({
      active: ['soon', 'late'],
      upcoming: ['next'],
      expired: ['recent', 'old'],
    });
  });

  it('writes what the rules accept from the form, and names the field that is wrong', () => {
    expect(silenceFromForm({ matchers: 'service=checkout env=prod', startsAt: null, duration: '1h30m', comment: ' migration ' }, 'uid-1', T)).toEqual({
      ok: true,
      silence: { matchers: { service: 'checkout', environment: 'prod' }, startsAt: new Date(T), endsAt: new Date(T + 1.5 * H), createdBy: 'uid-1', comment: 'migration' },
    });
    expect(silenceFromForm({ matchers: 'checkout', startsAt: null, duration: '2h', comment: 'x' }, 'u', T)).toMatchObject({ ok: false, field: 'matchers' });
    expect(silenceFromForm({ matchers: 'service=a', startsAt: null, duration: 'soon', comment: 'x' }, 'u', T)).toMatchObject({ ok: false, field: 'duration' });
    expect(silenceFromForm({ matchers: 'service=a', startsAt: null, duration: '31d', comment: 'x' }, 'u', T)).toMatchObject({ ok: false, field: 'duration' });
    expect(silenceFromForm({ matchers: 'service=a', startsAt: new Date(T - 3 * H), duration: '2h', comment: 'x' }, 'u', T)).toMatchObject({ ok: false, field: 'startsAt' });
    expect(silenceFromForm({ matchers: 'service=a', startsAt: null, duration: '2h', comment: '  ' }, 'u', T)).toMatchObject({ ok: false, field: 'comment' });
    expect(parseSilenceDuration('1w')).toBe(168 * H);
    expect(parseSilenceDuration('0m')).toBeNull();
  });

  it('suggests matchers from an incident that parse back to its service and environment', () => {
    expect(matchersForIncident({ service: 'checkout', environment: 'production' })).toBe('service=checkout environment=production');
    expect(matchersForIncident({ service: null })).toBe('');
  });
});
