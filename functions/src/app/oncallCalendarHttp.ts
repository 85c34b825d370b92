// Use case: GET /oncallCalendar/{schedule}.ics?token=… (a Hosting rewrite on
// the console's origin): a schedule's shifts, overrides included, as an
// iCalendar feed that Google Calendar, Outlook or Apple Calendar subscribe to.
// The token is the schedule's feed token (pageToken.calendarFeedToken, from
// PAGE_LINK_SECRET): `/incident oncall <schedule>` in Slack gives the URL.
import type { Request } from 'firebase-functions/v2/https';
import type { Response } from 'express';
import { shifts } from '../domain/oncall';
import { calendarFeedToken, verifyCalendarFeedToken } from '../domain/pageToken';
import { oncallCalendar } from '../adapters/calendarFeed';
import { log } from '../adapters/logs';
import type { HttpRequestLike } from './alertWebhook';
import { toRequestLike } from './httpAdapters';
import { activeOverrides, type PagingDeps } from './paging';
import type { TextResult } from './pageAckHttp';

/** The feed covers a week back and eight weeks ahead. */
export const FEED_PAST_DAYS = 7;
export const FEED_FUTURE_DAYS = 56;

const text = (status: number, body: string, extra: Record<string, string> = {}): TextResult => ({ status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra }, body });

/** The feed's URL for a schedule, on the console's origin. */
export function calendarFeedUrl(consoleUrl: string, secret: string, scheduleId: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/oncallCalendar/${encodeURIComponent(scheduleId)}.ics?token=${calendarFeedToken(secret, scheduleId)}`;
}

export async function handleOncallCalendar(req: HttpRequestLike, settings: { secret: string | null; consoleUrl: string }, deps: PagingDeps): Promise<TextResult> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'GET only', { Allow: 'GET, HEAD' });
  if (!settings.secret) return text(503, 'PAGE_LINK_SECRET is not set: calendar feeds are off', { 'Retry-After': '300' });
  // `/oncallCalendar/primary.ics` through Hosting, `/primary.ics` on the function's own URL.
  const m = /([^/]+)\.ics$/.exec(req.path);
  if (!m?.[1]) return text(404, 'use /oncallCalendar/<schedule>.ics?token=…');
  const scheduleId = decodeURIComponent(m[1]);
  const q = req.query.token;
  const token = typeof q === 'string' ? q : Array.isArray(q) && typeof q[0] === 'string' ? q[0] : null;
  if (!verifyCalendarFeedToken(settings.secret, scheduleId, token)) {
    log.warn('calendar feed refused', { event: 'calendar_feed_refused', schedule: scheduleId.slice(0, 80) });
    return text(403, 'this feed URL is not valid: get the current one with /incident oncall <schedule> in Slack');
  }
  const schedule = deps.oncall.schedules[scheduleId];
  if (!schedule) return text(404, `there is no schedule "${scheduleId}" in config/oncall.yaml any more`);
  const now = deps.clock.now();
  const from = new Date(now.getTime() - FEED_PAST_DAYS * 86_400_000);
  const to = new Date(now.getTime() + FEED_FUTURE_DAYS * 86_400_000);
  const list = shifts(schedule, await activeOverrides(deps.paging, deps.oncall, from), from, to);
  const names = await deps.paging.names(list.map((s) => s.uid));
  const body = oncallCalendar(schedule.id, list, {
    name: schedule.name ?? `On call: ${schedule.id}`,
    generatedAt: now,
    timeZone: schedule.timeZone,
    display: (uid) => names.get(uid) ?? uid,
    url: `${settings.consoleUrl.replace(/\/+$/, '')}/#/oncall`,
  });
  return {
    status: 200,
    headers: { 'Content-Type': 'text/calendar; charset=utf-8', 'Cache-Control': 'private, max-age=300', 'Content-Disposition': `inline; filename="${schedule.id}.ics"` },
    body: req.method === 'HEAD' ? '' : body,
  };
}

export async function serveOncallCalendar(req: Request, res: Response, settings: { secret: string | null; consoleUrl: string }): Promise<void> {
  const { pagingDeps } = await import('./compose.js');
  const r = await handleOncallCalendar(toRequestLike(req), settings, pagingDeps());
  res.status(r.status);
  for (const [k, v] of Object.entries(r.headers)) res.set(k, v);
  res.send(r.body);
}
