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
    queueNotice(tx, { incidentId, notice, drill, id: `reminder-${key}` }, now);
    return true;
  });
}

export async function remindUnacknowledged(now: Date = new Date()): Promise<number> {
  const { policy } = pipelineConfig();
  const snap = await col.incidents().where('status', '==', 'triggered').get();
  let sent = 0;
  for (const doc of snap.docs) {
    const incident = decode<Incident>({ ...doc.data(), id: doc.id });
    const r = unacknowledgedReminder(incident, now, policy);
    if (r && (await sendOnce(r.key, incident.id, incident.drill, { kind: 'reminder', key: r.key, level: r.level, mention: r.mention }, now))) sent++;
  }
  log.info('unacknowledged reminders', { event: 'reminders_unacknowledged', open: snap.size, sent });
  return sent;
}

export async function remindOverdue(timeZone: string, now: Date = new Date()): Promise<number> {
  const snap = await col.postmortems().where('reminderDueAt', '<=', now).get();
  // Each postmortem re-validated: one bad action item is skipped (and logged), never the whole schedule.
  const postmortems = snap.docs.map((d) => usablePostmortem(d.id, decode<Postmortem>({ ...d.data(), incidentId: d.id })));
  let sent = 0;
  for (const r of overdueReminders({ postmortems, now, timeZone })) {
    const notice: Notice = { kind: 'overdue', key: r.key, itemKind: r.kind, title: r.title, owner: r.owner, daysOverdue: r.daysOverdue };
    if (await sendOnce(r.key, r.incidentId, r.drill, notice, now)) sent++;
  }
  log.info('overdue reminders', { event: 'reminders_overdue', candidates: snap.size, sent });
  return sent;
}
