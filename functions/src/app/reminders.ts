// Use cases of the scheduled functions: re-announce unacknowledged SEV1/SEV2
// incidents, and remind owners of overdue postmortems and action items. Each
// reminder has a key; it is sent once per key (a schedule that fires twice
// sends nothing new).
import type { Postmortem } from '../domain/postmortem';
import { overdueReminders, unacknowledgedReminder } from '../domain/reminders';
import type { Incident, Notice } from '../domain/types';
import { pipelineConfig } from '../adapters/configFiles';
import { decode } from '../adapters/firestoreCodec';
import { db } from '../adapters/firebase';
import { log } from '../adapters/logs';
import { queueNotice } from '../adapters/outbox';
import { col } from '../adapters/store';
import { usablePostmortem } from './postmortems';

/** Queues a reminder unless one with this key was already sent. */
async function sendOnce(key: string, incidentId: string, drill: boolean, notice: Notice, now: Date): Promise<boolean> {
  const marker = col.reminders().doc(key);
  return db().runTransaction(async (tx) => {
    if ((await tx.get(marker)).exists) return false;
    tx.create(marker, { incidentId, kind: notice.kind, sentAt: now });
    // Delivered now: a schedule fired "as if" at a later time (npm run remind -- --at) must not hold its posts until then.
    queueNotice(tx, { incidentId, notice, drill, id: `reminder-${key}` }, new Date(Math.min(now.getTime(), Date.now())));
    return true;
  });
}

/** Incidents read per page by the unacknowledged reminder. */
const PAGE = 200;

/**
 * Re-announces the triggered incidents of the severities the policy names,
 * once per period. Reads only those (status and severity in the query), a
 * page at a time, and sends a page's reminders in parallel. Returns the ids of
 * the incidents reminded.
 */
export async function remindUnacknowledged(now: Date = new Date()): Promise<string[]> {
  const { policy } = pipelineConfig();
  const severities = policy.reminders.unacknowledged.severities;
  const reminded: string[] = [];
  let read = 0;
  if (severities.length === 0) return reminded;
  const { FieldPath } = await import('firebase-admin/firestore');
  let query = col.incidents().where('status', '==', 'triggered').where('severity', 'in', severities).orderBy(FieldPath.documentId()).limit(PAGE);
  for (;;) {
    const snap = await query.get();
    read += snap.size;
    const sent = await Promise.all(
      snap.docs.map(async (doc) => {
        const incident = decode<Incident>({ ...doc.data(), id: doc.id });
        const r = unacknowledgedReminder(incident, now, policy);
        return r && (await sendOnce(r.key, incident.id, incident.drill, { kind: 'reminder', key: r.key, level: r.level, mention: r.mention }, now)) ? incident.id : null;
      }),
    );
    reminded.push(...sent.filter((id): id is string => id !== null));
    const last = snap.docs.at(-1);
    if (snap.size < PAGE || !last) break;
    query = query.startAfter(last.id);
  }
  log.info('unacknowledged reminders', { event: 'reminders_unacknowledged', read, sent: reminded.length });
  return reminded;
}

/** Reminds owners of overdue postmortems and action items, once per key; returns the keys sent. */
export async function remindOverdue(timeZone: string, now: Date = new Date()): Promise<string[]> {
  const snap = await col.postmortems().where('reminderDueAt', '<=', now).get();
  // Each postmortem re-validated: one bad action item is skipped (and logged), never the whole schedule.
  const postmortems = snap.docs.map((d) => usablePostmortem(d.id, decode<Postmortem>({ ...d.data(), incidentId: d.id })));
  const sent: string[] = [];
  for (const r of overdueReminders({ postmortems, now, timeZone })) {
    const notice: Notice = { kind: 'overdue', key: r.key, itemKind: r.kind, title: r.title, owner: r.owner, daysOverdue: r.daysOverdue };
    if (await sendOnce(r.key, r.incidentId, r.drill, notice, now)) sent.push(r.key);
  }
  log.info('overdue reminders', { event: 'reminders_overdue', candidates: snap.size, sent: sent.length });
  return sent;
}
