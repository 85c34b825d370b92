// Drill history (domain/drills/history.ts) and what the score records for it
// (who responded first, time to mitigate); the service catalog (domain/catalog.ts).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runsFromDocs } from '../../console/src/lib/drills';
import { catalogSchema, dependenciesOf } from '../../functions/src/domain/catalog';
import { type DrillRun, drillHistory, drillHistoryText, HISTORY_LIMIT } from '../../functions/src/domain/drills/history';
import { parseScenario } from '../../functions/src/domain/drills/scenario';
import { scoreDrill } from '../../functions/src/domain/drills/score';
import type { TimelineEntry } from '../../functions/src/domain/types';
import { parseYaml, parseYamlOrThrow } from '../../functions/src/domain/yamlConfig';
import { ROOT } from '../support/config';
import { at, incident } from '../support/factories';

const run = (n: number, o: Partial<DrillRun> = {}): DrillRun => ({
  drillId: `drill-${n}`,
  service: 'checkout',
  scenarioName: 'bad-deploy',
  startedAt: at(n * 86_400),
  acknowledgedBy: 'uid-a',
  timeToAcknowledgeSeconds: 300 - n * 60,
  timeToMitigateSeconds: 900 - n * 100,
  pageAckSeconds: 200 - n * 40,
  escalationLevelReached: n > 1 ? 1 : 2,
  score: 50 + n * 10,
  timedOut: false,
  ...o,
});

describe('drillHistory', () => {
  it('per service: runs oldest first, the latest compared with the average of the earlier ones', () => {
    const [s] = drillHistory([run(3), run(1), run(2)], 'service');
    expect(s!.key).toBe('checkout');
    expect(s!.runs.map((r) => r.drillId)).toEqual(['drill-1', 'drill-2', 'drill-3']);
    expect(s!.latest.drillId).toBe('drill-3');
    expect(s!.bestScore).toBe(80);
    expect(s!.averageScore).toBe(70);
    // latest 80 vs (60+70)/2 = 65: +15; ack 120 vs (240+180)/2 = 210: -90; mitigate 600 vs (800+700)/2 = 750: -150;
    // page ack 80 vs (160+120)/2 = 140: -60.
    expect(s!.change).toEqual({ score: 15, timeToAcknowledgeSeconds: -90, timeToMitigateSeconds: -150, pageAckSeconds: -60 });
  });

  it('per person: by who responded first; a run nobody responded to has no person', () => {
    const series = drillHistory([run(1), run(2, { acknowledgedBy: 'uid-b', service: 'search' }), run(3, { acknowledgedBy: null })], 'person');
    expect(series.map((s) => [s.key, s.runs.length])).toEqual([
      ['uid-b', 1],
      ['uid-a', 1],
    ]);
    expect(series[0]!.change).toEqual({ score: null, timeToAcknowledgeSeconds: null, timeToMitigateSeconds: null, pageAckSeconds: null });
  });

  it('is bounded: at most HISTORY_LIMIT runs per series (the newest)', () => {
    const many = Array.from({ length: HISTORY_LIMIT + 7 }, (_, i) => run(i, { score: i }));
    const [s] = drillHistory(many, 'service');
    expect(s!.runs).toHaveLength(HISTORY_LIMIT);
    expect(s!.runs[0]!.drillId).toBe('drill-7');
  });

  it('as text: one line per run, with the page acknowledgement and the level, and the change', () => {
    const text = drillHistoryText(drillHistory([run(1), run(2)], 'service'), 'service');
    expect(text.split('\n')).toHaveLength(5);
    expect(text).toContain('service checkout: 2 runs, average score 65, best 70');
    expect(text.split('\n')[1]).toMatch(/ack +mitigate +page ack +level +score +responder$/);
    expect(text.split('\n')[2]).toMatch(/ 4 min +13 min 20 s +2 min 40 s +2 +60  uid-a$/);
    expect(text.split('\n')[3]).toMatch(/ 3 min +11 min 40 s +2 min +1 +70  uid-a$/);
    expect(text).toContain("latest vs the earlier runs' average: score +10, acknowledge -1 min, mitigate -1 min 40 s, page ack -40 s");
    const unpaged = drillHistoryText(drillHistory([run(1, { pageAckSeconds: null, escalationLevelReached: null }), run(2, { pageAckSeconds: null, escalationLevelReached: null })], 'service'), 'service');
    expect(unpaged.split('\n')[2]).toMatch(/13 min 20 s +— +— +60  uid-a$/);
    expect(unpaged).toContain('mitigate -1 min 40 s, page ack —');
    expect(drillHistoryText([], 'person')).toBe('no scored drills with a responder');
  });
});

