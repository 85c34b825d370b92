// Escalation: which policy pages, the plan's timing and targets, what each
// level's Cloud Task decides, and the build-time check across severity.yaml
// and oncall.yaml.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateProjectFiles } from '../../functions/src/adapters/configFiles';
import {
  escalationPlan,
  escalationRouteIssues,
  escalationStep,
  escalationTaskId,
  type EscalationInput,
  firstEscalationTask,
  pagingDecision,
  positionOf,
} from '../../functions/src/domain/escalation';
import { NO_ONCALL, type OncallConfig, oncallConfigSchema, type OnCall, type OnCallLookup } from '../../functions/src/domain/oncall';
import { evaluateSeverity, severityRulesSchema, type SeverityInput } from '../../functions/src/domain/severity';
import { parseYamlOrThrow } from '../../functions/src/domain/yamlConfig';
import { ROOT } from '../support/config';

const T = new Date('2026-12-01T10:00:00.000Z');
const plus = (minutes: number) => new Date(T.getTime() + minutes * 60_000);

const config: OncallConfig = oncallConfigSchema.parse({
  schedules: {
    primary: { timeZone: 'Etc/UTC', rotations: [{ members: ['uid-a', 'uid-b'], start: '2026-12-01T00:00:00', shift: '1d' }] },
    empty: { timeZone: 'Etc/UTC', rotations: [{ members: ['uid-z'], start: '2030-01-01T00:00:00', shift: '1d' }] },
  },
  escalationPolicies: {
    default: { levels: [{ targets: ['schedule:primary'], after: '5m' }, { targets: ['user:uid-c', 'schedule:primary'], after: '10m' }], repeat: 1 },
    database: { levels: [{ targets: ['schedule:empty', 'user:uid-d'], after: '15m' }] },
  },
  page: { severities: ['SEV1', 'SEV2'], policy: 'default' },
});

const input = (overrides: Partial<EscalationInput> = {}): EscalationInput => ({
  incidentId: 'inc-1',
  policyId: 'default',
  policy: config.escalationPolicies.default as EscalationInput['policy'],
  openedAt: T,
  cycle: 0,
  ...overrides,
});

/** A look-up that says who it was asked about, and when: the on-call person changes 12 minutes in. */
function recordingLookup() {
  const asked: string[] = [];
  const lookup: OnCallLookup = (scheduleId, at) => {
    asked.push(`${scheduleId}@${(at.getTime() - T.getTime()) / 60_000}m`);
    if (scheduleId !== 'primary') return null;
    const uid = at.getTime() < plus(12).getTime() ? 'uid-a' : 'uid-b';
    return { uid, layer: 0, source: 'rotation', overrideId: null } satisfies OnCall;
  };
  return { asked, lookup };
}

