// Use case: deliver the outbox. Each notification document is delivered by a
// retried trigger (and by Cloud Tasks for rescheduled attempts), one incident
// at a time and in order, with every Slack step recorded so a retry never
// repeats what already went out. A 429 reschedules the delivery after
// Retry-After; a 5xx backs off; no token means "skipped", with the reason.
import { createHash, randomUUID } from 'node:crypto';
import type { Effect, Incident, Notice, OutboxPayload } from '../domain/types';
import { incidentChannelName, slug } from '../domain/slack/channelName';
import { announcement, channelTopic, overduePost, reminderPost, statusPost, type SlackMessage } from '../domain/slack/messages';
import { routeFor, type SlackConfig } from '../domain/slack/slackConfig';
import { pipelineConfig } from '../adapters/configFiles';
import { decode } from '../adapters/firestoreCodec';
import { db } from '../adapters/firebase';
import { log } from '../adapters/logs';
import { type SlackPort, SlackCallFailed, slackClient } from '../adapters/slack';
import { col, readIncident } from '../adapters/store';
import { enqueueTask } from '../adapters/tasks';

export const DELIVERY_QUEUE = 'deliverNotification';
export const MAX_ATTEMPTS = 12;
const LEASE_MS = 90_000;
const BUSY_RETRY_MS = 2_000;
/** Platform errors that are worth another try. */
const TRANSIENT_SLACK_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'team_added_to_org']);

export interface SlackSettings {
  token: string | null;
  apiUrl: string;
  incidentsChannel: string;
  trainingChannel: string;
  consoleUrl: string;
}

export type NotificationStatus = 'pending' | 'retrying' | 'sent' | 'skipped' | 'failed';

export interface NotificationDoc {
  incidentId: string;
  kind: string;
  effect: OutboxPayload;
  drill: boolean;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  notBefore: Date;
  seq: number;
  progress?: Record<string, unknown>;
}

/** Per-incident Slack state (slackState/{incidentId}): what already exists in Slack. */
interface SlackState {
  channelId?: string;
  channelName?: string;
  createAttempted?: string;
  topic?: string;
  invited?: string[];
  announcement?: { channel: string; ts: string };
  /** A digest of the announcement as last sent, to skip updates that change nothing. */
  announced?: string;
  routed?: Record<string, string>;
  lease?: { holder: string; until: Date } | null;
}

const TERMINAL: NotificationStatus[] = ['sent', 'skipped', 'failed'];

/** Schedules a delivery attempt (Cloud Tasks; deduplicated by the id). */
async function scheduleDelivery(notificationId: string, at: Date, tag: string): Promise<void> {
  await enqueueTask(DELIVERY_QUEUE, { notificationId }, { id: `deliver-${notificationId}-${tag}`, at });
}

export async function deliverNotification(notificationId: string, settings: SlackSettings, now: () => Date = () => new Date()): Promise<void> {
  const ref = col.notifications().doc(notificationId);
  const snap = await ref.get();
  if (!snap.exists) return;
  const n = decode<NotificationDoc>(snap.data());
  if (TERMINAL.includes(n.status)) return;
  if (n.notBefore.getTime() > now().getTime() + 500) {
    await scheduleDelivery(notificationId, n.notBefore, `at-${n.notBefore.getTime()}`);
    return;
  }
  if (!settings.token) {
    await ref.update({ status: 'skipped', lastError: 'SLACK_BOT_TOKEN is not set: Slack notifications are off', finishedAt: now() });
    log.notification({ notificationId, incidentId: n.incidentId, status: 'skipped', attempts: n.attempts, error: 'no SLACK_BOT_TOKEN' });
    return;
  }
  const holder = randomUUID();
  const stateRef = col.slackState().doc(n.incidentId);
  const got = await db().runTransaction(async (tx) => {
    const s = await tx.get(stateRef);
    const lease = s.exists ? (decode<SlackState>(s.data()).lease ?? null) : null;
    if (lease && lease.until.getTime() > now().getTime()) return false;
    tx.set(stateRef, { lease: { holder, until: new Date(now().getTime() + LEASE_MS) } }, { merge: true });
    return true;
  });
  if (!got) {
    // Another delivery for this incident is running; it delivers in order. Look again shortly.
    await scheduleDelivery(notificationId, new Date(now().getTime() + BUSY_RETRY_MS), `busy-${Math.floor(now().getTime() / BUSY_RETRY_MS)}`);
    return;
  }
  try {
    await drain(n.incidentId, settings, now);
  } finally {
    await db().runTransaction(async (tx) => {
      const s = await tx.get(stateRef);
      if ((s.get('lease') as { holder?: string } | undefined)?.holder === holder) tx.update(stateRef, { lease: null });
    });
  }
}

