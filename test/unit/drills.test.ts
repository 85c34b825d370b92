import fs from 'node:fs';
import path from 'node:path';
import { formatDuration, parseDuration } from '../../functions/src/domain/duration';
import { describe, expect, it } from 'vitest';
import { expandDeploy, expandScenario } from '../../functions/src/domain/drills/expand';
import { scenarioFromIncident, scenarioToYaml } from '../../functions/src/domain/drills/replay';
import { parseScenario, type Scenario } from '../../functions/src/domain/drills/scenario';
import { type DrillChecklistItem, drillReportText, findRunbookSteps, scoreDrill } from '../../functions/src/domain/drills/score';
import { groupKey } from '../../functions/src/domain/grouping';
import { matchRunbook, parseRunbook, type Runbook } from '../../functions/src/domain/runbooks';
import { evaluateSeverity } from '../../functions/src/domain/severity';
import { knownSources, normalizePayload } from '../../functions/src/domain/sources';
import { type AlertRecord, type AlertSource, type NormalizedAlert, type TimelineEntry, type WebhookSource } from '../../functions/src/domain/types';
import { type ConfigIssue } from '../../functions/src/domain/yamlConfig';
import { projectRules } from '../support/config';
import { at, incident, T0 } from '../support/factories';

const ROOT = path.resolve(__dirname, '..', '..');
const SCENARIOS_DIR = path.join(ROOT, 'scenarios');
const shipped = fs.readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.yaml')).sort();
const rules = projectRules();

function parseOk(text: string, file = 'scenarios/test.yaml'): Scenario {
  const r = parseScenario(text, file);
  if (!r.ok) throw new Error(`expected ${file} to parse: ${JSON.stringify(r.issues, null, 2)}`);
  return r.value;
}

function parseIssues(text: string, file = 'scenarios/broken.yaml'): ConfigIssue[] {
  const r = parseScenario(text, file);
  if (r.ok) throw new Error(`expected ${file} not to parse`);
  return r.issues;
}

function loadShipped(name: string): Scenario {
  const file = `scenarios/${name}`;
  const r = parseScenario(fs.readFileSync(path.join(SCENARIOS_DIR, name), 'utf8'), file, { validatePayloads: knownSources() });
  if (!r.ok) throw new Error(`expected ${file} to parse: ${JSON.stringify(r.issues, null, 2)}`);
  return r.value;
}

function normalizeOne(source: AlertSource, payload: unknown): NormalizedAlert[] {
  const r = normalizePayload(source, payload);
  if (!r.ok) throw new Error(`${source}: ${r.error} ${JSON.stringify(r.details)}`);
  return r.alerts;
}

