// The Slack side of delivering one notification: the incident's channel
// (created exactly once), the announcement kept up to date in place, posts,
// replies and DMs. Each Slack step is recorded as soon as Slack answers, so a
// retried delivery never repeats one (app/outbox.ts runs the deliveries).
import { createHash } from 'node:crypto';
import { decide, isRejected } from '../domain/incident';
import { DEFAULT_INCIDENT_POLICY } from '../domain/lifecycle';
import { type NotificationDoc, TRANSIENT_SLACK_ERRORS } from '../domain/outbox';
import { incidentChannelName, slug } from '../domain/slack/channelName';
import { announcement, channelTopic, overduePost, reminderPost, statusPost, type SlackMessage } from '../domain/slack/messages';
import { routeFor, type SlackConfig } from '../domain/slack/slackConfig';
import type { Effect, Incident, Notice } from '../domain/types';
import { log } from '../adapters/logs';
import { type SlackPort, SlackCallFailed } from '../adapters/slack';
import type { Clock, IncidentStore, OutboxStore, SlackState } from './ports';
import { isPublished, statusPageOf } from '../domain/publicUpdates';
import { type StakeholderEvent, stakeholderEventOf, stakeholdersFor } from '../domain/slack/stakeholders';
import { closingMessageHint } from '../domain/slack/statusPageMessages';
import { type StakeholderDeps, summaryFor } from './stakeholderDelivery';

export interface SlackSettings {
  token: string | null;
  apiUrl: string;
  incidentsChannel: string;
  trainingChannel: string;
  consoleUrl: string;
}

/** Channel errors that no retry mends: the channel is gone, archived, or the app is not in it. */
const CHANNEL_ERRORS = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);
const isChannelError = (e: unknown) => e instanceof SlackCallFailed && e.outcome.kind === 'platform_error' && CHANNEL_ERRORS.has(e.outcome.error);

export interface DeliveryContext {
  slack: SlackPort;
  settings: SlackSettings;
  config: SlackConfig;
  incident: Incident;
  notificationId: string;
  notification: NotificationDoc;
  /** Steps already done for this notification (kept across attempts). */
  progress: Record<string, unknown>;
  outbox: OutboxStore;
  store: IncidentStore;
  clock: Clock;
  /** For the stakeholder summaries (config/slack.yaml `stakeholders:`): the status page's components and URLs. */
  stakeholders?: StakeholderDeps;
}

/** Runs `fn` once per notification and records it at once: a retried delivery skips the steps already done. */
async function step<T>(ctx: DeliveryContext, name: string, fn: () => Promise<T>): Promise<T> {
  if (name in ctx.progress) return ctx.progress[name] as T;
  const value = await fn();
  ctx.progress[name] = value ?? true;
  await ctx.outbox.recordStep(ctx.notificationId, name, ctx.progress[name]);
  return value;
}

const announceChannel = (ctx: DeliveryContext) => (ctx.incident.drill ? ctx.settings.trainingChannel : ctx.settings.incidentsChannel);