/** Delivers the incident's due notifications in order, until one must wait. */
async function drain(incidentId: string, settings: SlackSettings, now: () => Date): Promise<void> {
  const deadline = now().getTime() + 45_000;
  const pending = await col
    .notifications()
    .where('incidentId', '==', incidentId)
    .where('status', 'in', ['pending', 'retrying'])
    .orderBy('createdAt')
    .orderBy('seq')
    .get();
  for (const doc of pending.docs) {
    if (now().getTime() > deadline) {
      await scheduleDelivery(doc.id, now(), `resume-${now().getTime()}`);
      return;
    }
    const n = decode<NotificationDoc>(doc.data());
    if (n.notBefore.getTime() > now().getTime() + 500) continue; // its own task will come
    const nextAttemptAt = (doc.get('nextAttemptAt') as { toDate(): Date } | undefined)?.toDate();
    if (nextAttemptAt && nextAttemptAt.getTime() > now().getTime() + 500) return; // keep the order: wait for it
    const outcome = await deliverOne(doc.id, n, settings, now);
    if (outcome === 'wait') return;
  }
}

async function deliverOne(id: string, n: NotificationDoc, settings: SlackSettings, now: () => Date): Promise<'done' | 'wait'> {
  const ref = col.notifications().doc(id);
  const attempts = n.attempts + 1;
  const progress: Record<string, unknown> = { ...(n.progress ?? {}) };
  const incident = await readIncident(null, n.incidentId);
  if (!incident) {
    await ref.update({ status: 'failed', attempts, lastError: `incident ${n.incidentId} no longer exists`, finishedAt: now() });
    return 'done';
  }
  const slack = slackClient(settings.token ?? '', settings.apiUrl);
  const ctx: DeliveryContext = { slack, settings, config: pipelineConfig().slack, incident, notification: n, progress, now, stateRef: col.slackState().doc(n.incidentId) };
  try {
    await perform(ctx);
    await ref.update({ status: 'sent', attempts, lastError: null, progress, sentAt: now(), nextAttemptAt: null });
    log.notification({ notificationId: id, incidentId: n.incidentId, status: 'sent', attempts });
    return 'done';
  } catch (e) {
    if (!(e instanceof SlackCallFailed)) {
      await ref.update({ progress, attempts, lastError: String((e as Error).message ?? e) });
      throw e; // a bug or Firestore trouble: let the trigger retry
    }
    const o = e.outcome;
    const transient = o.kind !== 'platform_error' || TRANSIENT_SLACK_ERRORS.has(o.error);
    if (!transient || attempts >= MAX_ATTEMPTS) {
      await ref.update({ status: 'failed', attempts, lastError: e.message, progress, finishedAt: now() });
      log.notification({ notificationId: id, incidentId: n.incidentId, status: 'failed', attempts, error: e.message });
      return 'done';
    }
    const delayMs = o.kind === 'rate_limited' ? o.retryAfterSeconds * 1000 : Math.min(300_000, 1000 * 2 ** (attempts - 1));
    const at = new Date(now().getTime() + delayMs);
    await ref.update({ status: 'retrying', attempts, lastError: e.message, progress, nextAttemptAt: at });
    await scheduleDelivery(id, at, `attempt-${attempts}`);
    log.notification({ notificationId: id, incidentId: n.incidentId, status: 'retrying', attempts, error: e.message });
    return 'wait';
  }
}

interface DeliveryContext {
  slack: SlackPort;
  settings: SlackSettings;
  config: SlackConfig;
  incident: Incident;
  notification: NotificationDoc;
  /** Steps already done for this notification (kept across attempts). */
  progress: Record<string, unknown>;
  now: () => Date;
  stateRef: FirebaseFirestore.DocumentReference;
}

