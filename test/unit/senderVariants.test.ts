// What real senders emit beyond the documented shapes (contract §3: "every
// variant a sender really emits is accepted"), on the real bodies in
// test/fixtures/alerts (provenance in its README.md). expected.json pins each
// fixture's whole result; these tests pin the rules behind it. Where no public
// body shows a variant, one field of a real body is changed, and the test says so.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSeverity } from '../../functions/src/domain/severity';
import { normalizePayload } from '../../functions/src/domain/sources';
import { alertmanagerFingerprint } from '../../functions/src/domain/sources/alertmanager';
import { monitorIdIn, parseDatadogTitle } from '../../functions/src/domain/sources/datadog';
import { GRAFANA_TEST_FINGERPRINT, withoutStatePrefix } from '../../functions/src/domain/sources/grafana';
import { issueIdIn, issueWebUrl, projectSlugIn } from '../../functions/src/domain/sources/sentry';
import type { AlertSource, NormalizedAlert } from '../../functions/src/domain/types';
import { projectRules, ROOT } from '../support/config';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'alerts');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const fixture = (name: string): Json => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
const rules = projectRules();
const sevOf = (a: NormalizedAlert) => evaluateSeverity(rules, a).severity;

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
function refused(source: AlertSource, payload: unknown) {
  const r = normalizePayload(source, payload);
  if (r.ok) throw new Error(`${source}: accepted ${JSON.stringify(r.alerts)}`);
  return r;
}

describe("Alertmanager's fingerprint of a label set (model.LabelSet.Fingerprint)", () => {
  it('is the fingerprint a real Alertmanager sent with those labels', () => {
    const real = fixture('alertmanager/two-alerts-fingerprints.json').alerts[0];
    expect(real.fingerprint).toBe('a1bc48475b20e73d');
    expect(alertmanagerFingerprint(real.labels)).toBe(real.fingerprint);
  });

  it("is the fingerprint of Grafana's test notification, which has the same labels", () => {
    const test = fixture('grafana/test-notification-9.5.json').alerts[0];
    expect(alertmanagerFingerprint(test.labels)).toBe(test.fingerprint);
    expect(GRAFANA_TEST_FINGERPRINT).toBe('57c6d9296de2ad39');
  });

  it('does not depend on the order of the labels', () => {
    const labels = fixture('alertmanager/two-alerts-fingerprints.json').alerts[0].labels as Record<string, string>;
    expect(alertmanagerFingerprint(Object.fromEntries(Object.entries(labels).reverse()))).toBe('a1bc48475b20e73d');
  });

  it('hashes UTF-8 bytes in byte order of the names (values computed outside the code, in Python)', () => {
    expect(alertmanagerFingerprint({ ä: 'ö', z: 'x', a: '😀' })).toBe('6b092dbecb8983ed');
    // UTF-16 order puts 😀 (a surrogate pair) before U+E000; byte order, as Go sorts, does not
    expect(alertmanagerFingerprint({ '😀': '2', '\ue000': '1' })).toBe('0311e2309eae159f');
    // no labels: the FNV-1a offset basis (Go's emptyLabelSignature)
    expect(alertmanagerFingerprint({})).toBe('cbf29ce484222325');
  });

  it('is what an alert without its own fingerprint gets (v3 and v4 bodies)', () => {
    const body = fixture('alertmanager/v3-numeric-groupkey.json');
    expect(body.alerts[0].fingerprint).toBeUndefined();
    expect(one('alertmanager', body).fingerprint).toBe(alertmanagerFingerprint(body.alerts[0].labels));
  });
});