describe('which policy pages', () => {
  it.each([
    ['paging off without page:', NO_ONCALL, 'SEV1', undefined, { page: false, reason: 'paging is off: config/oncall.yaml has no page: section' }],
    ['a severity outside page.severities', config, 'SEV3', undefined, { page: false, reason: 'SEV3 incidents are not paged (page.severities: SEV1, SEV2)' }],
  ] as const)('%s', (_name, c, severity, routing, expected) => {
    expect(pagingDecision(c, { severity, routing })).toEqual(expected);
  });

  it('pages drills unless page.drills is false', () => {
    expect(pagingDecision(config, { severity: 'SEV1', drill: true })).toMatchObject({ page: true, policyId: 'default' });
    const noDrills: OncallConfig = { ...config, page: { ...(config.page as NonNullable<OncallConfig['page']>), drills: false } };
    expect(pagingDecision(noDrills, { severity: 'SEV1', drill: true })).toEqual({ page: false, reason: 'drills page nobody (page.drills: false)' });
    expect(pagingDecision(noDrills, { severity: 'SEV1', drill: false })).toMatchObject({ page: true });
  });

  it('a drill that names participants pages (them) even when page.drills is false; an empty list or a SEV outside page.severities does not', () => {
    const noDrills: OncallConfig = { ...config, page: { ...(config.page as NonNullable<OncallConfig['page']>), drills: false } };
    expect(pagingDecision(noDrills, { severity: 'SEV1', drill: true }, ['uid-trainee'])).toMatchObject({ page: true, policyId: 'default' });
    expect(pagingDecision(noDrills, { severity: 'SEV1', drill: true }, [])).toEqual({ page: false, reason: 'drills page nobody (page.drills: false)' });
    expect(pagingDecision(noDrills, { severity: 'SEV1', drill: true }, null)).toEqual({ page: false, reason: 'drills page nobody (page.drills: false)' });
    expect(pagingDecision(noDrills, { severity: 'SEV3', drill: true }, ['uid-trainee'])).toEqual({ page: false, reason: 'SEV3 incidents are not paged (page.severities: SEV1, SEV2)' });
  });

  it('uses page.policy by default, route.escalation when a rule names a known policy, and page.policy with a warning for an unknown one', () => {
    expect(pagingDecision(config, { severity: 'SEV1', routing: { escalation: undefined } })).toMatchObject({ page: true, policyId: 'default', chosenBy: 'default', warning: null });
    expect(pagingDecision(config, { severity: 'SEV2', routing: { escalation: 'database' } })).toMatchObject({ page: true, policyId: 'database', chosenBy: 'route', warning: null });
    expect(pagingDecision(config, { severity: 'SEV2', routing: { escalation: 'dba' } })).toMatchObject({
      page: true,
      policyId: 'default',
      chosenBy: 'default',
      warning: 'route.escalation names an unknown escalation policy "dba"; used page.policy "default"',
    });
  });

  it('route.escalation comes from the first matching severity rule that names one', () => {
    const rules = severityRulesSchema.parse({
      rules: [
        { name: 'payments', match: { service: 'payments' }, route: { escalation: 'database' }, continue: true },
        { name: 'all', match: {}, route: { escalation: 'default', channels: ['#x'] }, continue: true },
        { name: 'crit', match: { severity: 'critical' }, severity: 'SEV1' },
      ],
    });
    const alert = (service: string): SeverityInput => ({ source: 'generic', service, environment: null, severity: 'critical', alertName: 'x', labels: {} });
    expect(evaluateSeverity(rules, alert('payments')).route).toEqual({ channels: ['#x'], mentions: [], invite: [], escalation: 'database' });
    expect(evaluateSeverity(rules, alert('checkout')).route.escalation).toBe('default');
    // no rule names one: the route has no escalation key at all (incidents stored before stay equal)
    expect(evaluateSeverity(severityRulesSchema.parse({}), alert('checkout')).route).toEqual({ channels: [], mentions: [], invite: [] });
  });

  it('names severity rules whose route.escalation is not a policy', () => {
    const rules = severityRulesSchema.parse({ rules: [{ match: {}, route: { escalation: 'default' } }, { match: {}, route: { escalation: 'nope' } }] });
    expect(escalationRouteIssues(rules, config)).toEqual([{ path: ['rules', 1, 'route', 'escalation'], message: 'unknown escalation policy "nope" (config/oncall.yaml has: default, database)' }]);
    expect(escalationRouteIssues(rules, NO_ONCALL)).toHaveLength(2);
  });
});