/** Runs `fn` once per notification: a retried delivery skips the steps already done. */
async function step<T>(ctx: DeliveryContext, name: string, fn: () => Promise<T>): Promise<T> {
  if (name in ctx.progress) return ctx.progress[name] as T;
  const value = await fn();
  ctx.progress[name] = value ?? true;
  return value;
}

async function readState(ctx: DeliveryContext): Promise<SlackState> {
  const s = await ctx.stateRef.get();
  return s.exists ? decode<SlackState>(s.data()) : {};
}

const announceChannel = (ctx: DeliveryContext) => (ctx.incident.drill ? ctx.settings.trainingChannel : ctx.settings.incidentsChannel);

async function perform(ctx: DeliveryContext): Promise<void> {
  const kind = ctx.notification.kind;
  const effect = ctx.notification.effect as Effect;
  switch (kind) {
    case 'incident_opened':
      await ensureChannel(ctx);
      await syncAnnouncement(ctx);
      await routedPosts(ctx);
      await postInChannel(ctx, 'intro', statusPost(ctx.incident, effect));
      return;
    case 'status_changed':
    case 'severity_changed':
    case 'commander_assigned':
    case 'deploy_linked':
      await ensureChannel(ctx);
      await syncAnnouncement(ctx);
      await postInChannel(ctx, 'post', statusPost(ctx.incident, effect));
      return;
    case 'note_added':
    case 'step_checked':
      await ensureChannel(ctx);
      await postInChannel(ctx, 'post', statusPost(ctx.incident, effect));
      return;
    case 'alerts_changed':
      // Coalesced: only the announcement is brought up to date, if it exists.
      await syncAnnouncement(ctx, { onlyIfExists: true });
      return;
    case 'reminder': {
      const data = ctx.notification.effect as Extract<Notice, { kind: 'reminder' }>;
      const msg = reminderPost(ctx.incident, { level: data.level, mention: data.mention });
      await step(ctx, 'announce-channel', () => post(ctx, announceChannel(ctx), msg));
      if (ctx.incident.slack) await postInChannel(ctx, 'post', msg);
      return;
    }
    case 'overdue': {
      const data = ctx.notification.effect as Extract<Notice, { kind: 'overdue' }>;
      const msg = overduePost({ kind: data.itemKind, title: data.title, owner: data.owner, daysOverdue: data.daysOverdue, incidentId: ctx.incident.id, consoleUrl: ctx.settings.consoleUrl });
      if (ctx.incident.slack) await postInChannel(ctx, 'post', msg);
      else await step(ctx, 'announce-channel', () => post(ctx, announceChannel(ctx), msg));
      const dm = slackUserOf(ctx.config, data.owner);
      if (dm) await step(ctx, 'dm', () => post(ctx, dm, msg));
      return;
    }
    case 'message': {
      // A ready-made message (drill reports): to the announcement channel and the incident channel.
      const data = ctx.notification.effect as Extract<Notice, { kind: 'message' }>;
      const msg = { text: data.text, blocks: (data.blocks ?? []) as SlackMessage['blocks'] };
      if (!data.channelOnly || !ctx.incident.slack) await step(ctx, 'announce-channel', () => post(ctx, announceChannel(ctx), msg));
      if (ctx.incident.slack) await postInChannel(ctx, 'post', msg);
      return;
    }
    case 'slack_reply': {
      const data = ctx.notification.effect as Extract<Notice, { kind: 'slack_reply' }>;
      await step(ctx, 'reply', () => reply(data.responseUrl, data.text));
      return;
    }
    default:
      throw new SlackCallFailed('outbox', { kind: 'platform_error', error: 'unknown_notification_kind', message: `unknown notification kind ${kind}` });
  }
}

/** The Slack user to message directly for an owner (a uid mapped in config, or `slack:U…`). */
function slackUserOf(config: SlackConfig, owner: string | null): string | null {
  if (!owner) return null;
  if (owner.startsWith('slack:')) return owner.slice('slack:'.length);
  return Object.entries(config.users).find(([, uid]) => uid === owner)?.[0] ?? null;
}

