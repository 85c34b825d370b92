// On call, through the in-memory ports: hand-overs (the DM to the incoming
// person, a task chain with no polling), `/incident oncall` in Slack, and the
// calendar feed parsed back by node-ical.
import ical from 'node-ical';
import { describe, expect, it } from 'vitest';
import { ensureHandoffs, HANDOFF_QUEUE, runHandoff } from '../../../functions/src/app/handoff';
import { calendarFeedUrl, handleOncallCalendar } from '../../../functions/src/app/oncallCalendarHttp';
import { handleOncallCommand, type OncallCommandContext } from '../../../functions/src/app/slackOncall';
import { handoffAt, handoffMessage, handoffTaskId, nextHandoff } from '../../../functions/src/domain/handoff';
import { calendarFeedToken } from '../../../functions/src/domain/pageToken';
import { parseOncallCommand } from '../../../functions/src/domain/slack/oncallCommand';
import type { Schedule } from '../../../functions/src/domain/oncall';
import { incident, T0 } from '../../support/factories';
import { CONSOLE, ONCALL, pagingWorld, SECRET } from '../../support/pagingWorld';

const primary = ONCALL.schedules.primary as Schedule;
const DAY = 86_400_000;
const midnight = (days: number) => new Date(Date.UTC(2026, 10, 30) + days * DAY); // 2026-11-30 + days, 00:00 UTC

describe('hand-overs', () => {
  it('finds the next hand-over to someone else, overrides included, and none where the same person goes on', () => {
    expect(nextHandoff(primary, [], T0)).toMatchObject({ kind: 'handoff', at: midnight(1), shift: { uid: 'uid-b' } });
    const cover = { id: 'o1', schedule: 'primary', uid: 'uid-c', start: new Date(T0.getTime() + 3_600_000), end: new Date(T0.getTime() + 7_200_000), createdBy: 'uid-a', createdAt: T0, reason: null };
    expect(nextHandoff(primary, [cover], T0)).toMatchObject({ kind: 'handoff', at: cover.start, shift: { uid: 'uid-c', source: 'override' } });
    expect(nextHandoff(primary, [cover], cover.start)).toMatchObject({ at: cover.end, shift: { uid: 'uid-a' } });
    expect(handoffAt(primary, [], midnight(1))?.uid).toBe('uid-b');
    expect(handoffAt(primary, [], T0)).toBeNull();
    const solo = { ...primary, rotations: [{ ...primary.rotations[0]!, members: ['uid-a'] }] };
    expect(handoffAt(solo, [], midnight(1))).toBeNull();
    expect(nextHandoff(solo, [], T0)).toEqual({ kind: 'recheck', at: new Date(T0.getTime() + 35 * DAY) });
  });

  it('a hand-over DMs the incoming person with the open incidents and enqueues the next; it runs once', async () => {
    const w = pagingWorld();
    w.memory.users.set('uid-b', { name: 'Bob', slackUserId: 'U0BOB' });
    w.store.putIncident(incident({ id: 'inc-open', title: 'Checkout down', severity: 'SEV1' }));
    w.store.putIncident(incident({ id: 'inc-done', title: 'Old', status: 'resolved' }));
    expect(await ensureHandoffs(w.pagingDeps)).toEqual([handoffTaskId('primary', midnight(1)), handoffTaskId('empty', new Date(T0.getTime() + 35 * DAY))]); // nobody before 2030: look again in 35 days
    w.clock.set(midnight(1));
    const deps = { ...w.pagingDeps, dm: w.dms, consoleUrl: CONSOLE };
    const task = w.tasks.of(HANDOFF_QUEUE)[0];
    expect(await runHandoff(task?.data as never, deps)).toEqual({ kind: 'sent', uid: 'uid-b' });
    expect(w.dms.sent.map((d) => d.to)).toEqual(['U0BOB']);
    expect(w.dms.sent[0]?.text).toBe('Your on-call shift on Primary starts now. 1 open incident.');
    expect(JSON.stringify(w.dms.sent[0]?.blocks)).toContain('Checkout down');
    expect(w.tasks.of(HANDOFF_QUEUE).map((t) => t.id)).toContain(handoffTaskId('primary', midnight(2)));
    expect(await runHandoff(task?.data as never, deps)).toEqual({ kind: 'skipped', reason: 'already sent' });
    expect(w.dms.sent).toHaveLength(1);
  });

  it('a hand-over that an override removed is skipped, and the chain goes on', async () => {
    const w = pagingWorld();
    w.memory.overrideDocs.set('o1', { schedule: 'primary', uid: 'uid-a', start: midnight(0.5), end: midnight(1.5), createdBy: 'uid-a', createdAt: T0 });
    w.clock.set(midnight(1));
    const out = await runHandoff({ schedule: 'primary', at: midnight(1).getTime() }, { ...w.pagingDeps, dm: w.dms, consoleUrl: CONSOLE });
    expect(out).toEqual({ kind: 'skipped', reason: 'no hand-over at this time any more' });
    expect(w.tasks.of(HANDOFF_QUEUE).map((t) => t.at)).toEqual([midnight(1.5)]);
  });

  it('the DM lists at most 15 incidents, drills left out', () => {
    const many = Array.from({ length: 17 }, (_, n) => ({ id: `i${n}`, title: `T${n}`, severity: 'SEV2' as const, status: 'triggered' as const, service: 'svc', drill: false }));
    const msg = handoffMessage({ schedule: { id: 'p', name: null }, shift: { start: T0, end: midnight(1), source: 'rotation' }, incidents: [...many, { ...many[0]!, id: 'd', drill: true }], consoleUrl: CONSOLE });
    expect(msg.text).toBe('Your on-call shift on p starts now. 17 open incidents.');
    expect(String((msg.blocks[1] as { text: { text: string } }).text.text).split('\n').at(-1)).toBe('…and 2 more in the console.');
  });
});

