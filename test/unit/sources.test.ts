// The alert sources (contract §2 and §3): every fixture against the hand-written
// expectations in test/fixtures/alerts/expected.json, fingerprints, wrong shapes
// and source detection.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSeverity } from '../../functions/src/domain/severity';
import { parseDatadogTags, parseDatadogTitle } from '../../functions/src/domain/sources/datadog';
import { detectSource, isAlertSource, knownSources, normalizePayload } from '../../functions/src/domain/sources';
import { type AlertSource, type NormalizedAlert, WEBHOOK_SOURCES, type WebhookSource } from '../../functions/src/domain/types';
import { projectRules, ROOT } from '../support/config';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'alerts');
const rules = projectRules();

interface ExpectedAlert {
  title: string;
  service: string | null;
  environment: string | null;
  severity: string | null;
  status: 'firing' | 'resolved';
  fingerprint: string;
  alertName: string;
  sev: string;
  startsAt?: string | null;
  endsAt?: string | null;
  description?: string | null;
  labels?: Record<string, string>;
  links?: string[];
  linkUrls?: string[];
}
type Expected = ExpectedAlert[] | { rejected: string };

const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, Expected>;
delete expected.$comment;

const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
const sourceOf = (name: string) => name.split('/')[0] as AlertSource;
const clone = <T>(v: T): T => structuredClone(v);

/** Normalises and insists that it worked. */
function alertsOf(source: AlertSource, payload: unknown): NormalizedAlert[] {
  const r = normalizePayload(source, payload);
  if (!r.ok) throw new Error(`${source}: ${r.error} ${JSON.stringify(r.details)}`);
  return r.alerts;
}
const one = (source: AlertSource, payload: unknown): NormalizedAlert => {
  const alerts = alertsOf(source, payload);
  expect(alerts).toHaveLength(1);
  return alerts[0]!;
};
const sevOf = (a: NormalizedAlert) =>
  evaluateSeverity(rules, { source: a.source, service: a.service, environment: a.environment, severity: a.severity, alertName: a.alertName, labels: a.labels }).severity;
const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function fixtureFiles(): string[] {
  return fs
    .readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => fs.readdirSync(path.join(FIXTURES, d.name)).filter((f) => f.endsWith('.json')).map((f) => `${d.name}/${f}`))
    .sort();
}

describe('the registry', () => {
  it('knows every source of the contract', () => {
    expect(knownSources()).toEqual([...WEBHOOK_SOURCES]);
    for (const s of WEBHOOK_SOURCES) expect(isAlertSource(s)).toBe(true);
    expect(isAlertSource('pagerduty')).toBe(false);
    expect(isAlertSource('cloudMonitoring')).toBe(false);
  });

  it('refuses heartbeat as a sender: the pipeline raises heartbeat alerts itself, nobody POSTs them', () => {
    expect(isAlertSource('heartbeat')).toBe(false);
    expect(knownSources()).not.toContain('heartbeat');
    expect(detectSource({ source: 'heartbeat' }, {})).toBeNull();
    const r = normalizePayload('heartbeat', { title: 'x' });
    expect(r).toEqual({ ok: false, error: 'unknown source "heartbeat"', details: [] });
  });
});

describe('fixtures → normalised alerts (expected.json)', () => {
  it('has an expectation for every fixture, and a fixture for every expectation', () => {
    expect(Object.keys(expected).sort()).toEqual(fixtureFiles());
  });

  it.each(Object.entries(expected))('%s', (name, want) => {
    const source = sourceOf(name);
    const result = normalizePayload(source, fixture(name));
    if (!Array.isArray(want)) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toContain(want.rejected);
      return;
    }
    if (!result.ok) throw new Error(`${result.error} ${JSON.stringify(result.details)}`);
    expect(result.alerts).toHaveLength(want.length);
    result.alerts.forEach((a, i) => {
      const w = want[i]!;
      expect(a.source).toBe(source);
      expect({
        title: a.title,
        service: a.service,
        environment: a.environment,
        severity: a.severity,
        status: a.status,
        fingerprint: a.fingerprint,
        alertName: a.alertName,
        sev: sevOf(a),
      }).toEqual({
        title: w.title,
        service: w.service,
        environment: w.environment,
        severity: w.severity,
        status: w.status,
        fingerprint: w.fingerprint,
        alertName: w.alertName,
        sev: w.sev,
      });
      if (w.startsAt !== undefined) expect(iso(a.startsAt)).toBe(w.startsAt);
      if (w.endsAt !== undefined) expect(iso(a.endsAt)).toBe(w.endsAt);
      if (w.description !== undefined) expect(a.description).toBe(w.description);
      if (w.labels !== undefined) expect(a.labels).toEqual(w.labels);
      if (w.links !== undefined) expect(a.links.map((l) => l.title)).toEqual(w.links);
      if (w.linkUrls !== undefined) expect(a.links.map((l) => l.url)).toEqual(w.linkUrls);
      for (const l of a.links) expect(l.url).toMatch(/^https?:\/\//);
      for (const v of Object.values(a.labels)) expect(typeof v).toBe('string');
    });
  });
});

