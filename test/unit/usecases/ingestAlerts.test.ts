// The ingest use case through the in-memory store: a message becomes
// incidents, alert documents, timeline entries and outbox documents, once.
import { describe, expect, it } from 'vitest';
import { ingestAlertMessage } from '../../../functions/src/app/ingestAlerts';
import { MESSAGE_IDS_KEPT } from '../../../functions/src/app/ingestBatch';
import { at } from '../../support/factories';
import { message, world } from '../../support/useCases';

const alert = (over: Record<string, unknown> = {}) => ({ title: 'Checkout error rate above 5%', service: 'checkout', environment: 'production', severity: 'critical', labels: { alertname: 'HighErrorRate' }, ...over });

describe('ingestAlertMessage', () => {
  it('opens a SEV1 incident with its runbook checklist, timeline and one outbox document', async () => {
    const w = world();
    const out = await ingestAlertMessage(message('m1', alert()), w.ingest);
    expect(out).toEqual({ status: 'ingested', incidentIds: ['inc-1'], created: ['inc-1'] });
    const incident = w.store.incidents.get('inc-1');
    expect(incident).toMatchObject({ severity: 'SEV1', status: 'triggered', service: 'checkout', alertCount: 1, firingCount: 1, runbook: 'high-error-rate' });
    expect(w.store.timelineOf('inc-1').map((e) => e.type)).toEqual(['incident_opened', 'runbook_attached']);
    expect([...(w.store.checklists.get('inc-1')?.keys() ?? [])].length).toBeGreaterThan(0);
    expect(w.store.notificationsOf('inc-1').map((n) => n.kind)).toEqual(['incident_opened']);
    expect(w.store.markers.get('m1')).toMatchObject({ alerts: 1, incidentIds: ['inc-1'], ignored: 0 });
  });

  it('a redelivered message changes nothing', async () => {
    const w = world();
    await ingestAlertMessage(message('m1', alert()), w.ingest);
    const again = await ingestAlertMessage(message('m1', alert()), w.ingest);
    expect(again.status).toBe('duplicate');
    expect(w.store.incidents.size).toBe(1);
    expect(w.store.alertsOf('inc-1').map((a) => a.occurrences)).toEqual([1]);
    expect(w.store.notifications.size).toBe(1);
  });

  it('a second alert of the group joins the incident, counts come from the roll-up task', async () => {
    const w = world();
    await ingestAlertMessage(message('m1', alert()), w.ingest);
    w.clock.advance(5);
    const out = await ingestAlertMessage(message('m2', alert({ fingerprint: 'other' })), w.ingest);
    expect(out).toEqual({ status: 'ingested', incidentIds: ['inc-1'], created: [] });
    expect(w.store.alertsOf('inc-1')).toHaveLength(2);
    expect(w.store.incidents.get('inc-1')?.alertCount).toBe(1); // the incident document was not written
    expect(w.tasks.of('rollupIncident').map((t) => [t.id, t.at])).toEqual([[`rollup-inc-1-${Math.floor(at(5).getTime() / 1000) + 1}`, new Date((Math.floor(at(5).getTime() / 1000) + 1) * 1000)]]);
  });

  it('a one-alert message for an open incident is recorded on its alert document, not on a marker, and its redelivery changes nothing', async () => {
    const w = world();
    await ingestAlertMessage(message('m1', alert()), w.ingest);
    w.clock.advance(5);
    expect(await ingestAlertMessage(message('m2', alert()), w.ingest)).toEqual({ status: 'ingested', incidentIds: ['inc-1'], created: [] });
    expect(w.store.markers.has('m2')).toBe(false);
    expect(w.store.alertsOf('inc-1').map((a) => [a.occurrences, a.messageIds])).toEqual([[2, ['m2']]]);
    const notifications = w.store.notifications.size;
    const rollups = w.tasks.of('rollupIncident').length;
    const again = await ingestAlertMessage(message('m2', alert()), w.ingest);
    expect(again).toEqual({ status: 'duplicate', incidentIds: ['inc-1'], created: [] });
    expect(w.store.alertsOf('inc-1').map((a) => a.occurrences)).toEqual([2]);
    expect(w.store.notifications.size).toBe(notifications);
    // The roll-up is asked for again (the first delivery may have died before it); the same task id keeps it one.
    expect(w.tasks.of('rollupIncident').length).toBe(rollups);
  });

  it('an alert document keeps the last few message ids: an older one redelivered among them is a duplicate, and the oldest are let go', async () => {
    const w = world();
    await ingestAlertMessage(message('m0', alert()), w.ingest);
    for (let i = 1; i <= MESSAGE_IDS_KEPT + 1; i++) {
      w.clock.advance(1);
      await ingestAlertMessage(message(`m${i}`, alert()), w.ingest);
    }
    const ids = w.store.alertsOf('inc-1')[0]?.messageIds;
    expect(ids).toEqual(Array.from({ length: MESSAGE_IDS_KEPT }, (_, i) => `m${i + 2}`));
    expect((await ingestAlertMessage(message('m3', alert()), w.ingest)).status).toBe('duplicate');
    expect(w.store.alertsOf('inc-1')[0]?.occurrences).toBe(MESSAGE_IDS_KEPT + 2);
  });

  it('a message with two alerts, or one that opens an incident, keeps its marker', async () => {
    const w = world();
    const am = (instances: string[]) => message('am-1', { version: '4', status: 'firing', alerts: instances.map((instance) => ({ status: 'firing', labels: { alertname: 'HighErrorRate', service: 'checkout', env: 'production', instance }, annotations: { summary: 'checkout failing' } })) }, { source: 'alertmanager' });
    await ingestAlertMessage({ ...am(['a']), messageId: 'am-0' }, w.ingest);
    expect(w.store.markers.has('am-0')).toBe(true);
    expect(w.store.alertsOf('inc-1')[0]?.messageIds).toBeUndefined();
    expect(await ingestAlertMessage(am(['a', 'b']), w.ingest)).toEqual({ status: 'ingested', incidentIds: ['inc-1'], created: [] });
    expect(w.store.markers.get('am-1')).toMatchObject({ alerts: 2, incidentIds: ['inc-1'] });
    expect(w.store.alertsOf('inc-1').map((a) => a.messageIds)).toEqual([undefined, undefined]);
    expect((await ingestAlertMessage(am(['a', 'b']), w.ingest)).status).toBe('duplicate');
    expect(w.store.alertsOf('inc-1').map((a) => a.occurrences).sort()).toEqual([1, 2]);
  });

  it('links the deploys of the service from the 2 hours before, and marks each deploy', async () => {
    const w = world();
    w.store.deploys.set('d1', { id: 'd1', service: 'checkout', environment: 'production', version: 'v2.14.0', deployedAt: at(-1200), url: null, author: 'alice', commit: null });
    w.store.deploys.set('old', { id: 'old', service: 'checkout', environment: 'production', version: 'v2.13.0', deployedAt: at(-3 * 3600), url: null, author: null, commit: null });
    await ingestAlertMessage(message('m1', alert()), w.ingest);
    expect(w.store.incidents.get('inc-1')?.deploys.map((d) => d.id)).toEqual(['d1']);
    expect(w.store.deploys.get('d1')?.incidentIds).toEqual(['inc-1']);
    expect(w.store.timelineOf('inc-1').map((e) => e.message)).toContain('v2.14.0 deployed 20 min before');
  });

  it('keeps a poison message with its reason, and writes nothing else', async () => {
    const w = world();
    const out = await ingestAlertMessage({ messageId: 'bad', eventId: 'e', data: Buffer.from('{not json'), attributes: { source: 'generic' } }, w.ingest);
    expect(out.status).toBe('rejected');
    expect(w.rejected.map((r) => r.id)).toEqual(['msg-bad']);
    expect(w.store.incidents.size).toBe(0);
  });

  it('counts resolved alerts of groups with no open incident on the marker, without listing them', async () => {
    const w = world();
    await ingestAlertMessage(message('m1', alert({ status: 'resolved' })), w.ingest);
    expect(w.store.incidents.size).toBe(0);
    expect(w.store.markers.get('m1')).toMatchObject({ incidentIds: [], ignored: 1 });
  });
});