describe('/incident oncall in Slack', () => {
  function ctx(role: 'viewer' | 'responder' | null, over: Partial<OncallCommandContext> = {}): OncallCommandContext {
    return {
      slackUserId: 'U0ALICE',
      now: T0,
      consoleUrl: CONSOLE,
      pageLinkSecret: SECRET,
      who: async () => ({ slackUserId: 'U0ALICE', uid: 'uid-alice', actor: 'uid-alice', role }),
      actorOf: async (id) => (id === 'U0BOB' ? 'uid-bob' : `slack:${id}`),
      ...over,
    };
  }
  const text = (r: { body: Record<string, unknown> }) => [String(r.body.text), ...((r.body.blocks as { text?: { text: string }; elements?: { text: string }[] }[] | undefined) ?? []).map((b) => b.text?.text ?? b.elements?.[0]?.text ?? '')].join('\n');

  it('shows who is on call now (their Slack mention), and for one schedule the next shifts and its calendar feed', async () => {
    const w = pagingWorld();
    w.memory.users.set('uid-a', { name: 'Alice', slackUserId: 'U0ALICE' });
    const all = await handleOncallCommand(parseOncallCommand('oncall')!, ctx('viewer'), w.pagingDeps);
    expect(all.body.text).toBe('On call: Primary: <@U0ALICE>; empty: nobody');
    const one = text(await handleOncallCommand(parseOncallCommand('oncall primary')!, ctx('viewer'), w.pagingDeps));
    expect(one).toContain('*Primary* (`primary`): <@U0ALICE> until');
    expect(one).toContain(': uid-b');
    expect(one).toContain(calendarFeedUrl(CONSOLE, SECRET, 'primary'));
    expect(calendarFeedUrl(CONSOLE, SECRET, 'primary')).toBe(`${CONSOLE}/oncallCalendar/primary.ics?token=${calendarFeedToken(SECRET, 'primary')}`);
  });

  it('an override needs the responder role and a linked person; it is written in the caller\'s name from now', async () => {
    const w = pagingWorld();
    const cmd = parseOncallCommand('oncall override primary <@U0BOB|bob> 4h covering')!;
    const refused = await handleOncallCommand(cmd, ctx('viewer'), w.pagingDeps);
    expect(refused.body.text).toBe('You cannot put someone on call: that needs the responder role, and yours is viewer.');
    expect(w.memory.overrideDocs.size).toBe(0);
    const unlinked = await handleOncallCommand(parseOncallCommand('oncall override primary <@U0NOBODY> 4h')!, ctx('responder'), w.pagingDeps);
    expect(unlinked.body.text).toMatch(/^That Slack user is not linked to a pipeline user/);
    const ok = await handleOncallCommand(cmd, ctx('responder'), w.pagingDeps);
    expect(String(ok.body.text)).toMatch(/^uid-bob is on call on \*Primary\* from now until .+ \(covering\)\.$/);
    expect([...w.memory.overrideDocs.values()]).toEqual([{ schedule: 'primary', uid: 'uid-bob', start: T0, end: new Date(T0.getTime() + 4 * 3_600_000), createdBy: 'uid-alice', createdAt: T0, reason: 'covering' }]);
    const now = await handleOncallCommand(parseOncallCommand('oncall')!, ctx('viewer'), w.pagingDeps);
    expect(now.body.text).toBe('On call: Primary: uid-bob; empty: nobody');
    const unknown = await handleOncallCommand(parseOncallCommand('oncall override nightly me 1h')!, ctx('responder'), w.pagingDeps);
    expect(unknown.body.text).toBe('There is no schedule “nightly”. Schedules: `primary`, `empty`.');
  });
});