/** Delivers one notification to Slack; throws SlackCallFailed when Slack says no (app/outbox.ts decides what follows). */
export async function deliverToSlack(ctx: DeliveryContext): Promise<void> {
  const kind = ctx.notification.kind;
  const effect = ctx.notification.effect as Effect;
  switch (kind) {
    case 'incident_opened':
      await ensureChannel(ctx);
      await syncAnnouncement(ctx);
      await routedPosts(ctx);
      await postInChannel(ctx, 'intro', statusPost(ctx.incident, effect));
      await stakeholderPosts(ctx, effect);
      return;
    case 'status_changed':
    case 'severity_changed':
    case 'commander_assigned':
    case 'deploy_linked':
      await ensureChannel(ctx);
      await syncAnnouncement(ctx);
      await postInChannel(ctx, 'post', statusPost(ctx.incident, effect));
      if (effect.kind === 'status_changed' && effect.to === 'resolved') await closingHint(ctx);
      await stakeholderPosts(ctx, effect);
      return;
    case 'note_added':
    case 'step_checked':
    case 'status_published':
    case 'status_drafted':
    case 'storm_closed':
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
      // A ready-made message (drill reports, postmortem notes): to the announcement channel and the incident channel.
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

/** On resolve, an incident still open on the public page gets the hint to post its closing public message. */
async function closingHint(ctx: DeliveryContext): Promise<void> {
  const s = statusPageOf(ctx.incident);
  if (!isPublished(ctx.incident) || s.phase === 'resolved' || ctx.incident.status !== 'resolved') return;
  await postInChannel(ctx, 'closing-hint', closingMessageHint(ctx.incident));
}

/**
 * The stakeholder channels of config/slack.yaml get a summary when the
 * incident opens, changes severity and resolves (their email lists get it
 * through app/stakeholderDelivery.ts). Best effort per channel, like the
 * routed announcements: a channel the app is not in is logged, not retried.
 */
async function stakeholderPosts(ctx: DeliveryContext, effect: Effect): Promise<void> {
  const event: StakeholderEvent | null = stakeholderEventOf(effect);
  if (!event || !ctx.stakeholders) return;
  const { channels } = stakeholdersFor(ctx.config, ctx.incident, event);
  if (channels.length === 0) return;
  const summary = summaryFor(ctx.incident, event, ctx.stakeholders, ctx.clock.now());
  for (const channel of channels) {
    await step(ctx, `stakeholder:${channel}`, async () => {
      try {
        return (await post(ctx, channel, summary.slack)).ts;
      } catch (e) {
        if (e instanceof SlackCallFailed && e.outcome.kind === 'platform_error' && !TRANSIENT_SLACK_ERRORS.has(e.outcome.error)) {
          log.warn('stakeholder summary not posted', { event: 'stakeholder_post_failed', incidentId: ctx.incident.id, channel, error: e.outcome.error });
          return `failed: ${e.outcome.error}`;
        }
        throw e;
      }
    });
  }
}

/**
 * A notice that belongs to no incident (a silence's reminder): a DM to its
 * owner when Slack knows them (`slack:U…`, or `users:` in config/slack.yaml),
 * else a post in the announcement channel. Steps are recorded like any.
 */
export async function deliverStandalone(ctx: Pick<DeliveryContext, 'slack' | 'settings' | 'config' | 'notification' | 'notificationId' | 'progress' | 'outbox'>): Promise<void> {
  const data = ctx.notification.effect as Extract<Notice, { kind: 'silence_reminder' }>;
  const once = async (name: string, fn: () => Promise<unknown>) => {
    if (name in ctx.progress) return;
    ctx.progress[name] = (await fn()) ?? true;
    await ctx.outbox.recordStep(ctx.notificationId, name, ctx.progress[name]);
  };
  const msg = { text: data.text, blocks: [] };
  const dm = slackUserOf(ctx.config, data.owner);
  await once(dm ? 'dm' : 'announce-channel', () => post(ctx as DeliveryContext, dm ?? ctx.settings.incidentsChannel, msg));
}

/** The Slack user to message directly for an owner (a uid mapped in config, or `slack:U…`). */
function slackUserOf(config: SlackConfig, owner: string | null): string | null {
  if (!owner) return null;
  if (owner.startsWith('slack:')) return owner.slice('slack:'.length);
  return Object.entries(config.users).find(([, uid]) => uid === owner)?.[0] ?? null;
}

async function post(ctx: DeliveryContext, channel: string, msg: SlackMessage): Promise<{ channel: string; ts: string }> {
  const r = await ctx.slack.call<{ channel: string; ts: string }>('chat.postMessage', { channel, text: msg.text, ...(msg.blocks.length ? { blocks: msg.blocks } : {}), unfurl_links: false });
  return { channel: r.channel, ts: r.ts };
}

/** A post in the incident's channel; an archived channel gets it in the announcement channel instead. */
async function postInChannel(ctx: DeliveryContext, name: string, msg: SlackMessage): Promise<void> {
  const state = await ctx.outbox.slackState(ctx.incident.id);
  const channel = state.channelId ?? ctx.incident.slack;
  if (!channel) return;
  await step(ctx, name, async () => {
    try {
      return await post(ctx, channel, msg);
    } catch (e) {
      if (!isChannelError(e)) throw e;
      log.warn('incident channel refused a post; posted in the announcement channel instead', { event: 'slack_channel_fallback', incidentId: ctx.incident.id, channel, error: (e as SlackCallFailed).message });
      return post(ctx, announceChannel(ctx), { ...msg, text: `[${ctx.incident.title}] ${msg.text}` });
    }
  });
}

async function reply(responseUrl: string, text: string): Promise<boolean> {
  const res = await fetch(responseUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ response_type: 'ephemeral', text }) });
  if (res.status === 429) throw new SlackCallFailed('response_url', { kind: 'rate_limited', retryAfterSeconds: Number(res.headers.get('retry-after') ?? 1) });
  if (res.status >= 500) throw new SlackCallFailed('response_url', { kind: 'server_error', message: `HTTP ${res.status}` });
  return true;
}

/**
 * Exactly one channel per incident, even under retries: the name is claimed
 * before Slack is asked; `name_taken` on our own earlier attempt adopts that
 * channel, otherwise the next number is tried.
 */
async function ensureChannel(ctx: DeliveryContext): Promise<string> {
  let state = await ctx.outbox.slackState(ctx.incident.id);
  if (state.channelId) return state.channelId;
  for (let attempt = 0; attempt < 20; attempt++) {
    const name = state.channelName ?? (await claimChannelName(ctx));
    if (state.createAttempted === name) {
      const existing = await findChannel(ctx, name);
      if (existing) return adoptChannel(ctx, existing, name);
    }
    await ctx.outbox.saveSlackState(ctx.incident.id, { channelName: name, createAttempted: name });
    try {
      const r = await ctx.slack.call<{ channel: { id: string } }>('conversations.create', { name, is_private: false });
      return await adoptChannel(ctx, r.channel.id, name);
    } catch (e) {
      if (!(e instanceof SlackCallFailed) || e.outcome.kind !== 'platform_error' || e.outcome.error !== 'name_taken') throw e;
      // Someone else's channel has this name: take the next number.
      await ctx.outbox.saveSlackState(ctx.incident.id, { channelName: null, createAttempted: null });
      state = { ...state, channelName: undefined, createAttempted: undefined };
    }
  }
  throw new SlackCallFailed('conversations.create', { kind: 'platform_error', error: 'name_taken', message: 'no free channel name after 20 tries' });
}

