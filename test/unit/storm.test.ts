import { describe, expect, it } from 'vitest';
import { policySchema } from '../../functions/src/domain/policy';
import {
  DEFAULT_STORM,
  EMPTY_STORM_STATE,
  type StormDecision,
  type StormEvent,
  type StormPolicy,
  type StormState,
  stormCloseAt,
  stormStateSchema,
  stormStep,
} from '../../functions/src/domain/storm';
import { projectPolicy } from '../support/config';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const sec = (s: number) => new Date(T0 + s * 1000);

/** Runs events [seconds, event] through stormStep; returns every decision and the last state. */
function run(events: [number, StormEvent][], policy: StormPolicy = DEFAULT_STORM, state: StormState = EMPTY_STORM_STATE) {
  const decisions: (StormDecision & { at: number })[] = [];
  for (const [s, e] of events) {
    const step = stormStep(state, e, sec(s), policy);
    state = step.state;
    // the state always fits in its document schema
    expect(stormStateSchema.parse(state)).toEqual(state);
    decisions.push(...step.decisions.map((d) => ({ ...d, at: s })));
  }
  return { decisions, state };
}

const group = (n: number): StormEvent => ({ kind: 'new_group', groupKey: `g${n}`, incidentId: `inc-${n}` });
const kinds = (ds: StormDecision[]) => ds.map((d) => d.kind);
const count = (ds: StormDecision[]) => {
  const c: Record<string, number> = {};
  for (const d of ds) c[d.kind] = (c[d.kind] ?? 0) + 1;
  return c;
};