describe('GET /oncallCalendar/{schedule}.ics', () => {
  const req = (path: string, token: string | undefined) => ({ method: 'GET', path, headers: {}, query: token === undefined ? {} : { token }, rawBody: Buffer.alloc(0) });

  it('serves the shifts (overrides included) as iCalendar that node-ical parses, with names', async () => {
    const w = pagingWorld();
    w.memory.users.set('uid-a', { name: 'Alice' });
    w.memory.overrideDocs.set('o1', { schedule: 'primary', uid: 'uid-c', start: midnight(2), end: midnight(2.5), createdBy: 'uid-a', createdAt: T0 });
    const r = await handleOncallCalendar(req('/oncallCalendar/primary.ics', calendarFeedToken(SECRET, 'primary')), { secret: SECRET, consoleUrl: CONSOLE }, w.pagingDeps);
    expect(r.status).toBe(200);
    expect(r.headers['Content-Type']).toBe('text/calendar; charset=utf-8');
    const events = Object.values(ical.sync.parseICS(r.body)).filter((c): c is ical.VEvent => c?.type === 'VEVENT');
    const around = events.filter((e) => e.start >= midnight(1) && e.start < midnight(3)).map((e) => [String(e.summary), e.start.toISOString(), e.end?.toISOString()]);
    expect(around).toEqual([
      ['On call: uid-b', midnight(1).toISOString(), midnight(2).toISOString()],
      ['On call: uid-c (override)', midnight(2).toISOString(), midnight(2.5).toISOString()],
      ['On call: Alice', midnight(2.5).toISOString(), midnight(3).toISOString()],
    ]);
    expect(events[0]?.start.toISOString()).toBe(midnight(0).toISOString()); // the rotation's start (the feed reaches a week back)
  });

  it('refuses a wrong or missing token (403), an unknown path (404), and answers 503 without PAGE_LINK_SECRET', async () => {
    const w = pagingWorld();
    const settings = { secret: SECRET, consoleUrl: CONSOLE };
    expect((await handleOncallCalendar(req('/primary.ics', calendarFeedToken(SECRET, 'empty')), settings, w.pagingDeps)).status).toBe(403);
    expect((await handleOncallCalendar(req('/primary.ics', undefined), settings, w.pagingDeps)).status).toBe(403);
    expect((await handleOncallCalendar(req('/primary', 'x'), settings, w.pagingDeps)).status).toBe(404);
    expect((await handleOncallCalendar(req('/primary.ics', calendarFeedToken(SECRET, 'primary')), settings, w.pagingDeps)).status).toBe(200);
    expect((await handleOncallCalendar(req('/primary.ics', calendarFeedToken(SECRET, 'primary')), { ...settings, secret: null }, w.pagingDeps)).status).toBe(503);
  });
});