describe('fingerprints', () => {
  it.each([
    ['alertmanager/firing.json', 'alertmanager/resolved.json'],
    ['grafana/firing.json', 'grafana/resolved.json'],
    ['datadog/firing.json', 'datadog/resolved.json'],
    ['datadog/default-body.json', 'datadog/default-body-recovered.json'],
    ['datadog/event-tags-triggered.json', 'datadog/event-tags-recovered.json'],
    ['grafana/legacy-alerting.json', 'grafana/legacy-ok.json'],
    ['cloud-monitoring/v1.1-open.json', 'cloud-monitoring/v1.1-closed.json'],
    ['cloud-monitoring/firing.json', 'cloud-monitoring/resolved.json'],
    ['sentry/metric-alert-critical.json', 'sentry/metric-alert-resolved.json'],
  ])('the resolved follow-up of %s has its fingerprint (%s)', (firingName, resolvedName) => {
    const firing = one(sourceOf(firingName), fixture(firingName));
    const resolved = one(sourceOf(resolvedName), fixture(resolvedName));
    expect(firing.status).toBe('firing');
    expect(resolved.status).toBe('resolved');
    expect(resolved.fingerprint).toBe(firing.fingerprint);
    // and they group together
    expect(resolved.alertName).toBe(firing.alertName);
    expect([resolved.service, resolved.environment]).toEqual([firing.service, firing.environment]);
  });

  it.each(fixtureFiles().filter((n) => Array.isArray(expected[n])))('%s repeated gives the same fingerprints', (name) => {
    const a = alertsOf(sourceOf(name), fixture(name)).map((x) => x.fingerprint);
    const b = alertsOf(sourceOf(name), fixture(name)).map((x) => x.fingerprint);
    expect(b).toEqual(a);
    expect(new Set(a).size).toBe(a.length); // distinct alerts of one payload stay distinct
  });

  it('a repeated Sentry event of the same issue is the same alert', () => {
    expect(one('sentry', fixture('sentry/event-alert-repeat.json')).fingerprint).toBe(one('sentry', fixture('sentry/event-alert.json')).fingerprint);
  });

  it('Datadog: Re-Triggered and Renotify of one cycle are the same alert; a new cycle is a new one', () => {
    const base = fixture('datadog/firing.json') as Record<string, string>;
    const first = one('datadog', base);
    const again = one('datadog', { ...base, transition: 'Re-Triggered', title: base.title!.replace('Triggered', 'Re-Triggered') });
    const renotify = one('datadog', { ...base, transition: 'Renotify' });
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(again.title).toBe(first.title);
    expect(again.status).toBe('firing');
    expect(renotify.fingerprint).toBe(first.fingerprint);
    expect(one('datadog', { ...base, cycle: '7065287093627999999' }).fingerprint).not.toBe(first.fingerprint);
    // without a cycle key: the monitor and its group (the title's scope, tags sorted)
    const { cycle: _cycle, ...noCycle } = base;
    expect(one('datadog', noCycle).fingerprint).toBe('48123456:env:prod,service:checkout');
    expect(one('datadog', { ...noCycle, title: base.title!.replace('{env:prod,service:checkout}', '{service:checkout,env:prod}') }).fingerprint).toBe('48123456:env:prod,service:checkout');
  });

  it('Alertmanager without a fingerprint: a hash of the labels, whatever their order', () => {
    const payload = fixture('alertmanager/firing.json') as { alerts: Record<string, unknown>[] };
    const alert = payload.alerts[0]!;
    delete alert.fingerprint;
    const labels = alert.labels as Record<string, string>;
    const reordered = Object.fromEntries(Object.entries(labels).reverse());
    const a = one('alertmanager', payload);
    const b = one('alertmanager', { ...payload, alerts: [{ ...alert, labels: reordered }] });
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    const other = one('alertmanager', { ...payload, alerts: [{ ...alert, labels: { ...labels, instance: 'checkout-api-2:8080' } }] });
    expect(other.fingerprint).not.toBe(a.fingerprint);
  });

  it('Sentry: the issue is found in issue_url or web_url when issue_id is missing', () => {
    const payload = fixture('sentry/event-alert.json') as { data: { event: Record<string, unknown> } };
    delete payload.data.event.issue_id;
    expect(one('sentry', clone(payload)).fingerprint).toBe('issue:1117540176');
    delete payload.data.event.issue_url;
    expect(one('sentry', clone(payload)).fingerprint).toBe('issue:1117540176');
  });

  it('Sentry: the legacy body and the integration platform agree on one issue', () => {
    const legacy = fixture('sentry/legacy-plugin.json') as Record<string, unknown>;
    expect(one('sentry', { ...legacy, id: '1117540176' }).fingerprint).toBe(one('sentry', fixture('sentry/event-alert.json')).fingerprint);
  });
});

