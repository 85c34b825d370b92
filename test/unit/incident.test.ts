import { describe, expect, it } from 'vitest';
import { decide, type IncidentCommand, isRejected, TRANSITIONS, type Decision } from '../../functions/src/domain/incident';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../functions/src/domain/types';
import { at, incident, T0 } from '../support/factories';

const NOW = at(300);
const actor = 'uid-alice';
type StatusAction = 'acknowledge' | 'mitigate' | 'resolve' | 'reopen' | 'close';

function command(action: StatusAction): IncidentCommand {
  return action === 'close' ? { action, actor, postmortemStatus: 'published' } : { action, actor };
}

// The contract's lifecycle table (§5), written out by hand: from → action → allowed target.
const ALLOWED: Record<IncidentStatus, Partial<Record<StatusAction, IncidentStatus>>> = {
  triggered: { acknowledge: 'acknowledged', mitigate: 'mitigated', resolve: 'resolved' },
  acknowledged: { mitigate: 'mitigated', resolve: 'resolved' },
  mitigated: { acknowledge: 'acknowledged', resolve: 'resolved' },
  resolved: { reopen: 'triggered', close: 'closed' },
  closed: {},
};
const ACTIONS: StatusAction[] = ['acknowledge', 'mitigate', 'resolve', 'reopen', 'close'];
const pairs = INCIDENT_STATUSES.flatMap((from) => ACTIONS.map((a) => [from, a, ALLOWED[from][a] ?? null] as const));

describe('decide: every status × action pair', () => {
  it('the table in the code is the contract table', () => {
    for (const from of INCIDENT_STATUSES) expect([...TRANSITIONS[from]].sort()).toEqual(Object.values(ALLOWED[from]).sort());
  });

  it.each(pairs)('%s + %s → %s', (from, action, to) => {
    const before = incident({ status: from, resolvedAt: from === 'resolved' || from === 'closed' ? at(60) : null });
    const r = decide(before, command(action), NOW);
    if (to === null) {
      expect(isRejected(r)).toBe(true);
      if (isRejected(r)) expect(r.rejected.length).toBeGreaterThan(10);
      return;
    }
    expect(isRejected(r)).toBe(false);
    const d = r as Decision;
    expect(d.incident.status).toBe(to);
    expect(d.timeline).toHaveLength(1);
    expect(d.timeline[0]).toMatchObject({ at: NOW, type: 'status_changed', actor, data: { from, to } });
    expect(d.effects).toEqual([{ kind: 'status_changed', from, to, actor, reason: null }]);
    expect(d.incident.statusChangedAt).toEqual(NOW);
  });
});

describe('decide: stamps and reasons', () => {
  it('stamps each …At only on the first entry into that state', () => {
    let i = incident();
    const steps: [StatusAction, number][] = [['acknowledge', 10], ['mitigate', 20], ['acknowledge', 30], ['resolve', 40], ['reopen', 50], ['resolve', 60]];
    for (const [a, s] of steps) {
      const r = decide(i, command(a), at(s));
      if (isRejected(r)) throw new Error(r.rejected);
      i = r.incident;
    }
    expect(i.acknowledgedAt).toEqual(at(10));
    expect(i.mitigatedAt).toEqual(at(20));
    expect(i.resolvedAt).toEqual(at(40));
    expect(i.reopenCount).toBe(1);
    expect(i.statusChangedAt).toEqual(at(60));
    expect(i.resolvedBy).toBe(actor);
    expect(i.createdAt).toEqual(T0);
  });

  it('explains a close of an acknowledged incident', () => {
    const r = decide(incident({ status: 'acknowledged' }), command('close'), NOW);
    expect(r).toEqual({ rejected: 'cannot close an acknowledged incident: resolve it first' });
  });

  it('needs a published postmortem to close a SEV1/SEV2, not a SEV3', () => {
    const resolved = incident({ status: 'resolved', resolvedAt: at(60) });
    const r = decide(resolved, { action: 'close', actor, postmortemStatus: 'draft' }, NOW);
    expect(isRejected(r) && r.rejected).toBe('cannot close a SEV2 incident before its postmortem is published: it is draft');
    const none = decide(resolved, { action: 'close', actor, postmortemStatus: null }, NOW);
    expect(isRejected(none) && none.rejected).toMatch(/has not been written yet/);
    const sev3 = decide({ ...resolved, severity: 'SEV3' }, { action: 'close', actor, postmortemStatus: null }, NOW);
    expect(isRejected(sev3)).toBe(false);
  });

  it('refuses changes to a closed incident but keeps notes', () => {
    const closed = incident({ status: 'closed' });
    expect(isRejected(decide(closed, { action: 'set_severity', actor, severity: 'SEV1' }, NOW))).toBe(true);
    expect(isRejected(decide(closed, { action: 'assign_commander', actor, commander: 'bob' }, NOW))).toBe(true);
    expect(isRejected(decide(closed, { action: 'note', actor, message: 'follow-up' }, NOW))).toBe(false);
  });
});

