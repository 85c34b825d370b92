// What an effect owes the people who are not in the incident's Slack channel:
// customers (the public status page, its subscribers' mails, and the cadence
// reminder that keeps them informed) and internal stakeholders (the email
// lists of config/slack.yaml `stakeholders:`). app/outbox.ts runs this part
// of a notification before its Slack part, and whatever Slack's state: no
// token, or a token Slack refuses, holds neither the page nor the mails.
// Every piece is idempotent (the projection knows its update ids, mails are
// created under deterministic ids, the cadence task id is deterministic), and
// the whole part is recorded as one step of the notification once done.
import type { NotificationDoc } from '../domain/outbox';
import { CADENCE_TASK, cadenceTaskId, firstCadenceTask, isPublished, statusPageOf } from '../domain/publicUpdates';
import { type StakeholderEvent, stakeholderEventOf, stakeholderMails, stakeholdersFor, stakeholderSummary, type StakeholderSummary } from '../domain/slack/stakeholders';
import type { SlackConfig } from '../domain/slack/slackConfig';
import { publicIdFor, type StatusConfig } from '../domain/statusPage';
import { statusLinks, subscriberEmails } from '../domain/statusSubscribers';
import type { Effect, Incident } from '../domain/types';
import { log } from '../adapters/logs';
import type { Clock, MailPort, OutboxStore, StatusPagePort, TaskPort } from './ports';

/** The step of a notification that records this part as done. */
export const BEYOND_SLACK_STEP = 'beyond-slack';

export interface StakeholderDeps {
  statusPage: StatusPagePort;
  mail: MailPort;
  tasks: TaskPort;
  clock: Clock;
  statusConfig: StatusConfig;
  slackConfig: SlackConfig;
  /** STATUS_LINK_SECRET: the public id of an incident and the subscribers' links (null: not set, nothing can be published). */
  secret: string | null;
  consoleUrl: string;
  /** Where Hosting serves the page (CONSOLE_URL + /status). */
  statusPageUrl: string;
}

/** Whether a notification may have a part beyond Slack: a public update, or a stakeholder event (which has one when its severity has email lists). */
export function hasPartBeyondSlack(n: Pick<NotificationDoc, 'kind' | 'effect'>): boolean {
  return n.kind === 'status_published' || stakeholderEventOf(n.effect as Effect) !== null;
}

/** The public id of an incident, or an error that names the missing secret. */
function publicId(deps: StakeholderDeps, incidentId: string): string {
  if (!deps.secret) throw new Error('STATUS_LINK_SECRET is not set: public updates cannot be published (`firebase functions:secrets:set STATUS_LINK_SECRET`)');
  return publicIdFor(deps.secret, incidentId);
}

/**
 * A public update goes out: the projection (one transaction), one mail per
 * confirmed subscriber, and the first cadence reminder after it (if this is
 * still the incident's latest public update).
 */
export async function publishEffect(notificationId: string, incident: Incident, effect: Extract<Effect, { kind: 'status_published' }>, deps: StakeholderDeps): Promise<{ changed: boolean; mails: number; cadence: string | null }> {
  const now = deps.clock.now();
  const id = publicId(deps, incident.id);
  const u = effect.update;
  const result = await deps.statusPage.publish(
    { publicId: id, updateId: notificationId, message: u.message, title: u.title, componentStatus: u.componentStatus, phase: u.phase, resolved: u.phase === 'resolved', at: effect.at },
    now,
  );
  if (!result.ok) {
    // The state machine checked the update against the same config: a refusal here is a config change in between. Nothing to retry.
    log.error(`the status page refused a public update the state machine accepted: ${result.reason}`, { event: 'status_refused', incidentId: incident.id, notificationId, reason: result.reason });
    return { changed: false, mails: 0, cadence: null };
  }
  const links = statusLinks(deps.statusPageUrl, deps.secret ?? '', now);
  const mails = await deps.mail.create(subscriberEmails(result, await deps.statusPage.subscribers(), links));
  const next = statusPageOf(incident).lastPublishedAt?.getTime() === effect.at.getTime() ? firstCadenceTask(incident) : null;
  let cadence: string | null = null;
  if (next) {
    cadence = cadenceTaskId(next.task);
    await deps.tasks.enqueue(CADENCE_TASK, { ...next.task }, { id: cadence, at: next.at });
  }
  log.info('public update published', { event: 'status_published', incidentId: incident.id, notificationId, changed: result.changed, phase: u.phase, mails, cadence });
  return { changed: result.changed, mails, cadence };
}

/** The summary of `event` for stakeholders, with what the incident published (the public message is the impact in words). */
export function summaryFor(incident: Incident, event: StakeholderEvent, deps: Pick<StakeholderDeps, 'statusConfig' | 'secret' | 'consoleUrl' | 'statusPageUrl'>, now: Date): StakeholderSummary {
  const s = statusPageOf(incident);
  const published = isPublished(incident);
  const name = (id: string) => deps.statusConfig.components.find((c) => c.id === id)?.name ?? id;
  const anchor = published && deps.secret ? `#incident-${publicIdFor(deps.secret, incident.id)}` : '';
  return stakeholderSummary(incident, event, {
    impact: s.message,
    components: Object.entries(s.componentStatus).map(([id, status]) => ({ name: name(id), status })),
    nextUpdateAt: published && s.phase !== 'resolved' && incident.status !== 'resolved' && incident.status !== 'closed' ? s.nextUpdateDueAt : null,
    now,
    consoleUrl: deps.consoleUrl,
    statusPageUrl: published ? `${deps.statusPageUrl}${anchor}` : null,
  });
}

/**
 * Runs the notification's part beyond Slack once: returns quickly when it has
 * none or it is done, throws when a piece failed (the caller retries the
 * notification; the pieces done are idempotent).
 */
export async function deliverBeyondSlack(notificationId: string, n: NotificationDoc, incident: Incident, deps: StakeholderDeps & { outbox: OutboxStore }): Promise<void> {
  if (!hasPartBeyondSlack(n) || BEYOND_SLACK_STEP in (n.progress ?? {})) return;
  const effect = n.effect as Effect;
  const event = stakeholderEventOf(effect);
  const emails = event ? stakeholdersFor(deps.slackConfig, incident, event).emails : [];
  if (effect.kind !== 'status_published' && emails.length === 0) return; // nothing beyond Slack: no step to record
  let done: Record<string, unknown> = {};
  if (effect.kind === 'status_published') done = await publishEffect(notificationId, incident, effect, deps);
  if (event && emails.length) {
    const created = await deps.mail.create(stakeholderMails(summaryFor(incident, event, deps, deps.clock.now()), emails, notificationId));
    log.info('stakeholder summary mailed', { event: 'stakeholder_mailed', incidentId: incident.id, notificationId, kind: event.kind, emails: emails.length, created });
    done = { ...done, stakeholderMails: created };
  }
  n.progress = { ...(n.progress ?? {}), [BEYOND_SLACK_STEP]: done };
  await deps.outbox.recordStep(notificationId, BEYOND_SLACK_STEP, done);
}
