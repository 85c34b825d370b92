// Status updates through Firestore, end to end: a responder writes
// incidents/{id}/updates/{updateId} through the security rules, onUpdateCreated
// applies it in one transaction and answers on the document.
import fs from 'node:fs';
import path from 'node:path';
import { assertFails, initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { Timestamp } from 'firebase-admin/firestore';
import { setLogLevel } from 'firebase/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStatusUpdate } from '../../functions/src/app/applyUpdate';
import { withPolicy } from '../../functions/src/app/compose';
import { withRetries } from '../../functions/src/app/retry';
import { rollupIncident } from '../../functions/src/app/rollupIncident';
import { firestoreIncidentStore } from '../../functions/src/adapters/incidentStore';
import { db, PROJECT_ID, postAlert, timelineOf, unique, waitFor, waitForIncident } from '../support/emulator';

const ROOT = path.resolve(__dirname, '..', '..');
let env: RulesTestEnvironment;

beforeAll(async () => {
  setLogLevel('silent'); // refused writes are the point here; keep their logs out of the output
  const [host, port] = (process.env.FIRESTORE_EMULATOR_HOST ?? '127.0.0.1:8080').split(':');
  env = await initializeTestEnvironment({ projectId: PROJECT_ID, firestore: { rules: fs.readFileSync(path.join(ROOT, 'firestore.rules'), 'utf8'), host, port: Number(port) } });
});
afterAll(async () => env?.cleanup());

const as = (uid: string, role?: string) => env.authenticatedContext(uid, role ? { role } : {}).firestore();

async function openIncident(severity = 'error') {
  const service = unique('payments');
  const res = await postAlert('generic', { title: `Payments failing (${service})`, service, environment: 'production', severity });
  expect(res.status).toBe(202);
  return waitForIncident(service);
}

/** Writes an update as `uid` and waits for the pipeline's answer. */
async function update(incidentId: string, uid: string, data: Record<string, unknown>) {
  const ref = as(uid, 'responder').collection(`incidents/${incidentId}/updates`).doc();
  await ref.set({ requestedBy: uid, ...data });
  return waitFor(async () => {
    const snap = await db().doc(`incidents/${incidentId}/updates/${ref.id}`).get();
    return snap.get('processedAt') ? { id: ref.id, result: snap.get('result') as { ok: boolean; reason?: string } } : undefined;
  }, `the answer to ${String(data.action)}`);
}

describe('incident lifecycle through status updates', () => {
  it("a responder's acknowledge then resolve move a triggered incident to resolved", async () => {
    const incident = await openIncident();
    expect(incident.status).toBe('triggered');
    expect(incident.severity).toBe('SEV2');

    const ack = await update(incident.id, 'uid-alice', { action: 'acknowledge' });
    expect(ack.result).toEqual({ ok: true });
    const resolve = await update(incident.id, 'uid-alice', { action: 'resolve', message: 'rolled back' });
    expect(resolve.result).toEqual({ ok: true });

    const after = (await db().doc(`incidents/${incident.id}`).get()).data() ?? {};
    expect(after.status).toBe('resolved');
    expect(after.acknowledgedAt).toBeTruthy();
    expect(after.resolvedAt).toBeTruthy();
    expect(after.resolvedAt.toMillis()).toBeGreaterThanOrEqual(after.acknowledgedAt.toMillis());
    const timeline = await timelineOf(incident.id);
    const moves = timeline.filter((e) => e.type === 'status_changed').map((e) => [e.data.from, e.data.to, e.actor]);
    expect(moves).toEqual([['triggered', 'acknowledged', 'uid-alice'], ['acknowledged', 'resolved', 'uid-alice']]);
    expect(timeline.every((e) => e.at && e.type && e.actor && e.message)).toBe(true);
  });

  it('close on an acknowledged incident is rejected with a reason, and the incident does not change', async () => {
    const incident = await openIncident();
    await update(incident.id, 'uid-alice', { action: 'acknowledge' });
    const before = (await db().doc(`incidents/${incident.id}`).get()).data();
    const timelineBefore = (await timelineOf(incident.id)).length;
    const close = await update(incident.id, 'uid-alice', { action: 'close' });
    expect(close.result).toEqual({ ok: false, reason: 'cannot close an acknowledged incident: resolve it first' });
    expect((await db().doc(`incidents/${incident.id}`).get()).data()).toEqual(before);
    expect((await timelineOf(incident.id)).length).toBe(timelineBefore);
  });

  it('set_severity overrides the rules and assign_commander names the commander', async () => {
    const incident = await openIncident('warning');
    expect(incident.severity).toBe('SEV3');
    expect((await update(incident.id, 'uid-alice', { action: 'set_severity', severity: 'SEV1', message: 'card payments down' })).result.ok).toBe(true);
    expect((await update(incident.id, 'uid-alice', { action: 'assign_commander', commander: 'uid-bob' })).result.ok).toBe(true);
    const after = (await db().doc(`incidents/${incident.id}`).get()).data() ?? {};
    expect(after).toMatchObject({ severity: 'SEV1', severitySource: 'manual', commander: 'uid-bob' });
  });

  it('the rules refuse a viewer, a direct incident or timeline write, and an update in someone else\'s name', async () => {
    const incident = await openIncident();
    await assertFails(as('uid-victor', 'viewer').collection(`incidents/${incident.id}/updates`).add({ action: 'acknowledge', requestedBy: 'uid-victor' }));
    await assertFails(as('uid-alice', 'responder').doc(`incidents/${incident.id}`).update({ status: 'resolved' }));
    await assertFails(as('uid-alice', 'responder').collection(`incidents/${incident.id}/timeline`).add({ type: 'note', actor: 'uid-alice', message: 'x', at: new Date() }));
    await assertFails(as('uid-alice', 'responder').collection(`incidents/${incident.id}/updates`).add({ action: 'resolve', requestedBy: 'uid-bob' }));
  });

  it('the trigger applies an update once; applying it again by hand, twice at the same time, changes nothing', async () => {
    const incident = await openIncident();
    // Written with the Admin SDK (like the Slack adapter does): only the trigger can apply it at first,
    // so its processedAt proves that the trigger ran.
    const ref = await db().collection(`incidents/${incident.id}/updates`).add({ action: 'acknowledge', requestedBy: 'uid-carol' });
    await waitFor(async () => (await ref.get()).get('processedAt'), 'the trigger to apply the update');
    expect((await ref.get()).get('result')).toEqual({ ok: true });
    // Redeliveries, racing each other, as the trigger calls the use case (withRetries).
    const apply = () => withRetries(() => applyStatusUpdate(incident.id, ref.id, withPolicy()));
    const results = await Promise.all([apply(), apply()]);
    expect(results.map((r) => [r.ok, r.duplicate])).toEqual([
      [true, true],
      [true, true],
    ]);
    const timeline = await timelineOf(incident.id);
    expect(timeline.filter((e) => e.type === 'status_changed')).toHaveLength(1);
    const notes = await db().collection('notifications').where('incidentId', '==', incident.id).where('kind', '==', 'status_changed').get();
    expect(notes.size).toBe(1);
    expect((await db().doc(`incidents/${incident.id}`).get()).get('status')).toBe('acknowledged');
  });

  it('a roll-up after a responder resolved with the alert still firing leaves it resolved; only alerts written after the resolve count', async () => {
    const before = new Date(Date.now() - 60_000);
    const incident = await openIncident();
    expect((await update(incident.id, 'uid-alice', { action: 'resolve' })).result).toEqual({ ok: true });
    const resolvedAt = ((await db().doc(`incidents/${incident.id}`).get()).get('statusChangedAt') as Timestamp).toDate();
    const [alertDoc] = (await db().collection(`incidents/${incident.id}/alerts`).get()).docs;
    // Stamped by Firestore at the commit, not by the function's clock.
    expect(alertDoc?.get('writtenAt')).toBeInstanceOf(Timestamp);
    expect(await firestoreIncidentStore.countAlerts(incident.id, { firingWrittenAfter: resolvedAt })).toEqual({ total: 1, firing: 1, firingWrittenAfter: 0 });
    expect(await firestoreIncidentStore.countAlerts(incident.id, { firingWrittenAfter: before })).toEqual({ total: 1, firing: 1, firingWrittenAfter: 1 });
    // A roll-up for a later second than any the pipeline asked for: it counts one firing alert, and does not reopen.
    await rollupIncident(incident.id, Math.floor(Date.now() / 1000) + 3600, withPolicy());
    expect((await db().doc(`incidents/${incident.id}`).get()).data()).toMatchObject({ status: 'resolved', reopenCount: 0, firingCount: 1 });
    expect((await timelineOf(incident.id)).filter((e) => e.type === 'reopened')).toEqual([]);
  });
});
