// Reminders, as pure functions: which reminder is due at `now`, under a key the
// caller stores once it is sent. A schedule that fires twice computes the same
// keys, so it sends nothing new. No clock, no Slack: the caller does both.
import type { Policy } from './policy';
import type { Postmortem } from './postmortem';
import { calendarDaysBetween, localTime } from './timeZones';
import type { Incident } from './types';

const MINUTE_MS = 60_000;

export interface UnacknowledgedReminder {
  /** `${incidentId}:unack:${n}` (after a reopen: `${incidentId}:reopen${k}:unack:${n}`). */
  key: string;
  /** n: the n-th reminder, 1 for the first. */
  level: number;
  /** From `policy.reminders.unacknowledged.escalation` (may be empty: no mention). */
  mention: string;
}

/**
 * The reminder due at `now` for an incident nobody has acknowledged: one per
 * `everyMinutes` period, the n-th period (n ≥ 1) starting at
 * createdAt + n·everyMinutes. Null before the first period, for any status but
 * `triggered`, and for severities not in `reminders.unacknowledged.severities`.
 * Drills are not filtered: where they are announced is the caller's business.
 *
 * A reopened incident (reopenCount k > 0, back in `triggered`) counts its
 * periods from the reopen (`statusChangedAt`) under keys of its own, so it
 * starts again at the first level instead of jumping to the last.
 */
export function unacknowledgedReminder(incident: Incident, now: Date, policy: Policy): UnacknowledgedReminder | null {
  if (incident.status !== 'triggered') return null;
  const rule = policy.reminders.unacknowledged;
  if (!rule.severities.includes(incident.severity)) return null;
  const reopened = incident.reopenCount > 0;
  const since = reopened ? incident.statusChangedAt : incident.createdAt;
  const n = Math.floor((now.getTime() - since.getTime()) / (rule.everyMinutes * MINUTE_MS));
  if (!Number.isFinite(n) || n < 1) return null;
  const mention = rule.escalation.length ? (rule.escalation[Math.min(n - 1, rule.escalation.length - 1)] ?? '') : '';
  const prefix = reopened ? `${incident.id}:reopen${incident.reopenCount}` : incident.id;
  return { key: `${prefix}:unack:${n}`, level: n, mention };
}

export interface OverdueReminder {
  /** `${incidentId}:postmortem:${localDate}` or `${incidentId}:action:${index}:${localDate}`. */
  key: string;
  kind: 'postmortem' | 'action_item';
  incidentId: string;
  /** The postmortem's owner; for an action item its own owner, else the postmortem's. */
  owner: string | null;
  /** The incident's title for a postmortem; the action item's title for an action item. */
  title: string;
  /** The incident's title (the same as `title` for a postmortem). */
  incidentTitle: string;
  dueAt: Date;
  /** Calendar days (in the reminder time zone) from the due date to today: 0 = due earlier today. */
  daysOverdue: number;
  actionItemIndex?: number;
  drill: boolean;
}

export interface OverdueInput {
  postmortems: readonly Postmortem[];
  now: Date;
  /** IANA time zone of the daily keys and day counts (the REMINDER_TIME_ZONE param); default UTC. */
  timeZone?: string;
}

/**
 * Everything overdue at `now`: postmortems not yet published whose due date has
 * passed, and action items not done whose due date has passed (in any
 * postmortem, published or not). Keys are daily (now's local date in the time
 * zone), so one reminder per item per local day. Input order is kept.
 */
export function overdueReminders({ postmortems, now, timeZone }: OverdueInput): OverdueReminder[] {
  const tz = timeZone ?? 'Etc/UTC';
  const today = localTime(now, tz).date;
  const out: OverdueReminder[] = [];
  for (const pm of postmortems) {
    const base = { incidentId: pm.incidentId, incidentTitle: pm.title, drill: pm.drill ?? false };
    if (pm.status !== 'published' && pm.dueAt && pm.dueAt.getTime() < now.getTime()) {
      out.push({
        ...base,
        key: `${pm.incidentId}:postmortem:${today}`,
        kind: 'postmortem',
        owner: pm.owner,
        title: pm.title,
        dueAt: pm.dueAt,
        daysOverdue: calendarDaysBetween(pm.dueAt, now, tz),
      });
    }
    (pm.actionItems ?? []).forEach((item, index) => {
      if (item.done || !item.dueAt || item.dueAt.getTime() >= now.getTime()) return;
      out.push({
        ...base,
        key: `${pm.incidentId}:action:${index}:${today}`,
        kind: 'action_item',
        owner: item.owner ?? pm.owner,
        title: item.title,
        dueAt: item.dueAt,
        daysOverdue: calendarDaysBetween(item.dueAt, now, tz),
        actionItemIndex: index,
      });
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Plain-language text (Slack formatting is done elsewhere).

/** `slack:U123` → `<@U123>`; anything else as it is. */
export const mentionOf = (who: string) => (who.startsWith('slack:') ? `<@${who.slice('slack:'.length)}>` : who);

const overdueBy = (days: number) => (days <= 0 ? 'was due today' : `is ${days} day${days === 1 ? '' : 's'} overdue`);

/** `Postmortem for "Checkout down" is 2 days overdue (owner <@U1>)`. */
export function overdueReminderText(r: OverdueReminder): string {
  const owner = r.owner ? `owner ${mentionOf(r.owner)}` : 'no owner yet';
  const what = r.kind === 'postmortem' ? `Postmortem for "${r.title}"` : `Action item "${r.title}" from the postmortem for "${r.incidentTitle}"`;
  return `${what} ${overdueBy(r.daysOverdue)} (${owner})`;
}

/** `<!here> "Checkout down" (SEV1) is still unacknowledged after 10 min (reminder 2)`. */
export function unacknowledgedReminderText(incident: Incident, r: UnacknowledgedReminder, policy: Policy): string {
  const minutes = r.level * policy.reminders.unacknowledged.everyMinutes;
  const text = `"${incident.title}" (${incident.severity}) is still unacknowledged after ${minutes} min (reminder ${r.level})`;
  return r.mention ? `${r.mention} ${text}` : text;
}
