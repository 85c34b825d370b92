// `/incident oncall …` (README "On-call and paging"):
//   /incident oncall                                       who is on call now, on every schedule
//   /incident oncall <schedule>                            now, and that schedule's shifts for the next two weeks
//   /incident oncall override <schedule> <@user|uid|me> <duration> [reason]
//                                                          put someone on call from now for the duration
//   /incident oncall help
// Parsed apart from parseSlashCommand, so the caller tries this first:
// parseOncallCommand returns null for text that is not an oncall command.
import { DURATION_HELP, durationText, parseDuration } from '../duration';
import { MAX_OVERRIDE_SECONDS, type Schedule, type Shift } from '../oncall';
import { clip, escapeMrkdwn, fromSlackText, slackDate } from './format';

/** A duration in whole seconds, not negative; null otherwise. */
const wholeSeconds = (seconds: number | null) => (seconds === null || seconds < 0 || !Number.isInteger(seconds) ? null : seconds);

export type OncallPerson = { kind: 'slack'; userId: string } | { kind: 'uid'; uid: string } | { kind: 'me' };

export type OncallCommand =
  | { kind: 'oncall_show'; schedule: string | null }
  | { kind: 'oncall_override'; schedule: string; who: OncallPerson; durationSeconds: number; reason: string | null }
  | { kind: 'oncall_help' }
  | { kind: 'error'; message: string };

/** The help text (Slack mrkdwn). */
export const ONCALL_USAGE = [
  '*On call:*',
  '• `/incident oncall`: who is on call now, on every schedule',
  '• `/incident oncall &lt;schedule&gt;`: now, and the shifts of the next two weeks',
  '• `/incident oncall override &lt;schedule&gt; &lt;@person | me&gt; &lt;duration&gt; [reason]`: put someone on call from now, e.g. `/incident oncall override primary @alice 4h covering for Bob`',
].join('\n');

/** Shortest and longest override from Slack. */
export const MIN_SLACK_OVERRIDE_SECONDS = 60;

const error = (message: string): OncallCommand => ({ kind: 'error', message: `${message}\n\n${ONCALL_USAGE}` });

const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** `<@U123|alice>` / `<@U123>` → slack; `me` → me; `uid:abc` or a bare uid → uid; `@alice` (unescaped) → an error. */
function personArg(word: string): OncallPerson | { error: string } {
  const mention = /^<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>$/.exec(word);
  if (mention?.[1]) return { kind: 'slack', userId: mention[1] };
  if (/^me$/i.test(word)) return { kind: 'me' };
  if (word.startsWith('@')) {
    return { error: `“${escapeMrkdwn(clip(fromSlackText(word), 40))}” came through as plain text: pick the person from Slack's @ list (and check that the /incident command escapes users)` };
  }
  const uid = word.replace(/^uid:/i, '');
  if (!uid || uid.includes('/') || uid.length > 128 || /[<>]/.test(uid)) return { error: `“${escapeMrkdwn(clip(fromSlackText(word), 40))}” is not a person: use @name, me, or a uid` };
  return { kind: 'uid', uid };
}

/** Null when `text` is not an oncall command (the caller then uses parseSlashCommand). */
export function parseOncallCommand(text: string | null | undefined): OncallCommand | null {
  const words = (text ?? '').replace(/\u00a0/g, ' ').trim().split(/\s+/);
  if ((words[0] ?? '').toLowerCase() !== 'oncall' && (words[0] ?? '').toLowerCase() !== 'on-call') return null;
  const rest = words.slice(1);
  const sub = (rest[0] ?? '').toLowerCase();
  if (rest.length === 0) return { kind: 'oncall_show', schedule: null };
  if (sub === 'help' || sub === '?') return { kind: 'oncall_help' };
  if (sub !== 'override') {
    if (rest.length > 1) return error(`\`oncall\` takes one schedule, e.g. \`/incident oncall primary\`.`);
    const id = rest[0] as string;
    if (!SCHEDULE_ID.test(id)) return error(`“${escapeMrkdwn(clip(fromSlackText(id), 40))}” is not a schedule id.`);
    return { kind: 'oncall_show', schedule: id };
  }
  const [, schedule, person, duration, ...reason] = rest;
  if (!schedule || !person || !duration) return error('`override` needs a schedule, a person and a duration, e.g. `/incident oncall override primary @alice 4h`.');
  if (!SCHEDULE_ID.test(schedule)) return error(`“${escapeMrkdwn(clip(fromSlackText(schedule), 40))}” is not a schedule id.`);
  const who = personArg(person);
  if ('error' in who) return error(`${who.error}.`);
  const seconds = wholeSeconds(parseDuration(duration));
  if (seconds === null) return error(`“${escapeMrkdwn(clip(fromSlackText(duration), 40))}” is not a duration: use ${DURATION_HELP}.`);
  if (seconds < MIN_SLACK_OVERRIDE_SECONDS || seconds > MAX_OVERRIDE_SECONDS) {
    return error(`An override lasts from ${durationText(MIN_SLACK_OVERRIDE_SECONDS)} to ${durationText(MAX_OVERRIDE_SECONDS)} (got ${durationText(seconds)}).`);
  }
  const why = fromSlackText(reason.join(' ')).trim();
  return { kind: 'oncall_override', schedule, who, durationSeconds: seconds, reason: why ? why.slice(0, 500) : null };
}

