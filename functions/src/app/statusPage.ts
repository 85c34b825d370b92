// Use cases: the status page's projection. `publishPublicUpdate` is what the
// publish effect calls: it reads the statusPage/ documents, applies the public
// update with the pure applyPublicUpdate, and writes the result in one
// transaction; `queueSubscriberEmails` then creates one `mail` document per
// confirmed subscriber. Both are idempotent (a retried effect changes nothing).
import type { Transaction } from 'firebase-admin/firestore';
import { pipelineConfig } from '../adapters/configFiles';
import { db } from '../adapters/firebase';
import { decode } from '../adapters/firestoreCodec';
import { log } from '../adapters/logs';
import {
  applyPublicUpdate,
  type ComponentHistory,
  type PublicIncident,
  type PublicUpdateInput,
  type PublicUpdateResult,
  STATUS_PATHS,
  type StatusConfig,
  type StatusPageState,
  type StatusSummary,
  statusReadPaths,
} from '../domain/statusPage';
import { type PublishedUpdate, type Subscriber, type StatusLinks, subscriberEmails } from '../domain/statusSubscribers';
import { createMails } from '../adapters/mail';
import type { StatusPagePort } from './ports';

export const STATUS_COLLECTIONS = { subscribers: 'statusSubscribers' } as const;

/** Reads what applyPublicUpdate needs, inside `tx`. */
export async function readStatusState(tx: Transaction, config: StatusConfig, publicId: string): Promise<StatusPageState> {
  const paths = statusReadPaths(config, publicId);
  const historyIds = Object.keys(paths.history);
  const refs = [paths.summary, paths.incident, ...historyIds.map((id) => paths.history[id] as string)].map((p) => db().doc(p));
  const [summary, incident, ...history] = await tx.getAll(...refs);
  return {
    summary: summary?.exists ? decode<StatusSummary>(summary.data()) : null,
    incident: incident?.exists ? decode<PublicIncident>(incident.data()) : null,
    history: Object.fromEntries(historyIds.flatMap((id, i) => (history[i]?.exists ? [[id, decode<ComponentHistory>(history[i]?.data())]] : []))),
  };
}

/**
 * Applies a public update to the statusPage/ documents in one transaction.
 * A rejection (unknown component, empty message...) is returned, not thrown:
 * the caller records it on the update.
 */
export async function publishPublicUpdate(input: PublicUpdateInput, now: Date = new Date(), config: StatusConfig = pipelineConfig().status): Promise<PublicUpdateResult> {
  const result = await db().runTransaction(async (tx) => {
    const state = await readStatusState(tx, config, input.publicId);
    const r = applyPublicUpdate(state, input, config, now);
    if (r.ok) for (const w of r.writes) tx.set(db().doc(w.path), w.data);
    return r;
  });
  if (result.ok) log.info('status page updated', { event: 'status_published', publicId: input.publicId, changed: result.changed, phase: result.update.phase, writes: result.writes.length });
  else log.warn('status page update refused', { event: 'status_refused', publicId: input.publicId, reason: result.reason });
  return result;
}

/** Every confirmed subscriber, read in pages. */
export async function confirmedSubscribers(pageSize = 500): Promise<Subscriber[]> {
  const out: Subscriber[] = [];
  let query = db().collection(STATUS_COLLECTIONS.subscribers).where('status', '==', 'confirmed').orderBy('__name__').limit(pageSize);
  for (;;) {
    const snap = await query.get();
    for (const d of snap.docs) out.push({ id: d.id, email: String(d.get('email')), status: 'confirmed' });
    const last = snap.docs[snap.docs.length - 1];
    if (snap.size < pageSize || !last) return out;
    query = query.startAfter(last);
  }
}

/** One mail per confirmed subscriber for a published update (idempotent). */
export async function queueSubscriberEmails(published: PublishedUpdate, links: StatusLinks): Promise<number> {
  const mails = subscriberEmails(published, await confirmedSubscribers(), links);
  const created = await createMails(mails);
  log.info('status update mailed', { event: 'status_mailed', publicId: published.incident.publicId, subscribers: mails.length, created });
  return created;
}

/** The summary and the most recently updated public incidents, for the feed. */
export async function readStatusFeedData(limit = 20): Promise<{ summary: StatusSummary | null; incidents: PublicIncident[] }> {
  const [summary, incidents] = await Promise.all([
    db().doc(STATUS_PATHS.summary).get(),
    db().collection(STATUS_PATHS.incidents).orderBy('updatedAt', 'desc').limit(limit).get(),
  ]);
  return {
    summary: summary.exists ? decode<StatusSummary>(summary.data()) : null,
    incidents: incidents.docs.map((d) => decode<PublicIncident>(d.data())),
  };
}

/** The status page port on Firestore (app/ports.ts), for the outbox's publishing (app/stakeholderDelivery.ts). */
export const firestoreStatusPage: StatusPagePort = {
  publish: (input, now) => publishPublicUpdate(input, now),
  subscribers: () => confirmedSubscribers(),
};
