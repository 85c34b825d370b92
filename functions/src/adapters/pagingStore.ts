// PagingStore on Firestore (app/pagingPorts.ts):
//   users/{uid}                         people's contact methods and notification rules (they write them)
//   oncallOverrides/{id}                who covers whom (responders write them)
//   incidents/{id}/pages/{pageId}       each channel attempt of a page
//   incidents/{id}/paging/c{cycle}      where an escalation stands
//   mail/{id}                           emails for the Trigger Email extension (written by adapters/mail.ts)
//   smsReplyCodes/{phone}               the reply codes in use on a number (pipeline only)
//   pageAcks/{key}                      single-use keys of acknowledgement links and SMS replies (pipeline only)
//   oncallHandoffs/{id}                 hand-over DMs sent (pipeline only)
import type { DocumentData } from 'firebase-admin/firestore';
import { assignReplyCode } from '../domain/smsReplies';
import { type Incident, OPEN_STATUSES } from '../domain/types';
import type { EscalationState, PageRecord, PagingStore } from '../app/pagingPorts';
import { db } from './firebase';
import { createMails } from './mail';
import { decode } from './firestoreCodec';
import { col, incidentRef, updatesCol } from './store';

export const PAGING_COLLECTIONS = {
  users: 'users',
  overrides: 'oncallOverrides',
  replyCodes: 'smsReplyCodes',
  acks: 'pageAcks',
  handoffs: 'oncallHandoffs',
} as const;

const users = () => db().collection(PAGING_COLLECTIONS.users);
const pagesCol = (incidentId: string) => incidentRef(incidentId).collection('pages');
const escalationRef = (incidentId: string, cycle: number) => incidentRef(incidentId).collection('paging').doc(`c${cycle}`);
/** Document ids hold no `/`; a phone number is `+` and digits. */
const phoneDoc = (phone: string) => db().collection(PAGING_COLLECTIONS.replyCodes).doc(phone.replace(/[^+0-9]/g, '_'));

interface ReplyCodesDoc {
  /** incidentId → its code on this number and its latest page there. */
  open?: Record<string, { code: number | null; pageId: string; at: Date }>;
}

const ALREADY_EXISTS = 6;

