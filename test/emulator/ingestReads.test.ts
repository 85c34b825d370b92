// The ingest read path of the Firestore adapter (incidentStore.ingestReads)
// against the Firestore emulator, for one message whose alerts fall in
// several groups: a group this process knows (its guess right, or out of
// date), one it has not seen that exists, one that does not exist, and one
// that was deleted after it was seen. The pipeline's tests reach these rounds
// only by chance; here each is set up and its result checked.
import { describe, expect, it } from 'vitest';
import { firestoreIncidentStore } from '../../functions/src/adapters/incidentStore';
import { db, unique } from '../support/emulator';

const reads = (messageId: string, wanted: { groupId: string; alertIds: string[] }[]) => firestoreIncidentStore.run((tx) => tx.ingestReads(messageId, wanted));

/** What a read returned, as plain ids: groups → incident (or null), the incidents read, the alert docs read. */
const shape = (r: Awaited<ReturnType<typeof reads>>) => ({
  groups: Object.fromEntries([...r.groups].map(([g, s]) => [g, s?.incidentId ?? null])),
  incidents: [...r.incidents.keys()].sort(),
  alerts: [...r.alerts.keys()].sort(),
});

describe('ingestReads: one message, several groups', () => {
  it('reads the right group, incident and alert documents whether the group was known, out of date, unseen, missing or deleted', async () => {
    const id = unique('ir');
    const [i1, i2, i3] = [`${id}-i1`, `${id}-i2`, `${id}-i3`];
    const [gA, gB, gC, gD] = [`${id}-gA`, `${id}-gB`, `${id}-gC`, `${id}-gD`];
    const batch = db().batch();
    for (const [incident, status] of [[i1, 'triggered'], [i2, 'acknowledged'], [i3, 'triggered']] as const) batch.set(db().doc(`incidents/${incident}`), { status, service: id, title: incident });
    batch.set(db().doc(`groups/${gA}`), { incidentId: i1 });
    batch.set(db().doc(`groups/${gB}`), { incidentId: i1 });
    batch.set(db().doc(`groups/${gC}`), { incidentId: i3 });
    batch.set(db().doc(`incidents/${i1}/alerts/a1`), { status: 'firing', occurrences: 1 });
    batch.set(db().doc(`incidents/${i2}/alerts/b1`), { status: 'firing', occurrences: 1 });
    batch.set(db().doc(`incidents/${i3}/alerts/c1`), { status: 'firing', occurrences: 1 });
    await batch.commit();

    // First sight of gA and gB: both unseen, found by the plain look, held in round 2, their alerts in round 3.
    expect(shape(await reads(`${id}-m1`, [{ groupId: gA, alertIds: ['a1'] }, { groupId: gB, alertIds: ['b1'] }]))).toEqual({
      groups: { [gA]: i1, [gB]: i1 },
      incidents: [i1],
      alerts: [`${i1}/a1`],
    });

    // gB moved to i2 since: its guess (i1) is out of date. gC is unseen but exists; gD does not exist.
    await db().doc(`groups/${gB}`).set({ incidentId: i2 });
    const second = await reads(`${id}-m2`, [
      { groupId: gA, alertIds: ['a1'] },
      { groupId: gB, alertIds: ['b1'] },
      { groupId: gC, alertIds: ['c1'] },
      { groupId: gD, alertIds: ['d1'] },
    ]);
    expect(second.marker).toBeNull();
    expect(shape(second)).toEqual({
      groups: { [gA]: i1, [gB]: i2, [gC]: i3, [gD]: null },
      incidents: [i1, i2, i3],
      // b1 under the old guess i1 does not exist; under i2 it does.
      alerts: [`${i1}/a1`, `${i2}/b1`, `${i3}/c1`],
    });
    expect(second.incidents.get(i2)?.status).toBe('acknowledged');

    // gA deleted after it was seen: it reads as missing (and is forgotten); created again, it is found again.
    await db().doc(`groups/${gA}`).delete();
    expect(shape(await reads(`${id}-m3`, [{ groupId: gA, alertIds: ['a1'] }])).groups).toEqual({ [gA]: null });
    await db().doc(`groups/${gA}`).set({ incidentId: i3 });
    expect(shape(await reads(`${id}-m4`, [{ groupId: gA, alertIds: ['a1'] }]))).toEqual({ groups: { [gA]: i3 }, incidents: [i3], alerts: [] });
  });

  it('returns the marker of a message already applied', async () => {
    const id = unique('ir');
    await db().doc(`alertMessages/${id}-m`).set({ source: 'generic', eventId: 'ev-1', receivedAt: new Date(), alerts: 1, incidentIds: [`${id}-i`] });
    const r = await reads(`${id}-m`, [{ groupId: `${id}-g`, alertIds: ['x'] }]);
    expect(r.marker).toMatchObject({ source: 'generic', eventId: 'ev-1', alerts: 1, incidentIds: [`${id}-i`] });
    expect(r.marker?.receivedAt).toBeInstanceOf(Date);
    expect(shape(r).groups).toEqual({ [`${id}-g`]: null });
  });
});