const runbooks: Runbook[] = fs
  .readdirSync(path.join(ROOT, 'runbooks'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => {
    const r = parseRunbook(fs.readFileSync(path.join(ROOT, 'runbooks', f), 'utf8'), `runbooks/${f}`);
    if (!r.ok) throw new Error(`runbooks/${f} does not parse`);
    return r.value;
  });

/** A minimal valid scenario, with `alerts` given as YAML lines. */
const scenarioText = (alerts: string, head = 'name: Test drill\nservice: checkout\nexpect:\n  acknowledgeWithinSeconds: 300\n') => `${head}alerts:\n${alerts}`;

// ---------------------------------------------------------------------------

describe('the shipped scenarios', () => {
  it('include the three documented ones', () => {
    expect(shipped).toEqual(expect.arrayContaining(['bad-deploy.yaml', 'slow-dependency.yaml', 'alert-storm.yaml']));
  });

  it.each(shipped)('%s parses, every payload checked by its normaliser, alerts within 3 minutes', (name) => {
    const s = loadShipped(name);
    expect(s.name.length).toBeGreaterThan(0);
    expect(s.description).not.toBeNull();
    expect(s.expect.runbookSteps.length).toBeGreaterThan(0);
    const steps = expandScenario(s, { drillId: 'd1' });
    expect(steps.length).toBeGreaterThan(0);
    expect(Math.max(...steps.map((st) => st.at))).toBeLessThanOrEqual(180_000);
    // Every message the drill would send normalises, with the scenario's service and environment.
    for (const st of steps) {
      for (const a of normalizeOne(st.source, st.payload)) {
        expect(a.service).toBe(s.service);
        expect(a.environment).toBe(s.environment);
      }
    }
  });

  it.each(shipped)("%s: the expected runbook steps are in the runbook its first alert's incident gets", (name) => {
    const s = loadShipped(name);
    const [first] = expandScenario(s, { drillId: 'd1' });
    if (!first) throw new Error('no steps');
    const [alert] = normalizeOne(first.source, first.payload);
    if (!alert) throw new Error('no alert');
    const severity = evaluateSeverity(rules, alert).severity;
    const runbook = matchRunbook(runbooks, { ...alert, severity });
    expect(runbook).not.toBeNull();
    for (const step of s.expect.runbookSteps) {
      expect(findRunbookSteps(step, runbook?.steps ?? []), `"${step}" in ${runbook?.id}`).toHaveLength(1);
    }
  });

  it('bad-deploy: a deploy 2 min before a critical Alertmanager HighErrorRate, a Sentry error, then both alerts resolve', () => {
    const s = loadShipped('bad-deploy.yaml');
    const deploy = expandDeploy(s, { drillId: 'd1', startedAt: T0 });
    expect(deploy).toMatchObject({ at: -120_000, event: { service: 'checkout', environment: 'production', version: 'v2.15.0', drill: true } });
    expect(deploy?.event.deployedAt).toBe(at(-120).toISOString());

    const steps = expandScenario(s, { drillId: 'd1', startedAt: T0 });
    expect(steps.map((st) => [st.at, st.source])).toEqual([
      [0, 'alertmanager'],
      [40_000, 'sentry'],
      [70_000, 'alertmanager'],
      [165_000, 'alertmanager'],
    ]);
    const alerts = steps.map((st) => normalizeOne(st.source, st.payload));
    const first = alerts[0]?.[0];
    expect(first).toMatchObject({ alertName: 'HighErrorRate', severity: 'critical', status: 'firing', startsAt: T0 });
    expect(evaluateSeverity(rules, first as NormalizedAlert).severity).toBe('SEV1');
    expect(alerts[1]?.[0]).toMatchObject({ source: 'sentry', severity: 'error', status: 'firing' });
    // The resolve names the same two alerts that fired, with their real start times.
    const fired = new Set(alerts[2]?.map((a) => a.fingerprint));
    expect(alerts[3]?.map((a) => [a.status, fired.has(a.fingerprint)])).toEqual([['resolved', true], ['resolved', true]]);
    expect(alerts[3]?.[0]?.startsAt).toEqual(T0);
    expect(alerts[3]?.[0]?.endsAt).toEqual(at(165));
    // All Alertmanager alerts share one group (one incident).
    const keys = new Set(alerts.flat().filter((a) => a.source === 'alertmanager').map((a) => groupKey(a)));
    expect(keys.size).toBe(1);
  });

  it('slow-dependency: Datadog and Cloud Monitoring latency alerts named HighLatency, which recover', () => {
    const s = loadShipped('slow-dependency.yaml');
    expect(s.deploy).toBeNull();
    expect(s.expect.acknowledgeWithinSeconds).toBe(300);
    const steps = expandScenario(s, { drillId: 'd1', startedAt: T0 });
    const alerts = steps.flatMap((st) => normalizeOne(st.source, st.payload));
    expect(alerts.map((a) => [a.source, a.alertName, a.status])).toEqual([
      ['datadog', 'HighLatency', 'firing'],
      ['cloud-monitoring', 'HighLatency', 'firing'],
      ['datadog', 'HighLatency', 'firing'],
      ['datadog', 'HighLatency', 'resolved'],
      ['cloud-monitoring', 'HighLatency', 'resolved'],
    ]);
    expect(alerts.map((a) => evaluateSeverity(rules, a).severity)).toEqual(['SEV2', 'SEV2', 'SEV2', 'SEV2', 'SEV2']);
    // Each source's alert keeps one fingerprint from firing to recovery.
    expect(new Set(alerts.filter((a) => a.source === 'datadog').map((a) => a.fingerprint)).size).toBe(1);
    expect(new Set(alerts.filter((a) => a.source === 'cloud-monitoring').map((a) => a.fingerprint)).size).toBe(1);
    expect(alerts[1]?.startsAt).toEqual(at(35));
    expect(alerts[4]?.startsAt).toEqual(at(35));
  });

  it('alert-storm: 300 distinct alerts of one group within 90 s, plus 100 repeats', () => {
    const s = loadShipped('alert-storm.yaml');
    const steps = expandScenario(s, { drillId: 'd1' });
    expect(steps).toHaveLength(400);
    expect(steps.every((st) => st.source === 'alertmanager')).toBe(true);
    const alerts = steps.flatMap((st) => normalizeOne(st.source, st.payload));
    expect(new Set(alerts.map((a) => a.fingerprint)).size).toBe(300);
    expect(new Set(alerts.map((a) => groupKey(a))).size).toBe(1);
    expect(alerts.every((a) => a.alertName === 'HighErrorRate' && a.severity === 'critical')).toBe(true);
    expect(steps.at(-1)?.at).toBe(89_700);
    // The repeats are the first 100 pods.
    const repeats = alerts.filter((a, i) => alerts.findIndex((b) => b.fingerprint === a.fingerprint) !== i);
    expect(new Set(repeats.map((a) => a.labels.pod))).toEqual(new Set(Array.from({ length: 100 }, (_, i) => `checkout-6d8f7c9b5d-${i + 1}`)));
  });
});

// ---------------------------------------------------------------------------

describe('parseScenario: the schema', () => {
  it('applies the defaults and accepts the shorthand and durations', () => {
    const s = parseOk(
      scenarioText(`  - at: 90s
    alert: { title: Checkout down, severity: critical, labels: { alertname: CheckoutDown } }
  - at: 1m30s
    source: generic
    payload: { title: Checkout down, status: resolved, labels: { alertname: CheckoutDown } }
    repeat: { count: 2 }
`),
    );
    expect(s).toEqual({
      name: 'Test drill',
      description: null,
      service: 'checkout',
      environment: 'production',
      timeLimitMinutes: 30,
      expect: { acknowledgeWithinSeconds: 300, runbookSteps: [], postmortem: null },
      deploy: null,
      participants: null,
      alerts: [
        { at: 90, source: 'generic', payload: { title: 'Checkout down', severity: 'critical', labels: { alertname: 'CheckoutDown' } }, repeat: null },
        { at: 90, source: 'generic', payload: { title: 'Checkout down', status: 'resolved', labels: { alertname: 'CheckoutDown' } }, repeat: { count: 2, every: 0 } },
      ],
    });
  });

  it.each([
    [90, 90],
    ['90', 90],
    ['90s', 90],
    ['2m', 120],
    ['1m30s', 90],
    ['500ms', 0.5],
    ['1h', 3600],
    ['-2m', -120],
    ['0.3s', 0.3],
    ['soon', null],
    ['5 minutes', null],
    ['2x', null],
    [true, null],
  ])('parseDuration(%j) = %j', (input, want) => {
    expect(parseDuration(input)).toBe(want);
  });

  it.each([
    [0, '0 s'],
    [45, '45 s'],
    [190, '3 min 10 s'],
    [300, '5 min'],
    [3720, '1 h 2 min'],
  ])('durations read like the rest of the pipeline: %d s = %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
});

describe('parseScenario: errors carry the file and the line', () => {
  it('an unknown key, at its own line, with a hint', () => {
    const issues = parseIssues('name: Test\nservice: checkout\nservce: payments\nexpect:\n  acknowledgeWithinSeconds: 300\nalerts:\n  - at: 0\n    alert: { title: x }\n');
    expect(issues).toEqual([{ file: 'scenarios/broken.yaml', line: 3, path: 'servce', message: expect.stringContaining('did you mean "service"') }]);
  });

  it('an unknown key inside a step', () => {
    const issues = parseIssues(scenarioText('  - at: 0\n    alert: { title: x }\n  - at: 10\n    sorce: grafana\n    alert: { title: y }\n'));
    expect(issues).toEqual([{ file: 'scenarios/broken.yaml', line: 9, path: 'alerts.1.sorce', message: expect.stringContaining('did you mean "source"') }]);
  });

  it('a missing service', () => {
    const issues = parseIssues('name: Test\nexpect:\n  acknowledgeWithinSeconds: 300\nalerts:\n  - at: 0\n    alert: { title: x }\n');
    expect(issues).toEqual([{ file: 'scenarios/broken.yaml', line: 1, path: 'service', message: 'service is required' }]);
  });

  it.each([
    ['soon', 'at must be a number of seconds or a duration'],
    ['-5', 'at must be 0 or more'],
    ['5 minutes', 'at must be a number of seconds or a duration'],
    ['true', 'at must be a number of seconds or a duration'],
  ])('a bad at: %s', (value, message) => {
    const issues = parseIssues(scenarioText(`  - at: 0\n    alert: { title: x }\n  - at: ${value}\n    alert: { title: y }\n`));
    expect(issues).toEqual([{ file: 'scenarios/broken.yaml', line: 8, path: 'alerts.1.at', message: expect.stringContaining(message) }]);
  });

  it('a missing at, and a step with neither payload nor alert', () => {
    const issues = parseIssues(scenarioText('  - alert: { title: x }\n  - at: 5\n    source: grafana\n'));
    expect(issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [6, 'alerts.0.at', 'at is required'],
      [7, 'alerts.1', expect.stringContaining('a step needs payload:')],
    ]);
  });

  it('an invalid payload, at the line of the field its normaliser rejects', () => {
    const issues = parseIssues(
      scenarioText(`  - at: 0
    source: alertmanager
    payload:
      version: "4"
      alerts:
        - status: burning
          labels: { alertname: HighErrorRate }
`),
    );
    expect(issues).toEqual([
      { file: 'scenarios/broken.yaml', line: 11, path: 'alerts.0.payload.alerts.0.status', message: expect.stringContaining('not a valid alertmanager payload') },
    ]);
  });

  it('a payload with no alert at all', () => {
    const issues = parseIssues(scenarioText('  - at: 0\n    source: alertmanager\n    payload: { version: "4", alerts: [] }\n'));
    expect(issues).toEqual([{ file: 'scenarios/broken.yaml', line: 8, path: 'alerts.0.payload', message: expect.stringContaining('holds no alert') }]);
  });

  it('a generic shorthand without a title, and one that names a service', () => {
    const issues = parseIssues(scenarioText('  - at: 0\n    alert: { severity: critical }\n  - at: 1\n    alert: { title: y, service: other }\n'));
    expect(issues.map((i) => [i.line, i.path])).toEqual([
      [7, 'alerts.0.alert.title'],
      [9, 'alerts.1.alert.service'],
    ]);
    expect(issues[0]?.message).toBe('alert.title is required');
  });

  it('alert: with a non-generic source, and a bad source', () => {
    const issues = parseIssues(scenarioText('  - at: 0\n    source: grafana\n    alert: { title: x }\n  - at: 1\n    source: nagios\n    payload: { a: 1 }\n'));
    expect(issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [7, 'alerts.0.source', expect.stringContaining('generic shorthand')],
      [10, 'alerts.1.source', expect.stringContaining('source must be one of alertmanager, grafana')],
    ]);
  });

  it('a step after the time limit, and an empty alert list', () => {
    const late = parseIssues(scenarioText('  - at: 0\n    alert: { title: x }\n    repeat: { count: 100, every: 1m }\n'));
    expect(late).toEqual([{ file: 'scenarios/broken.yaml', line: 6, path: 'alerts.0.at', message: 'this step ends at 1 h 39 min, after the time limit of 30 min' }]);
    const empty = parseIssues('name: x\nservice: y\nexpect: { acknowledgeWithinSeconds: 60 }\nalerts: []\n');
    expect(empty).toEqual([{ file: 'scenarios/broken.yaml', line: 4, path: 'alerts', message: 'alerts needs at least one step' }]);
  });

  it('a placeholder offset that is not a duration', () => {
    const issues = parseIssues(scenarioText('  - at: 0\n    alert:\n      title: x\n      startsAt: "{time-soon}"\n      labels: { n: "{n+1}" }\n'));
    expect(issues.map((i) => [i.line, i.path])).toEqual([
      [9, 'alerts.0.alert.startsAt'],
      [10, 'alerts.0.alert.labels.n'],
    ]);
  });

  it('a missing expect, a bad repeat, a deploy without version', () => {
    const issues = parseIssues('name: x\nservice: y\ndeploy: { at: -1m }\nalerts:\n  - at: 0\n    alert: { title: x }\n    repeat: { count: 0 }\n');
    expect(issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [1, 'expect', expect.stringContaining('expect is required')],
      [3, 'deploy.version', 'deploy.version is required'],
      [7, 'alerts.0.repeat.count', 'repeat.count must be 1 or more'],
    ]);
  });

  it('a YAML syntax error', () => {
    const issues = parseIssues('name: x\nservice: y\nalerts:\n  - at: 0\n   alert: [\n');
    expect(issues[0]).toMatchObject({ file: 'scenarios/broken.yaml' });
    expect(issues[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it('validatePayloads: false skips the normalisers; a list checks only those sources', () => {
    const text = scenarioText('  - at: 0\n    source: alertmanager\n    payload: { alerts: [{ status: burning }] }\n  - at: 1\n    alert: { title: x }\n');
    expect(parseScenario(text, 'f.yaml', { validatePayloads: false }).ok).toBe(true);
    expect(parseScenario(text, 'f.yaml', { validatePayloads: ['generic'] }).ok).toBe(true);
    expect(parseScenario(text, 'f.yaml', { validatePayloads: ['alertmanager'] }).ok).toBe(false);
    expect(parseScenario(text, 'f.yaml').ok).toBe(false);
  });
});

// ---------------------------------------------------------------------------

describe('expandScenario', () => {
  const payloads: Record<WebhookSource, string> = {
    generic: '{ title: Checkout down, environment: staging }',
    alertmanager: '{ version: "4", commonLabels: { service: old }, alerts: [{ status: firing, labels: { alertname: A, service: old } }, { status: firing, labels: { alertname: B, environment: qa } }] }',
    grafana: '{ alerts: [{ status: firing, labels: { alertname: G, job: old } }] }',
    datadog: '{ id: "1", title: "[Triggered] Lag", transition: Triggered, tags: "env:prod, service:old,team:x" }',
    'cloud-monitoring': '{ incident: { incident_id: "0.a", state: open, policy_name: P, resource: { type: cloud_run_revision, labels: { service_name: old } } } }',
    sentry: '{ action: triggered, data: { event: { title: Boom, tags: [[level, error], [service, old]] } } }',
  };
  const all = parseOk(
    scenarioText(
      Object.entries(payloads)
        .map(([source, p]) => `  - at: 10\n    source: ${source}\n    payload: ${p}\n`)
        .join(''),
    ),
  );

  it.each(Object.keys(payloads) as WebhookSource[])('%s: the drill service replaces the payload service; the environment fills in only where none is named', (source) => {
    const steps = expandScenario(all, { drillId: 'd1', service: 'checkout-drill-d1' }).filter((st) => st.source === source);
    const alerts = steps.flatMap((st) => normalizeOne(st.source, st.payload));
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) expect(a.service).toBe('checkout-drill-d1');
    const envs = alerts.map((a) => a.environment);
    const want: Record<WebhookSource, (string | null)[]> = {
      generic: ['staging'],
      alertmanager: ['production', 'qa'],
      grafana: ['production'],
      datadog: ['prod'],
      'cloud-monitoring': ['production'],
      sentry: ['production'],
    };
    expect(envs).toEqual(want[source]);
  });

  it('sets the service where each source keeps it', () => {
    const bySource = new Map(expandScenario(all, { drillId: 'd1', service: 'svc' }).map((st) => [st.source, st.payload]));
    /** The value at a path of keys and indexes. */
    const get = (source: AlertSource, ...keys: (string | number)[]): unknown =>
      keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), bySource.get(source));
    expect(get('generic', 'service')).toBe('svc');
    expect([get('alertmanager', 'alerts', 0, 'labels', 'service'), get('alertmanager', 'alerts', 1, 'labels', 'service')]).toEqual(['svc', 'svc']);
    expect(get('alertmanager', 'commonLabels', 'service')).toBe('svc');
    expect(get('grafana', 'alerts', 0, 'labels')).toEqual({ alertname: 'G', job: 'old', service: 'svc', env: 'production' });
    expect(get('datadog', 'tags')).toBe('env:prod,service:svc,team:x');
    expect(get('cloud-monitoring', 'incident', 'resource', 'labels', 'service_name')).toBe('svc');
    expect(get('sentry', 'data', 'event', 'tags')).toEqual([['level', 'error'], ['service', 'svc']]);
  });

  it("without a drill service, the scenario's service goes into every payload; the parsed scenario is not changed", () => {
    const before = JSON.stringify(all);
    const steps = expandScenario(all, { drillId: 'd1' });
    for (const st of steps) for (const a of normalizeOne(st.source, st.payload)) expect(a.service).toBe('checkout');
    expect(JSON.stringify(all)).toBe(before);
  });

  it('sorts by time (ties keep the file order), expands repeats and substitutes the placeholders', () => {
    const s = parseOk(
      scenarioText(`  - at: 2m
    alert: { title: late }
  - at: 30s
    alert: { title: "pod {n} of drill {drill}", startsAt: "{time}", labels: { pod: "p-{n}", ms: "{epochMs}", before: "{time-30s}" } }
    repeat: { count: 3, every: 45s }
  - at: 75
    alert: { title: tie, endsAt: "{epoch}" }
`),
    );
    const steps = expandScenario(s, { drillId: 'drill-7', startedAt: T0 });
    expect(steps.map((st) => [st.at, (st.payload as { title: string }).title])).toEqual([
      [30_000, 'pod 1 of drill drill-7'],
      [75_000, 'pod 2 of drill drill-7'],
      [75_000, 'tie'],
      [120_000, 'late'],
      [120_000, 'pod 3 of drill drill-7'],
    ]);
    expect(steps[0]?.payload).toEqual({
      title: 'pod 1 of drill drill-7',
      startsAt: at(30).toISOString(),
      labels: { pod: 'p-1', ms: String(at(30).getTime()), before: T0.toISOString() },
      service: 'checkout',
      environment: 'production',
    });
    expect((steps[1]?.payload as { labels: Record<string, string> }).labels.pod).toBe('p-2');
    // A value that is exactly {epoch} becomes a number.
    expect((steps[2]?.payload as { endsAt: unknown }).endsAt).toBe(Math.floor(at(75).getTime() / 1000));
  });

  it('the deploy comes separately, at its (negative) offset, with deployedAt only when the start is known', () => {
    const s = parseOk(
      scenarioText(
        '  - at: 0\n    alert: { title: x }\n',
        'name: t\nservice: checkout\nenvironment: prod\nexpect: { acknowledgeWithinSeconds: 60 }\ndeploy: { at: -90s, version: v1.2.3, commit: abc123 }\n',
      ),
    );
    expect(expandDeploy(s, { drillId: 'd9', service: 'checkout-d9' })).toEqual({
      at: -90_000,
      event: { id: 'drill-d9-deploy', service: 'checkout-d9', environment: 'prod', version: 'v1.2.3', author: null, commit: 'abc123', url: null, drill: true },
    });
    expect(expandDeploy(s, { drillId: 'd9', startedAt: T0 })?.event.deployedAt).toBe(at(-90).toISOString());
    expect(expandDeploy({ ...s, deploy: null }, { drillId: 'd9' })).toBeNull();
  });
});