export const firestorePaging: PagingStore = {
  async user(uid) {
    const snap = await users().doc(uid).get();
    return snap.exists ? (decode<Record<string, unknown>>(snap.data()) ?? {}) : null;
  },

  async usersByPhone(phone) {
    const snap = await users().where('phone', '==', phone).limit(5).get();
    return snap.docs.map((d) => ({ uid: d.id, data: decode<Record<string, unknown>>(d.data()) }));
  },

  async names(uids) {
    const out = new Map<string, string>();
    const unique = [...new Set(uids)].filter((u) => u && !u.includes('/'));
    if (unique.length === 0) return out;
    for (const s of await db().getAll(...unique.map((u) => users().doc(u)), { fieldMask: ['name'] })) {
      const name: unknown = s.get('name');
      if (s.exists && typeof name === 'string' && name.trim()) out.set(s.id, name.trim());
    }
    return out;
  },

  async overrides(since) {
    const snap = await db().collection(PAGING_COLLECTIONS.overrides).where('end', '>', since).limit(500).get();
    return snap.docs.map((d) => ({ id: d.id, data: decode<DocumentData>(d.data()) }));
  },

  async createOverride(doc) {
    const ref = db().collection(PAGING_COLLECTIONS.overrides).doc();
    await ref.create(doc);
    return ref.id;
  },

  async pagesOf(incidentId, of) {
    const snap = await pagesCol(incidentId).where('cycle', '==', of.cycle).where('level', '==', of.level).where('round', '==', of.round).where('uid', '==', of.uid).get();
    return snap.docs.map((d) => ({ ...decode<PageRecord>(d.data()), pageId: d.id }));
  },

  async page(incidentId, pageId) {
    const snap = await pagesCol(incidentId).doc(pageId).get();
    return snap.exists ? { ...decode<PageRecord>(snap.data()), pageId } : null;
  },

  async putPage(incidentId, page) {
    const { pageId, ...data } = page;
    await pagesCol(incidentId).doc(pageId).set(data);
  },

  async markPageAcknowledged(incidentId, pageId, via, at) {
    const ref = pagesCol(incidentId).doc(pageId);
    await db().runTransaction(async (tx) => {
      if ((await tx.get(ref)).exists) tx.update(ref, { status: 'acknowledged', acknowledgedAt: at, via });
    });
  },

  async escalation(incidentId, cycle) {
    const snap = await escalationRef(incidentId, cycle).get();
    return snap.exists ? decode<EscalationState>(snap.data()) : null;
  },

  async saveEscalation(incidentId, state) {
    await escalationRef(incidentId, state.cycle).set(state);
  },

  async queueMail(id, mail) {
    return (await createMails([{ id, data: mail }])) === 1;
  },

  async assignReplyCode(phone, page, stillWaiting) {
    const ref = phoneDoc(phone);
    // Which incidents still wait is read before the transaction (a plain read of
    // a few incidents): holding them in it would lock every incident paged on this number.
    const first = await ref.get();
    const known = Object.keys(decode<ReplyCodesDoc>(first.data() ?? {}).open ?? {});
    const waiting = await stillWaiting(known.filter((id) => id !== page.incidentId));
    return db().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      const open = { ...(decode<ReplyCodesDoc>(snap.data() ?? {}).open ?? {}) };
      for (const id of Object.keys(open)) if (id !== page.incidentId && !waiting.has(id) && known.includes(id)) delete open[id];
      const inUse = Object.fromEntries(Object.entries(open).filter(([id]) => id !== page.incidentId && open[id]?.code != null).map(([id, e]) => [String(e.code), id]));
      const mine = open[page.incidentId]?.code ?? null;
      const code = mine ?? assignReplyCode(inUse, page.incidentId);
      open[page.incidentId] = { code, pageId: page.pageId, at: page.at };
      tx.set(ref, { open, updatedAt: page.at });
      return code;
    });
  },

  async smsPages(phone) {
    const snap = await phoneDoc(phone).get();
    const open = decode<ReplyCodesDoc>(snap.data() ?? {}).open ?? {};
    return Object.entries(open).map(([incidentId, e]) => ({ incidentId, pageId: e.pageId, replyCode: e.code ?? null, at: e.at }));
  },

  async releaseReplyCode(phone, incidentId) {
    const { FieldPath, FieldValue } = require('firebase-admin/firestore') as typeof import('firebase-admin/firestore');
    const ref = phoneDoc(phone);
    await db().runTransaction(async (tx) => {
      if ((await tx.get(ref)).exists) tx.update(ref, new FieldPath('open', incidentId), FieldValue.delete());
    });
  },

  async acknowledgeOnce(w) {
    const batch = db().batch();
    batch.create(db().collection(PAGING_COLLECTIONS.acks).doc(w.claimId), { incidentId: w.incidentId, updateId: w.updateId, at: w.at, via: w.update.via ?? null, uid: w.update.requestedBy ?? null });
    batch.create(updatesCol(w.incidentId).doc(w.updateId), w.update);
    try {
      await batch.commit();
      return 'written';
    } catch (e) {
      if ((e as { code?: unknown }).code === ALREADY_EXISTS) return 'used';
      throw e;
    }
  },

  async drillParticipants(drillId) {
    const snap = await col.drills().doc(drillId).get();
    const list: unknown = snap.get('participants');
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : null;
  },

  async openIncidents() {
    const snap = await col.incidents().where('status', 'in', [...OPEN_STATUSES]).orderBy('createdAt', 'desc').limit(50).get();
    return snap.docs.map((d) => decode<Incident>({ ...d.data(), id: d.id }));
  },

  async claimHandoff(id, data) {
    try {
      await db().collection(PAGING_COLLECTIONS.handoffs).doc(id).create(data);
      return true;
    } catch (e) {
      if ((e as { code?: unknown }).code === ALREADY_EXISTS) return false;
      throw e;
    }
  },

  async releaseHandoff(id) {
    await db().collection(PAGING_COLLECTIONS.handoffs).doc(id).delete();
  },
};

/** At most this many page documents are read to score a drill (a drill pages a few people, a few channels each). */
const DRILL_PAGES_LIMIT = 200;

/** Every page of an incident and the escalation state of each cycle (a drill's score reads them; bounded). */
export async function incidentPaging(incidentId: string): Promise<{ pages: PageRecord[]; escalations: EscalationState[] }> {
  const [pages, states] = await Promise.all([pagesCol(incidentId).limit(DRILL_PAGES_LIMIT).get(), incidentRef(incidentId).collection('paging').limit(20).get()]);
  return {
    pages: pages.docs.map((d) => ({ ...decode<PageRecord>(d.data()), pageId: d.id })),
    escalations: states.docs.map((d) => decode<EscalationState>(d.data())),
  };
}