async function claimChannelName(ctx: DeliveryContext): Promise<string> {
  const i = ctx.incident;
  const day = i.createdAt.toISOString().slice(0, 10).replaceAll('-', '');
  const n = await ctx.outbox.nextChannelNumber(`${day}-${slug(i.service ?? 'incident') || 'incident'}`.slice(0, 200));
  const name = incidentChannelName({ createdAt: i.createdAt, service: i.service, n, prefix: ctx.config.channelPrefix });
  await ctx.outbox.saveSlackState(i.id, { channelName: name });
  return name;
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

/** The channel exists: remember it, tell the incident (the state machine's channel_created), set its topic, invite. */
async function adoptChannel(ctx: DeliveryContext, channelId: string, name: string): Promise<string> {
  await ctx.outbox.saveSlackState(ctx.incident.id, { channelId, channelName: name });
  const incident = await ctx.store.run(async (tx) => {
    const current = await tx.incident(ctx.incident.id);
    if (!current) return ctx.incident;
    const d = decide(current, { action: 'channel_created', channelId, name }, { now: ctx.clock.now(), policy: DEFAULT_INCIDENT_POLICY, cause: `channel-${channelId}` });
    if (isRejected(d)) return current;
    tx.commit(d);
    return d.incident;
  });
  ctx.incident = { ...incident, slack: channelId };
  await step(ctx, 'topic', async () => {
    const topic = channelTopic(ctx.incident);
    await ctx.slack.call('conversations.setTopic', { channel: channelId, topic });
    await ctx.outbox.saveSlackState(ctx.incident.id, { topic });
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
  await ctx.outbox.saveSlackState(ctx.incident.id, { invited: ids });
  return ids;
}

const digest = (msg: SlackMessage) => createHash('sha256').update(JSON.stringify(msg)).digest('hex');

/**
 * Posts the announcement the first time, then updates it in place with the
 * incident as it is now; the topic follows the status and severity. A
 * broken announcement channel (the app not in it, archived, gone) is logged
 * as an error and does not hold up the incident's own channel.
 */
async function syncAnnouncement(ctx: DeliveryContext, opts: { onlyIfExists?: boolean } = {}): Promise<void> {
  const state: SlackState = await ctx.outbox.slackState(ctx.incident.id);
  const route = routeFor(ctx.config, ctx.incident);
  const msg = announcement(ctx.incident, { channelId: state.channelId ?? ctx.incident.slack, consoleUrl: ctx.settings.consoleUrl, mentions: route.mentions });
  try {
    if (!state.announcement) {
      if (!opts.onlyIfExists) {
        await step(ctx, 'announcement', async () => {
          const r = await post(ctx, announceChannel(ctx), msg);
          await ctx.outbox.saveSlackState(ctx.incident.id, { announcement: r, announced: digest(msg) });
          return r;
        });
      }
    } else if (state.announced !== digest(msg)) {
      const { channel, ts } = state.announcement;
      await step(ctx, 'announcement-update', async () => {
        await ctx.slack.call('chat.update', { channel, ts, text: msg.text, blocks: msg.blocks });
        await ctx.outbox.saveSlackState(ctx.incident.id, { announced: digest(msg) });
        return true;
      });
    }
  } catch (e) {
    if (!isChannelError(e)) throw e;
    const error = (e as SlackCallFailed).message;
    log.error(`the announcement channel ${announceChannel(ctx)} refused the announcement (${error}): invite the app there, or set INCIDENTS_CHANNEL to a channel it is in`, { event: 'slack_announcement_failed', incidentId: ctx.incident.id, channel: announceChannel(ctx), error });
    ctx.progress.announcement = { failed: error };
    await ctx.outbox.recordStep(ctx.notificationId, 'announcement', ctx.progress.announcement);
  }
  const topic = channelTopic(ctx.incident);
  const channel = state.channelId;
  if (channel && state.topic !== undefined && state.topic !== topic) {
    await step(ctx, 'topic-update', async () => {
      await ctx.slack.call('conversations.setTopic', { channel, topic });
      await ctx.outbox.saveSlackState(ctx.incident.id, { topic });
      return true;
    });
  }
}

/** SEV1/SEV2 (and rule-routed) channels get a copy of the announcement. Best effort per channel. */
async function routedPosts(ctx: DeliveryContext): Promise<void> {
  const route = routeFor(ctx.config, ctx.incident);
  if (route.channels.length === 0) return;
  const state = await ctx.outbox.slackState(ctx.incident.id);
  const msg = announcement(ctx.incident, { channelId: state.channelId ?? null, consoleUrl: ctx.settings.consoleUrl, mentions: route.mentions });
  for (const channel of route.channels) {
    await step(ctx, `routed:${channel}`, async () => {
      try {
        return (await post(ctx, channel, msg)).ts;
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
