// The first vertical slice, end to end on the emulators:
// POST /alertWebhook/generic → Pub/Sub `alerts` → onAlertPublished → incident.
import { describe, expect, it } from 'vitest';
import { db, postAlert, timelineOf, unique, waitForIncident } from '../support/emulator';

describe('generic alert → incident', () => {
  it('accepts a critical production alert with the token and opens a SEV1 incident', async () => {
    const service = unique('db');
    const res = await postAlert('generic', { title: 'Disk almost full', service, environment: 'production', severity: 'critical' });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    expect(res.body.ids).toHaveLength(1);

    const incident = await waitForIncident(service);
    expect(incident.status).toBe('triggered');
    expect(incident.severity).toBe('SEV1');
    expect(incident.title).toBe('Disk almost full');
    expect(incident.environment).toBe('production');
    expect(incident.alertCount).toBe(1);
    const timeline = await timelineOf(incident.id);
    expect(timeline[0]?.type).toBe('incident_opened');
    expect(timeline[0]?.actor).toBe('system');
    expect(String(timeline[0]?.message)).toContain('Disk almost full');
  });

  it('refuses a request without the token with 401 and stores nothing', async () => {
    const service = unique('db');
    const before = (await db().collection('rejectedAlerts').count().get()).data().count;
    const res = await postAlert('generic', { title: 'Disk almost full', service, severity: 'critical' }, {});
    expect(res.status).toBe(401);
    expect(String(res.body.error)).toMatch(/unauthorized/);
    const wrong = await postAlert('generic', { title: 'Disk almost full', service }, { Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const after = (await db().collection('rejectedAlerts').count().get()).data().count;
    expect(after).toBe(before);
    expect((await db().collection('incidents').where('service', '==', service).get()).size).toBe(0);
  });
});
