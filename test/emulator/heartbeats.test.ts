// A heartbeat on the emulators (test/config/heartbeats.yaml: emulator-heartbeat,
// every 5 s with 1 s of grace, service heartbeat-test). Each ping reschedules
// its one check task; a missed deadline raises an alert of source `heartbeat`
// through the normal path (severity rules: `critical` is SEV1); the next ping
// resolves it, while the job keeps pinging. The test ends on a second miss, so
// the heartbeat stays quiet (a missed heartbeat waits for its next ping) for
// the files that run after it.
import { describe, expect, it } from 'vitest';
import { bearer, db, incidentsOf, post, timelineOf, waitFor, waitForIncident } from '../support/emulator';

const NAME = 'emulator-heartbeat';
const SERVICE = 'heartbeat-test';
const DEADLINE_MS = 6_000; // interval + grace

const ping = (headers: Record<string, string> = bearer()) => post(`heartbeat/${NAME}`, '', headers);
const state = async () => (await db().collection('heartbeats').doc(NAME).get()).data() ?? null;

describe('a heartbeat on the emulators', () => {
  it('refuses a ping without the alert token, and a name the config does not hold', async () => {
    expect((await ping({})).status).toBe(401);
    const unknown = await post('heartbeat/no-such-job', '', bearer());
    expect(unknown).toMatchObject({ status: 404, body: { error: 'no heartbeat named "no-such-job" in config/heartbeats.yaml' } });
    expect(await state()).toBeNull(); // neither started watching anything
  });

  it('misses, raises an incident through the normal path, and the next ping resolves it', { timeout: 90_000 }, async () => {
    const first = await ping();
    expect(first.status).toBe(200);
    const pingedAt = Date.parse(String(first.body.pingedAt));
    expect(first.body).toMatchObject({ heartbeat: NAME, resolved: false, nextCheckAt: new Date(pingedAt + DEADLINE_MS).toISOString() });
    expect(await state()).toMatchObject({ generation: 1, missed: false, lastPingAt: pingedAt });
    // A second ping before the deadline reschedules the check; the first generation's task then finds nothing to do.
    const second = await ping();
    const secondAt = Date.parse(String(second.body.pingedAt));
    expect(await state()).toMatchObject({ generation: 2, missed: false });

    const incident = await waitForIncident(SERVICE, (i) => i.status === 'triggered', 30_000);
    const openedAt = (incident.createdAt as FirebaseFirestore.Timestamp).toMillis();
    expect(openedAt).toBeGreaterThanOrEqual(secondAt + DEADLINE_MS);
    expect(incident).toMatchObject({ source: 'heartbeat', severity: 'SEV1', title: `Heartbeat ${NAME} missed`, alertCount: 1, firingCount: 1 });
    const alerts = await db().collection(`incidents/${incident.id}/alerts`).get();
    expect(alerts.docs.map((d) => [d.get('fingerprint'), d.get('status'), d.get('labels').heartbeat])).toEqual([[`heartbeat:${NAME}`, 'firing', NAME]]);
    expect(await state()).toMatchObject({ generation: 2, missed: true, missedGeneration: 2 });

    const recovery = await ping();
    expect(recovery.body).toMatchObject({ resolved: true });
    // The job runs again: it keeps pinging (well within the 6 s deadline) while the resolve reaches the
    // incident through the normal roll-up; only the first ping after the miss resolves anything.
    const answers: { status: number; resolved: unknown }[] = [];
    const resolved = await waitFor(
      async () => {
        const again = await ping();
        answers.push({ status: again.status, resolved: again.body.resolved });
        return (await incidentsOf(SERVICE)).find((i) => i.id === incident.id && i.status === 'resolved');
      },
      'the incident to resolve while the job keeps pinging',
      30_000,
      2_000,
    );
    expect(answers.length).toBeGreaterThanOrEqual(1);
    expect(answers).toEqual(answers.map(() => ({ status: 200, resolved: false })));
    expect(resolved.firingCount).toBe(0);
    expect((await db().doc(`incidents/${incident.id}/alerts/${alerts.docs[0]?.id}`).get()).get('status')).toBe('resolved');
    expect((await timelineOf(incident.id)).map((e) => e.type)).toEqual(expect.arrayContaining(['incident_opened', 'alert_resolved', 'auto_resolved']));
    const live = await state();
    expect(live).toMatchObject({ missed: false, missedGeneration: null });
    expect(live?.generation).toBe(3 + answers.length); // two pings, the recovery, and the job's pings since

    // The job stops: the next deadline reopens the same incident (within the reopen window), and then the heartbeat waits for a ping.
    const reopened = await waitForIncident(SERVICE, (i) => i.id === incident.id && i.reopenCount === 1, 30_000);
    expect(reopened.status).toBe('triggered');
    expect(await state()).toMatchObject({ generation: live?.generation, missed: true, missedGeneration: live?.generation });
    expect(await incidentsOf(SERVICE)).toHaveLength(1);
    await waitFor(async () => (await timelineOf(incident.id)).some((e) => e.type === 'reopened'), 'the reopen on the timeline', 10_000);
    console.log(`heartbeat: deadline ${new Date(secondAt + DEADLINE_MS).toISOString()}, incident opened ${openedAt - secondAt - DEADLINE_MS} ms after it`);
  });
});
