// The roll-up use case through the in-memory store: counts, auto-resolve,
// the coalesced Slack slot, and optimistic commits that never double-apply.
import { describe, expect, it } from 'vitest';
import { ingestAlertMessage } from '../../../functions/src/app/ingestAlerts';
import { applyStatusUpdate } from '../../../functions/src/app/applyUpdate';
import { rollupIncident } from '../../../functions/src/app/rollupIncident';
import { message, world } from '../../support/useCases';

const alert = (fingerprint: string, status = 'firing') => ({ title: 'Pod not ready', service: 'web', environment: 'production', severity: 'warning', fingerprint, status, labels: { alertname: 'PodNotReady' } });

describe('rollupIncident', () => {
  it('folds the alert documents into the counts, once per second', async () => {
    const w = world();
    await ingestAlertMessage(message('m1', alert('a')), w.ingest);
    for (const [i, f] of ['b', 'c', 'd'].entries()) await ingestAlertMessage(message(`m${i + 2}`, alert(f)), w.ingest);
    expect(await rollupIncident('inc-1', 100, w.deps)).toBe('rolled_up');
    expect(w.store.incidents.get('inc-1')).toMatchObject({ alertCount: 4, firingCount: 4, rolledUpFor: 100, status: 'triggered' });
    expect(await rollupIncident('inc-1', 100, w.deps)).toBe('stale');
    expect(await rollupIncident('inc-1', 101, w.deps)).toBe('unchanged');
    const slots = w.store.notificationsOf('inc-1').filter((n) => n.kind === 'alerts_changed');
    expect(slots.map((n) => n.id)).toEqual(['inc-1_alerts_0']);
  });

  it('resolves the incident when every alert resolved, with one status notification', async () => {
    const w = world();
    await ingestAlertMessage(message('m1', alert('a')), w.ingest);
    await ingestAlertMessage(message('m2', alert('b')), w.ingest);
    await rollupIncident('inc-1', 10, w.deps);
    w.clock.advance(60);
    await ingestAlertMessage(message('m3', alert('a', 'resolved')), w.ingest);
    await ingestAlertMessage(message('m4', alert('b', 'resolved')), w.ingest);
    expect(await rollupIncident('inc-1', 70, w.deps)).toBe('rolled_up');
    expect(w.store.incidents.get('inc-1')).toMatchObject({ status: 'resolved', resolvedBy: 'system', firingCount: 0 });
    expect(w.store.timelineOf('inc-1').at(-1)).toMatchObject({ id: 'rollup-70-0', type: 'auto_resolved', message: 'triggered → resolved: all 2 alerts resolved' });
    expect(w.store.notificationsOf('inc-1').filter((n) => n.kind === 'status_changed')).toHaveLength(1);
  });

  it('reads again when the incident changed under it, and applies its counts once', async () => {
    const w = world();
    await ingestAlertMessage(message('m1', alert('a')), w.ingest);
    await ingestAlertMessage(message('m2', alert('b')), w.ingest);
    const realCommit = w.store.commitIfUnchanged.bind(w.store);
    let first = true;
    w.store.commitIfUnchanged = async (d, version) => {
      if (first) {
        // Someone acknowledges the incident between the roll-up's read and its commit.
        first = false;
        const current = w.store.incidents.get('inc-1');
        if (current) w.store.putIncident({ ...current, status: 'acknowledged' });
      }
      return realCommit(d, version);
    };
    expect(await rollupIncident('inc-1', 5, w.deps)).toBe('rolled_up');
    expect(w.store.counts.conflicts).toBe(1);
    expect(w.store.incidents.get('inc-1')).toMatchObject({ status: 'acknowledged', alertCount: 2, rolledUpFor: 5 });
    expect(w.store.notificationsOf('inc-1').filter((n) => n.kind === 'alerts_changed')).toHaveLength(1);
  });

  it('a responder resolves with alerts still firing: a roll-up that lands after the resolve leaves it resolved', async () => {
    const w = world();
    await ingestAlertMessage(message('m1', alert('a')), w.ingest);
    await ingestAlertMessage(message('m2', alert('b')), w.ingest);
    w.clock.advance(5);
    w.store.putUpdate('inc-1', 'u1', { action: 'resolve', requestedBy: 'uid-1' });
    expect(await applyStatusUpdate('inc-1', 'u1', w.deps)).toMatchObject({ ok: true });
    w.clock.advance(1);
    expect(await rollupIncident('inc-1', 7, w.deps)).toBe('rolled_up');
    expect(w.store.incidents.get('inc-1')).toMatchObject({ status: 'resolved', alertCount: 2, firingCount: 2, reopenCount: 0 });
    expect(w.store.timelineOf('inc-1').filter((e) => e.type === 'reopened')).toEqual([]);
  });

  it('an alert whose ingest read the incident open but committed after the resolve reopens it at the roll-up', async () => {
    const w = world();
    await ingestAlertMessage(message('m1', alert('a')), w.ingest);
    // The responder's resolve commits between m2's read of the incident (open) and m2's commit.
    w.store.beforeApply = () => {
      const current = w.store.incidents.get('inc-1');
      if (current) w.store.putIncident({ ...current, status: 'resolved', resolvedAt: w.clock.now(), resolvedBy: 'uid-1', statusChangedAt: w.clock.now() });
      w.clock.advance(0.05);
    };
    await ingestAlertMessage(message('m2', alert('b')), w.ingest);
    expect(w.store.incidents.get('inc-1')?.status).toBe('resolved');
    w.clock.advance(1);
    expect(await rollupIncident('inc-1', 2, w.deps)).toBe('rolled_up');
    expect(w.store.incidents.get('inc-1')).toMatchObject({ status: 'triggered', reopenCount: 1, alertCount: 2 });
    expect(w.store.timelineOf('inc-1').at(-1)).toMatchObject({ type: 'reopened', message: 'resolved → triggered: reopened: 1 alert fired as it resolved' });
  });

  it('does nothing for an incident that is gone', async () => {
    const w = world();
    expect(await rollupIncident('nope', 5, w.deps)).toBe('missing');
  });
});
