// Use case: deliver the outbox. Each notification document is delivered by a
// retried trigger (and by Cloud Tasks for rescheduled attempts), one incident
// at a time and in order, with every Slack step recorded as soon as Slack
// answers (app/slackDelivery.ts). Every failure counts as an attempt, and
// after MAX_ATTEMPTS the notification is failed with its error, never
// dropped silently. A 429 waits for Retry-After; a 5xx backs off; a token
// Slack no longer accepts holds every delivery until it works again; no token
// means "skipped", with the reason.
import { randomUUID } from 'node:crypto';
import { backoffMs, isTerminal, MAX_ATTEMPTS, type NotificationDoc, STANDALONE_KINDS, TOKEN_ERRORS, TRANSIENT_SLACK_ERRORS } from '../domain/outbox';
import type { SlackConfig } from '../domain/slack/slackConfig';
import { log } from '../adapters/logs';
import { type SlackPort, SlackCallFailed } from '../adapters/slack';
import type { Clock, IncidentStore, OutboxStore, TaskPort } from './ports';
import { deliverStandalone, deliverToSlack, type SlackSettings } from './slackDelivery';
import { BEYOND_SLACK_STEP, deliverBeyondSlack, hasPartBeyondSlack, type StakeholderDeps } from './stakeholderDelivery';

export type { SlackSettings } from './slackDelivery';

export const DELIVERY_QUEUE = 'deliverNotification';
/** Longer than a delivery can run (its function's timeout is 60 s), so a live delivery never loses its lease. */
export const LEASE_MS = 90_000;
/** A delivery drains at most this long, then hands over to a new task. */
const DRAIN_MS = 45_000;
const BUSY_RETRY_MS = 2_000;
/** How long deliveries wait before trying a token Slack refused. */
export const OUTAGE_PROBE_MS = 5 * 60_000;

export interface OutboxDeps {
  outbox: OutboxStore;
  store: IncidentStore;
  tasks: TaskPort;
  clock: Clock;
  settings: SlackSettings;
  slackConfig: SlackConfig;
  slack: (token: string) => SlackPort;
  /** The status page, the mail collection and their settings: the part of a notification beyond Slack (app/stakeholderDelivery.ts). */
  stakeholders?: StakeholderDeps;
}

/** Schedules a delivery attempt (Cloud Tasks; deduplicated by the id). */
async function scheduleDelivery(deps: OutboxDeps, notificationId: string, at: Date, tag: string): Promise<void> {
  await deps.tasks.enqueue(DELIVERY_QUEUE, { notificationId }, { id: `deliver-${notificationId}-${tag}`, at });
}

export async function deliverNotification(notificationId: string, deps: OutboxDeps): Promise<void> {
  const now = () => deps.clock.now();
  const n = await deps.outbox.notification(notificationId);
  if (!n || isTerminal(n.status)) return;
  // The status page and the mails first, whatever Slack's state: no token or a refused one holds neither.
  if ((await beyondSlack(notificationId, n, deps)) === 'wait') return;
  if (!deps.settings.token) {
    await deps.outbox.update(notificationId, { status: 'skipped', lastError: 'SLACK_BOT_TOKEN is not set: Slack notifications are off', finishedAt: now() });
    log.notification({ notificationId, incidentId: n.incidentId, status: 'skipped', attempts: n.attempts, error: 'no SLACK_BOT_TOKEN' });
    return;
  }
  if (n.notBefore.getTime() > now().getTime() + 500) {
    await scheduleDelivery(deps, notificationId, n.notBefore, `at-${n.notBefore.getTime()}`);
    return;
  }
  const holder = randomUUID();
  if (!(await deps.outbox.acquireLease(n.incidentId, holder, new Date(now().getTime() + LEASE_MS), now()))) {
    // Another delivery for this incident is running; it delivers in order. Look again shortly.
    await scheduleDelivery(deps, notificationId, new Date(now().getTime() + BUSY_RETRY_MS), `busy-${Math.floor(now().getTime() / BUSY_RETRY_MS)}`);
    return;
  }
  try {
    await drain(n.incidentId, deps);
  } finally {
    await deps.outbox.releaseLease(n.incidentId, holder);
  }
}