describe('contract §3 details', () => {
  it('Alertmanager: empty strings count as absent; Go zero time is null', () => {
    const payload = fixture('alertmanager/firing.json') as { alerts: { labels: Record<string, string>; annotations: Record<string, string>; endsAt: string }[] };
    const a0 = payload.alerts[0]!;
    a0.annotations.summary = '  ';
    a0.annotations.description = '';
    a0.labels.service = '';
    a0.labels.env = '';
    a0.labels.environment = 'prod';
    a0.labels.severity = '';
    const a = one('alertmanager', payload);
    expect(a.title).toBe('HighErrorRate');
    expect(a.service).toBe('checkout-api');
    expect(a.environment).toBe('prod');
    expect(a.severity).toBeNull();
    expect(a.endsAt).toBeNull();
    delete (a0.labels as Partial<Record<string, string>>).job;
    a0.labels.app = 'checkout-web';
    expect(one('alertmanager', payload).service).toBe('checkout-web');
  });

  it('Alertmanager: the silence link names the alert’s labels', () => {
    const a = one('alertmanager', fixture('alertmanager/firing.json'));
    const silence = a.links.find((l) => l.title === 'Silence in Alertmanager')!;
    expect(silence.url.startsWith('http://alertmanager.example.com:9093/#/silences/new?filter=')).toBe(true);
    expect(decodeURIComponent(silence.url.split('filter=')[1]!)).toBe(
      '{alertname="HighErrorRate",env="production",instance="checkout-api-7d9f8c6b5-x2k4q:8080",job="checkout-api",service="checkout",severity="critical"}',
    );
  });

  it('Datadog: only P1..P5 priorities count, else alert_type', () => {
    const base = fixture('datadog/firing.json') as Record<string, string>;
    expect(one('datadog', { ...base, priority: 'p1' }).severity).toBe('P1');
    expect(one('datadog', { ...base, priority: 'normal', title: 'Checkout error rate is high' }).severity).toBe('error');
    expect(one('datadog', { ...base, priority: '', alert_type: '', title: 'Checkout error rate is high' }).severity).toBeNull();
    // a [Pn] title prefix stands in for a missing priority
    expect(one('datadog', { ...base, priority: 'low', alert_type: 'warning' }).severity).toBe('P2');
  });

  it('Datadog: tags are split on commas, with spaces, bare tags and repeated keys', () => {
    expect(parseDatadogTags('env:prod, service:checkout ,critical,, role:web,role:api,url:https://x.example.com:8443/a, team:')).toEqual({
      env: 'prod',
      service: 'checkout',
      'tag:critical': 'true',
      role: 'web,api',
      url: 'https://x.example.com:8443/a',
      'tag:team': 'true',
    });
    expect(parseDatadogTags('')).toEqual({});
    expect(parseDatadogTags(undefined)).toEqual({});
  });

  it('Datadog: title prefixes are taken off, other brackets stay', () => {
    expect(parseDatadogTitle('[P1] [Triggered on {host:a,env:prod}] CPU high')).toEqual({ title: 'CPU high', transition: 'Triggered', scope: 'host:a,env:prod', priority: 'P1' });
    expect(parseDatadogTitle('[Re-Triggered] [Memory Alert]')).toEqual({ title: '[Memory Alert]', transition: 'Re-Triggered', scope: null, priority: null });
    expect(parseDatadogTitle('[No Data on {host:b}] Heartbeat')).toMatchObject({ title: 'Heartbeat', transition: 'No Data' });
    expect(parseDatadogTitle('[DB] replication lag')).toEqual({ title: '[DB] replication lag', transition: null, scope: null, priority: null });
    expect(parseDatadogTitle('[Triggered]')).toMatchObject({ title: '[Triggered]' });
  });

  it('Datadog: transition decides the status, whatever the title says', () => {
    const base = fixture('datadog/firing.json') as Record<string, string>;
    for (const t of ['Triggered', 'Re-Triggered', 'Warn', 'No Data', 'Renotify']) expect(one('datadog', { ...base, transition: t }).status).toBe('firing');
    expect(one('datadog', { ...base, transition: 'recovered' }).status).toBe('resolved');
  });

  it('Cloud Monitoring: title falls back to policy_name; "no severity" in any case is nothing', () => {
    const payload = fixture('cloud-monitoring/no-severity.json') as { incident: Record<string, unknown> };
    payload.incident.summary = '';
    payload.incident.severity = 'NO SEVERITY';
    const a = one('cloud-monitoring', payload);
    expect(a.title).toBe('VM CPU high');
    expect(a.severity).toBeNull();
    payload.incident.severity = 'Warning';
    expect(one('cloud-monitoring', payload).severity).toBe('Warning');
  });

  it('Cloud Monitoring: service falls back to resource_name', () => {
    const payload = fixture('cloud-monitoring/no-severity.json') as { incident: Record<string, unknown> };
    delete payload.incident.resource_display_name;
    expect(one('cloud-monitoring', payload).service).toBe('shop-staging foobar appserver');
  });

  it('Sentry: the service tag wins over the project slug; no rule → the title', () => {
    const payload = fixture('sentry/event-alert.json') as { data: { event: { tags: string[][] }; triggered_rule?: string; issue_alert?: unknown } };
    payload.data.event.tags.push(['service', 'web-frontend']);
    delete payload.data.triggered_rule;
    delete payload.data.issue_alert;
    const a = one('sentry', payload);
    expect(a.service).toBe('web-frontend');
    expect(a.alertName).toBe('ReferenceError: heck is not defined');
    expect(a.status).toBe('firing');
  });
});

