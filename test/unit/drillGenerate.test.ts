// Generated drills (domain/drills/generate.ts): deterministic for a seed, always
// a valid scenario, built from the service's real alert shapes (or, without
// history, from its runbook and the severity rules, and saying so).
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readRunbooks } from '../../functions/src/adapters/runbookFiles';
import { expandScenario } from '../../functions/src/domain/drills/expand';
import {
  DRILL_KINDS,
  type DrillKind,
  generateScenario,
  kindFromHistory,
  type PastIncident,
  seededRandom,
  type ServiceContext,
} from '../../functions/src/domain/drills/generate';
import { parseScenario } from '../../functions/src/domain/drills/scenario';
import { findRunbookSteps } from '../../functions/src/domain/drills/score';
import { matchRunbook } from '../../functions/src/domain/runbooks';
import { evaluateSeverity } from '../../functions/src/domain/severity';
import { knownSources, normalizePayload } from '../../functions/src/domain/sources';
import type { NormalizedAlert } from '../../functions/src/domain/types';
import { projectRules, ROOT } from '../support/config';

const runbooks = readRunbooks(path.join(ROOT, 'runbooks'));
const rules = projectRules();
const T = (s: string) => new Date(`2026-11-${s}Z`);

const AM_LABELS = { alertname: 'CheckoutPaymentErrors', service: 'checkout', env: 'production', namespace: 'shop', route: '/api/checkout/pay', pod: 'checkout-6d8f7c-1', severity: 'critical' };
const DD_LABELS = { dependency: 'payments-api', team: 'checkout', env: 'production' };

const history: PastIncident[] = [
  {
    id: 'inc-deploy',
    title: 'CheckoutPaymentErrors',
    severity: 'SEV1',
    environment: 'production',
    createdAt: T('20T10:00:00'),
    acknowledgedAt: T('20T10:04:00'),
    resolvedAt: T('20T10:15:00'),
    alertCount: 2,
    runbook: 'default',
    hadDeploy: true,
    alerts: [
      { source: 'alertmanager', alertName: 'CheckoutPaymentErrors', title: 'checkout: payments fail with 5xx', nativeSeverity: 'critical', severity: 'SEV1', environment: 'production', labels: AM_LABELS },
    ],
  },
  {
    id: 'inc-latency',
    title: 'HighLatency',
    severity: 'SEV2',
    environment: 'production',
    createdAt: T('10T08:00:00'),
    acknowledgedAt: T('10T08:02:00'),
    resolvedAt: T('10T08:10:00'),
    alertCount: 1,
    runbook: 'latency',
    hadDeploy: false,
    alerts: [{ source: 'datadog', alertName: 'HighLatency', title: '[P2] HighLatency on checkout', nativeSeverity: 'P2', severity: 'SEV2', environment: 'production', labels: DD_LABELS }],
  },
];

const withHistory: ServiceContext = {
  service: 'checkout',
  incidents: history,
  deploys: [{ version: 'v2.15.0', deployedAt: T('20T09:58:00'), environment: 'production', author: 'dana.kim', commit: '9f3c2e1', url: null }],
  runbooks,
  rules,
  dependencies: [{ name: 'payments-api', from: 'config/catalog.yaml' }],
  components: ['Checkout'],
};
const noHistory: ServiceContext = { service: 'ledger', incidents: [], deploys: [], runbooks, rules, dependencies: [], components: [] };

/** Every alert the scenario sends, as the pipeline normalises it. */
function alertsOf(ctx: ServiceContext, kind: DrillKind, seed = 1): NormalizedAlert[] {
  const g = generateScenario(ctx, { kind, seed });
  return expandScenario(g.scenario, { drillId: 'drill-test', service: ctx.service }).flatMap((s) => {
    const r = normalizePayload(s.source, s.payload);
    if (!r.ok) throw new Error(`step does not normalise: ${JSON.stringify(r)}`);
    return r.alerts;
  });
}

afterEach(() => vi.restoreAllMocks());