describe('the storm breaker (defaults: more than 10 new incidents within 5 minutes)', () => {
  it('the defaults are in policy.yaml, and the policy schema gives them when the key is absent', () => {
    expect(projectPolicy().storm).toEqual({ enabled: true, maxNewIncidents: 10, windowMinutes: 5, quietMinutes: 10 });
    expect(policySchema.parse({}).storm).toEqual(DEFAULT_STORM);
  });

  it('25 distinct groups within seconds: exactly 10 normal incidents, 1 storm incident, 14 joins', () => {
    const { decisions, state } = run(Array.from({ length: 25 }, (_, i) => [i * 0.4, group(i + 1)] as [number, StormEvent]));
    expect(count(decisions)).toEqual({ open_incident: 10, open_storm: 1, join_storm: 14 });
    expect(kinds(decisions)).toEqual([...Array<string>(10).fill('open_incident'), 'open_storm', ...Array<string>(14).fill('join_storm')]);
    expect(decisions[10]).toEqual({ kind: 'open_storm', groupKey: 'g11', incidentId: 'inc-11', newIncidents: 11, at: 4 });
    // every join goes to the storm incident, counting the groups in it
    expect(decisions.slice(11).map((d) => (d.kind === 'join_storm' ? [d.groupKey, d.incidentId, d.groups] : null))).toEqual(
      Array.from({ length: 14 }, (_, i) => [`g${i + 12}`, 'inc-11', i + 2]),
    );
    expect(state).toEqual({ recent: [], storm: { incidentId: 'inc-11', openedAt: sec(4).getTime(), lastJoinAt: sec(9.6).getTime(), groups: 15 } });
  });

  it('a slow trickle never opens a storm: one new group a minute for two hours', () => {
    const { decisions, state } = run(Array.from({ length: 120 }, (_, i) => [i * 60, group(i)] as [number, StormEvent]));
    expect(count(decisions)).toEqual({ open_incident: 120 });
    expect(state.recent.length).toBe(10);
  });

  it.each([
    ['11 new groups less than 5 minutes apart open the storm', 29, { open_incident: 10, open_storm: 1 }],
    ['11 exactly 5 minutes from first to last do not', 30, { open_incident: 11 }],
  ])('the window: %s', (_what, every, want) => {
    const { decisions } = run(Array.from({ length: 11 }, (_, i) => [i * every, group(i)] as [number, StormEvent]));
    expect(count(decisions)).toEqual(want);
  });

  it('counts only the last 5 minutes: ten early groups and ten more after a pause open no storm', () => {
    const early = Array.from({ length: 10 }, (_, i) => [i, group(i)] as [number, StormEvent]);
    const late = Array.from({ length: 10 }, (_, i) => [400 + i, group(100 + i)] as [number, StormEvent]);
    expect(count(run([...early, ...late]).decisions)).toEqual({ open_incident: 20 });
    // … but one more right after the ten late ones does
    expect(kinds(run([...early, ...late, [411, group(999)]]).decisions).at(-1)).toBe('open_storm');
  });

  it('the storm closes after the quiet period (10 min with no new group joining) and says so once', () => {
    const burst = Array.from({ length: 13 }, (_, i) => [i, group(i)] as [number, StormEvent]); // storm opens at 10 s, joins at 11 s and 12 s
    const { decisions, state } = run([
      ...burst,
      [12 + 599, { kind: 'tick' }], // 9 min 59 s after the last join: still open
      [12 + 600, { kind: 'tick' }], // 10 min: closes
      [12 + 660, { kind: 'tick' }], // nothing more
    ]);
    expect(kinds(decisions).slice(10)).toEqual(['open_storm', 'join_storm', 'join_storm', 'close_storm']);
    expect(decisions.at(-1)).toEqual({
      kind: 'close_storm', incidentId: 'inc-10', openedAt: sec(10), lastJoinAt: sec(12), closedAt: sec(612), groups: 3, at: 612,
    });
    expect(state).toEqual(EMPTY_STORM_STATE);
    expect(stormCloseAt(state)).toBeNull();
  });

  it('a join restarts the quiet period; stormCloseAt says when to tick', () => {
    const burst = Array.from({ length: 11 }, (_, i) => [i, group(i)] as [number, StormEvent]);
    const { state } = run([...burst, [300, group(50)]]);
    expect(stormCloseAt(state)).toEqual(sec(900));
    expect(kinds(run([[899, { kind: 'tick' }]], DEFAULT_STORM, state).decisions)).toEqual([]);
    expect(kinds(run([[900, { kind: 'tick' }]], DEFAULT_STORM, state).decisions)).toEqual(['close_storm']);
  });

  it('a new group after the quiet period closes the storm first, then opens its own incident; counting starts afresh', () => {
    const burst = Array.from({ length: 11 }, (_, i) => [i, group(i)] as [number, StormEvent]);
    const { decisions, state } = run([...burst, [10 + 600, group(77)], [10 + 601, group(78)]]);
    expect(decisions.slice(11).map((d) => [d.kind, 'groupKey' in d ? d.groupKey : null, d.incidentId])).toEqual([
      ['close_storm', null, 'inc-10'],
      ['open_incident', 'g77', 'inc-77'],
      ['open_incident', 'g78', 'inc-78'],
    ]);
    expect(state).toEqual({ recent: [sec(610).getTime(), sec(611).getTime()], storm: null });
  });

  it('events slightly out of order: the same counts, whatever the arrival order', () => {
    // 25 groups within 20 seconds, arriving shuffled (times up to 15 s apart backwards).
    const times = Array.from({ length: 25 }, (_, i) => (i * 7) % 20 + i * 0.01);
    const { decisions, state } = run(times.map((t, i) => [t, group(i)] as [number, StormEvent]));
    expect(count(decisions)).toEqual({ open_incident: 10, open_storm: 1, join_storm: 14 });
    expect(state.storm?.lastJoinAt).toBe(sec(Math.max(...times.slice(11))).getTime());
    expect(stormCloseAt(state)).toEqual(new Date(sec(Math.max(...times.slice(11))).getTime() + 600_000));
  });

  it('a late join never moves the last join back in time', () => {
    const burst = Array.from({ length: 11 }, (_, i) => [100 + i, group(i)] as [number, StormEvent]);
    const { state } = run([...burst, [200, group(60)], [150, group(61)]]);
    expect(state.storm).toMatchObject({ lastJoinAt: sec(200).getTime(), groups: 3 });
  });

  it('another policy: 3 within 1 minute, quiet after 2', () => {
    const policy: StormPolicy = { enabled: true, maxNewIncidents: 3, windowMinutes: 1, quietMinutes: 2 };
    const { decisions } = run(
      [[0, group(1)], [10, group(2)], [20, group(3)], [30, group(4)], [40, group(5)], [160, { kind: 'tick' }], [161, group(6)]],
      policy,
    );
    expect(kinds(decisions)).toEqual(['open_incident', 'open_incident', 'open_incident', 'open_storm', 'join_storm', 'close_storm', 'open_incident']);
  });

  it('disabled: every new group opens its incident, and an open storm closes', () => {
    const off = { ...DEFAULT_STORM, enabled: false };
    expect(count(run(Array.from({ length: 25 }, (_, i) => [i, group(i)] as [number, StormEvent]), off).decisions)).toEqual({ open_incident: 25 });
    const { state } = run(Array.from({ length: 11 }, (_, i) => [i, group(i)] as [number, StormEvent]));
    expect(kinds(run([[20, group(99)]], off, state).decisions)).toEqual(['close_storm', 'open_incident']);
  });

  it('a tick changes nothing without a storm; the state stays small', () => {
    const { state } = run(Array.from({ length: 500 }, (_, i) => [i * 40, group(i)] as [number, StormEvent]));
    expect(stormStep(state, { kind: 'tick' }, sec(99_999))).toEqual({ state, decisions: [] });
    expect(state.recent.length).toBeLessThanOrEqual(DEFAULT_STORM.maxNewIncidents);
    expect(JSON.stringify(state).length).toBeLessThan(300);
  });

  it('a lower limit after a config change uses only the latest times', () => {
    const { state } = run(Array.from({ length: 10 }, (_, i) => [i, group(i)] as [number, StormEvent]));
    const step = stormStep(state, group(50), sec(10), { ...DEFAULT_STORM, maxNewIncidents: 3 });
    expect(step.decisions).toEqual([{ kind: 'open_storm', groupKey: 'g50', incidentId: 'inc-50', newIncidents: 4 }]);
  });

  it.each([
    ['maxNewIncidents: 0', { storm: { maxNewIncidents: 0 } }, 'storm.maxNewIncidents'],
    ['a fraction', { storm: { maxNewIncidents: 2.5 } }, 'storm.maxNewIncidents'],
    ['quietMinutes: 0', { storm: { quietMinutes: 0 } }, 'storm.quietMinutes'],
    ['an unknown key', { storm: { max: 3 } }, 'storm'],
  ])('the policy refuses %s', (_what, input, path) => {
    const r = policySchema.safeParse(input);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
