// A silence on the emulators: written as the console writes it, it holds the
// alerts that fit (kept in silencedAlerts, counted, no incident, no Slack),
// and at its end a Cloud Task releases the ones still firing: they open their
// incidents then, through the normal path; one that resolved meanwhile opens
// nothing. A short silence, so the release comes within seconds.
import { FieldValue } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { db, incidentsOf, publish, slackCallsFor, timelineOf, unique, waitFor, waitForIncident, warmAlertWorkers } from '../support/emulator';

/** Long enough for the alerts to arrive inside it on a busy machine (a cold ingest takes seconds), short enough to wait for. */
const SILENCE_SECONDS = 30;
// (measured: the four alerts are held within 3 s of the silence's start on an idle machine, within 20 s under a load average of 17 on 2 cores)

async function heldOf(service: string) {
  const snap = await db().collection('silencedAlerts').where('service', '==', service).get();
  return snap.docs.map((d) => ({ id: d.id, ...d.data() }) as Record<string, unknown> & { id: string });
}

describe('a silence on the emulators', () => {
  it('holds what fits, then releases what still fires when it ends', { timeout: 120_000 }, async () => {
    await warmAlertWorkers(2);
    const service = unique('silenced');
    const startsAt = new Date();
    const endsAt = new Date(startsAt.getTime() + SILENCE_SECONDS * 1000);
    const ref = db().collection('silences').doc();
    // What the console writes (the rules check it; the Admin SDK here writes it as-is).
    await ref.set({ matchers: { service }, startsAt, endsAt, createdBy: 'uid-rita', comment: 'database migration', createdAt: FieldValue.serverTimestamp() });

    const firing = { title: 'Replication lag high', service, environment: 'production', severity: 'critical', labels: { alertname: 'ReplicationLag' } };
    const flapping = { title: 'Connections saturated', service, environment: 'production', severity: 'critical', labels: { alertname: 'Connections' } };
    // Straight onto the topic (the webhook is not what this tests, and its first request is a cold start).
    // Pub/Sub does not keep order between the workers: a resolve published right after its firing can be
    // ingested first (and resolves nothing), so the second round goes out once the first is held.
    await Promise.all([flapping, firing].map((body) => publish('alerts', body, { source: 'generic' })));
    await waitFor(async () => (await heldOf(service)).length === 2, 'the first two alerts held', 30_000);
    await Promise.all([{ ...flapping, status: 'resolved' }, firing].map((body) => publish('alerts', body, { source: 'generic' })));
    const held = await waitFor(async () => {
      const h = await heldOf(service);
      const first = h.find((r) => r.title === firing.title);
      return h.length === 2 && first?.occurrences === 2 && h.find((r) => r.title === flapping.title)?.status === 'resolved' ? h : undefined;
    }, 'two held alerts, the first counted twice, the second resolved', 30_000);
    expect(held.map((h) => [h.title, h.silenceId, h.holdKey]).sort()).toEqual([
      [flapping.title, ref.id, `silence:${ref.id}`],
      [firing.title, ref.id, `silence:${ref.id}`],
    ]);
    // Everything came inside the silence (and was held, not opened): nothing opened, nobody was told before its end.
    for (const h of held) expect((h.lastSeenAt as FirebaseFirestore.Timestamp).toMillis(), 'the alerts reach the pipeline within the silence').toBeLessThan(endsAt.getTime());
    expect((await incidentsOf(service)).filter((i) => (i.createdAt as FirebaseFirestore.Timestamp).toMillis() < endsAt.getTime())).toEqual([]);
    expect((await slackCallsFor(service)).filter((c) => c.at < endsAt.getTime())).toEqual([]);

    // At the end, the release task: the alert still firing opens its incident then.
    const incident = await waitForIncident(service, () => true, SILENCE_SECONDS * 1000 + 30_000);
    const releasedAt = Date.now();
    expect((incident.createdAt as FirebaseFirestore.Timestamp).toMillis()).toBeGreaterThanOrEqual(endsAt.getTime());
    expect(incident).toMatchObject({ title: firing.title, severity: 'SEV1', status: 'triggered', storm: false });
    expect((await timelineOf(incident.id))[0]).toMatchObject({ type: 'incident_opened' });
    const after = await waitFor(async () => {
      const h = await heldOf(service);
      return h.find((r) => r.title === firing.title)?.status === 'released' ? h : undefined;
    }, 'the held record to say released', 30_000);
    expect(after.find((h) => h.title === firing.title)).toMatchObject({ status: 'released', incidentId: incident.id, occurrences: 2 });
    expect(after.find((h) => h.title === flapping.title)).toMatchObject({ status: 'resolved', incidentId: null });
    // Only the one that still fired: the resolved one opened nothing.
    expect((await incidentsOf(service)).map((i) => i.title)).toEqual([firing.title]);
    const announced = await waitFor(async () => (await slackCallsFor(service)).find((c) => c.method === 'chat.postMessage' && c.args.channel === '#incidents'), 'the announcement', 30_000);
    expect(announced.at).toBeGreaterThanOrEqual(endsAt.getTime());
    console.log(`silence: ended ${new Date(endsAt).toISOString()}, incident seen ${releasedAt - endsAt.getTime()} ms later`);
  });
});
