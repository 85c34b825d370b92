import { describe, expect, it } from 'vitest';
import { alertDocId, groupDocId, groupKey } from '../../functions/src/domain/grouping';
import { type GroupSnapshot, planIngest } from '../../functions/src/domain/ingest';
import type { AlertRecord, Incident, NormalizedAlert } from '../../functions/src/domain/types';
import { projectPolicy, projectRules } from '../support/config';
import { at, incident } from '../support/factories';

const rules = projectRules();
const policy = projectPolicy();

function alert(over: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    source: 'alertmanager',
    fingerprint: 'fp-1',
    status: 'firing',
    title: 'Checkout error rate above 5%',
    service: 'checkout',
    environment: 'production',
    severity: 'error',
    alertName: 'HighErrorRate',
    labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'error' },
    startsAt: at(0),
    endsAt: null,
    links: [],
    description: null,
    ...over,
  };
}

function recordOf(a: NormalizedAlert, over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    source: a.source, fingerprint: a.fingerprint, status: a.status, title: a.title, alertName: a.alertName, service: a.service,
    environment: a.environment, nativeSeverity: a.severity, severity: 'SEV2', labels: a.labels, links: [], description: null,
    startsAt: a.startsAt, endsAt: null, firstSeenAt: at(0), lastSeenAt: at(0), occurrences: 1, ...over,
  };
}

let ids = 0;
const ctx = (seconds: number) => ({
  now: at(seconds),
  rules,
  policy,
  drillId: null,
  newIncidentId: () => `new-${++ids}`,
  cause: 'msg-m1',
  enrich: { runbooks: [], linkTemplates: [], project: null, policy },
  deploysOf: () => [],
});
const gid = groupDocId(groupKey(alert()));
function snapshot(inc: Incident | null, records: [NormalizedAlert, Partial<AlertRecord>?][] = []): Map<string, GroupSnapshot> {
  return new Map([[gid, {
    group: inc ? { key: groupKey(alert()), incidentId: inc.id } : null,
    incident: inc,
    alerts: new Map(records.map(([a, o]) => [alertDocId(a), recordOf(a, o)])),
  }]]);
}

const only = (plan: ReturnType<typeof planIngest>) => {
  expect(plan.decisions).toHaveLength(1);
  return plan.decisions[0]!;
};