async function post(ctx: DeliveryContext, channel: string, msg: SlackMessage): Promise<{ channel: string; ts: string }> {
  const r = await ctx.slack.call<{ channel: string; ts: string }>('chat.postMessage', {
    channel,
    text: msg.text,
    ...(msg.blocks.length ? { blocks: msg.blocks } : {}),
    unfurl_links: false,
  });
  return { channel: r.channel, ts: r.ts };
}

async function postInChannel(ctx: DeliveryContext, name: string, msg: SlackMessage): Promise<void> {
  const state = await readState(ctx);
  const channel = state.channelId ?? ctx.incident.slack;
  if (!channel) return;
  await step(ctx, name, () => post(ctx, channel, msg));
}

async function reply(responseUrl: string, text: string): Promise<boolean> {
  const res = await fetch(responseUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ response_type: 'ephemeral', text }) });
  if (res.status === 429) throw new SlackCallFailed('response_url', { kind: 'rate_limited', retryAfterSeconds: Number(res.headers.get('retry-after') ?? 1) });
  if (res.status >= 500) throw new SlackCallFailed('response_url', { kind: 'server_error', message: `HTTP ${res.status}` });
  return true;
}

/**
 * Exactly one channel per incident, even under retries: the name is claimed
 * in Firestore before Slack is asked; `name_taken` on our own earlier attempt
 * adopts that channel, otherwise the next number is tried.
 */
async function ensureChannel(ctx: DeliveryContext): Promise<string> {
  let state = await readState(ctx);
  if (state.channelId) return state.channelId;
  for (let attempt = 0; attempt < 20; attempt++) {
    const name = state.channelName ?? (await claimChannelName(ctx));
    if (state.createAttempted === name) {
      const existing = await findChannel(ctx, name);
      if (existing) return adoptChannel(ctx, existing, name);
    }
    await ctx.stateRef.set({ channelName: name, createAttempted: name }, { merge: true });
    try {
      const r = await ctx.slack.call<{ channel: { id: string } }>('conversations.create', { name, is_private: false });
      return await adoptChannel(ctx, r.channel.id, name);
    } catch (e) {
      if (!(e instanceof SlackCallFailed) || e.outcome.kind !== 'platform_error' || e.outcome.error !== 'name_taken') throw e;
      // Someone else's channel has this name: take the next number.
      await ctx.stateRef.set({ channelName: null, createAttempted: null }, { merge: true });
      state = { ...state, channelName: undefined, createAttempted: undefined };
    }
  }
  throw new SlackCallFailed('conversations.create', { kind: 'platform_error', error: 'name_taken', message: 'no free channel name after 20 tries' });
}

async function claimChannelName(ctx: DeliveryContext): Promise<string> {
  const i = ctx.incident;
  const day = i.createdAt.toISOString().slice(0, 10).replaceAll('-', '');
  const counter = db().collection('slackChannelSeq').doc(`${day}-${slug(i.service ?? 'incident') || 'incident'}`.slice(0, 200));
  return db().runTransaction(async (tx) => {
    const c = await tx.get(counter);
    const next = ((c.get('n') as number | undefined) ?? 0) + 1;
    tx.set(counter, { n: next });
    const name = incidentChannelName({ createdAt: i.createdAt, service: i.service, n: next, prefix: ctx.config.channelPrefix });
    tx.set(ctx.stateRef, { channelName: name }, { merge: true });
    return name;
  });
}