describe('the plan', () => {
  it('starts level i after the afters of the levels before it, for 1 + repeat rounds, resolving each at its own start', () => {
    const { asked, lookup } = recordingLookup();
    const plan = escalationPlan(input(), lookup);
    expect(plan.steps.map((s) => [s.level, s.round, (s.at.getTime() - T.getTime()) / 60_000, s.taskId, s.uids])).toEqual([
      [0, 0, 0, 'esc-inc-1-0-0', ['uid-a']],
      [1, 0, 5, 'esc-inc-1-1-0', ['uid-c', 'uid-a']],
      [0, 1, 15, 'esc-inc-1-0-1', ['uid-b']],
      [1, 1, 20, 'esc-inc-1-1-1', ['uid-c', 'uid-b']],
    ]);
    expect(asked).toEqual(['primary@0m', 'primary@5m', 'primary@15m', 'primary@20m']);
    expect(plan.exhaustedAt).toEqual(plus(30));
    expect(plan.steps[1]?.targets).toEqual([
      { target: 'user:uid-c', kind: 'user', id: 'uid-c', uid: 'uid-c', onCall: null },
      { target: 'schedule:primary', kind: 'schedule', id: 'primary', uid: 'uid-a', onCall: { uid: 'uid-a', layer: 0, source: 'rotation', overrideId: null } },
    ]);
  });

  it('pages a person once per level even when two targets resolve to them', () => {
    const lookup: OnCallLookup = () => ({ uid: 'uid-c', layer: 0, source: 'rotation', overrideId: null });
    expect(escalationPlan(input(), lookup).steps[1]?.uids).toEqual(['uid-c']);
  });

  it('keeps a target with nobody on call, with uid null', () => {
    const step = escalationPlan(input({ policyId: 'database', policy: config.escalationPolicies.database as EscalationInput['policy'] }), () => null).steps;
    expect(step).toHaveLength(1);
    expect(step[0]?.uids).toEqual(['uid-d']);
    expect(step[0]?.targets.map((t) => [t.target, t.uid])).toEqual([['schedule:empty', null], ['user:uid-d', 'uid-d']]);
  });

  it('has deterministic, Cloud-Tasks-safe task ids; a reopened incident gets its own', () => {
    expect(escalationTaskId('inc-1', { level: 2, round: 1 })).toBe('esc-inc-1-2-1');
    expect(escalationTaskId('inc 1/é', { level: 0, round: 0 })).toBe('esc-inc_1__-0-0');
    expect(escalationTaskId('inc-1', { level: 0, round: 0 }, 2)).toBe('esc-inc-1-0-0-c2');
    expect(firstEscalationTask(input({ cycle: 1, openedAt: plus(60) }))).toEqual({ level: 0, round: 0, at: plus(60), taskId: 'esc-inc-1-0-0-c1' });
  });
});

describe("a level's task", () => {
  const { lookup } = recordingLookup();
  const open = { status: 'triggered' as const, reopenCount: 0 };

  it('pages the level and says which task comes next', () => {
    expect(escalationStep(input(), { level: 0, round: 0 }, open, lookup)).toMatchObject({
      kind: 'page',
      step: { level: 0, round: 0, at: T, uids: ['uid-a'] },
      next: { level: 1, round: 0, at: plus(5), taskId: 'esc-inc-1-1-0' },
      exhaustedAt: null,
      unresolved: [],
    });
    expect(escalationStep(input(), { level: 1, round: 0 }, open, lookup)).toMatchObject({ kind: 'page', next: { level: 0, round: 1, at: plus(15), taskId: 'esc-inc-1-0-1' } });
  });

  it('after the last level of the last round: no next task, and when it runs out', () => {
    expect(escalationStep(input(), { level: 1, round: 1 }, open, lookup)).toMatchObject({ kind: 'page', next: null, exhaustedAt: plus(30), step: { uids: ['uid-c', 'uid-b'] } });
  });

  it('lists the targets with nobody on call', () => {
    const db = input({ policyId: 'database', policy: config.escalationPolicies.database as EscalationInput['policy'] });
    expect(escalationStep(db, { level: 0, round: 0 }, open, () => null)).toMatchObject({ kind: 'page', unresolved: ['schedule:empty'], step: { uids: ['uid-d'] } });
  });

  it.each([
    ['acknowledged', { status: 'acknowledged', reopenCount: 0 }, { kind: 'stop', reason: 'acknowledged', message: 'the incident is acknowledged: escalation stops' }],
    ['mitigated (someone is on it)', { status: 'mitigated', reopenCount: 0 }, { kind: 'stop', reason: 'acknowledged', message: 'the incident is mitigated: escalation stops' }],
    ['resolved', { status: 'resolved', reopenCount: 0 }, { kind: 'stop', reason: 'resolved', message: 'the incident is resolved: escalation stops' }],
    ['closed', { status: 'closed', reopenCount: 0 }, { kind: 'stop', reason: 'resolved', message: 'the incident is closed: escalation stops' }],
    ['reopened since the task was enqueued', { status: 'triggered', reopenCount: 1 }, { kind: 'stop', reason: 'stale', message: 'this task belongs to escalation cycle 0; the incident is in cycle 1' }],
  ] as const)('stops when the incident is %s', (_name, state, expected) => {
    expect(escalationStep(input(), { level: 1, round: 0 }, state, lookup)).toEqual(expected);
  });

  it.each([
    [{ level: 2, round: 0 }],
    [{ level: 0, round: 2 }],
    [{ level: -1, round: 0 }],
  ])('does nothing for a position the policy no longer has: %j', (position) => {
    const d = escalationStep(input(), position, open, lookup);
    expect(d.kind).toBe('done');
    expect(d.kind === 'done' && d.message).toBe(`level ${position.level + 1} of round ${position.round + 1} is not in policy "default" (2 levels, 2 rounds)`);
  });

  it.each([
    [{ level: 1, round: 0, incidentId: 'x' }, { level: 1, round: 0 }],
    [{ level: '1', round: 0 }, null],
    [{ level: 1.5, round: 0 }, null],
    [null, null],
  ])('reads the position of task payload %j', (payload, expected) => {
    expect(positionOf(payload)).toEqual(expected);
  });
});