describe('generateScenario', () => {
  it('is deterministic: the same context, kind and seed give the same YAML, and it never calls Math.random', () => {
    const random = vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random called');
    });
    for (const kind of DRILL_KINDS) {
      const a = generateScenario(withHistory, { kind, seed: 42 });
      const b = generateScenario(withHistory, { kind, seed: 42 });
      expect(b.yaml).toBe(a.yaml);
      expect(a.yaml.length).toBeGreaterThan(200);
    }
    expect(random).not.toHaveBeenCalled();
  });

  it('different seeds give different scenarios', () => {
    for (const ctx of [withHistory, noHistory]) {
      for (const kind of DRILL_KINDS) {
        const yamls = new Set([1, 2, 3].map((seed) => generateScenario(ctx, { kind, seed }).yaml.replace(/seed \d+/g, 'seed N')));
        expect(yamls.size, `${ctx.service} ${kind}`).toBe(3);
      }
    }
  });

  it('the PRNG is seeded: the same seed, the same sequence; another seed, another', () => {
    const seq = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(seq(7)).toEqual(seq(7));
    expect(seq(7)).not.toEqual(seq(8));
    expect(seq(7).every((x) => x >= 0 && x < 1)).toBe(true);
  });

  const cases = DRILL_KINDS.flatMap((kind) => [
    [kind, 'with history', withHistory],
    [kind, 'without history', noHistory],
  ] as const);

  it.each(cases)('%s %s: the YAML validates against the scenario schema (every payload by its source) and names runbook steps that exist', (kind, _label, ctx) => {
    for (const seed of [1, 99, 123456]) {
      const g = generateScenario(ctx, { kind, seed });
      const parsed = parseScenario(g.yaml, 'generated.yaml', { validatePayloads: knownSources() });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      expect(parsed.value).toEqual(g.scenario);
      expect(parsed.value.service).toBe(ctx.service);
      expect(g.kind).toBe(kind);
      expect(g.fallback).toBe(ctx.incidents.length === 0);
      // The expected steps are steps of the runbook the first alert's incident gets.
      const first = alertsOf(ctx, kind, seed)[0]!;
      const sev = evaluateSeverity(rules, { ...first }).severity;
      const runbook = matchRunbook(runbooks, { ...first, severity: sev });
      expect(runbook).not.toBeNull();
      expect(parsed.value.expect.runbookSteps.length).toBeGreaterThan(0);
      for (const step of parsed.value.expect.runbookSteps) expect(findRunbookSteps(step, runbook!.steps).length, step).toBeGreaterThan(0);
      // Every alert is sent within the time limit and the YAML explains itself.
      expect(g.yaml.startsWith('# Drill generated by')).toBe(true);
      expect(g.yaml).toContain('# Timeline (offsets from the first alert):');
    }
  });

  it("uses the service's real alert shapes: the past alert's source, name, title and labels", () => {
    const alerts = alertsOf(withHistory, 'bad-deploy');
    const main = alerts.find((a) => a.alertName === 'CheckoutPaymentErrors')!;
    expect(main).toBeDefined();
    expect(main.source).toBe('alertmanager');
    expect(main.title).toBe('checkout: payments fail with 5xx');
    expect(main.severity).toBe('critical');
    const { severity: _s, ...labels } = AM_LABELS;
    expect(main.labels).toMatchObject(labels);
    // The other past alert (Datadog) is sent through the generic source, with its name and labels.
    const second = alerts.find((a) => a.alertName === 'HighLatency')!;
    expect(second.source).toBe('generic');
    expect(second.labels).toMatchObject(DD_LABELS);
    // The deploy comes after the last real one, by one of its authors.
    const g = generateScenario(withHistory, { kind: 'bad-deploy', seed: 1 });
    expect(g.scenario.deploy).toMatchObject({ author: 'dana.kim' });
    expect(g.scenario.deploy!.version).toMatch(/^v2\.15\.[1-3]$/);
    expect(g.scenario.deploy!.at).toBeLessThan(0);
  });

  it('takes the timing from history: the acknowledge target is the median past acknowledgement', () => {
    // 4 min and 2 min: median 3 min.
    expect(generateScenario(withHistory, { kind: 'dependency', seed: 5 }).scenario.expect.acknowledgeWithinSeconds).toBe(180);
    expect(generateScenario(noHistory, { kind: 'dependency', seed: 5 }).scenario.expect.acknowledgeWithinSeconds).toBe(300);
  });

  it("a dependency drill names the service's dependency in its alerts", () => {
    const alerts = alertsOf(withHistory, 'dependency');
    expect(alerts[0]!.labels.dependency).toBe('payments-api');
    expect(alerts[0]!.alertName).toBe('HighLatency');
  });

  it('a storm sends many distinct alerts of the same shape that group into one incident', () => {
    const alerts = alertsOf(withHistory, 'storm');
    const fingerprints = new Set(alerts.map((a) => a.fingerprint));
    expect(fingerprints.size).toBeGreaterThanOrEqual(50);
    expect(new Set(alerts.map((a) => `${a.source}|${a.alertName}|${a.environment}`)).size).toBe(1);
    expect(alerts.length).toBeGreaterThan(fingerprints.size); // some are re-sent
  });

  it('without history: generic alerts, the severity the rules give the kind, and it says so', () => {
    const g = generateScenario(noHistory, { kind: 'bad-deploy', seed: 3 });
    expect(g.fallback).toBe(true);
    expect(g.notes.join('\n')).toMatch(/no past incidents of ledger: generic alerts/);
    expect(g.yaml).toContain('# FALLBACK: ledger has no past incidents.');
    const first = alertsOf(noHistory, 'bad-deploy', 3)[0]!;
    expect(first.source).toBe('generic');
    expect(first.alertName).toBe('HighErrorRate');
    expect(evaluateSeverity(rules, { ...first }).severity).toBe('SEV1');
    expect(alertsOf(noHistory, 'dependency', 3)[0]!.alertName).toBe('HighLatency');
    expect(evaluateSeverity(rules, alertsOf(noHistory, 'dependency', 3)[0]!).severity).toBe('SEV2');
  });

  it("without history, a runbook that names the service gives the alert name", () => {
    const own = { ...runbooks.find((r) => r.id === 'firestore-quota')!, id: 'ledger-own', match: { service: ['ledger'], alertname: ['LedgerWritesFailing'] } };
    const alerts = alertsOf({ ...noHistory, runbooks: [...runbooks, own] }, 'saturation');
    expect(alerts[0]!.alertName).toBe('LedgerWritesFailing');
    expect(generateScenario({ ...noHistory, runbooks: [...runbooks, own] }, { kind: 'saturation', seed: 1 }).scenario.expect.runbookSteps.length).toBeGreaterThan(0);
  });

  it('without a kind, picks the most common story of the history (bad-deploy without history)', () => {
    expect(kindFromHistory(history)).toBe('bad-deploy'); // one with a deploy, one latency: tie → DRILL_KINDS order
    expect(kindFromHistory([history[1]!])).toBe('dependency');
    expect(generateScenario({ ...withHistory, incidents: [history[1]!] }, { seed: 1 })).toMatchObject({ kind: 'dependency', kindFrom: 'history' });
    expect(generateScenario(noHistory, { seed: 1 })).toMatchObject({ kind: 'bad-deploy', kindFrom: 'default' });
  });
});

describe('the generateDrill request', () => {
  it('a missing service, an unknown kind or a bad seed is a clear error (before anything is read)', async () => {
    const { generateDrillFromRequest } = await import('../../functions/src/app/drillRequests');
    await expect(generateDrillFromRequest({})).rejects.toThrow('give the service to generate a drill for');
    await expect(generateDrillFromRequest({ service: 'checkout', kind: 'meteor' })).rejects.toThrow('unknown kind "meteor": use one of bad-deploy, dependency, saturation, storm');
    await expect(generateDrillFromRequest({ service: 'checkout', kind: 'storm', seed: -1 })).rejects.toThrow('the seed must be a whole number ≥ 0, not -1');
  });
});