/** Delivers the incident's due notifications in order, until one must wait. */
async function drain(incidentId: string, deps: OutboxDeps): Promise<void> {
  const now = () => deps.clock.now();
  const deadline = now().getTime() + DRAIN_MS;
  for (const { id, doc } of await deps.outbox.pendingOf(incidentId)) {
    if (now().getTime() > deadline) {
      await scheduleDelivery(deps, id, now(), `resume-${now().getTime()}`);
      return;
    }
    if (doc.notBefore.getTime() > now().getTime() + 500) continue; // its own task will come
    if (doc.nextAttemptAt && doc.nextAttemptAt.getTime() > now().getTime() + 500) return; // keep the order: wait for it
    if ((await deliverOne(id, doc, deps)) === 'wait') return;
  }
}

/**
 * The part of a notification beyond Slack (app/stakeholderDelivery.ts), once:
 * 'wait' when it failed (the notification is retried later, like a Slack failure).
 */
async function beyondSlack(id: string, n: NotificationDoc, deps: OutboxDeps): Promise<'done' | 'wait'> {
  if (!hasPartBeyondSlack(n) || BEYOND_SLACK_STEP in (n.progress ?? {})) return 'done';
  try {
    if (!deps.stakeholders) {
      if (n.kind !== 'status_published') return 'done'; // no mail lists to reach
      throw new Error('this delivery has no status page settings (app/compose.ts outboxDeps): the public update cannot be published');
    }
    const loaded = await deps.store.incident(n.incidentId);
    if (!loaded) return 'done'; // the Slack part fails it with the reason
    await deliverBeyondSlack(id, n, loaded.incident, { ...deps.stakeholders, outbox: deps.outbox });
    return 'done';
  } catch (e) {
    return failed(id, n, n.attempts + 1, e, deps);
  }
}

async function deliverOne(id: string, n: NotificationDoc, deps: OutboxDeps): Promise<'done' | 'wait'> {
  const now = () => deps.clock.now();
  if ((await beyondSlack(id, n, deps)) === 'wait') return 'wait';
  const outage = await deps.outbox.outage();
  if (outage && outage.probeAt.getTime() > now().getTime()) {
    // Slack refused the token: nothing is sent until a probe succeeds; this waits, with no attempt spent.
    await deps.outbox.update(id, { status: 'retrying', lastError: `held: Slack refused the bot token (${outage.error}) since ${outage.since.toISOString()}`, nextAttemptAt: outage.probeAt });
    await scheduleDelivery(deps, id, outage.probeAt, `outage-${outage.probeAt.getTime()}`);
    return 'wait';
  }
  const attempts = n.attempts + 1;
  if (STANDALONE_KINDS.includes(n.kind)) {
    try {
      await deliverStandalone({ slack: deps.slack(deps.settings.token ?? ''), settings: deps.settings, config: deps.slackConfig, notification: n, notificationId: id, progress: { ...(n.progress ?? {}) }, outbox: deps.outbox });
      await deps.outbox.update(id, { status: 'sent', attempts, lastError: null, sentAt: now(), nextAttemptAt: null });
      log.notification({ notificationId: id, incidentId: n.incidentId, status: 'sent', attempts });
      return 'done';
    } catch (e) {
      return failed(id, n, attempts, e, deps);
    }
  }
  const loaded = await deps.store.incident(n.incidentId);
  if (!loaded) {
    await deps.outbox.update(id, { status: 'failed', attempts, lastError: `incident ${n.incidentId} no longer exists`, finishedAt: now() });
    log.notification({ notificationId: id, incidentId: n.incidentId, status: 'failed', attempts, error: 'incident missing' });
    return 'done';
  }
  const ctx = {
    slack: deps.slack(deps.settings.token ?? ''),
    settings: deps.settings,
    config: deps.slackConfig,
    incident: loaded.incident,
    notificationId: id,
    notification: n,
    progress: { ...(n.progress ?? {}) },
    outbox: deps.outbox,
    store: deps.store,
    clock: deps.clock,
    stakeholders: deps.stakeholders,
  };
  try {
    await deliverToSlack(ctx);
    await deps.outbox.update(id, { status: 'sent', attempts, lastError: null, sentAt: now(), nextAttemptAt: null });
    if (outage) {
      await deps.outbox.setOutage(null);
      log.info('Slack accepts the bot token again: held notifications are being delivered', { event: 'slack_outage_over', since: outage.since.toISOString() });
    }
    log.notification({ notificationId: id, incidentId: n.incidentId, status: 'sent', attempts });
    return 'done';
  } catch (e) {
    return failed(id, n, attempts, e, deps);
  }
}