// ---------------------------------------------------------------------------

const record = (over: Partial<AlertRecord> & Pick<AlertRecord, 'fingerprint' | 'title' | 'alertName' | 'firstSeenAt'>): AlertRecord => ({
  source: 'alertmanager',
  status: 'firing',
  service: 'checkout',
  environment: 'production',
  nativeSeverity: null,
  severity: 'SEV3',
  labels: {},
  links: [],
  description: null,
  startsAt: null,
  endsAt: null,
  lastSeenAt: over.firstSeenAt,
  occurrences: 1,
  ...over,
});

describe('scenarioFromIncident (replay)', () => {
  const original = incident({
    id: 'inc-42',
    title: 'checkout: 5xx error rate above 5%',
    severity: 'SEV1',
    acknowledgedAt: at(190),
    resolvedAt: at(400),
    status: 'resolved',
    postmortemRequired: true,
    deploys: [
      { id: 'dep-old', service: 'checkout', environment: 'production', version: 'v2.14.0', deployedAt: at(-7200), url: null, author: null, commit: null },
      { id: 'dep-new', service: 'checkout', environment: 'production', version: 'v2.15.0', deployedAt: at(-120), url: 'https://ci.example.com/1', author: 'dana', commit: 'abc' },
      { id: 'dep-during', service: 'checkout', environment: 'production', version: 'v2.15.1', deployedAt: at(300), url: null, author: null, commit: null },
    ],
  });
  // Given out of order, as a Firestore query without orderBy might return them.
  const alerts: AlertRecord[] = [
    record({
      fingerprint: 'fp-confirm',
      title: 'checkout: confirm route failing',
      alertName: 'HighErrorRate',
      firstSeenAt: at(70),
      nativeSeverity: null,
      labels: { alertname: 'HighErrorRate', route: '/confirm' },
    }),
    record({
      fingerprint: 'fp-pay',
      title: 'checkout: pay route failing',
      alertName: 'HighErrorRate',
      firstSeenAt: at(0),
      nativeSeverity: 'critical',
      severity: 'SEV1',
      status: 'resolved',
      endsAt: at(380),
      lastSeenAt: at(381),
      labels: { alertname: 'HighErrorRate', route: '/pay', severity: 'critical' },
      links: [{ title: 'Runbook', url: 'https://runbooks.example.com/high-error-rate' }],
      description: 'ratio above 0.05',
    }),
    record({ fingerprint: 'fp-db', title: 'DB pool exhausted', alertName: 'DB pool exhausted', firstSeenAt: at(12.5), nativeSeverity: 'warning', labels: {} }),
  ];
  const checklist = [
    { id: 'scope-break-the-errors-down', text: 'Break the errors down by status code and revision', done: true },
    { id: 'changes-compare', text: 'Compare the start of the errors', done: true },
    { id: 'verify-watch', text: 'Watch the 5xx ratio', done: false },
  ];
  const replay = scenarioFromIncident({ incident: original, alerts, timeline: [], checklist });

  it('one generic step per alert in first-seen order at its offset, plus a resolve step', () => {
    expect(replay.alerts.map((s) => [s.at, s.source, s.payload.fingerprint, s.payload.status])).toEqual([
      [0, 'generic', 'fp-pay', 'firing'],
      [12.5, 'generic', 'fp-db', 'firing'],
      [70, 'generic', 'fp-confirm', 'firing'],
      [380, 'generic', 'fp-pay', 'resolved'],
    ]);
    expect(replay.alerts[0]?.payload).toEqual({
      title: 'checkout: pay route failing',
      status: 'firing',
      severity: 'critical',
      environment: 'production',
      description: 'ratio above 0.05',
      labels: { alertname: 'HighErrorRate', route: '/pay', severity: 'critical' },
      links: [{ title: 'Runbook', url: 'https://runbooks.example.com/high-error-rate' }],
      fingerprint: 'fp-pay',
      startsAt: '{time}',
    });
    expect(replay.alerts[3]?.payload).toMatchObject({ status: 'resolved', endsAt: '{time}' });
  });

  it('keeps the native severity words; an alert without one gets the word for the incident SEV', () => {
    expect(replay.alerts.map((s) => s.payload.severity)).toEqual(['critical', 'warning', 'critical', 'critical']);
    const sev3 = scenarioFromIncident({ incident: { ...original, severity: 'SEV3' }, alerts, timeline: [] });
    expect(sev3.alerts.map((s) => s.payload.severity)).toEqual(['critical', 'warning', 'warning', 'critical']);
    const words = (['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const).map(
      (sev) => scenarioFromIncident({ incident: { ...original, severity: sev }, alerts: [alerts[0] as AlertRecord], timeline: [] }).alerts[0]?.payload.severity,
    );
    expect(words).toEqual(['critical', 'error', 'warning', 'info']);
  });

  it('expectations: the real time to acknowledge, the steps done, a postmortem; the deploy before the incident', () => {
    expect(replay.service).toBe('checkout');
    expect(replay.environment).toBe('production');
    expect(replay.expect).toEqual({
      acknowledgeWithinSeconds: 190,
      runbookSteps: ['Break the errors down by status code and revision', 'Compare the start of the errors'],
      postmortem: true,
    });
    expect(replay.deploy).toEqual({ at: -120, version: 'v2.15.0', author: 'dana', commit: 'abc', url: 'https://ci.example.com/1' });
    expect(replay.timeLimitMinutes).toBe(30);
  });

  it('never acknowledged: a 300 s target; without a checklist, the steps ticked in the timeline (by id)', () => {
    const timeline: TimelineEntry[] = [
      { at: at(50), type: 'step_checked', actor: 'uid-a', message: 'step 1 done', data: { stepId: 's1', done: true } },
      { at: at(60), type: 'step_checked', actor: 'uid-a', message: 'step 2 done', data: { stepId: 's2', done: true } },
      { at: at(70), type: 'step_checked', actor: 'uid-a', message: 'step 2 not done', data: { stepId: 's2', done: false } },
    ];
    const r = scenarioFromIncident({ incident: { ...original, acknowledgedAt: null, postmortemRequired: false }, alerts, timeline });
    expect(r.expect).toEqual({ acknowledgeWithinSeconds: 300, runbookSteps: ['s1'], postmortem: null });
  });

  it('the replayed alerts have the same alert names, service, environment, severity and order as the originals', () => {
    const steps = expandScenario(replay, { drillId: 'replay-1' });
    const firing = steps.flatMap((st) => normalizeOne(st.source, st.payload)).filter((a) => a.status === 'firing');
    const originals = [...alerts].sort((a, b) => a.firstSeenAt.getTime() - b.firstSeenAt.getTime());
    expect(firing.map((a) => [a.fingerprint, a.alertName, a.service, a.environment])).toEqual(
      originals.map((a) => [a.fingerprint, a.alertName, a.service, a.environment]),
    );
    // The group key differs only in its source (generic instead of alertmanager).
    expect(groupKey(firing[0] as NormalizedAlert)).toBe(original.groupKey.replace(/^alertmanager\|/, 'generic|'));
    // The default rules give each alert its original SEV, where it had a native word.
    expect(firing.map((a) => evaluateSeverity(rules, a).severity)).toEqual(['SEV1', 'SEV3', 'SEV1']);
  });

  it('round-trips through scenarioToYaml and parseScenario', () => {
    const yaml = scenarioToYaml(replay);
    expect(yaml).toContain('alert:');
    expect(yaml).not.toContain('payload:');
    expect(yaml).not.toMatch(/[&*]a\d/); // no YAML anchors: plain, editable text
    expect(parseOk(yaml, 'scenarios/replay-inc-42.yaml')).toEqual(replay);
  });

  it('scenarioToYaml keeps native payloads, repeats and placeholders of a shipped scenario', () => {
    const s = loadShipped('alert-storm.yaml');
    expect(parseOk(scenarioToYaml(s), 'scenarios/copy.yaml')).toEqual(s);
  });
});

// ---------------------------------------------------------------------------

describe('scoreDrill', () => {
  const scenario = parseOk(
    scenarioText(
      '  - at: 0\n    alert: { title: x, severity: critical }\n',
      `name: Bad deploy
service: checkout
expect:
  acknowledgeWithinSeconds: 5m
  runbookSteps:
    - changes-compare
    - Break the errors down
    - Roll back the revision
  postmortem: true
`,
    ),
  );
  const startedAt = at(-5);
  const checklist: DrillChecklistItem[] = [
    { id: 'scope-break', text: 'Break the errors down by status code and revision', done: true, doneAt: at(200) },
    { id: 'changes-compare', text: 'Compare the start of the errors with the deploys', done: true, doneAt: at(250) },
    { id: 'mitigate-roll', text: 'Roll back the revision to the previous one', done: false, doneAt: null },
  ];
  const timeline: TimelineEntry[] = [
    { at: at(190), type: 'status_changed', actor: 'uid-a', message: 'triggered → acknowledged by uid-a', data: { from: 'triggered', to: 'acknowledged' } },
    { at: at(0), type: 'incident_opened', actor: 'system', message: 'opened', data: {} },
    { at: at(420), type: 'status_changed', actor: 'uid-a', message: 'acknowledged → resolved by uid-a', data: { from: 'acknowledged', to: 'resolved' } },
    { at: at(2000), type: 'note', actor: 'uid-b', message: 'after the end', data: {} },
  ];
  const resolved = incident({ drill: true, status: 'resolved', acknowledgedAt: at(190), resolvedAt: at(420) });

  it('acknowledged at 190 s with a 300 s target: in time; missing steps listed; hand-computed score', () => {
    const s = scoreDrill({ scenario, incident: resolved, checklist, postmortemStarted: true, timeline, startedAt, now: at(600), timedOut: false });
    expect(s).toMatchObject({
      timeToAcknowledgeSeconds: 190,
      acknowledgeTargetSeconds: 300,
      acknowledgedInTime: true,
      runbookSteps: {
        expected: ['changes-compare', 'Break the errors down', 'Roll back the revision'],
        done: ['changes-compare', 'Break the errors down'],
        missing: ['Roll back the revision'],
      },
      postmortemStarted: true,
      resolved: true,
      timedOut: false,
      // 40 (in time) + 30 × 2/3 (20) + 20 (resolved) + 10 (postmortem) = 90
      score: 90,
    });
    expect(s.summary).toBe('acknowledged in 3 min 10 s (target 5 min), 2 of 3 runbook steps done, resolved, postmortem started; score 90/100');
    expect(s.timeline.map((e) => [e.offsetSeconds, e.type])).toEqual([
      [5, 'incident_opened'],
      [195, 'status_changed'],
      [425, 'status_changed'],
    ]);
    expect(drillReportText(s, 'Bad deploy')).toBe(
      '[DRILL] Bad deploy: acknowledged in 3 min 10 s (target 5 min) ✓ · runbook 2/3 ✗ (missing: Roll back the revision) · resolved ✓ · postmortem started ✓ · score 90/100',
    );
  });

  it('late: 40 × target / actual; a step ticked after now does not count', () => {
    const late = incident({ status: 'acknowledged', acknowledgedAt: at(600) });
    const s = scoreDrill({ scenario, incident: late, checklist, postmortemStarted: false, timeline: [], startedAt, now: at(900), timedOut: false });
    expect(s.timeToAcknowledgeSeconds).toBe(600);
    expect(s.acknowledgedInTime).toBe(false);
    // 40 × 300/600 (20) + 20 + 0 + 0 = 40
    expect(s.score).toBe(40);
    const early = scoreDrill({ scenario, incident: late, checklist, postmortemStarted: false, timeline: [], startedAt, now: at(220), timedOut: false });
    expect(early.runbookSteps.done).toEqual(['Break the errors down']);
    expect(early.timeToAcknowledgeSeconds).toBeNull();
  });

  it('timed out: never acknowledged nor resolved', () => {
    const open = incident({ drill: true, status: 'triggered' });
    const opened = timeline.filter((e) => e.type === 'incident_opened');
    const s = scoreDrill({ scenario, incident: open, checklist: [], postmortemStarted: false, timeline: opened, startedAt, now: at(1795), timedOut: true });
    expect(s).toMatchObject({
      timeToAcknowledgeSeconds: null,
      acknowledgedInTime: false,
      runbookSteps: { done: [], missing: ['changes-compare', 'Break the errors down', 'Roll back the revision'] },
      resolved: false,
      timedOut: true,
      score: 0,
    });
    expect(s.summary).toBe('not acknowledged (target 5 min), 0 of 3 runbook steps done, not resolved, no postmortem started, timed out; score 0/100');
    expect(drillReportText(s, 'Bad <deploy>')).toBe(
      '[DRILL] Bad &lt;deploy&gt;: not acknowledged (target 5 min) ✗ · runbook 0/3 ✗ (missing: changes-compare; Break the errors down; Roll back the revision) · not resolved ✗ · no postmortem ✗ · timed out ✗ · score 0/100',
    );
  });

  it('a mitigate by a person counts as the first response; the auto-resolve does not; no incident scores 0 for both', () => {
    const mitigated = incident({ status: 'mitigated', mitigatedAt: at(100) });
    expect(scoreDrill({ scenario, incident: mitigated, checklist: [], postmortemStarted: false, timeline: [], startedAt, now: at(600), timedOut: false }).timeToAcknowledgeSeconds).toBe(100);
    const auto: TimelineEntry = { at: at(50), type: 'auto_resolved', actor: 'system', message: 'all alerts resolved', data: { from: 'triggered', to: 'resolved' } };
    const autoResolved = incident({ status: 'resolved', resolvedAt: at(50), resolvedBy: 'system' });
    const s = scoreDrill({ scenario, incident: autoResolved, checklist: [], postmortemStarted: false, timeline: [auto], startedAt, now: at(600), timedOut: false });
    expect(s.timeToAcknowledgeSeconds).toBeNull();
    expect(s.resolved).toBe(true);
    // 0 + 0 + 20 + 0
    expect(s.score).toBe(20);
    const none = scoreDrill({ scenario, incident: null, checklist: [], postmortemStarted: false, timeline: [], startedAt, now: at(600), timedOut: true });
    expect(none).toMatchObject({ timeToAcknowledgeSeconds: null, resolved: false, score: 0 });
  });

  it('without expected steps or postmortem, those parts are full marks', () => {
    const easy = { ...scenario, expect: { acknowledgeWithinSeconds: 300, runbookSteps: [], postmortem: null } };
    const s = scoreDrill({ scenario: easy, incident: resolved, checklist: [], postmortemStarted: false, timeline, startedAt, now: at(600), timedOut: false });
    expect(s.score).toBe(100);
    expect(drillReportText(s, 'Easy')).toBe('[DRILL] Easy: acknowledged in 3 min 10 s (target 5 min) ✓ · resolved ✓ · score 100/100');
  });

  it('findRunbookSteps: id or text (any case), else a prefix of the text', () => {
    const steps = [
      { id: 'a-check', text: 'Check the dashboard' },
      { id: 'b-check', text: 'Check the dashboard again' },
    ];
    expect(findRunbookSteps('A-CHECK', steps).map((s) => s.id)).toEqual(['a-check']);
    expect(findRunbookSteps('check  the DASHBOARD', steps).map((s) => s.id)).toEqual(['a-check']);
    expect(findRunbookSteps('Check the dash', steps).map((s) => s.id)).toEqual(['a-check', 'b-check']);
    expect(findRunbookSteps('Roll back', steps)).toEqual([]);
  });
});

describe('runDrill: a scenario is a name in scenarios/, never a path', () => {
  it('loads a shipped scenario by name', async () => {
    const { loadScenarioByName } = await import('../../functions/src/adapters/scenarioFiles');
    const { scenario, file } = loadScenarioByName('bad-deploy');
    expect(file).toBe(path.join(ROOT, 'scenarios', 'bad-deploy.yaml'));
    expect(scenario.name).toBeTruthy();
  });

  it.each(['package.json', '.env', '../package', 'scenarios/bad-deploy', 'bad-deploy.yaml', 'Bad-Deploy', '/etc/passwd', '', 'a'.repeat(101)])(
    'refuses %j before reading any file',
    async (name) => {
      const { loadScenarioByName } = await import('../../functions/src/adapters/scenarioFiles');
      expect(() => loadScenarioByName(name)).toThrow(`"${name.slice(0, 100)}" is not a scenario name: names are lowercase letters, digits and - (the shipped ones are alert-storm, bad-deploy, slow-dependency)`);
    },
  );

  it('a well-formed name that is not shipped says which are', async () => {
    const { loadScenarioByName } = await import('../../functions/src/adapters/scenarioFiles');
    expect(() => loadScenarioByName('no-such-drill')).toThrow('no scenario "no-such-drill": the shipped ones are alert-storm, bad-deploy, slow-dependency');
  });

  it('the callable refuses a path as the scenario (package.json used to pass its check and be read)', async () => {
    const { startDrillFromRequest } = await import('../../functions/src/app/drillRequests');
    await expect(startDrillFromRequest({ scenario: 'package.json' }, 'uid-admin')).rejects.toThrow(/^"package\.json" is not a scenario name/);
    await expect(startDrillFromRequest({ scenario: '.env' }, 'uid-admin')).rejects.toThrow(/^"\.env" is not a scenario name/);
  });
});

describe('startDrill: the drill document', () => {
  const named = parseOk(scenarioText('  - at: 0\n    alert: { title: x, severity: critical }\n', 'name: Paged drill\nservice: checkout\nparticipants: [uid-p1, uid-p2]\nexpect:\n  acknowledgeWithinSeconds: 300\n'));
  const unnamed = parseOk(scenarioText('  - at: 0\n    alert: { title: x, severity: critical }\n'));

  it("copies the scenario's participants to drills/{id}.participants (paging reads them there); null when it names none", async () => {
    const { newDrillRecord } = await import('../../functions/src/app/drills');
    const rec = newDrillRecord({ scenario: named, scenarioName: 'paged', startedBy: 'uid-admin', speed: 4 }, 'drill-1', T0);
    expect(rec.participants).toEqual(['uid-p1', 'uid-p2']);
    expect(rec).toMatchObject({ status: 'running', service: 'checkout', speed: 4, steps: 1, startedAt: T0, deadlineAt: new Date(T0.getTime() + (30 * 60_000) / 4) });
    expect(JSON.parse(rec.scenarioJson)).toMatchObject({ participants: ['uid-p1', 'uid-p2'] });
    expect(newDrillRecord({ scenario: unnamed, scenarioName: 'quiet', startedBy: 'uid-admin' }, 'drill-2', T0).participants).toBeNull();
    const empty = { ...named, participants: [] };
    expect(newDrillRecord({ scenario: empty, scenarioName: 'nobody', startedBy: 'uid-admin' }, 'drill-3', T0).participants).toEqual([]);
  });
});

describe('scoreDrill: the page', () => {
  const scenario = parseOk(scenarioText('  - at: 0\n    alert: { title: x, severity: critical }\n'));
  const opened: TimelineEntry = { at: at(0), type: 'incident_opened', actor: 'system', message: 'opened', data: {} };
  const pagedAt = (s: number, level: number): TimelineEntry => ({ at: at(s), type: 'paged', actor: 'system', message: `paged (level ${level + 1} of 2)`, data: { cycle: 0, level, round: 0, uids: [] } });
  const ackAt = (s: number): TimelineEntry => ({ at: at(s), type: 'status_changed', actor: 'uid-p', message: 'ack', data: { from: 'triggered', to: 'acknowledged', via: 'slack' } });
  const base = { scenario, checklist: [], postmortemStarted: false, startedAt: at(-5), timedOut: false };

  it('acknowledged 40 s after the first page went out, at level 1: in the score, the summary and the report', () => {
    const acked = incident({ drill: true, status: 'acknowledged', acknowledgedAt: at(70) });
    const s = scoreDrill({
      ...base,
      incident: acked,
      timeline: [opened, pagedAt(29, 0), ackAt(70)],
      now: at(600),
      pages: [
        { uid: 'uid-p', level: 0, status: 'sent', at: at(31) },
        { uid: 'uid-p', level: 0, status: 'acknowledged', at: at(30), acknowledgedAt: at(70) },
        { uid: 'uid-p', level: 0, status: 'failed', at: at(29) },
      ],
      // The level-2 task ran after the acknowledgement and stopped: level 2 never paged.
      escalations: [{ status: 'stopped', level: 1 }],
    });
    expect(s).toMatchObject({ timeToAcknowledgeSeconds: 70, pageAckSeconds: 40, escalationLevelReached: 1, pagedUids: ['uid-p'] });
    // 40 (in time) + 30 (no steps expected) + 0 (not resolved) + 10 (no postmortem expected); the page changes no points.
    expect(s.summary).toBe('acknowledged in 1 min 10 s (target 5 min), page acknowledged in 40 s (escalation level 1), not resolved; score 80/100');
    expect(drillReportText(s, 'Paged')).toBe('[DRILL] Paged: acknowledged in 1 min 10 s (target 5 min) ✓ · page acknowledged in 40 s (escalation level 1) ✓ · not resolved ✗ · score 80/100');
  });

  it('nobody acknowledged: escalated to level 2 (timeline and state), the page is not acknowledged; a page after now does not count', () => {
    const open = incident({ drill: true, status: 'triggered' });
    const s = scoreDrill({
      ...base,
      incident: open,
      timeline: [opened, pagedAt(0, 0), pagedAt(10, 1)],
      now: at(60),
      timedOut: true,
      pages: [
        { uid: 'uid-p', level: 0, status: 'sent', at: at(1) },
        { uid: 'uid-late', level: 2, status: 'sent', at: at(61) },
      ],
      escalations: [{ status: 'exhausted', level: 1 }],
    });
    expect(s).toMatchObject({ timeToAcknowledgeSeconds: null, pageAckSeconds: null, escalationLevelReached: 2, pagedUids: ['uid-p'] });
    expect(drillReportText(s, 'Paged')).toBe('[DRILL] Paged: not acknowledged (target 5 min) ✗ · page not acknowledged (escalation level 2) ✗ · not resolved ✗ · timed out ✗ · score 40/100');
  });

  it("a page's own acknowledgement counts when it is first; an acknowledgement before the page is 0 s; every page failed: nobody reached", () => {
    const lateOnTimeline = incident({ drill: true, status: 'acknowledged', acknowledgedAt: at(90) });
    const viaPage = scoreDrill({ ...base, incident: lateOnTimeline, timeline: [opened], now: at(600), pages: [{ uid: 'uid-p', level: 0, status: 'acknowledged', at: at(20), acknowledgedAt: at(50) }] });
    expect(viaPage.pageAckSeconds).toBe(30);
    const before = scoreDrill({ ...base, incident: incident({ drill: true, status: 'acknowledged', acknowledgedAt: at(5) }), timeline: [opened], now: at(600), pages: [{ uid: 'uid-p', level: 0, status: 'sent', at: at(8) }] });
    expect(before.pageAckSeconds).toBe(0);
    const failed = scoreDrill({ ...base, incident: incident({ drill: true, status: 'acknowledged', acknowledgedAt: at(40) }), timeline: [opened, pagedAt(1, 0)], now: at(600), pages: [{ uid: 'uid-p', level: 0, status: 'failed', at: at(2) }] });
    expect(failed).toMatchObject({ pageAckSeconds: null, escalationLevelReached: 1, pagedUids: [] });
    expect(failed.summary).toContain('nobody reached by the page (escalation level 1)');
  });

  it('never paged (no pages, not_paged): null, null, nobody, and the report says nothing of a page', () => {
    const acked = incident({ drill: true, status: 'resolved', acknowledgedAt: at(70), resolvedAt: at(100) });
    const s = scoreDrill({ ...base, incident: acked, timeline: [opened, ackAt(70)], now: at(600), pages: [], escalations: [{ status: 'not_paged', level: null }] });
    expect(s).toMatchObject({ pageAckSeconds: null, escalationLevelReached: null, pagedUids: [] });
    expect(drillReportText(s, 'Quiet')).toBe('[DRILL] Quiet: acknowledged in 1 min 10 s (target 5 min) ✓ · resolved ✓ · score 100/100');
    const none = scoreDrill({ ...base, incident: null, timeline: [], now: at(600), timedOut: true });
    expect(none).toMatchObject({ pageAckSeconds: null, escalationLevelReached: null, pagedUids: [] });
  });
});