describe('the console reads drill documents as runs', () => {
  it('a scored drill becomes a run; one without a score or start is left out', () => {
    const ts = (d: Date) => ({ toDate: () => d });
    const runs = runsFromDocs([
      {
        id: 'd1',
        service: 'checkout',
        scenarioName: 'bad-deploy',
        startedAt: ts(at(0)),
        timedOut: false,
        score: { score: 70, acknowledgedBy: 'uid-a', timeToAcknowledgeSeconds: 90, timeToMitigateSeconds: 400, pageAckSeconds: 45, escalationLevelReached: 1 },
      },
      // Scored before paging: no page fields.
      { id: 'd4', service: 'checkout', scenarioName: 'old', startedAt: ts(at(5)), score: { score: 50 } },
      { id: 'd2', service: 'checkout', startedAt: ts(at(10)), score: null },
      { id: 'd3', service: 'checkout', score: { score: 10 } },
    ]);
    expect(runs).toEqual([
      {
        drillId: 'd1',
        service: 'checkout',
        scenarioName: 'bad-deploy',
        startedAt: at(0),
        acknowledgedBy: 'uid-a',
        timeToAcknowledgeSeconds: 90,
        timeToMitigateSeconds: 400,
        pageAckSeconds: 45,
        escalationLevelReached: 1,
        score: 70,
        timedOut: false,
      },
      { drillId: 'd4', service: 'checkout', scenarioName: 'old', startedAt: at(5), acknowledgedBy: null, timeToAcknowledgeSeconds: null, timeToMitigateSeconds: null, pageAckSeconds: null, escalationLevelReached: null, score: 50, timedOut: false },
    ]);
  });
});

describe('the score records who responded and the time to mitigate', () => {
  const parsed = parseScenario('name: t\nservice: checkout\nexpect: { acknowledgeWithinSeconds: 300 }\nalerts: [{ at: 0, alert: { title: x } }]\n', 't.yaml');
  if (!parsed.ok) throw new Error('does not parse');
  const timeline: TimelineEntry[] = [
    { at: at(0), type: 'incident_opened', actor: 'system', message: 'opened', data: {} },
    { at: at(90), type: 'status_changed', actor: 'uid-b', message: 'ack', data: { from: 'triggered', to: 'acknowledged' } },
    { at: at(400), type: 'status_changed', actor: 'uid-c', message: 'mitigate', data: { from: 'acknowledged', to: 'mitigated' } },
    { at: at(500), type: 'status_changed', actor: 'system', message: 'resolved by the alerts', data: { from: 'mitigated', to: 'resolved' } },
  ];
  const inc = incident({ status: 'resolved', acknowledgedAt: at(90), mitigatedAt: at(400), resolvedAt: at(500) });
  const score = (now: number, tl = timeline, i = inc) => scoreDrill({ scenario: parsed.value, incident: i, checklist: [], postmortemStarted: false, timeline: tl, startedAt: at(0), now: at(now), timedOut: false });

  it('the first responder and the mitigation by a person', () => {
    expect(score(600)).toMatchObject({ acknowledgedBy: 'uid-b', timeToAcknowledgeSeconds: 90, timeToMitigateSeconds: 400 });
    expect(score(200)).toMatchObject({ acknowledgedBy: 'uid-b', timeToMitigateSeconds: null });
  });

  it("the pipeline's own resolve is no mitigation; nobody: null", () => {
    const auto = incident({ status: 'resolved', resolvedAt: at(500) });
    expect(score(600, [timeline[0]!, timeline[3]!], auto)).toMatchObject({ acknowledgedBy: null, timeToMitigateSeconds: null });
  });
});

describe('the service catalog (config/catalog.yaml)', () => {
  it('the shipped catalog parses and names checkout’s dependencies', () => {
    const c = parseYamlOrThrow(fs.readFileSync(path.join(ROOT, 'config', 'catalog.yaml'), 'utf8'), catalogSchema, 'config/catalog.yaml');
    expect(dependenciesOf(c, 'Checkout')).toEqual(['payments-api', 'inventory']);
    expect(dependenciesOf(c, 'nothing')).toEqual([]);
  });

  it('a bad entry is an error with its line', () => {
    const r = parseYaml('services:\n  checkout:\n    dependson: [a]\n', catalogSchema, 'config/catalog.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]).toMatchObject({ file: 'config/catalog.yaml', line: 3 });
  });
});