async function failed(id: string, n: NotificationDoc, attempts: number, e: unknown, deps: OutboxDeps): Promise<'done' | 'wait'> {
  const now = deps.clock.now();
  const message = e instanceof Error ? e.message : String(e);
  const o = e instanceof SlackCallFailed ? e.outcome : null;
  if (o?.kind === 'platform_error' && TOKEN_ERRORS.has(o.error)) {
    // Not this notification's fault: the whole channel is out. Hold everything, probe again later.
    const probeAt = new Date(now.getTime() + OUTAGE_PROBE_MS);
    const previous = await deps.outbox.outage();
    await deps.outbox.setOutage({ since: previous?.since ?? now, error: o.error, probeAt });
    log.error(`Slack refused the bot token (${o.error}): every notification is held until it works again (SLACK_BOT_TOKEN, the app's scopes)`, { event: 'slack_outage', error: o.error, notificationId: id });
    await deps.outbox.update(id, { status: 'retrying', lastError: message, nextAttemptAt: probeAt });
    await scheduleDelivery(deps, id, probeAt, `outage-${probeAt.getTime()}`);
    return 'wait';
  }
  const permanent = o?.kind === 'platform_error' && !TRANSIENT_SLACK_ERRORS.has(o.error);
  if (permanent || attempts >= MAX_ATTEMPTS) {
    await deps.outbox.update(id, { status: 'failed', attempts, lastError: message, finishedAt: now });
    log.error(`notification failed for good after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${message}`, { event: 'notification_failed', notificationId: id, incidentId: n.incidentId, attempts });
    return 'done';
  }
  // Rate limited, a Slack 5xx, or anything else (our own bug, Firestore trouble): try again later, in order.
  const at = new Date(now.getTime() + backoffMs(attempts, o?.kind === 'rate_limited' ? o.retryAfterSeconds : null));
  await deps.outbox.update(id, { status: 'retrying', attempts, lastError: message, nextAttemptAt: at });
  await scheduleDelivery(deps, id, at, `attempt-${attempts}`);
  log.notification({ notificationId: id, incidentId: n.incidentId, status: 'retrying', attempts, error: message });
  return 'wait';
}

/** How long a due notification may wait before the re-drive picks it up (its trigger or task was lost). */
export const STALL_MS = 2 * 60_000;

/** The scheduled re-drive: notifications still pending or retrying well after their time get a delivery task. */
export async function redriveStalled(deps: Pick<OutboxDeps, 'outbox' | 'tasks' | 'clock'>): Promise<number> {
  const now = deps.clock.now();
  const ids = await deps.outbox.stalled(new Date(now.getTime() - STALL_MS), 200);
  const minute = Math.floor(now.getTime() / 60_000);
  for (const id of ids) await deps.tasks.enqueue(DELIVERY_QUEUE, { notificationId: id }, { id: `deliver-${id}-redrive-${minute}` });
  if (ids.length) log.warn(`re-drove ${ids.length} stalled notification${ids.length === 1 ? '' : 's'}`, { event: 'outbox_redrive', count: ids.length });
  return ids.length;
}