describe('Alertmanager variants', () => {
  it('accepts version "3" with a numeric groupKey larger than 2^53 and no truncatedAlerts', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'alertmanager/v3-numeric-groupkey.json'), 'utf8');
    expect(text).toContain('"groupKey": 5615590933959184469');
    const body = JSON.parse(text);
    expect(Number.isSafeInteger(body.groupKey)).toBe(false);
    expect(body.version).toBe('3');
    expect('truncatedAlerts' in body).toBe(false);
    expect(one('alertmanager', body)).toMatchObject({ status: 'firing', title: 'Connect fail', alertName: 'failedConnect', environment: 'Production' });
  });

  it('uses the body status when an alert has none (changed field: the alert status removed)', () => {
    const body = fixture('alertmanager/v4-no-fingerprint.json');
    delete body.alerts[0].status;
    expect(one('alertmanager', body).status).toBe('firing');
    body.status = 'RESOLVED';
    const a = one('alertmanager', body);
    expect(a.status).toBe('resolved');
    expect(a.endsAt).toBeNull(); // Go's zero time
  });

  it('takes the title from summary, title, a summary label, message, description, then the alert name', () => {
    const body = fixture('alertmanager/v4-no-fingerprint.json');
    const a0 = body.alerts[0];
    const title = () => one('alertmanager', body).title;
    expect(title()).toBe('No things for over 10 minutes');
    delete a0.annotations.summary;
    a0.annotations.title = 'Things are dead';
    a0.labels.summary = 'summary label';
    a0.annotations.message = '\n  first line of the message\nsecond line';
    expect(title()).toBe('Things are dead');
    delete a0.annotations.title;
    expect(title()).toBe('summary label');
    delete a0.labels.summary;
    expect(title()).toBe('first line of the message');
    delete a0.annotations.message;
    expect(title()).toBe('No things have been recorded for over 10 minutes. Something terrible is happening.');
    delete a0.annotations.description;
    expect(title()).toBe('thing_dead');
    // the alert name still groups, whatever the title
    expect(one('alertmanager', body).alertName).toBe('thing_dead');
  });

  it('finds the environment in OpenTelemetry-style labels (changed field: a label added)', () => {
    const body = fixture('alertmanager/v4-no-fingerprint.json');
    body.alerts[0].labels.deployment_environment = 'production';
    expect(one('alertmanager', body).environment).toBe('production');
    delete body.alerts[0].labels.deployment_environment;
    body.alerts[0].labels['deployment.environment'] = 'staging';
    const a = one('alertmanager', body);
    expect(a.environment).toBe('staging');
    expect(sevOf(a)).toBe('SEV3'); // critical, capped outside production
  });

  it("keeps the sender's fingerprint even when it is not the labels' (two alerts, same labels)", () => {
    const alerts = alertsOf('alertmanager', fixture('alertmanager/two-alerts-fingerprints.json'));
    expect(alerts.map((a) => a.fingerprint)).toEqual(['a1bc48475b20e73d', 'c2ea85182f28cbd9']);
  });
});

