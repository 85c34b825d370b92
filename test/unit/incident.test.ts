import { describe, expect, it } from 'vitest';
import { decide, type DecideContext, type IncidentCommand, isRejected, TRANSITIONS, type Decision } from '../../functions/src/domain/incident';
import { DEFAULT_INCIDENT_POLICY } from '../../functions/src/domain/lifecycle';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../functions/src/domain/types';
import { at, incident, T0 } from '../support/factories';

const NOW: DecideContext = { now: at(300), policy: DEFAULT_INCIDENT_POLICY, cause: 'update-u1' };
const when = (t: Date): DecideContext => ({ ...NOW, now: t });
const effectsOf = (d: Decision) => d.effects.map((e) => e.effect);
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
    expect(d.timeline[0]).toMatchObject({ id: 'update-u1-0', at: NOW.now, type: 'status_changed', actor, data: { from, to } });
    expect(d.effects).toEqual([{ id: 'inc-1_update-u1_0', effect: { kind: 'status_changed', from, to, actor, reason: null }, notBefore: null, coalesced: false }]);
    expect(d.incident.statusChangedAt).toEqual(NOW.now);
    expect(d.changed).toBe(true);
  });
});

describe('decide: stamps and reasons', () => {
  it('stamps each …At only on the first entry into that state', () => {
    let i = incident();
    const steps: [StatusAction, number][] = [['acknowledge', 10], ['mitigate', 20], ['acknowledge', 30], ['resolve', 40], ['reopen', 50], ['resolve', 60]];
    for (const [a, s] of steps) {
      const r = decide(i, command(a), when(at(s)));
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
    expect(effectsOf(r)).toEqual([{ kind: 'severity_changed', from: 'SEV2', to: 'SEV1', actor }]);
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
    expect(r.checklist).toEqual([{ id: 'roles', text: 'Declare roles', order: 1, section: null, done: true, doneBy: actor, doneAt: NOW.now }]);
    expect(r.timeline[0]?.message).toBe('step 2 done: Declare roles (2/3)');
    expect(effectsOf(r)[0]).toMatchObject({ kind: 'step_checked', progress: { done: 2, total: 3 } });
    const again = decide(incident({ runbook: 'default' }), { action: 'check_step', actor, stepId: 'triage', done: true, checklist }, NOW);
    expect(isRejected(again) && again.rejected).toMatch(/already done/);
    const missing = decide(incident({ runbook: 'default' }), { action: 'check_step', actor, stepId: 'nope', done: true, checklist }, NOW);
    expect(isRejected(missing) && missing.rejected).toMatch(/no step "nope"/);
  });
});

describe('decide: alert-driven moves', () => {
  it('reopens a resolved incident within the window and brings a mitigated one back to acknowledged', () => {
    const resolved = incident({ status: 'resolved', resolvedAt: at(60), statusChangedAt: at(60) });
    const reopened = decide(resolved, { action: 'alert_fired', title: 'HighErrorRate' }, NOW);
    expect(!isRejected(reopened) && reopened.incident).toMatchObject({ status: 'triggered', reopenCount: 1, resolvedAt: at(60) });
    // 31 minutes after it resolved, the alert opens a new incident instead.
    const late = decide(resolved, { action: 'alert_fired', title: 'HighErrorRate' }, when(at(60 + 31 * 60)));
    expect(isRejected(late) && late.rejected).toMatch(/longer ago than the reopen window/);
    const back = decide(incident({ status: 'mitigated' }), { action: 'alert_fired', title: 'HighErrorRate' }, NOW);
    expect(!isRejected(back) && back.incident.status).toBe('acknowledged');
    expect(isRejected(decide(incident({ status: 'closed' }), { action: 'alert_fired', title: 'x' }, NOW))).toBe(true);
  });

  it('alert_changed adds a timeline entry without touching the incident, up to 20 alerts', () => {
    const r = decide(incident(), { action: 'alert_changed', change: 'added', title: 'Pod 3 not ready', fingerprint: 'f3', known: 3 }, NOW);
    if (isRejected(r)) throw new Error(r.rejected);
    expect(r.changed).toBe(false);
    expect(r.timeline).toEqual([{ id: 'update-u1-0', at: NOW.now, type: 'alert_added', actor: 'system', message: 'alert firing: Pod 3 not ready', data: { fingerprint: 'f3' } }]);
    expect(isRejected(decide(incident(), { action: 'alert_changed', change: 'added', title: 'Pod 21', fingerprint: 'f21', known: 21 }, NOW))).toBe(true);
  });
});

describe('decide: counts_rolled_up (auto-resolve and the reopen window, once)', () => {
  const rollup = (alertCount: number, firingCount: number, second = 10, firedAfterResolve = 0): IncidentCommand => ({ action: 'counts_rolled_up', alertCount, firingCount, second, firedAfterResolve });

  it('takes the counts and posts one coalesced "alerts changed" per slot', () => {
    const r = decide(incident({ alertCount: 1, firingCount: 1 }), rollup(5, 5), NOW);
    if (isRejected(r)) throw new Error(r.rejected);
    expect(r.incident).toMatchObject({ alertCount: 5, firingCount: 5, rolledUpFor: 10, status: 'triggered', updatedAt: NOW.now });
    // 300 s after opening: the slot that started at 150 s ends at 310 s (10, 20, 40, 80, 160 s long).
    expect(r.effects).toEqual([{ id: 'inc-1_alerts_4', effect: { kind: 'alerts_changed' }, notBefore: at(310), coalesced: true }]);
  });

  it('auto-resolves an open incident when every alert resolved, and says so', () => {
    const r = decide(incident({ status: 'acknowledged', alertCount: 3, firingCount: 1 }), rollup(3, 0), NOW);
    if (isRejected(r)) throw new Error(r.rejected);
    expect(r.incident).toMatchObject({ status: 'resolved', resolvedBy: 'system', firingCount: 0, rolledUpFor: 10 });
    expect(r.timeline[0]).toMatchObject({ type: 'auto_resolved', actor: 'system', message: 'acknowledged → resolved: all 3 alerts resolved' });
    expect(effectsOf(r)).toEqual([{ kind: 'status_changed', from: 'acknowledged', to: 'resolved', actor: 'system', reason: 'all 3 alerts resolved' }]);
  });

  it('does not auto-resolve when the policy says not to', () => {
    const r = decide(incident({ alertCount: 3, firingCount: 1 }), rollup(3, 0), { ...NOW, policy: { ...DEFAULT_INCIDENT_POLICY, autoResolve: false } });
    expect(!isRejected(r) && r.incident.status).toBe('triggered');
  });

  it('reopens a just-resolved incident for an alert written after it resolved, only within the window', () => {
    const resolved = incident({ status: 'resolved', resolvedAt: at(200), statusChangedAt: at(200), alertCount: 2, firingCount: 0 });
    const r = decide(resolved, rollup(3, 1, 10, 1), NOW);
    if (isRejected(r)) throw new Error(r.rejected);
    expect(r.incident).toMatchObject({ status: 'triggered', reopenCount: 1, firingCount: 1 });
    expect(r.timeline.map((e) => [e.type, e.message])).toEqual([['reopened', 'resolved → triggered: reopened: 1 alert fired as it resolved']]);
    const later = decide(resolved, rollup(3, 1, 10, 1), when(at(200 + 31 * 60)));
    expect(!isRejected(later) && later.incident.status).toBe('resolved');
  });

  it('a responder resolved it with alerts still firing: the counts roll up, the incident stays resolved', () => {
    const resolved = incident({ status: 'resolved', resolvedAt: at(200), resolvedBy: 'uid-1', statusChangedAt: at(200), alertCount: 297, firingCount: 297 });
    const r = decide(resolved, rollup(300, 300), NOW);
    if (isRejected(r)) throw new Error(r.rejected);
    expect(r.incident).toMatchObject({ status: 'resolved', reopenCount: 0, alertCount: 300, firingCount: 300 });
    expect(r.timeline).toEqual([]);
  });

  it('a flapping incident stops resolving by itself after flapReopens reopens, and says so once', () => {
    const flapping = incident({ status: 'triggered', reopenCount: 3, alertCount: 2, firingCount: 1 });
    const first = decide(flapping, rollup(2, 0), NOW);
    if (isRejected(first)) throw new Error(first.rejected);
    expect(first.incident).toMatchObject({ status: 'triggered', flapping: true, firingCount: 0 });
    expect(first.timeline.map((e) => [e.type, e.message])).toEqual([['flapping', 'reopened 3 times: it no longer resolves by itself while its alerts flap; resolve it by hand when it is fixed']]);
    expect(effectsOf(first).map((e) => e.kind)).toEqual(['alerts_changed', 'note_added']);
    // Later cycles say nothing more.
    const again = decide({ ...first.incident, firingCount: 1 }, rollup(2, 0, 11), NOW);
    expect(!isRejected(again) && [again.incident.status, again.timeline, effectsOf(again).map((e) => e.kind)]).toEqual(['triggered', [], ['alerts_changed']]);
    // Below the limit it still resolves by itself.
    expect(!isRejected(decide({ ...flapping, reopenCount: 2 }, rollup(2, 0), NOW)) && 'resolved').toBe('resolved');
  });

  it('refuses a stale roll-up, and one that changes nothing', () => {
    expect(decide(incident({ rolledUpFor: 10 }), rollup(4, 4, 10), NOW)).toEqual({ rejected: 'the counts of second 10 are already rolled up' });
    expect(decide(incident({ alertCount: 4, firingCount: 4 }), rollup(4, 4), NOW)).toEqual({ rejected: 'nothing changed' });
  });
});

describe('decide: birth, deploys and channels', () => {
  const alert = { source: 'alertmanager' as const, fingerprint: 'fp1', status: 'firing' as const, title: 'Checkout errors', service: 'checkout', environment: 'production', severity: 'critical', alertName: 'HighErrorRate', labels: {}, startsAt: null, endsAt: null, links: [], description: null };
  const deploy = { id: 'd1', service: 'checkout', environment: 'production', version: 'v2.14.0', deployedAt: at(-600), url: null, author: null, commit: null };

  it('open creates the incident with its runbook checklist and preceding deploys on the timeline', () => {
    const step = { id: 'triage', text: 'Triage', order: 0, section: null, done: false, doneBy: null, doneAt: null };
    const r = decide(null, { action: 'open', id: 'inc-9', groupKey: 'k', alert, severity: 'SEV1', route: { channels: [], mentions: [], invite: [] }, drillId: null, runbook: { id: 'checkout', title: 'Checkout' }, checklist: [step], deploys: [deploy], links: [] }, { ...NOW, cause: 'msg-m1-g0-0' });
    if (isRejected(r)) throw new Error(r.rejected);
    expect(r.incident).toMatchObject({ id: 'inc-9', status: 'triggered', severity: 'SEV1', runbook: 'checkout', deploys: [deploy], postmortemRequired: true, createdAt: NOW.now, drill: false });
    expect(r.timeline.map((e) => [e.id, e.type, e.message])).toEqual([
      ['msg-m1-g0-0-0', 'incident_opened', 'SEV1 incident opened by alertmanager alert "Checkout errors"'],
      ['msg-m1-g0-0-1', 'runbook_attached', 'runbook "Checkout" attached (1 steps)'],
      ['msg-m1-g0-0-2', 'deploy_linked', 'v2.14.0 deployed 15 min before'],
    ]);
    expect(r.checklist).toEqual([step]);
    expect(r.effects).toEqual([{ id: 'inc-9_msg-m1-g0-0_0', effect: { kind: 'incident_opened' }, notBefore: null, coalesced: false }]);
    expect(decide(incident(), { action: 'open', id: 'inc-1', groupKey: 'k', alert, severity: 'SEV1', route: { channels: [], mentions: [], invite: [] }, drillId: null, runbook: null, checklist: [], deploys: [], links: [] }, NOW)).toEqual({ rejected: 'incident inc-1 already exists' });
  });

  it('deploy_linked adds a deploy once', () => {
    const r = decide(incident(), { action: 'deploy_linked', deploy: { ...deploy, deployedAt: at(120) } }, NOW);
    if (isRejected(r)) throw new Error(r.rejected);
    expect(r.incident.deploys.map((d) => d.id)).toEqual(['d1']);
    expect(r.timeline[0]).toMatchObject({ type: 'deploy_linked', message: 'v2.14.0 deployed during the incident (2 min after it opened)' });
    expect(effectsOf(r)[0]).toMatchObject({ kind: 'deploy_linked' });
    expect(decide(r.incident, { action: 'deploy_linked', deploy }, NOW)).toEqual({ rejected: 'deploy d1 is already linked' });
  });

  it('channel_created records the channel once', () => {
    const r = decide(incident(), { action: 'channel_created', channelId: 'C1', name: 'inc-20261130-checkout-1' }, NOW);
    expect(!isRejected(r) && [r.incident.slack, r.timeline[0]?.message, r.effects]).toEqual(['C1', 'Slack channel #inc-20261130-checkout-1 created', []]);
    expect(isRejected(decide(incident({ slack: 'C1' }), { action: 'channel_created', channelId: 'C1', name: 'x' }, NOW))).toBe(true);
  });
});
