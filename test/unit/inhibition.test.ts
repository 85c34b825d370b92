import { describe, expect, it } from 'vitest';
import {
  canInhibit,
  equalValue,
  type FiringAlert,
  firingAlertOf,
  type InhibitableAlert,
  inhibitorFor,
  type InhibitRule,
  inhibitRulesSchema,
} from '../../functions/src/domain/inhibition';
import { policySchema } from '../../functions/src/domain/policy';
import type { AlertRecord } from '../../functions/src/domain/types';
import { parseYaml } from '../../functions/src/domain/yamlConfig';

const rules = (yaml: string): InhibitRule[] => {
  const r = parseYaml(yaml, policySchema, 'config/policy.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value.inhibit;
};

const alert = (fingerprint: string, over: Partial<InhibitableAlert> = {}): InhibitableAlert => ({
  source: 'alertmanager',
  fingerprint,
  status: 'firing',
  service: 'checkout',
  environment: 'production',
  severity: 'warning',
  alertName: 'HighLatency',
  labels: {},
  ...over,
});
const firing = (incidentId: string, a: InhibitableAlert): FiringAlert => ({ incidentId, alert: a });

describe('inhibitorFor', () => {
  const cluster = rules(`
inhibit:
  - name: cluster down
    source: { alertname: ClusterDown }
    target: { severity: [warning, error] }
    equal: [labels.cluster]
`);
  const down = (cl: string | null, over: Partial<InhibitableAlert> = {}) =>
    alert(`down-${cl}`, { alertName: 'ClusterDown', severity: 'critical', labels: cl === null ? {} : { cluster: cl }, ...over });

  const table: [string, InhibitableAlert, FiringAlert[], string | null][] = [
    ['the same cluster: attached to the source incident', alert('t1', { labels: { cluster: 'eu-1' } }), [firing('inc-eu', down('eu-1'))], 'inc-eu'],
    ['another cluster: not inhibited', alert('t1', { labels: { cluster: 'us-1' } }), [firing('inc-eu', down('eu-1'))], null],
    ['the right one of several sources', alert('t1', { labels: { cluster: 'us-1' } }), [firing('inc-eu', down('eu-1')), firing('inc-us', down('us-1'))], 'inc-us'],
    ['a label missing on both sides counts as equal (Alertmanager)', alert('t1'), [firing('inc-x', down(null))], 'inc-x'],
    ['an empty value is the same as missing', alert('t1', { labels: { cluster: '' } }), [firing('inc-x', down(null))], 'inc-x'],
    ['missing on one side only: not equal', alert('t1'), [firing('inc-eu', down('eu-1'))], null],
    ['values compare exactly', alert('t1', { labels: { cluster: 'EU-1' } }), [firing('inc-eu', down('eu-1'))], null],
    ['a target that does not fit', alert('t1', { severity: 'critical', labels: { cluster: 'eu-1' } }), [firing('inc-eu', down('eu-1'))], null],
    ['a resolved source does not inhibit', alert('t1', { labels: { cluster: 'eu-1' } }), [firing('inc-eu', down('eu-1', { status: 'resolved' }))], null],
    ['a resolved target is never inhibited', alert('t1', { status: 'resolved', labels: { cluster: 'eu-1' } }), [firing('inc-eu', down('eu-1'))], null],
    ['the first of several fitting sources, in the order given', alert('t1', { labels: { cluster: 'eu-1' } }), [firing('inc-old', down('eu-1')), firing('inc-new', down('eu-1', { fingerprint: 'down-2' }))], 'inc-old'],
    ['across sources: a Datadog target, an Alertmanager source', alert('t1', { source: 'datadog', labels: { cluster: 'eu-1' } }), [firing('inc-eu', down('eu-1'))], 'inc-eu'],
    ['no firing alerts', alert('t1', { labels: { cluster: 'eu-1' } }), [], null],
  ];
  it.each(table)('%s', (_what, target, sources, incidentId) => {
    expect(inhibitorFor(target, sources, cluster)?.inhibitor.incidentId ?? null).toBe(incidentId);
  });

  it('says which rule and which alert', () => {
    const src = firing('inc-eu', down('eu-1'));
    expect(inhibitorFor(alert('t1', { labels: { cluster: 'eu-1' } }), [src], cluster)).toEqual({ inhibitor: src, rule: cluster[0], ruleIndex: 0 });
  });

  it('equal on normalised fields works across sources; rules apply in order', () => {
    const r = rules(`
inhibit:
  - source: { alertname: DatabaseDown }
    target: { alertname: { regex: "latency|timeout" } }
    equal: [service, environment]
  - source: { source: sentry }
    target: { source: grafana }
`);
    const dbDown = firing('inc-db', alert('db', { source: 'cloud-monitoring', alertName: 'DatabaseDown', severity: 'critical' }));
    const sentry = firing('inc-sentry', alert('s', { source: 'sentry', service: 'other', alertName: 'Boom' }));
    const latency = (over: Partial<InhibitableAlert>) => alert('lat', { source: 'grafana', ...over });
    expect(inhibitorFor(latency({}), [sentry, dbDown], r)).toMatchObject({ ruleIndex: 0, inhibitor: { incidentId: 'inc-db' } });
    expect(inhibitorFor(latency({ environment: 'staging' }), [sentry, dbDown], r)).toMatchObject({ ruleIndex: 1, inhibitor: { incidentId: 'inc-sentry' } });
    expect(inhibitorFor(latency({ environment: 'staging', source: 'datadog' }), [sentry, dbDown], r)).toBeNull();
  });

  describe('an alert does not inhibit itself (Alertmanager)', () => {
    // A rule whose sides overlap: every critical alert is a source, every alert a target.
    const overlap = rules(`
inhibit:
  - source: { severity: critical }
    target: { service: { present: true } }
    equal: [service]
`);
    const crit = (fp: string, over: Partial<InhibitableAlert> = {}) => alert(fp, { severity: 'critical', ...over });
    it.each([
      ['itself: same source and fingerprint', crit('a'), [firing('inc-a', crit('a'))], null],
      ['another alert on both sides cannot inhibit one on both sides', crit('b'), [firing('inc-a', crit('a'))], null],
      ['an alert on the target side only is inhibited by one on both sides', alert('w'), [firing('inc-a', crit('a'))], 'inc-a'],
      ['equal still applies: a source without the service inhibits nothing', crit('b', { service: 'checkout' }), [firing('inc-a', crit('a', { service: null }))], null],
      ['same fingerprint from another source is another alert', crit('a', { source: 'grafana', severity: 'warning' }), [firing('inc-a', crit('a'))], 'inc-a'],
    ] as [string, InhibitableAlert, FiringAlert[], string | null][])('%s', (_what, target, sources, incidentId) => {
      expect(inhibitorFor(target, sources, overlap)?.inhibitor.incidentId ?? null).toBe(incidentId);
    });

    it('a source that is not a target inhibits an alert on both sides', () => {
      const r = rules(`
inhibit:
  - source: { alertname: Outage }
    target: { severity: critical }
`);
      // The target is an Outage and critical (both sides); the source is an Outage, not critical (source side only).
      const outage = firing('inc-o', alert('o', { alertName: 'Outage', severity: 'warning' }));
      expect(inhibitorFor(alert('c', { severity: 'critical', alertName: 'Outage' }), [outage], r)?.inhibitor.incidentId).toBe('inc-o');
    });
  });

  it('equalValue: fields by name, labels by labels.<name> or a bare name, missing as empty', () => {
    const a = alert('x', { labels: { cluster: 'eu', service: 'label-svc' } });
    expect(['service', 'labels.service', 'cluster', 'labels.cluster', 'alertname', 'source', 'zone', 'environment'].map((n) => equalValue(a, n))).toEqual([
      'checkout', 'label-svc', 'eu', 'eu', 'HighLatency', 'alertmanager', '', 'production',
    ]);
  });

  it('firingAlertOf reads an incident alert document (its native severity)', () => {
    const record = {
      source: 'grafana', fingerprint: 'g1', status: 'firing', title: 't', alertName: 'ClusterDown', service: 's', environment: null,
      nativeSeverity: 'critical', severity: 'SEV1', labels: { cluster: 'eu' }, links: [], description: null, startsAt: null, endsAt: null,
      firstSeenAt: new Date(0), lastSeenAt: new Date(0), occurrences: 1,
    } satisfies AlertRecord;
    expect(firingAlertOf('inc-1', record)).toEqual({
      incidentId: 'inc-1',
      alert: { source: 'grafana', fingerprint: 'g1', status: 'firing', service: 's', environment: null, severity: 'critical', alertName: 'ClusterDown', labels: { cluster: 'eu' } },
    });
    expect(canInhibit(firingAlertOf('inc-1', record).alert, cluster)).toBe(true);
    expect(canInhibit(alert('x'), cluster)).toBe(false);
  });
});

describe('the inhibit: list in config/policy.yaml', () => {
  it('defaults to none', () => {
    expect(policySchema.parse({}).inhibit).toEqual([]);
  });

  it.each([
    ['no target', 'inhibit:\n  - source: { alertname: A }\n', 2, 'inhibit.0.target', 'expected object'],
    ['an empty source', 'inhibit:\n  - source: {}\n    target: { alertname: B }\n', 2, 'inhibit.0.source', 'source is empty'],
    ['an unknown key', 'inhibit:\n  - source: { alertname: A }\n    target: { alertname: B }\n    equals: [cluster]\n', 4, 'inhibit.0.equals', 'did you mean "equal"'],
    ['a bad name in equal', 'inhibit:\n  - source: { alertname: A }\n    target: { alertname: B }\n    equal: ["not a name"]\n', 4, 'inhibit.0.equal.0', 'not a field or label name'],
    ['not a list', 'inhibit: { source: x }\n', 1, 'inhibit', 'inhibit is a list'],
  ])('refuses %s with its line', (_what, yaml, line, path, message) => {
    const r = parseYaml(yaml, policySchema, 'config/policy.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const issue = r.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(r.issues)).toMatchObject({ line, file: 'config/policy.yaml' });
    expect(issue?.message).toContain(message);
  });

  it('parses a rule to its plain form', () => {
    expect(inhibitRulesSchema.parse([{ source: { alertname: 'ClusterDown' }, target: { severity: 'Warning' }, equal: ['cluster'] }])).toEqual([
      { name: null, source: { alertname: 'clusterdown' }, target: { severity: 'warning' }, equal: ['cluster'] },
    ]);
  });
});