describe('Grafana variants', () => {
  it("puts back an alertname that is only in groupLabels/commonLabels, for grouping and rules", () => {
    const body = fixture('grafana/no-alertname-v11.json');
    expect(body.alerts[0].labels.alertname).toBeUndefined();
    const a = one('grafana', body);
    expect(a.alertName).toBe('Memory (copy)');
    expect(a.labels.alertname).toBe('Memory (copy)');
    // the fingerprint is still Grafana's own, not one of the changed labels
    expect(a.fingerprint).toBe('e6349a25f5ef0e9e');
    delete body.groupLabels.alertname;
    expect(one('grafana', body).alertName).toBe('Memory (copy)'); // from commonLabels
  });

  describe('test notifications (fingerprint 57c6d9296de2ad39 in every Grafana)', () => {
    const test95 = fixture('grafana/test-notification-9.5.json');
    const cloud = fixture('grafana/test-notification-resolved-v8.json');
    const noLabels = fixture('grafana/test-notification-no-labels-resolved.json');

    it('all carry the same fingerprint as sent', () => {
      for (const b of [test95, cloud, noLabels]) expect(b.alerts[0].fingerprint).toBe(GRAFANA_TEST_FINGERPRINT);
    });

    it('repeat as one alert per contact point, a different one per Grafana or receiver', () => {
      const a = one('grafana', test95);
      expect(one('grafana', structuredClone(test95)).fingerprint).toBe(a.fingerprint);
      expect(one('grafana', cloud).fingerprint).not.toBe(a.fingerprint);
      expect(one('grafana', { ...test95, receiver: 'pager' }).fingerprint).not.toBe(a.fingerprint);
      expect(one('grafana', { ...test95, orgId: 2 }).fingerprint).not.toBe(a.fingerprint);
      // the empty-label test of a Grafana is the same alert as its labelled one, in the same group
      const c = one('grafana', cloud);
      const n = one('grafana', noLabels);
      expect(n.fingerprint).toBe(c.fingerprint);
      expect(n.alertName).toBe(c.alertName);
    });

    it('never share a fingerprint with a real alert, and are marked as tests', () => {
      const a = one('grafana', test95);
      expect(a.fingerprint).toMatch(/^grafana-test:[0-9a-f]{16}$/);
      expect(a.fingerprint).not.toBe(GRAFANA_TEST_FINGERPRINT);
      expect(a.labels.test_notification).toBe('true');
      const real = one('grafana', fixture('grafana/no-alertname-v11.json'));
      expect(real.labels.test_notification).toBeUndefined();
      expect(real.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    });

    it('with empty labels and annotations are titled from the top-level title', () => {
      const a = one('grafana', noLabels);
      expect(a.title).toBe('(TestAlert Grafana)');
      expect(a.description).toBe('Webhook test message.');
      expect(withoutStatePrefix('[FIRING:1]  (TestAlert Grafana)')).toBe('(TestAlert Grafana)');
      expect(withoutStatePrefix('[Alerting] CPU alert')).toBe('CPU alert');
      expect(withoutStatePrefix('[DB] lag')).toBe('lag');
      expect(withoutStatePrefix('no prefix')).toBe('no prefix');
    });
  });

  describe('legacy (pre-unified) alerting', () => {
    it('resolves with state "ok" the alert that state "alerting" opened', () => {
      const firing = one('grafana', fixture('grafana/legacy-alerting.json'));
      const ok = one('grafana', fixture('grafana/legacy-ok.json'));
      expect([firing.status, ok.status]).toEqual(['firing', 'resolved']);
      expect(ok.fingerprint).toBe(firing.fingerprint);
      expect(ok.alertName).toBe(firing.alertName);
    });

    it('reads severity, service and environment from the tags map', () => {
      const a = one('grafana', fixture('grafana/legacy-tags.json'));
      expect([a.severity, a.service, a.environment]).toEqual(['warning', 'Physical', 'Staging']);
      expect(sevOf(a)).toBe('SEV3');
    });

    it('keeps firing for every state but ok (fixture: paused; changed field: no_data, pending)', () => {
      expect(one('grafana', fixture('grafana/legacy-test-paused.json')).status).toBe('firing');
      for (const state of ['no_data', 'pending', 'ALERTING']) {
        expect(one('grafana', { ...fixture('grafana/legacy-alerting.json'), state }).status).toBe('firing');
      }
      expect(one('grafana', { ...fixture('grafana/legacy-alerting.json'), state: 'OK' }).status).toBe('resolved');
    });

    it('tells a rule test (ruleId 0) from a real rule, and one rule from another', () => {
      const test = one('grafana', fixture('grafana/legacy-test-ok.json'));
      expect(test.fingerprint).toMatch(/^grafana-rule-test:[0-9a-f]{16}$/);
      expect(test.labels.test_notification).toBe('true');
      const rule7 = one('grafana', fixture('grafana/legacy-alerting.json'));
      expect(one('grafana', { ...fixture('grafana/legacy-alerting.json'), ruleId: 8 }).fingerprint).not.toBe(rule7.fingerprint);
    });

    it('refuses a legacy body without a state, naming it', () => {
      const body = fixture('grafana/legacy-alerting.json');
      delete body.state;
      expect(refused('grafana', body).details.map((d) => d.path)).toEqual(['state']);
    });
  });
});

describe('Datadog variants', () => {
  it('resolves with Recovered what Triggered opened when only the links name the monitor (real pair)', () => {
    const triggered = one('datadog', fixture('datadog/event-tags-triggered.json'));
    const recovered = one('datadog', fixture('datadog/event-tags-recovered.json'));
    expect(fixture('datadog/event-tags-triggered.json').event_id).not.toBe(fixture('datadog/event-tags-recovered.json').event_id);
    expect(recovered.fingerprint).toBe(triggered.fingerprint);
    expect(triggered.fingerprint).toBe('monitor:309811:host:i-3b93aafb');
    expect([triggered.status, recovered.status]).toEqual(['firing', 'resolved']);
    expect(recovered.alertName).toBe(triggered.alertName);
  });

  it("never uses the default body's per-notification id (changed field: the id of the next notification)", () => {
    const body = fixture('datadog/default-body-aggregate-p1.json');
    const a = one('datadog', body);
    expect(a.fingerprint).toBe('aggregate:06ade3da0286048d242ea8e46f521c93');
    const next = one('datadog', { ...body, id: '8306082202796099999', transition: 'Recovered', title: '[Recovered] High tracking' });
    expect(next.fingerprint).toBe(a.fingerprint);
    expect(next.status).toBe('resolved');
    // without the aggregate, the monitor id in the message still ties them
    const { aggregate: _aggregate, ...noAggregate } = body;
    expect(one('datadog', noAggregate).fingerprint).toBe('monitor:221164084');
    expect(one('datadog', { ...noAggregate, id: '1' }).fingerprint).toBe('monitor:221164084');
  });

  it('P1 is SEV1, and $PRIORITY "normal" or "low" never hides a P-priority', () => {
    const harness = fixture('datadog/alert-priority-and-priority-normal.json');
    expect([harness.alert_priority, harness.priority]).toEqual(['P1', 'normal']);
    const a = one('datadog', harness);
    expect(a.severity).toBe('P1');
    expect(sevOf(a)).toBe('SEV1');
    expect(one('datadog', { ...harness, priority: 'low' }).severity).toBe('P1');
    expect(sevOf(one('datadog', fixture('datadog/default-body-aggregate-p1.json')))).toBe('SEV1');
    // with no P-priority anywhere, alert_type counts, not "low"
    expect(one('datadog', { ...harness, alert_priority: '', priority: 'low', alert_type: 'warning' }).severity).toBe('warning');
  });

  it('reads tags and scope sent as JSON lists, and alert_id with the scope as the fingerprint', () => {
    const a = one('datadog', fixture('datadog/alert-priority-and-priority-normal.json'));
    expect(a.labels).toEqual({ env: 'production', service: 'web', host: 'web-server-01' });
    expect(a.fingerprint).toBe('12345:host:web-server-01');
  });

  it('reads alert_transition in any case, and alert_type "success" when there is no transition (changed fields)', () => {
    const body = fixture('datadog/event-tags-triggered.json');
    expect(one('datadog', { ...body, alert_transition: 'recovered' }).status).toBe('resolved');
    const { alert_transition: _t, ...noTransition } = body;
    expect(one('datadog', { ...noTransition, title: 'Dock is almost out of memory...', alert_type: 'success' }).status).toBe('resolved');
    expect(one('datadog', { ...noTransition, title: 'Dock is almost out of memory...', alert_type: 'error' }).status).toBe('firing');
  });

  it('accepts a body without any id (changed field: id removed from the contract template)', () => {
    const { id: _id, ...body } = fixture('datadog/firing.json');
    const a = one('datadog', body);
    expect(a.status).toBe('firing');
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(one('datadog', structuredClone(body)).fingerprint).toBe(a.fingerprint);
  });

  it('finds monitor ids in links by index', () => {
    expect(monitorIdIn('https://app.datadoghq.com/monitors#309811?group=host')).toBe('309811');
    expect(monitorIdIn(null, 'x (https://app.datadoghq.eu/monitors/221164084/edit) y')).toBe('221164084');
    expect(monitorIdIn('https://app.datadoghq.com/monitors/manage', 'https://app.datadoghq.com/event/event?id=1')).toBeNull();
  });

  it('parses title prefixes as the old expression did, Pn and transition in either order', () => {
    expect(parseDatadogTitle('[P1] [Triggered] High tracking')).toEqual({ title: 'High tracking', transition: 'Triggered', scope: null, priority: 'P1' });
    expect(parseDatadogTitle('[Recovered on {host:i-3b93aafb}] [P3] Dock')).toEqual({ title: 'Dock', transition: 'Recovered', scope: 'host:i-3b93aafb', priority: 'P3' });
    expect(parseDatadogTitle('[Triggered  on  {a:b}]x')).toMatchObject({ title: 'x', transition: 'Triggered', scope: 'a:b' });
    expect(parseDatadogTitle('[Triggered on{a:b}] x')).toMatchObject({ title: '[Triggered on{a:b}] x', transition: null });
    expect(parseDatadogTitle('[P1] [P2] x')).toMatchObject({ title: '[P2] x', priority: 'P1' });
  });
});

describe('Cloud Monitoring variants', () => {
  it('accepts the "Send test notification" body and marks it as a test that no real incident shares', () => {
    const body = fixture('cloud-monitoring/test-notification.json');
    expect([body.version, body.incident.state, typeof body.incident.documentation, body.incident.started_at]).toEqual(['test', 'OPEN', 'string', 0]);
    const a = one('cloud-monitoring', body);
    expect(a.status).toBe('firing');
    expect(a.fingerprint).toBe('test-notification:12345');
    expect(a.labels.test_notification).toBe('true');
    expect(a.description).toBe('Test documentation');
    expect(a.startsAt).toBeNull();
    expect(one('cloud-monitoring', { ...body, version: '1.2' }).fingerprint).toBe('12345');
  });

  it('accepts schema 1.1, with version as text or as a number (changed field: the number)', () => {
    const open = fixture('cloud-monitoring/v1.1-open.json');
    expect(one('cloud-monitoring', open).status).toBe('firing');
    expect(one('cloud-monitoring', { ...open, version: 1.1 }).fingerprint).toBe('f2e08c333dc64cb09f75eaab355393bz');
  });

  it('names the resource when there is no resource_display_name, and has no severity when none is sent', () => {
    const a = one('cloud-monitoring', fixture('cloud-monitoring/v1.2-no-severity-no-display-name.json'));
    expect(a.service).toBe('xxxxxxxxxxxxxxxxxxxxxxxx VM Instance labels {project_id=xxxxxxxxxxxxxxxxxxxxxxxx}');
    expect(a.severity).toBeNull();
    expect(sevOf(a)).toBe('SEV3');
  });

  it('reads states in any case; acknowledged still fires (changed field)', () => {
    const body = fixture('cloud-monitoring/v1.1-open.json');
    for (const [state, status] of [['ACKNOWLEDGED', 'firing'], ['Closed', 'resolved'], ['open', 'firing']] as const) {
      body.incident.state = state;
      expect(one('cloud-monitoring', body).status).toBe(status);
    }
  });
});

describe('Sentry variants', () => {
  it('issue webhooks: resolved and ignored resolve the issue that created and assigned left firing', () => {
    expect(one('sentry', fixture('sentry/issue-created.json')).status).toBe('firing');
    expect(one('sentry', fixture('sentry/issue-assigned.json')).status).toBe('firing');
    const resolved = one('sentry', fixture('sentry/issue-resolved.json'));
    const ignored = one('sentry', fixture('sentry/issue-ignored.json'));
    expect([resolved.status, ignored.status]).toEqual(['resolved', 'resolved']);
    expect(ignored.fingerprint).toBe(resolved.fingerprint);
    expect(ignored.alertName).toBe(resolved.alertName);
  });

  it("an issue webhook and an issue alert of one issue are one alert (changed field: the webhook's issue id)", () => {
    const alert = one('sentry', fixture('sentry/event-alert-empty-rule.json'));
    const body = fixture('sentry/issue-resolved.json');
    body.data.issue.id = '4218258981';
    expect(one('sentry', body).fingerprint).toBe(alert.fingerprint);
  });

  it('assigned follows the issue status; unresolved fires again (changed fields)', () => {
    const body = fixture('sentry/issue-assigned.json');
    body.data.issue.status = 'resolved';
    expect(one('sentry', body).status).toBe('resolved');
    const back = fixture('sentry/issue-resolved.json');
    back.action = 'unresolved';
    back.data.issue.status = 'unresolved';
    expect(one('sentry', back).status).toBe('firing');
  });

  it('an issue alert with triggered_rule "" is named by its title', () => {
    const body = fixture('sentry/event-alert-empty-rule.json');
    expect(body.data.triggered_rule).toBe('');
    expect(one('sentry', body).alertName).toBe('This is an example Python exception');
  });

  it('an issue alert without url, level and tags is accepted (changed fields: the three removed)', () => {
    const body = fixture('sentry/event-alert-empty-rule.json');
    for (const k of ['url', 'level', 'tags']) delete body.data.event[k];
    const a = one('sentry', body);
    expect(a.fingerprint).toBe('issue:4218258981');
    expect([a.severity, a.service, a.environment]).toEqual([null, null, 'prod']);
    expect(a.labels).toEqual({});
  });

  it('reads issue ids, project slugs and issue links by index', () => {
    expect(issueIdIn('https://sentry.io/api/0/issues/4218258981/')).toBe('4218258981');
    expect(issueIdIn('https://x/issues/12?y')).toBe('12');
    expect(issueIdIn('https://x/issues/12')).toBe('12');
    expect(issueIdIn('https://x/issues/12a/issues/34/')).toBe('34');
    expect(issueIdIn('https://x/issues/')).toBeNull();
    expect(projectSlugIn('https://sentry.io/api/0/projects/nitk-46/python/events/b6e/')).toBe('python');
    expect(projectSlugIn('https://sentry.io/api/0/projects/nitk-46/')).toBeNull();
    expect(issueWebUrl('https://sentry.io/organizations/nitk-46/issues/4218258981/events/b6e/')).toBe('https://sentry.io/organizations/nitk-46/issues/4218258981/');
    expect(issueWebUrl('ftp://x/issues/1/')).toBeNull();
  });
});