async function findChannel(ctx: DeliveryContext, name: string): Promise<string | null> {
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await ctx.slack.call<{ channels: { id: string; name: string }[]; response_metadata?: { next_cursor?: string } }>('conversations.list', {
      types: 'public_channel',
      exclude_archived: true,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    const hit = r.channels.find((c) => c.name === name);
    if (hit) return hit.id;
    cursor = r.response_metadata?.next_cursor || undefined;
    if (!cursor) return null;
  }
  return null;
}

async function adoptChannel(ctx: DeliveryContext, channelId: string, name: string): Promise<string> {
  await ctx.stateRef.set({ channelId, channelName: name }, { merge: true });
  await col.incidents().doc(ctx.incident.id).update({ slack: channelId });
  ctx.incident = { ...ctx.incident, slack: channelId };
  await step(ctx, 'topic', async () => {
    const topic = channelTopic(ctx.incident);
    await ctx.slack.call('conversations.setTopic', { channel: channelId, topic });
    await ctx.stateRef.set({ topic }, { merge: true });
    return true;
  });
  await step(ctx, 'invite', () => invite(ctx, channelId));
  return channelId;
}

async function invite(ctx: DeliveryContext, channelId: string): Promise<string[]> {
  const wanted = routeFor(ctx.config, ctx.incident).invite;
  if (wanted.length === 0) return [];
  const ids: string[] = [];
  for (const who of wanted) {
    if (!who.includes('@')) {
      ids.push(who);
      continue;
    }
    try {
      const r = await ctx.slack.call<{ user: { id: string } }>('users.lookupByEmail', { email: who });
      ids.push(r.user.id);
    } catch (e) {
      if (!(e instanceof SlackCallFailed) || e.outcome.kind !== 'platform_error') throw e;
      log.warn('cannot invite: no Slack user with that email', { incidentId: ctx.incident.id, email: who });
    }
  }
  if (ids.length === 0) return [];
  try {
    await ctx.slack.call('conversations.invite', { channel: channelId, users: ids.join(',') });
  } catch (e) {
    if (!(e instanceof SlackCallFailed) || e.outcome.kind !== 'platform_error' || e.outcome.error !== 'already_in_channel') throw e;
  }
  await ctx.stateRef.set({ invited: ids }, { merge: true });
  return ids;
}

/**
 * Posts the announcement the first time, then updates it in place with the
 * incident as it is now. The topic follows the status and severity.
 */
async function syncAnnouncement(ctx: DeliveryContext, opts: { onlyIfExists?: boolean } = {}): Promise<void> {
  const state = await readState(ctx);
  const route = routeFor(ctx.config, ctx.incident);
  const msg = announcement(ctx.incident, { channelId: state.channelId ?? ctx.incident.slack, consoleUrl: ctx.settings.consoleUrl, mentions: route.mentions });
  if (!state.announcement) {
    if (opts.onlyIfExists) return;
    await step(ctx, 'announcement', async () => {
      const r = await post(ctx, announceChannel(ctx), msg);
      await ctx.stateRef.set({ announcement: r, announced: digest(msg) }, { merge: true });
      return r;
    });
  } else if (state.announced !== digest(msg)) {
    const { channel, ts } = state.announcement;
    await step(ctx, 'announcement-update', async () => {
      await ctx.slack.call('chat.update', { channel, ts, text: msg.text, blocks: msg.blocks });
      await ctx.stateRef.set({ announced: digest(msg) }, { merge: true });
      return true;
    });
  }
  const topic = channelTopic(ctx.incident);
  const channel = state.channelId;
  if (channel && state.topic !== undefined && state.topic !== topic) {
    await step(ctx, 'topic-update', async () => {
      await ctx.slack.call('conversations.setTopic', { channel, topic });
      await ctx.stateRef.set({ topic }, { merge: true });
      return true;
    });
  }
}

const digest = (msg: SlackMessage) => createHash('sha256').update(JSON.stringify(msg)).digest('hex');

/** SEV1/SEV2 (and rule-routed) channels get a copy of the announcement. Best effort per channel. */
async function routedPosts(ctx: DeliveryContext): Promise<void> {
  const route = routeFor(ctx.config, ctx.incident);
  if (route.channels.length === 0) return;
  const state = await readState(ctx);
  const msg = announcement(ctx.incident, { channelId: state.channelId ?? null, consoleUrl: ctx.settings.consoleUrl, mentions: route.mentions });
  for (const channel of route.channels) {
    await step(ctx, `routed:${channel}`, async () => {
      try {
        const r = await post(ctx, channel, msg);
        return r.ts;
      } catch (e) {
        if (e instanceof SlackCallFailed && e.outcome.kind === 'platform_error' && !TRANSIENT_SLACK_ERRORS.has(e.outcome.error)) {
          log.warn('routed announcement failed', { incidentId: ctx.incident.id, channel, error: e.outcome.error });
          return `failed: ${e.outcome.error}`;
        }
        throw e;
      }
    });
  }
}