describe('wrong shapes are refused with the failing field', () => {
  const cases: [WebhookSource, string, (p: never) => unknown, string][] = [
    ['alertmanager', 'alerts missing', () => ({ version: '4', status: 'firing' }), 'alerts'],
    ['alertmanager', 'a bad alert status', (p: { alerts: { status: string }[] }) => ((p.alerts[0]!.status = 'pending'), p), 'alerts.0.status'],
    ['alertmanager', 'labels not a map', (p: { alerts: { labels: unknown }[] }) => ((p.alerts[0]!.labels = 'alertname=X'), p), 'alerts.0.labels'],
    ['grafana', 'a second alert "pending"', (p: { alerts: { status?: string }[] }) => ((p.alerts[1]!.status = 'pending'), p), 'alerts.1.status'],
    ['grafana', 'no status on the alert nor on the body', (p: { status?: string; alerts: { status?: string }[] }) => (delete p.status, delete p.alerts[1]!.status, p), 'alerts.1.status'],
    ['alertmanager', 'no status on the alert nor on the body', (p: { status?: string; alerts: { status?: string }[] }) => (delete p.status, delete p.alerts[0]!.status, p), 'alerts.0.status'],
    ['datadog', 'no title', (p: { title?: string }) => (delete p.title, p), 'title'],
    ['datadog', 'tags not text', (p: { tags: unknown }) => ((p.tags = { env: 'prod' }), p), 'tags'],
    ['cloud-monitoring', 'no incident id', (p: { incident: { incident_id?: string } }) => (delete p.incident.incident_id, p), 'incident.incident_id'],
    ['cloud-monitoring', 'an unknown state', (p: { incident: { state: string } }) => ((p.incident.state = 'exploded'), p), 'incident.state'],
    ['cloud-monitoring', 'no incident', () => ({ version: '1.2' }), 'incident'],
    ['sentry', 'neither an event, a metric alert nor an issue', () => ({ action: 'created', data: {} }), 'data.event'],
    ['sentry', 'an issue without an id', () => ({ action: 'resolved', data: { issue: { title: 'TypeError' } } }), 'data.issue.id'],
    ['sentry', 'tags not pairs', (p: { data: { event: { tags: unknown } } }) => ((p.data.event.tags = 'level:error'), p), 'data.event.tags'],
    ['sentry', 'an event without any title', (p: { data: { event: Record<string, unknown> } }) => {
      for (const k of ['title', 'message', 'culprit']) delete p.data.event[k];
      return p;
    }, 'data.event.title'],
  ];
  const base: Record<WebhookSource, string> = {
    alertmanager: 'alertmanager/firing.json',
    grafana: 'grafana/multi.json',
    datadog: 'datadog/firing.json',
    'cloud-monitoring': 'cloud-monitoring/firing.json',
    sentry: 'sentry/event-alert.json',
    generic: '',
  };

  it.each(cases)('%s: %s → %s', (source, _what, mutate, field) => {
    const r = normalizePayload(source, mutate(fixture(base[source]) as never));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toContain(source);
    expect(r.details.map((d) => d.path)).toContain(field);
    for (const d of r.details) expect(d.message).not.toBe('');
  });

  it('a Sentry metric alert with an unknown action names `action`', () => {
    const payload = fixture('sentry/metric-alert-critical.json') as { action: string };
    payload.action = 'exploded';
    const r = normalizePayload('sentry', payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.details.map((d) => d.path)).toEqual(['action']);
  });

  it('a body that is not an object at all', () => {
    for (const source of ['alertmanager', 'grafana', 'datadog', 'cloud-monitoring', 'sentry'] as const) {
      for (const body of [null, 'text', 42, []]) {
        const r = normalizePayload(source, body);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.details.length).toBeGreaterThan(0);
      }
    }
  });

  it('an empty alerts list parses but holds no alert', () => {
    for (const source of ['alertmanager', 'grafana'] as const) {
      const r = normalizePayload(source, { version: source === 'grafana' ? '1' : '4', status: 'firing', alerts: [] });
      expect(r).toEqual({ ok: false, error: `the ${source} payload holds no alert`, details: [] });
    }
  });
});