describe('validateProjectFiles', () => {
  const before = process.env.INCIDENT_PIPELINE_ROOT;
  afterEach(() => {
    if (before === undefined) delete process.env.INCIDENT_PIPELINE_ROOT;
    else process.env.INCIDENT_PIPELINE_ROOT = before;
  });

  /** A copy of the project's config, runbooks and scenarios to break. */
  function project(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-config-'));
    for (const d of ['config', 'runbooks', 'scenarios']) fs.cpSync(path.join(ROOT, d), path.join(dir, d), { recursive: true });
    process.env.INCIDENT_PIPELINE_ROOT = dir;
    return dir;
  }

  it('validates the shipped oncall.yaml with the rest', () => {
    const r = validateProjectFiles();
    expect(r.issues).toEqual([]);
    const shipped = parseYamlOrThrow(fs.readFileSync(path.join(ROOT, 'config/oncall.yaml'), 'utf8'), oncallConfigSchema, 'config/oncall.yaml');
    expect(Object.keys(shipped.schedules).length).toBeGreaterThan(0);
    expect(r.summary).toContain(`${Object.keys(shipped.schedules).length} on-call schedules`);
  });

  it('treats a missing oncall.yaml as no schedules, not an error', () => {
    const dir = project();
    fs.rmSync(path.join(dir, 'config', 'oncall.yaml'));
    const r = validateProjectFiles();
    expect(r.issues).toEqual([]);
    expect(r.summary).toContain('0 on-call schedules');
  });

  it('reports an oncall.yaml error, and a severity rule naming an unknown policy, each with file and line', () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, 'config', 'oncall.yaml'), 'escalationPolicies:\n  p:\n    levels: [{ targets: [schedule:nope], after: 5m }]\n');
    const broken = validateProjectFiles().issues;
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/oncall\.yaml:3: escalationPolicies\.p\.levels\.0\.targets\.0: unknown schedule "nope" \(there are no schedules\)$/);

    fs.writeFileSync(path.join(dir, 'config', 'oncall.yaml'), 'escalationPolicies:\n  p:\n    levels: [{ targets: ["user:u"], after: 5m }]\n');
    fs.writeFileSync(path.join(dir, 'config', 'severity.yaml'), 'rules:\n  - match: { service: db }\n    route:\n      escalation: dba\n');
    const routes = validateProjectFiles().issues;
    expect(routes).toHaveLength(1);
    expect(routes[0]).toMatch(/severity\.yaml:4: rules\.0\.route\.escalation: unknown escalation policy "dba" \(config\/oncall\.yaml has: p\)$/);
  });
});
