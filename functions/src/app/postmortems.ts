// Use cases: the postmortem of an incident. Created (as a draft, with a frozen
// copy of the timeline) when the incident resolves, refreshed when a reopened
// incident resolves again; its markdown follows the responders' edits; and
// publishing it closes the incident.
import { Timestamp } from 'firebase-admin/firestore';
import type { Policy } from '../domain/policy';
import { type Postmortem, planPostmortem, renderMarkdown, sanitizePostmortem } from '../domain/postmortem';
import { postmortemDraftText } from '../domain/slack/messages';
import type { Incident } from '../domain/types';
import { decode } from '../adapters/firestoreCodec';
import { db } from '../adapters/firebase';
import { log } from '../adapters/logs';
import { col, markdownRef, updatesCol } from '../adapters/store';
import type { Deps } from './ports';

/**
 * The earliest date a reminder is due for: the postmortem itself while it is
 * not published, or any action item not done. Stored on the document so the
 * daily schedule finds what is overdue with one query.
 */
export function reminderDueAt(pm: Pick<Postmortem, 'status' | 'dueAt' | 'actionItems'>): Date | null {
  const dates: Date[] = [];
  if (pm.status !== 'published' && pm.dueAt) dates.push(pm.dueAt);
  for (const item of pm.actionItems ?? []) if (!item.done && item.dueAt) dates.push(item.dueAt);
  return dates.length ? new Date(Math.min(...dates.map((d) => d.getTime()))) : null;
}

/**
 * A stored postmortem, its responder-written fields re-validated: what cannot
 * be used is left out and logged, never thrown (a retried trigger would throw
 * on every retry, and one bad write would stop the daily reminders for all).
 */
export function usablePostmortem(incidentId: string, stored: Postmortem): Postmortem {
  const { postmortem, issues } = sanitizePostmortem(stored);
  if (issues.length) log.warn('postmortem fields skipped', { event: 'postmortem_invalid', incidentId, issues });
  return postmortem;
}

/** Creates or refreshes the postmortem of a resolved incident (idempotent). */
export async function syncPostmortem(incidentId: string, timeZone: string, deps: Deps & { policy: Policy }): Promise<'created' | 'updated' | 'unchanged' | 'none'> {
  return deps.store.run(async (tx) => {
    const incident = await tx.incident(incidentId);
    if (!incident) return 'none' as const;
    const stored = await tx.postmortem(incidentId);
    const previous = stored ? usablePostmortem(incidentId, stored) : null;
    const timeline = await tx.timeline(incidentId);
    const at = deps.clock.now();
    const plan = planPostmortem({ incident, timeline, previous, now: at, policy: deps.policy, timeZone });
    if (!plan) return 'none' as const;
    if (!plan.changed) return 'unchanged' as const;
    tx.putPostmortem(incidentId, { ...plan.postmortem, reminderDueAt: reminderDueAt(plan.postmortem) }, { markdown: plan.markdown, markdownOf: plan.postmortem.updatedAt });
    const text = postmortemDraftText(plan.postmortem, { refreshed: previous !== null });
    // One message per resolution: its id names the resolution, so a retried sync sends nothing twice.
    tx.notify({ id: `${incidentId}_postmortem_${plan.postmortem.resolvedAt.getTime()}`, incidentId, drill: incident.drill, notice: { kind: 'message', text, channelOnly: true } }, at);
    return previous ? ('updated' as const) : ('created' as const);
  });
}

/**
 * After a responder edits a postmortem: keep the markdown and the reminder
 * date in step with the content, and close the incident once it is published.
 */
export async function postmortemEdited(incidentId: string, before: Postmortem | null, timeZone: string, now: () => Date = () => new Date()): Promise<void> {
  const ref = col.postmortems().doc(incidentId);
  const after = await db().runTransaction(async (tx) => {
    const [snap, exported] = await Promise.all([tx.get(ref), tx.get(markdownRef(incidentId))]);
    if (!snap.exists) {
      // Deleted (or deleted meanwhile): its export goes with it; nothing to render, nothing to close.
      if (exported.exists) tx.delete(markdownRef(incidentId));
      return null;
    }
    const stored = decode<Postmortem & { reminderDueAt?: Date | null; updatedBy?: string }>(snap.data());
    const pm = { ...usablePostmortem(incidentId, stored), reminderDueAt: stored.reminderDueAt };
    const due = reminderDueAt(pm);
    if ((due?.getTime() ?? null) !== (pm.reminderDueAt?.getTime() ?? null)) tx.update(ref, { reminderDueAt: due });
    // The export is stamped with the exact stored Timestamp (microseconds) it was rendered for, not a decoded Date.
    const updatedAt: unknown = snap.get('updatedAt');
    const markdownOf: unknown = exported.get('markdownOf');
    const markdown = renderMarkdown(pm, { timeZone });
    if (!(updatedAt instanceof Timestamp && markdownOf instanceof Timestamp && markdownOf.isEqual(updatedAt)) || exported.get('markdown') !== markdown) {
      tx.set(markdownRef(incidentId), { markdown, markdownOf: updatedAt instanceof Timestamp ? updatedAt : now() });
    }
    return stored;
  });
  if (after?.status === 'published' && before?.status !== 'published') {
    // Publishing closes the incident, through a status update like any other.
    const update = updatesCol(incidentId).doc('postmortem-published');
    await db().runTransaction(async (tx) => {
      if ((await tx.get(update)).exists) return;
      const by = typeof after.updatedBy === 'string' && after.updatedBy ? after.updatedBy : 'system';
      tx.create(update, { action: 'close', requestedBy: by, via: 'postmortem', requestedAt: now(), message: 'postmortem published' });
    });
  }
}

/** Whether an incident write means a postmortem should be created or refreshed. */
export function resolvedNow(before: Pick<Incident, 'status'> | null, after: Pick<Incident, 'status'> | null): boolean {
  return after?.status === 'resolved' && before?.status !== 'resolved';
}
