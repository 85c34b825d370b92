// Status updates through the in-memory store: applied once, answered on the
// update document, refused with the reason, and the refusal told to Slack.
import { describe, expect, it } from 'vitest';
import { applyStatusUpdate } from '../../../functions/src/app/applyUpdate';
import { incident, T0 } from '../../support/factories';
import { world } from '../../support/useCases';

function seeded() {
  const w = world();
  w.store.putIncident(incident({ id: 'inc-1', severity: 'SEV2', runbook: 'default' }));
  return w;
}

describe('applyStatusUpdate', () => {
  it('acknowledges, records the timeline entry with the update id, queues the effect and answers ok', async () => {
    const w = seeded();
    w.store.putUpdate('inc-1', 'u1', { action: 'acknowledge', requestedBy: 'uid-alice' });
    const out = await applyStatusUpdate('inc-1', 'u1', w.deps);
    expect(out).toMatchObject({ ok: true, action: 'acknowledge' });
    expect(w.store.incidents.get('inc-1')).toMatchObject({ status: 'acknowledged', acknowledgedAt: T0 });
    expect(w.store.timelineOf('inc-1')).toEqual([expect.objectContaining({ id: 'update-u1-0', type: 'status_changed', actor: 'uid-alice', data: { from: 'triggered', to: 'acknowledged', updateId: 'u1' } })]);
    expect(w.store.notificationsOf('inc-1').map((n) => [n.id, n.kind])).toEqual([['inc-1_update-u1_0', 'status_changed']]);
    expect(w.store.updates.get('inc-1/u1')).toMatchObject({ result: { ok: true }, processedAt: T0 });
  });

  it('applies an update once, however often its trigger runs', async () => {
    const w = seeded();
    w.store.putUpdate('inc-1', 'u1', { action: 'note', requestedBy: 'uid-alice', message: 'rolled back' });
    await applyStatusUpdate('inc-1', 'u1', w.deps);
    const again = await applyStatusUpdate('inc-1', 'u1', w.deps);
    expect(again).toMatchObject({ ok: true, duplicate: true });
    expect(w.store.timelineOf('inc-1')).toHaveLength(1);
    expect(w.store.notificationsOf('inc-1')).toHaveLength(1);
  });

  it('refuses a move the lifecycle forbids, leaves the incident as it was, and replies in Slack', async () => {
    const w = seeded();
    w.store.putUpdate('inc-1', 'u2', { action: 'close', requestedBy: 'uid-alice', via: 'slack' });
    w.store.slackResponses.set('u2', 'https://hooks.slack.test/r');
    const out = await applyStatusUpdate('inc-1', 'u2', w.deps);
    expect(out).toMatchObject({ ok: false, reason: 'cannot close a triggered incident: resolve it first' });
    expect(w.store.incidents.get('inc-1')?.status).toBe('triggered');
    expect(w.store.timelineOf('inc-1')).toEqual([]);
    expect(w.store.updates.get('inc-1/u2')).toMatchObject({ result: { ok: false, reason: 'cannot close a triggered incident: resolve it first' } });
    expect([...w.store.notifications.values()].map((n) => [n.id, n.effect])).toEqual([
      ['u2_reply', { kind: 'slack_reply', responseUrl: 'https://hooks.slack.test/r', text: 'Could not close: cannot close a triggered incident: resolve it first' }],
    ]);
  });

  it('ticks a checklist step and stores who did it', async () => {
    const w = seeded();
    w.store.checklists.set('inc-1', new Map([['triage', { id: 'triage', text: 'Triage', order: 0, section: null, done: false, doneBy: null, doneAt: null }]]));
    w.store.putUpdate('inc-1', 'u3', { action: 'check_step', requestedBy: 'uid-bob', step: 'triage', done: true });
    expect(await applyStatusUpdate('inc-1', 'u3', w.deps)).toMatchObject({ ok: true });
    expect(w.store.checklists.get('inc-1')?.get('triage')).toMatchObject({ done: true, doneBy: 'uid-bob', doneAt: T0 });
  });

  it('answers an update for an incident that does not exist, and one that is invalid', async () => {
    const w = seeded();
    w.store.putUpdate('gone', 'u4', { action: 'acknowledge', requestedBy: 'uid-alice' });
    expect(await applyStatusUpdate('gone', 'u4', w.deps)).toMatchObject({ ok: false, reason: 'incident gone does not exist' });
    w.store.putUpdate('inc-1', 'u5', { action: 'set_severity', requestedBy: 'uid-alice', severity: 'SEV9' });
    expect(await applyStatusUpdate('inc-1', 'u5', w.deps)).toMatchObject({ ok: false, reason: 'invalid update: severity: severity must be SEV1, SEV2, SEV3 or SEV4' });
    expect(await applyStatusUpdate('inc-1', 'missing', w.deps)).toMatchObject({ ok: false, duplicate: true, reason: 'update not found' });
  });
});