describe('planIngest', () => {
  it('opens a new incident for a new group, with exact counts and an opening entry', () => {
    const plan = planIngest([alert(), alert({ fingerprint: 'fp-2' })], new Map(), ctx(0));
    const { decision: d, created } = only(plan);
    expect(created).toBe(true);
    expect(d.incident).toMatchObject({ status: 'triggered', severity: 'SEV2', alertCount: 2, firingCount: 2, service: 'checkout', title: 'Checkout error rate above 5%' });
    expect(plan.groups).toEqual([{ groupId: gid, state: { key: groupKey(alert()), incidentId: d.incident.id }, create: true }]);
    expect(d.alerts.map((a) => a.record.fingerprint)).toEqual(['fp-1', 'fp-2']);
    expect(d.timeline.map((t) => [t.id, t.type])).toEqual([
      ['msg-m1-g0-0-0', 'incident_opened'],
      ['msg-m1-g0-2-0', 'alert_added'], // step 1 was the opening alert's escalation check (no change)
    ]);
    expect(d.effects.map((e) => [e.id, e.effect.kind])).toEqual([[`${d.incident.id}_msg-m1-g0-0_0`, 'incident_opened']]);
    expect(plan.rollup).toEqual([]);
  });

  it('gives the same ids to the same message planned twice (a retried transaction writes nothing twice)', () => {
    const strip = (p: ReturnType<typeof planIngest>) => p.decisions.map((x) => [x.decision.timeline.map((t) => t.id), x.decision.effects.map((e) => e.id.replace(x.decision.incident.id, 'ID'))]);
    expect(strip(planIngest([alert(), alert({ fingerprint: 'fp-2' })], new Map(), ctx(0)))).toEqual(strip(planIngest([alert(), alert({ fingerprint: 'fp-2' })], new Map(), ctx(0))));
  });

  it('joins an open incident without writing it, and asks for a roll-up', () => {
    const open = incident({ id: 'inc-open' });
    const { decision: d, created } = only(planIngest([alert({ fingerprint: 'fp-2' })], snapshot(open, [[alert()]]), ctx(30)));
    expect(created).toBe(false);
    expect(d.changed).toBe(false);
    expect(d.alerts.map((a) => a.record.fingerprint)).toEqual(['fp-2']);
    expect(d.timeline.map((t) => t.type)).toEqual(['alert_added']);
    expect(planIngest([alert({ fingerprint: 'fp-2' })], snapshot(open, [[alert()]]), ctx(30)).rollup).toEqual(['inc-open']);
  });

  it('a repeat raises occurrences and changes no count', () => {
    const open = incident({ id: 'inc-open' });
    const plan = planIngest([alert()], snapshot(open, [[alert(), { occurrences: 4 }]]), ctx(30));
    const { decision: d } = only(plan);
    expect(d.alerts[0]?.record.occurrences).toBe(5);
    expect(d.alerts[0]?.record.lastSeenAt).toEqual(at(30));
    expect(d.changed).toBe(false);
    expect(d.timeline).toEqual([]);
    expect(plan.rollup).toEqual([]);
  });

  it('repeats inside one batch are folded', () => {
    const { decision: d } = only(planIngest([alert(), alert(), alert()], new Map(), ctx(0)));
    expect(d.alerts).toHaveLength(1);
    expect(d.alerts[0]?.record.occurrences).toBe(3);
    expect(d.incident.alertCount).toBe(1);
  });

  it('a resolved alert updates its document and asks for a roll-up (which resolves the incident)', () => {
    const open = incident({ id: 'inc-open' });
    const plan = planIngest([alert({ status: 'resolved', endsAt: at(50) })], snapshot(open, [[alert()]]), ctx(60));
    const { decision: d } = only(plan);
    expect(d.alerts[0]?.record).toMatchObject({ status: 'resolved', endsAt: at(50), occurrences: 2 });
    expect(plan.rollup).toEqual(['inc-open']);
    expect(d.timeline.map((t) => t.type)).toEqual(['alert_resolved']);
  });

  it('reopens a resolved incident within the reopen window', () => {
    const resolved = incident({ id: 'inc-r', status: 'resolved', resolvedAt: at(100), statusChangedAt: at(100) });
    const { decision: d, created } = only(planIngest([alert()], snapshot(resolved, [[alert(), { status: 'resolved' }]]), ctx(100 + 29 * 60)));
    expect(created).toBe(false);
    expect(d.incident).toMatchObject({ id: 'inc-r', status: 'triggered', reopenCount: 1 });
    expect(d.timeline.map((t) => t.type)).toEqual(['reopened', 'alert_refired']);
    expect(d.effects.map((e) => e.effect.kind)).toEqual(['status_changed']);
  });

  it('opens a new incident after the reopen window, or after close', () => {
    const resolved = incident({ id: 'inc-r', status: 'resolved', resolvedAt: at(100), statusChangedAt: at(100) });
    const late = planIngest([alert()], snapshot(resolved, [[alert(), { status: 'resolved' }]]), ctx(100 + 31 * 60));
    const { decision: d, created } = only(late);
    expect(created).toBe(true);
    expect(d.incident.id).not.toBe('inc-r');
    expect(late.groups).toEqual([{ groupId: gid, state: { key: groupKey(alert()), incidentId: d.incident.id }, create: false }]);
    const closed = incident({ id: 'inc-c', status: 'closed', statusChangedAt: at(100) });
    expect(only(planIngest([alert()], snapshot(closed), ctx(200))).created).toBe(true);
  });

  it('counts, and does not keep, a resolved alert when the group has no open incident', () => {
    const plan = planIngest([alert({ status: 'resolved' }), alert({ status: 'resolved', fingerprint: 'fp-2' })], new Map(), ctx(0));
    expect(plan.decisions).toEqual([]);
    expect(plan.ignored).toBe(2);
  });

  it('escalates on a more severe alert; a mitigated incident that fires again is acknowledged', () => {
    const open = incident({ id: 'inc-open', status: 'mitigated', severity: 'SEV2' });
    const { decision: d } = only(planIngest([alert({ fingerprint: 'fp-9', severity: 'critical' })], snapshot(open, [[alert()]]), ctx(30)));
    expect(d.incident).toMatchObject({ status: 'acknowledged', severity: 'SEV1' });
    expect(d.changed).toBe(true);
  });

  it('keeps drills apart from real incidents', () => {
    const { decision: d } = only(planIngest([alert()], new Map(), { ...ctx(0), drillId: 'drill-1' }));
    expect(d.incident).toMatchObject({ drill: true, drillId: 'drill-1' });
    expect(d.incident.groupKey.startsWith('drill:drill-1|')).toBe(true);
  });

  it('asks for the deploys of a new incident\'s service, and links them once given', () => {
    const first = planIngest([alert()], new Map(), { ...ctx(600), deploysOf: () => undefined });
    expect(first.needsDeploys).toEqual(['checkout']);
    const deploy = { id: 'd1', service: 'checkout', environment: 'production', version: 'v2.14.0', deployedAt: at(0), url: null, author: null, commit: null };
    const { decision: d } = only(planIngest([alert()], new Map(), { ...ctx(600), deploysOf: () => [deploy] }));
    expect(d.incident.deploys).toEqual([deploy]);
    expect(d.timeline.map((t) => t.message)).toContain('v2.14.0 deployed 10 min before');
  });
});
