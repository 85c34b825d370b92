// The outbox's storage: notifications/{id} documents (shape and rules in
// domain/outbox.ts). Effects of incident decisions are written with the
// decision (adapters/incidentStore.ts); notices (replies, reminders,
// reports) through here. Delivery is app/outbox.ts.
import type { DocumentData, DocumentReference } from 'firebase-admin/firestore';
import { type NotificationDoc, notificationDoc } from '../domain/outbox';
import type { NoticeToSend, OutboxStore, SlackOutage, SlackState } from '../app/ports';
import { db } from './firebase';
import { decode } from './firestoreCodec';
import { col } from './store';

/** Queues a notice in a transaction or batch; a given id makes it idempotent (create fails if it exists). */
export function queueNotice(w: { create(ref: DocumentReference, data: DocumentData): unknown }, n: NoticeToSend, at: Date): void {
  const ref = n.id ? col.notifications().doc(n.id) : col.notifications().doc();
  w.create(ref, notificationDoc(n.incidentId, n.notice, { now: at, drill: n.drill }));
}

/** The outbox on Firestore: notifications/{id}, slackState/{incidentId}, slackChannelSeq/{day-service}, outboxState/slack. */
export const firestoreOutbox: OutboxStore = {
  async notification(id) {
    const snap = await col.notifications().doc(id).get();
    return snap.exists ? decode<NotificationDoc>(snap.data()) : null;
  },

  async pendingOf(incidentId) {
    const snap = await col.notifications().where('incidentId', '==', incidentId).where('status', 'in', ['pending', 'retrying']).orderBy('createdAt').orderBy('seq').get();
    return snap.docs.map((d) => ({ id: d.id, doc: decode<NotificationDoc>(d.data()) }));
  },

  async stalled(before, limit) {
    const [pending, retrying] = await Promise.all([
      col.notifications().where('status', '==', 'pending').where('notBefore', '<=', before).limit(limit).get(),
      col.notifications().where('status', '==', 'retrying').where('nextAttemptAt', '<=', before).limit(limit).get(),
    ]);
    return [...pending.docs, ...retrying.docs].map((d) => d.id).slice(0, limit);
  },

  async update(id, patch) {
    await col.notifications().doc(id).update(patch);
  },

  async recordStep(id, step, value) {
    // A field path per step: each is written the moment Slack answered it.
    const { FieldPath } = require('firebase-admin/firestore') as typeof import('firebase-admin/firestore');
    await col.notifications().doc(id).update(new FieldPath('progress', step), value);
  },

  async acquireLease(incidentId, holder, until, now) {
    const ref = col.slackState().doc(incidentId);
    return db().runTransaction(async (tx) => {
      const s = await tx.get(ref);
      const lease = s.exists ? (decode<{ lease?: { holder: string; until: Date } | null }>(s.data()).lease ?? null) : null;
      if (lease && lease.until.getTime() > now.getTime()) return false;
      tx.set(ref, { lease: { holder, until } }, { merge: true });
      return true;
    });
  },

  async releaseLease(incidentId, holder) {
    const ref = col.slackState().doc(incidentId);
    await db().runTransaction(async (tx) => {
      const s = await tx.get(ref);
      if ((s.get('lease') as { holder?: string } | undefined)?.holder === holder) tx.update(ref, { lease: null });
    });
  },

  async slackState(incidentId) {
    const s = await col.slackState().doc(incidentId).get();
    return s.exists ? decode<SlackState>(s.data()) : {};
  },

  async saveSlackState(incidentId, patch) {
    await col.slackState().doc(incidentId).set(patch, { merge: true });
  },

  async nextChannelNumber(key) {
    const counter = db().collection('slackChannelSeq').doc(key);
    return db().runTransaction(async (tx) => {
      const c = await tx.get(counter);
      const next = ((c.get('n') as number | undefined) ?? 0) + 1;
      tx.set(counter, { n: next });
      return next;
    });
  },

  async outage() {
    const s = await db().collection('outboxState').doc('slack').get();
    const o = s.exists ? decode<{ outage?: SlackOutage | null }>(s.data()).outage : null;
    return o ?? null;
  },

  async setOutage(outage) {
    await db().collection('outboxState').doc('slack').set({ outage }, { merge: true });
  },
};
