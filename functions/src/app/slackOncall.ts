// Use case: `/incident oncall …` in Slack (parsed by domain/slack/oncallCommand.ts;
// slackHttp.ts hands it over after the signature, workspace and replay checks).
//   oncall [schedule]                     who is on call now (any role); one schedule: its next two weeks, and its calendar feed
//   oncall override <schedule> <who> <d>  an override from now (responders): oncallOverrides/{id}
import type { Role } from '../domain/roles';
import { hasRole } from '../domain/roles';
import { shifts } from '../domain/oncall';
import { ONCALL_USAGE, type OncallCommand, oncallReply, overrideDocument } from '../domain/slack/oncallCommand';
import { escapeMrkdwn, slackDate } from '../domain/slack/format';
import type { SlackActorRole } from '../domain/slack/access';
import { roleRefusalText } from '../domain/slack/access';
import { log } from '../adapters/logs';
import type { SlackConfig } from '../domain/slack/slackConfig';
import type { HttpResult } from './alertWebhook';
import type { SlackHttpSettings } from './slackHttp';
import { calendarFeedUrl } from './oncallCalendarHttp';
import { activeOverrides, type PagingDeps } from './paging';

export interface OncallCommandContext {
  slackUserId: string;
  now: Date;
  consoleUrl: string;
  /** PAGE_LINK_SECRET, for the calendar feed URL (null: no feed link). */
  pageLinkSecret: string | null;
  /** The caller's uid and role (slackHttp's lookup), or why it could not be looked up. */
  who(): Promise<(SlackActorRole & { actor: string }) | { error: string }>;
  /** The uid a Slack user acts as (`slack:<id>` when none). */
  actorOf(slackUserId: string): Promise<string>;
}

const TWO_WEEKS_MS = 14 * 86_400_000;
const ephemeral = (text: string, blocks?: unknown[]): HttpResult => ({ status: 200, body: { response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) } });

/** How a uid is shown: `<@U…>` when their profile names their Slack user, else their name, else the uid. */
async function displayer(uids: string[], deps: PagingDeps): Promise<(uid: string) => string> {
  const shown = new Map<string, string>();
  for (const uid of [...new Set(uids)].slice(0, 50)) {
    const doc = await deps.paging.user(uid);
    const slack = typeof doc?.slackUserId === 'string' && /^[UW][A-Z0-9]+$/.test(doc.slackUserId) ? `<@${doc.slackUserId}>` : null;
    const name = typeof doc?.name === 'string' && doc.name.trim() ? escapeMrkdwn(doc.name.trim()) : null;
    shown.set(uid, slack ?? name ?? escapeMrkdwn(uid));
  }
  return (uid) => shown.get(uid) ?? escapeMrkdwn(uid);
}

export async function handleOncallCommand(cmd: OncallCommand, ctx: OncallCommandContext, deps: PagingDeps): Promise<HttpResult> {
  if (cmd.kind === 'oncall_help') return ephemeral(ONCALL_USAGE);
  if (cmd.kind === 'error') return ephemeral(cmd.message);
  const need: Role = cmd.kind === 'oncall_override' ? 'responder' : 'viewer';
  const who = await ctx.who();
  if ('error' in who) return ephemeral(who.error);
  if (!hasRole(who.role, need)) {
    log.warn('slack request refused: role', { event: 'slack_role_refused', slackUser: ctx.slackUserId, uid: who.uid, role: who.role, need, what: cmd.kind });
    return ephemeral(roleRefusalText(cmd.kind === 'oncall_override' ? 'put someone on call' : 'see who is on call', need, who));
  }
  const schedules = deps.oncall.schedules;
  const ids = Object.keys(schedules);

  if (cmd.kind === 'oncall_show') {
    if (cmd.schedule && !schedules[cmd.schedule]) {
      return ephemeral(`There is no schedule “${escapeMrkdwn(cmd.schedule)}”.${ids.length ? ` Schedules: ${ids.map((s) => `\`${s}\``).join(', ')}.` : ' config/oncall.yaml has none.'}`);
    }
    const overrides = await activeOverrides(deps.paging, deps.oncall, ctx.now);
    const chosen = cmd.schedule ? [schedules[cmd.schedule]!] : Object.values(schedules);
    const views = chosen.map((schedule) => ({ schedule, shifts: shifts(schedule, overrides, ctx.now, new Date(ctx.now.getTime() + TWO_WEEKS_MS)) }));
    const display = await displayer(views.flatMap((v) => v.shifts.map((s) => s.uid)), deps);
    const reply = oncallReply(views, { now: ctx.now, display, upcoming: cmd.schedule ? 14 : 0 });
    if (cmd.schedule && ctx.pageLinkSecret) {
      const url = calendarFeedUrl(ctx.consoleUrl, ctx.pageLinkSecret, cmd.schedule);
      reply.blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Your calendar: subscribe to <${url}|this schedule's feed> (iCalendar; keep the link to yourself).` }] });
    }
    return ephemeral(reply.text, reply.blocks);
  }

  // override
  let uid: string;
  if (cmd.who.kind === 'me') uid = who.actor;
  else if (cmd.who.kind === 'uid') uid = cmd.who.uid;
  else uid = await ctx.actorOf(cmd.who.userId);
  if (uid.startsWith('slack:')) {
    return ephemeral(`${cmd.who.kind === 'me' ? 'Your Slack user' : 'That Slack user'} is not linked to a pipeline user (config/slack.yaml \`users:\`, or a Firebase user with the same email), so the pager cannot reach them.`);
  }
  const planned = overrideDocument(cmd, { uid, createdBy: who.actor, now: ctx.now, scheduleIds: ids });
  if (!planned.ok) return ephemeral(planned.message);
  const id = await deps.paging.createOverride(planned.doc);
  log.info('on-call override from slack', { event: 'oncall_override_created', overrideId: id, schedule: cmd.schedule, uid, createdBy: who.actor });
  const display = await displayer([uid], deps);
  const schedule = schedules[cmd.schedule];
  return ephemeral(`${display(uid)} is on call on *${escapeMrkdwn(schedule?.name ?? cmd.schedule)}* from now until ${slackDate(planned.doc.end)}${cmd.reason ? ` (${escapeMrkdwn(cmd.reason)})` : ''}.`);
}

/** slackHttp's hand-over: binds the lookups and the composition root. */
export async function serveOncallCommand(
  cmd: OncallCommand,
  slackUserId: string,
  settings: SlackHttpSettings,
  now: Date,
  lookups: { whoIs(id: string, s: SlackHttpSettings): Promise<(SlackActorRole & { actor: string }) | { error: string }>; actorForSlackUser(id: string, config: SlackConfig, s: SlackHttpSettings): Promise<string> },
): Promise<HttpResult> {
  const { pagingDeps } = await import('./compose.js');
  const { pipelineConfig } = await import('../adapters/configFiles.js');
  return handleOncallCommand(
    cmd,
    {
      slackUserId,
      now,
      consoleUrl: settings.consoleUrl,
      pageLinkSecret: settings.pageLinkSecret ?? null,
      who: () => lookups.whoIs(slackUserId, settings),
      actorOf: (id) => lookups.actorForSlackUser(id, pipelineConfig().slack, settings),
    },
    pagingDeps(),
  );
}