describe('detectSource (the alerts topic)', () => {
  it('recognises a Cloud Monitoring notification with no attribute', () => {
    expect(detectSource(undefined, fixture('cloud-monitoring/firing.json'))).toBe('cloud-monitoring');
    expect(detectSource({}, fixture('cloud-monitoring/resolved.json'))).toBe('cloud-monitoring');
    expect(detectSource(undefined, fixture('cloud-monitoring/test-notification.json'))).toBe('cloud-monitoring');
    expect(detectSource(undefined, fixture('cloud-monitoring/v1.1-open.json'))).toBe('cloud-monitoring');
    expect(detectSource(undefined, { incident: { incident_id: 12345, state: 'open' } })).toBe('cloud-monitoring');
  });

  it('uses the attribute when there is one', () => {
    expect(detectSource({ source: 'grafana' }, fixture('grafana/firing.json'))).toBe('grafana');
    expect(detectSource({ source: 'sentry' }, fixture('cloud-monitoring/firing.json'))).toBe('sentry');
  });

  it('an unknown attribute gives null; so does an unrecognised payload without one', () => {
    expect(detectSource({ source: 'pagerduty' }, fixture('cloud-monitoring/firing.json'))).toBeNull();
    expect(detectSource(undefined, fixture('alertmanager/firing.json'))).toBeNull();
    expect(detectSource(undefined, null)).toBeNull();
  });
});