describe('decide: the other actions', () => {
  it('set_severity overrides the rules and is recorded', () => {
    const r = decide(incident(), { action: 'set_severity', actor, severity: 'SEV1', message: 'payments down' }, NOW);
    if (isRejected(r)) throw new Error(r.rejected);
    expect(r.incident).toMatchObject({ severity: 'SEV1', severitySource: 'manual', postmortemRequired: true });
    expect(r.timeline[0]).toMatchObject({ type: 'severity_changed', data: { from: 'SEV2', to: 'SEV1', manual: true } });
    expect(r.timeline[0]?.message).toContain('payments down');
    expect(r.effects).toEqual([{ kind: 'severity_changed', from: 'SEV2', to: 'SEV1', actor }]);
    const lower = decide(incident(), { action: 'set_severity', actor, severity: 'SEV4' }, NOW);
    expect(!isRejected(lower) && lower.incident.postmortemRequired).toBe(false);
  });

  it('a manual severity is not raised again by alerts', () => {
    const manual = incident({ severity: 'SEV3', severitySource: 'manual' });
    expect(isRejected(decide(manual, { action: 'escalate', severity: 'SEV1', title: 'x' }, NOW))).toBe(true);
    const auto = decide(incident({ severity: 'SEV3' }), { action: 'escalate', severity: 'SEV1', title: 'x' }, NOW);
    expect(!isRejected(auto) && auto.incident.severity).toBe('SEV1');
    expect(isRejected(decide(incident({ severity: 'SEV1' }), { action: 'escalate', severity: 'SEV2', title: 'x' }, NOW))).toBe(true);
  });

  it('assign_commander, note', () => {
    const r = decide(incident(), { action: 'assign_commander', actor, commander: 'uid-bob' }, NOW);
    expect(!isRejected(r) && r.incident.commander).toBe('uid-bob');
    expect(isRejected(decide(incident({ commander: 'uid-bob' }), { action: 'assign_commander', actor, commander: 'uid-bob' }, NOW))).toBe(true);
    const n = decide(incident(), { action: 'note', actor, message: '  rolled back v2.14  ' }, NOW);
    expect(!isRejected(n) && n.timeline[0]).toMatchObject({ type: 'note', message: 'rolled back v2.14', actor });
    expect(isRejected(decide(incident(), { action: 'note', actor, message: '   ' }, NOW))).toBe(true);
  });

  it('check_step ticks a step and counts progress', () => {
    const checklist = [
      { id: 'triage', text: 'Triage', order: 0, done: true },
      { id: 'roles', text: 'Declare roles', order: 1, done: false },
      { id: 'verify', text: 'Verify', order: 2, done: false },
    ];
    const r = decide(incident({ runbook: 'default' }), { action: 'check_step', actor, stepId: 'roles', done: true, checklist }, NOW);
    if (isRejected(r)) throw new Error(r.rejected);
    expect(r.step).toEqual({ id: 'roles', done: true, doneBy: actor, doneAt: NOW });
    expect(r.timeline[0]?.message).toBe('step 2 done: Declare roles (2/3)');
    expect(r.effects[0]).toMatchObject({ kind: 'step_checked', progress: { done: 2, total: 3 } });
    const again = decide(incident({ runbook: 'default' }), { action: 'check_step', actor, stepId: 'triage', done: true, checklist }, NOW);
    expect(isRejected(again) && again.rejected).toMatch(/already done/);
    const missing = decide(incident({ runbook: 'default' }), { action: 'check_step', actor, stepId: 'nope', done: true, checklist }, NOW);
    expect(isRejected(missing) && missing.rejected).toMatch(/no step "nope"/);
  });
});

describe('decide: alert-driven moves', () => {
  it('auto-resolves an open incident, not a resolved one', () => {
    const r = decide(incident({ status: 'acknowledged' }), { action: 'alerts_resolved', alertCount: 3 }, NOW);
    if (isRejected(r)) throw new Error(r.rejected);
    expect(r.incident.status).toBe('resolved');
    expect(r.incident.resolvedBy).toBe('system');
    expect(r.timeline[0]).toMatchObject({ type: 'auto_resolved', actor: 'system' });
    expect(r.timeline[0]?.message).toContain('all 3 alerts resolved');
    expect(isRejected(decide(incident({ status: 'resolved' }), { action: 'alerts_resolved', alertCount: 1 }, NOW))).toBe(true);
  });

  it('reopens a resolved incident and brings a mitigated one back to acknowledged', () => {
    const reopened = decide(incident({ status: 'resolved', resolvedAt: at(60) }), { action: 'alert_fired', title: 'HighErrorRate' }, NOW);
    expect(!isRejected(reopened) && reopened.incident).toMatchObject({ status: 'triggered', reopenCount: 1, resolvedAt: at(60) });
    const back = decide(incident({ status: 'mitigated' }), { action: 'alert_fired', title: 'HighErrorRate' }, NOW);
    expect(!isRejected(back) && back.incident.status).toBe('acknowledged');
    expect(isRejected(decide(incident({ status: 'closed' }), { action: 'alert_fired', title: 'x' }, NOW))).toBe(true);
  });
});
