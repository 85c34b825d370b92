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
const ctx = (seconds: number) => ({ now: at(seconds), rules, policy, drillId: null, newIncidentId: () => `new-${++ids}` });
const gid = groupDocId(groupKey(alert()));
function snapshot(inc: Incident | null, records: [NormalizedAlert, Partial<AlertRecord>?][] = []): Map<string, GroupSnapshot> {
  return new Map([[gid, {
    group: inc ? { key: groupKey(alert()), incidentId: inc.id } : null,
    incident: inc,
    alerts: new Map(records.map(([a, o]) => [alertDocId(a), recordOf(a, o)])),
  }]]);
}

describe('planIngest', () => {
  it('opens a new incident for a new group, with exact counts and an opening entry', () => {
    const plan = planIngest([alert(), alert({ fingerprint: 'fp-2' })], new Map(), ctx(0));
    expect(plan.incidents).toHaveLength(1);
    const { incident: inc, created } = plan.incidents[0]!;
    expect(created).toBe(true);
    expect(inc).toMatchObject({ status: 'triggered', severity: 'SEV2', alertCount: 2, firingCount: 2, service: 'checkout', title: 'Checkout error rate above 5%' });
    expect(plan.groups).toEqual([{ groupId: gid, state: { key: groupKey(alert()), incidentId: inc.id } }]);
    expect(plan.alerts.map((a) => a.created)).toEqual([true, true]);
    expect(plan.timeline.map((t) => t.entry.type)).toEqual(['incident_opened', 'alert_added']);
    expect(plan.effects).toEqual([{ incidentId: inc.id, effect: { kind: 'incident_opened' } }]);
    expect(plan.rollup).toEqual([]);
  });

  it('joins an open incident without writing it, and asks for a roll-up', () => {
    const open = incident({ id: 'inc-open' });
    const plan = planIngest([alert({ fingerprint: 'fp-2' })], snapshot(open, [[alert()]]), ctx(30));
    expect(plan.incidents).toEqual([]);
    expect(plan.alerts).toEqual([expect.objectContaining({ incidentId: 'inc-open', created: true })]);
    expect(plan.rollup).toEqual(['inc-open']);
  });

  it('a repeat raises occurrences and changes no count', () => {
    const open = incident({ id: 'inc-open' });
    const plan = planIngest([alert()], snapshot(open, [[alert(), { occurrences: 4 }]]), ctx(30));
    expect(plan.alerts[0]?.record.occurrences).toBe(5);
    expect(plan.alerts[0]?.record.lastSeenAt).toEqual(at(30));
    expect(plan.alerts[0]?.created).toBe(false);
    expect(plan.rollup).toEqual([]);
    expect(plan.timeline).toEqual([]);
  });

  it('repeats inside one batch are folded', () => {
    const plan = planIngest([alert(), alert(), alert()], new Map(), ctx(0));
    expect(plan.alerts).toHaveLength(1);
    expect(plan.alerts[0]?.record.occurrences).toBe(3);
    expect(plan.incidents[0]?.incident.alertCount).toBe(1);
  });

  it('a resolved alert updates its document and asks for a roll-up (which resolves the incident)', () => {
    const open = incident({ id: 'inc-open' });
    const plan = planIngest([alert({ status: 'resolved', endsAt: at(50) })], snapshot(open, [[alert()]]), ctx(60));
    expect(plan.alerts[0]?.record).toMatchObject({ status: 'resolved', endsAt: at(50), occurrences: 2 });
    expect(plan.rollup).toEqual(['inc-open']);
    expect(plan.timeline.map((t) => t.entry.type)).toEqual(['alert_resolved']);
  });

  it('reopens a resolved incident within the reopen window', () => {
    const resolved = incident({ id: 'inc-r', status: 'resolved', resolvedAt: at(100), statusChangedAt: at(100) });
    const plan = planIngest([alert()], snapshot(resolved, [[alert(), { status: 'resolved' }]]), ctx(100 + 29 * 60));
    expect(plan.incidents[0]).toMatchObject({ created: false, incident: { id: 'inc-r', status: 'triggered', reopenCount: 1 } });
    expect(plan.timeline.map((t) => t.entry.type)).toContain('reopened');
    expect(plan.effects.map((e) => e.effect.kind)).toContain('status_changed');
  });

  it('opens a new incident after the reopen window, or after close', () => {
    const resolved = incident({ id: 'inc-r', status: 'resolved', resolvedAt: at(100), statusChangedAt: at(100) });
    const late = planIngest([alert()], snapshot(resolved, [[alert(), { status: 'resolved' }]]), ctx(100 + 31 * 60));
    expect(late.incidents[0]?.created).toBe(true);
    expect(late.incidents[0]?.incident.id).not.toBe('inc-r');
    expect(late.groups[0]?.state.incidentId).toBe(late.incidents[0]?.incident.id);
    const closed = incident({ id: 'inc-c', status: 'closed', statusChangedAt: at(100) });
    expect(planIngest([alert()], snapshot(closed), ctx(200)).incidents[0]?.created).toBe(true);
  });

  it('ignores a resolved alert when the group has no open incident, with a reason', () => {
    const plan = planIngest([alert({ status: 'resolved' })], new Map(), ctx(0));
    expect(plan.incidents).toEqual([]);
    expect(plan.ignored).toEqual([{ fingerprint: 'fp-1', reason: 'a resolved alert for a group with no open incident' }]);
  });

  it('escalates on a more severe alert; a mitigated incident that fires again is acknowledged', () => {
    const open = incident({ id: 'inc-open', status: 'mitigated', severity: 'SEV2' });
    const plan = planIngest([alert({ fingerprint: 'fp-9', severity: 'critical' })], snapshot(open, [[alert()]]), ctx(30));
    expect(plan.incidents[0]?.incident).toMatchObject({ status: 'acknowledged', severity: 'SEV1' });
  });

  it('keeps drills apart from real incidents', () => {
    const plan = planIngest([alert()], new Map(), { ...ctx(0), drillId: 'drill-1' });
    expect(plan.incidents[0]?.incident).toMatchObject({ drill: true, drillId: 'drill-1' });
    expect(plan.incidents[0]?.incident.groupKey.startsWith('drill:drill-1|')).toBe(true);
  });
});