/** The oncallOverrides/{id} document an override command asks for (the caller maps the person to a uid). */
export function overrideDocument(
  cmd: Extract<OncallCommand, { kind: 'oncall_override' }>,
  ctx: { uid: string; createdBy: string; now: Date; scheduleIds: readonly string[] },
): { ok: true; doc: { schedule: string; uid: string; start: Date; end: Date; createdBy: string; createdAt: Date; reason?: string } } | { ok: false; message: string } {
  if (!ctx.scheduleIds.includes(cmd.schedule)) {
    return { ok: false, message: `There is no schedule “${escapeMrkdwn(cmd.schedule)}”.${ctx.scheduleIds.length ? ` Schedules: ${ctx.scheduleIds.map((s) => `\`${s}\``).join(', ')}.` : ' config/oncall.yaml has none.'}` };
  }
  const start = ctx.now;
  const end = new Date(start.getTime() + cmd.durationSeconds * 1000);
  return { ok: true, doc: { schedule: cmd.schedule, uid: ctx.uid, start, end, createdBy: ctx.createdBy, createdAt: ctx.now, ...(cmd.reason ? { reason: cmd.reason } : {}) } };
}

// ---------------------------------------------------------------------------
// Replies

export interface ScheduleView {
  schedule: Pick<Schedule, 'id' | 'name' | 'timeZone'>;
  /** The schedule's shifts from now (shifts(schedule, overrides, now, now + 14 d)). */
  shifts: Shift[];
}

export interface OncallReplyOptions {
  now: Date;
  /** How to show a person in mrkdwn (`<@U123>` when mapped); default: the uid, escaped. */
  display?: (uid: string) => string;
  /** List this many upcoming shifts per schedule (0 = only who is on call now). */
  upcoming?: number;
}

/** `/incident oncall [schedule]`: who is on call now (until when), and the next shifts. */
export function oncallReply(views: readonly ScheduleView[], opts: OncallReplyOptions): { text: string; blocks: Record<string, unknown>[] } {
  const show = opts.display ?? ((uid: string) => escapeMrkdwn(uid));
  if (views.length === 0) return { text: 'There are no on-call schedules (config/oncall.yaml).', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'There are no on-call schedules (config/oncall.yaml).' } }] };
  const now = opts.now.getTime();
  const summary: string[] = [];
  const blocks: Record<string, unknown>[] = [];
  for (const v of views.slice(0, 20)) {
    const label = `*${escapeMrkdwn(v.schedule.name ?? v.schedule.id)}*${v.schedule.name ? ` (\`${escapeMrkdwn(v.schedule.id)}\`)` : ''}`;
    const current = v.shifts.find((s) => s.start.getTime() <= now && now < s.end.getTime()) ?? null;
    const head = current
      ? `${label}: ${show(current.uid)} until ${slackDate(current.end)}${current.source === 'override' ? ' (override)' : ''}`
      : `${label}: _nobody is on call now_`;
    summary.push(`${escapeMrkdwn(v.schedule.name ?? v.schedule.id)}: ${current ? show(current.uid) : 'nobody'}`);
    const next = v.shifts.filter((s) => s !== current && s.start.getTime() >= now).slice(0, opts.upcoming ?? 0);
    const lines = next.map((s) => `• ${slackDate(s.start, '{date_short_pretty} {time}')} → ${slackDate(s.end, '{date_short_pretty} {time}')}: ${show(s.uid)}${s.source === 'override' ? ' (override)' : ''}`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip([head, ...lines].join('\n'), 3000) } });
  }
  return { text: clip(`On call: ${summary.join('; ')}`, 3000), blocks: blocks.slice(0, 50) };
}
