// Paging through the in-memory ports: when an escalation starts, what each
// level's task pages and records, what each person's notification task sends
// on every channel (and what it does when one fails), and that everything
// stops at the acknowledgement.
import { describe, expect, it } from 'vitest';
import { escalationEndTaskId, ESCALATION_QUEUE, NOTIFICATION_QUEUE, runEscalation, runNotification, startPaging } from '../../../functions/src/app/paging';
import { applyStatusUpdate } from '../../../functions/src/app/applyUpdate';
import { decide, isRejected } from '../../../functions/src/domain/incident';
import { DEFAULT_INCIDENT_POLICY } from '../../../functions/src/domain/lifecycle';
import { verifyPageToken } from '../../../functions/src/domain/pageToken';
import { DEFAULT_POLICY } from '../../../functions/src/domain/policy';
import { planPostmortem, renderMarkdown } from '../../../functions/src/domain/postmortem';
import type { Incident } from '../../../functions/src/domain/types';
import { at, incident, T0 } from '../../support/factories';
import { CONSOLE, ONCALL, pagingWorld, SECRET } from '../../support/pagingWorld';

type World = ReturnType<typeof pagingWorld>;

const sev1 = (over: Partial<Incident> = {}) => incident({ id: 'inc-1', severity: 'SEV1', title: 'Checkout down', ...over });

/** Runs every queued task of `fn` that is due by the world's clock, oldest first, once each. */
async function runDue(w: World, fn: string, done = new Set<string>()) {
  for (;;) {
    const task = w.tasks.of(fn).find((t) => !done.has(t.id) && (!t.at || t.at <= w.clock.now()));
    if (!task) return done;
    done.add(task.id);
    if (fn === ESCALATION_QUEUE) await runEscalation(task.data as never, w.pagingDeps);
    else await runNotification(task.data, w.notify);
  }
}

const types = (w: World, id = 'inc-1') => w.store.timelineOf(id).map((e) => e.type);

async function acknowledge(w: World, via = 'console', id = 'inc-1') {
  w.store.putUpdate(id, `ack-${via}`, { action: 'acknowledge', requestedBy: 'uid-a', via });
  return applyStatusUpdate(id, `ack-${via}`, w.pagingDeps);
}

describe('startPaging', () => {
  it('a new SEV1 gets the first escalation task of cycle 0, due when it opened', async () => {
    const w = pagingWorld();
    expect(await startPaging(null, sev1(), w.pagingDeps)).toBe('enqueued');
    expect(w.tasks.tasks).toEqual([{ fn: ESCALATION_QUEUE, id: 'esc-inc-1-0-0', at: T0, data: { incidentId: 'inc-1', cycle: 0, policyId: 'default', openedAt: T0.getTime(), level: 0, round: 0 } }]);
  });

  it('a SEV3 pages nobody and says why; a reopen starts cycle 1; a rise to SEV1 while unacknowledged starts paging', async () => {
    const w = pagingWorld();
    expect(await startPaging(null, sev1({ severity: 'SEV3' }), w.pagingDeps)).toBe('not_paged');
    expect(w.tasks.tasks).toEqual([]);
    expect(await w.memory.escalation('inc-1', 0)).toMatchObject({ status: 'not_paged', reason: 'SEV3 incidents are not paged (page.severities: SEV1, SEV2)' });

    expect(await startPaging(sev1({ severity: 'SEV3' }), sev1({ severity: 'SEV1', updatedAt: at(60) }), w.pagingDeps)).toBe('enqueued');
    expect(w.tasks.tasks.map((t) => [t.id, t.at])).toEqual([['esc-inc-1-0-0', at(60)]]);

    const reopened = sev1({ reopenCount: 1, statusChangedAt: at(900) });
    expect(await startPaging(sev1({ status: 'resolved' }), reopened, w.pagingDeps)).toBe('enqueued');
    expect(w.tasks.tasks.map((t) => [t.id, t.at])).toEqual([['esc-inc-1-0-0', at(60)], ['esc-inc-1-0-0-c1', at(900)]]);
  });

  it('does nothing for a write that starts no cycle, an acknowledged incident, or a drill when drills page nobody', async () => {
    const w = pagingWorld();
    expect(await startPaging(sev1(), sev1({ alertCount: 3 }), w.pagingDeps)).toBe('nothing');
    expect(await startPaging(null, sev1({ status: 'acknowledged' }), w.pagingDeps)).toBe('nothing');
    const quiet = pagingWorld({ ...ONCALL, page: { ...(ONCALL.page as NonNullable<typeof ONCALL.page>), drills: false } });
    expect(await startPaging(null, sev1({ drill: true, drillId: 'd1' }), quiet.pagingDeps)).toBe('not_paged');
    expect(w.tasks.tasks).toEqual([]);
    expect(quiet.tasks.tasks).toEqual([]);
  });
});

describe('an escalation level', () => {
  it('pages whoever is on call, records `paged`, enqueues their notification task and the next level at its time', async () => {
    const w = pagingWorld();
    w.store.putIncident(sev1());
    w.memory.users.set('uid-a', { name: 'Alice' });
    await startPaging(null, sev1(), w.pagingDeps);
    await runDue(w, ESCALATION_QUEUE);
    expect(w.store.timelineOf('inc-1')).toEqual([
      expect.objectContaining({ id: 'esc-c0-l0-r0-0', type: 'paged', actor: 'system', message: 'paged Alice (uid-a) (level 1 of 2, policy default)', data: expect.objectContaining({ uids: ['uid-a'], level: 0, unresolved: [] }) }),
    ]);
    expect(w.tasks.of(NOTIFICATION_QUEUE).map((t) => [t.id, t.data])).toEqual([['page-inc-1-c0-l0-r0-uid-a-first', { incidentId: 'inc-1', cycle: 0, level: 0, round: 0, uid: 'uid-a', pagedAt: T0.getTime() }]]);
    expect(w.tasks.of(ESCALATION_QUEUE).map((t) => [t.id, t.at])).toEqual([['esc-inc-1-0-0', T0], ['esc-inc-1-1-0', at(300)]]);
    expect(await w.memory.escalation('inc-1', 0)).toMatchObject({ status: 'paging', level: 0, nextAt: at(300) });
  });

  it('escalates after the timeout: `escalated` then `paged`, a target with nobody on call noted; the end of the policy is its own task', async () => {
    const w = pagingWorld();
    w.store.putIncident(sev1());
    await startPaging(null, sev1(), w.pagingDeps);
    const done = await runDue(w, ESCALATION_QUEUE);
    w.clock.advance(300);
    await runDue(w, ESCALATION_QUEUE, done);
    const [, escalated, paged] = w.store.timelineOf('inc-1');
    expect(escalated).toMatchObject({ type: 'escalated', message: 'not acknowledged after 5m: escalated to level 2 of 2, policy default' });
    expect(paged).toMatchObject({ type: 'paged', message: 'paged uid-lead (level 2 of 2, policy default); nobody is on call on schedule:empty', data: expect.objectContaining({ unresolved: ['schedule:empty'] }) });
    expect(w.tasks.of(ESCALATION_QUEUE).at(-1)).toMatchObject({ id: escalationEndTaskId('inc-1', 0), at: at(900), data: expect.objectContaining({ end: true }) });
    expect(escalationEndTaskId('inc-1', 0)).toBe('esc-inc-1-end');
    expect(escalationEndTaskId('inc-1', 2)).toBe('esc-inc-1-end-c2');
    w.clock.advance(600);
    await runDue(w, ESCALATION_QUEUE, done);
    expect(types(w)).toEqual(['paged', 'escalated', 'paged', 'escalation_exhausted']);
    expect(w.store.timelineOf('inc-1').at(-1)?.message).toBe('nobody acknowledged after every level of policy default: escalation ended');
    expect(await w.memory.escalation('inc-1', 0)).toMatchObject({ status: 'exhausted' });
  });

  it('an override wins over the rotation', async () => {
    const w = pagingWorld();
    w.store.putIncident(sev1());
    w.memory.overrideDocs.set('o1', { schedule: 'primary', uid: 'uid-carol', start: at(-3600), end: at(3600), createdBy: 'uid-b', createdAt: at(-3600) });
    await startPaging(null, sev1(), w.pagingDeps);
    await runDue(w, ESCALATION_QUEUE);
    expect(w.store.timelineOf('inc-1')[0]?.data.uids).toEqual(['uid-carol']);
  });

  it('does nothing once the incident is acknowledged (any channel), and a duplicate task writes nothing twice', async () => {
    const w = pagingWorld();
    w.store.putIncident(sev1());
    await startPaging(null, sev1(), w.pagingDeps);
    const first = w.tasks.of(ESCALATION_QUEUE)[0];
    await runEscalation(first?.data as never, w.pagingDeps);
    await runEscalation(first?.data as never, w.pagingDeps); // Cloud Tasks delivers at least once
    expect(types(w)).toEqual(['paged']);
    expect(w.tasks.of(NOTIFICATION_QUEUE)).toHaveLength(1);
    expect((await acknowledge(w, 'sms')).ok).toBe(true);
    w.clock.advance(300);
    const out = await runEscalation(w.tasks.of(ESCALATION_QUEUE)[1]?.data as never, w.pagingDeps);
    expect(out).toEqual({ kind: 'stopped', reason: 'the incident is acknowledged: escalation stops' });
    expect(types(w)).toEqual(['paged', 'status_changed']);
    expect(w.tasks.of(ESCALATION_QUEUE)).toHaveLength(2);
    expect(await w.memory.escalation('inc-1', 0)).toMatchObject({ status: 'stopped', reason: 'the incident is acknowledged: escalation stops' });
  });

  it('a drill with participants pages them alone, marked, and nobody at later levels', async () => {
    const w = pagingWorld();
    const drill = sev1({ drill: true, drillId: 'drill-1' });
    w.store.putIncident(drill);
    w.memory.drills.set('drill-1', ['uid-trainee', 'uid-a']);
    await startPaging(null, drill, w.pagingDeps);
    const done = await runDue(w, ESCALATION_QUEUE);
    w.clock.advance(300);
    await runDue(w, ESCALATION_QUEUE, done);
    const paged = w.store.timelineOf('inc-1').filter((e) => e.type === 'paged');
    expect(paged.map((e) => e.data.uids)).toEqual([['uid-trainee', 'uid-a'], []]);
    expect(paged[1]?.message).toBe('level 2 of 2, policy default paged nobody; nobody is on call on schedule:empty; a drill pages only its participants, at the first level');
    expect(w.tasks.of(NOTIFICATION_QUEUE).map((t) => t.data.uid)).toEqual(['uid-trainee', 'uid-a']);
  });

  it('with page.drills false, a drill that names participants still pages them, at every level task, and nobody else', async () => {
    const w = pagingWorld({ ...ONCALL, page: { ...(ONCALL.page as NonNullable<typeof ONCALL.page>), drills: false } });
    const drill = sev1({ drill: true, drillId: 'drill-1' });
    w.store.putIncident(drill);
    w.memory.drills.set('drill-1', ['uid-trainee']);
    expect(await startPaging(null, drill, w.pagingDeps)).toBe('enqueued');
    const done = await runDue(w, ESCALATION_QUEUE);
    w.clock.advance(300);
    await runDue(w, ESCALATION_QUEUE, done);
    const paged = w.store.timelineOf('inc-1').filter((e) => e.type === 'paged');
    expect(paged.map((e) => e.data.uids)).toEqual([['uid-trainee'], []]);
    expect(w.tasks.of(NOTIFICATION_QUEUE).map((t) => t.data.uid)).toEqual(['uid-trainee']);
    expect(await w.memory.escalation('inc-1', 0)).toMatchObject({ status: 'paging', level: 1 });
  });
});

describe("a person's notification task", () => {
  async function paged(w: World, user: Record<string, unknown>) {
    w.store.putIncident(sev1());
    w.memory.users.set('uid-a', user);
    await startPaging(null, sev1(), w.pagingDeps);
    await runDue(w, ESCALATION_QUEUE);
    return runDue(w, NOTIFICATION_QUEUE);
  }

  it('sends every channel due now: a Slack DM with the button, a mail document, an SMS with the link and reply code, a call with TwiML', async () => {
    const w = pagingWorld();
    await paged(w, { name: 'Alice', email: 'alice@example.com', phone: '+33612345678', slackUserId: 'U0ALICE', notify: ['slack', 'email', 'sms', 'voice'].map((channel) => ({ channel, after: '0m' })) });
    expect(w.dms.sent.map((d) => d.to)).toEqual(['U0ALICE']);
    expect(JSON.stringify(w.dms.sent[0]?.blocks)).toContain('incident_acknowledge');
    expect([...w.memory.mail.keys()]).toEqual(['page-inc-1-c0-l0-r0-uid-a-s1-email']);
    expect(w.memory.mail.get('page-inc-1-c0-l0-r0-uid-a-s1-email')).toMatchObject({ to: 'alice@example.com', message: { subject: '[SEV1] Checkout down (checkout, production): please acknowledge' } });
    expect(w.phone.sms.map((s) => s.to)).toEqual(['+33612345678']);
    const body = w.phone.sms[0]?.body ?? '';
    expect(body).toMatch(new RegExp(`^SEV1: Checkout down \\(checkout, production\\)\\. Ack: ${CONSOLE}/pageAck\\?t=[A-Za-z0-9_-]+ or reply ACK 1$`));
    const t = /t=([A-Za-z0-9_-]+)/.exec(body)?.[1];
    expect(verifyPageToken(t, SECRET, T0)).toMatchObject({ ok: true, claims: { incidentId: 'inc-1', uid: 'uid-a', pageId: 'c0-l0-r0-uid-a-s2-sms' } });
    expect(w.phone.calls).toHaveLength(1);
    expect(w.phone.calls[0]?.twiml).toContain(`action="${CONSOLE}/pageVoice?t=`);
    expect(w.memory.pagesOfIncident('inc-1').map((p) => [p.pageId, p.channel, p.status, p.error])).toEqual([
      ['c0-l0-r0-uid-a-s0-slack', 'slack', 'sent', null],
      ['c0-l0-r0-uid-a-s1-email', 'email', 'sent', null],
      ['c0-l0-r0-uid-a-s2-sms', 'sms', 'sent', null],
      ['c0-l0-r0-uid-a-s3-voice', 'voice', 'sent', null],
    ]);
    expect(w.store.timelineOf('inc-1').at(-1)).toMatchObject({ type: 'page_sent', message: 'Alice (uid-a), level 1: slack sent, email sent, sms sent, voice sent', data: expect.objectContaining({ channels: ['slack', 'email', 'sms', 'voice'] }) });
    expect(w.tasks.of(NOTIFICATION_QUEUE)).toHaveLength(1); // nothing later to send
  });

  it('a failed channel moves on to the next step at once; a later step is its own task, which does nothing after the acknowledgement', async () => {
    const w = pagingWorld();
    w.phone.faults = ['permanent'];
    await paged(w, { email: 'alice@example.com', phone: '+33612345678', notify: [{ channel: 'sms', after: '0m' }, { channel: 'email', after: '5m' }, { channel: 'voice', after: '10m' }] });
    expect(w.memory.pagesOfIncident('inc-1').map((p) => [p.channel, p.status])).toEqual([['sms', 'failed'], ['email', 'sent']]);
    expect(w.memory.pagesOfIncident('inc-1')[0]?.error).toBe("Twilio sms: HTTP 400 (Twilio error 21211): The 'To' number is not a valid phone number.");
    expect(w.store.timelineOf('inc-1').slice(1).map((e) => [e.type, e.message])).toEqual([
      ['page_sent', "uid-a, level 1: sms failed (Twilio sms: HTTP 400 (Twilio error 21211): The 'To' number is not a valid phone number.), email sent"],
    ]);
    // The voice step waits for its own time, 10 minutes after the page.
    expect(w.tasks.of(NOTIFICATION_QUEUE).at(-1)).toMatchObject({ id: `page-inc-1-c0-l0-r0-uid-a-at${at(600).getTime()}`, at: at(600) });
    await acknowledge(w, 'email');
    w.clock.advance(600);
    await runDue(w, NOTIFICATION_QUEUE);
    expect(w.phone.calls).toEqual([]);
    expect(w.memory.pagesOfIncident('inc-1')).toHaveLength(2);
  });

  it('a transient Twilio failure is tried again later, and counts as failed after 3 tries (then the next step goes)', async () => {
    const w = pagingWorld();
    w.phone.faults = ['rate_limited', 'transient', 'transient'];
    await paged(w, { email: 'alice@example.com', phone: '+33612345678', notify: [{ channel: 'sms', after: '0m' }, { channel: 'email', after: '5m' }] });
    expect(w.memory.pagesOfIncident('inc-1')).toEqual([]);
    const task = (suffix: string) => w.tasks.of(NOTIFICATION_QUEUE).find((t) => t.id.endsWith(suffix));
    expect(task('retry-s0-1')?.at).toEqual(at(7)); // Twilio's Retry-After
    w.clock.set(at(7));
    await runNotification(task('retry-s0-1')?.data, w.notify);
    expect(task('retry-s0-2')?.at).toEqual(at(17)); // then 10 s
    w.clock.set(at(17));
    await runNotification(task('retry-s0-2')?.data, w.notify);
    // The email step kept its own time (5 minutes) until the SMS counted as failed; then it went at once.
    expect(w.tasks.of(NOTIFICATION_QUEUE).map((t) => t.id.replace('page-inc-1-c0-l0-r0-uid-a-', ''))).toEqual(['first', 'retry-s0-1', `at${at(300).getTime()}`, 'retry-s0-2']);
    expect(w.memory.pagesOfIncident('inc-1').map((p) => [p.channel, p.status, p.error])).toEqual([
      ['sms', 'failed', 'Twilio sms: HTTP 503: upstream error [transient] (gave up after 3 tries)'],
      ['email', 'sent', null],
    ]);
  });

  it('with Twilio off, SMS and voice steps fail at once (recorded) and the next step goes out', async () => {
    const w = pagingWorld();
    w.notify.phone = null;
    await paged(w, { email: 'alice@example.com', phone: '+33612345678', notify: [{ channel: 'voice', after: '0m' }, { channel: 'email', after: '2m' }] });
    expect(w.memory.pagesOfIncident('inc-1').map((p) => [p.channel, p.status, p.error])).toEqual([
      ['voice', 'failed', 'TWILIO_ACCOUNT_SID is not set: SMS and voice pages are off'],
      ['email', 'sent', null],
    ]);
  });

  it('web push is not built: a push step fails at once (recorded, on the timeline) and the next step goes out now, not at its own time', async () => {
    const w = pagingWorld();
    await paged(w, { phone: '+33612345678', notify: [{ channel: 'push', after: '0m' }, { channel: 'sms', after: '5m' }] });
    expect(w.memory.pagesOfIncident('inc-1').map((p) => [p.channel, p.status, p.error])).toEqual([
      ['push', 'failed', 'web push is not available yet: add another channel to users/{uid}.notify'],
      ['sms', 'sent', null],
    ]);
    expect(w.phone.sms.map((s) => s.to)).toEqual(['+33612345678']);
    expect(w.store.timelineOf('inc-1').slice(1).map((e) => [e.type, e.message])).toEqual([
      ['page_sent', 'uid-a, level 1: push failed (web push is not available yet: add another channel to users/{uid}.notify), sms sent'],
    ]);
    // Nothing is left for the SMS step's own time (5 minutes): it already went.
    expect(w.tasks.of(NOTIFICATION_QUEUE).map((t) => t.id)).toEqual(['page-inc-1-c0-l0-r0-uid-a-first']);
  });

  it('someone who cannot be reached at all is on the timeline as such', async () => {
    const w = pagingWorld();
    w.notify.dm = null;
    await paged(w, {});
    expect(w.memory.pagesOfIncident('inc-1').map((p) => [p.channel, p.status, p.error])).toEqual([
      ['slack', 'failed', 'SLACK_BOT_TOKEN is not set: Slack pages are off'],
      ['email', 'failed', 'no email in users/{uid}'],
    ]);
    expect(w.store.timelineOf('inc-1').at(-1)).toMatchObject({ type: 'page_failed', data: expect.objectContaining({ unreachable: true }) });
    expect(w.store.timelineOf('inc-1').at(-1)?.message).toMatch(/every channel failed: uid-a could not be reached$/);
  });

  it('a Slack user who is gone fails that step; Slack busy is tried again', async () => {
    const w = pagingWorld();
    w.dms.faults = ['busy', 'user_not_found'];
    await paged(w, { email: 'alice@example.com', slackUserId: 'U0GONE', notify: [{ channel: 'slack', after: '0m' }] });
    expect(w.memory.pagesOfIncident('inc-1')).toEqual([]);
    w.clock.advance(5);
    await runDue(w, NOTIFICATION_QUEUE, new Set(['page-inc-1-c0-l0-r0-uid-a-first']));
    expect(w.memory.pagesOfIncident('inc-1').map((p) => [p.status, p.error])).toEqual([['failed', 'Slack: user_not_found']]);
  });

  it('keeps one reply code per incident on a number: a second incident paging the same phone gets 2', async () => {
    const w = pagingWorld();
    const alice = { phone: '+33612345678', notify: [{ channel: 'sms', after: '0m' }] };
    await paged(w, alice);
    w.store.putIncident(sev1({ id: 'inc-2', title: 'Search down' }));
    await startPaging(null, sev1({ id: 'inc-2' }), w.pagingDeps);
    await runDue(w, ESCALATION_QUEUE);
    await runDue(w, NOTIFICATION_QUEUE);
    expect(w.phone.sms.map((s) => s.body.split(' or ')[1])).toEqual(['reply ACK 1', 'reply ACK 2']);
  });
});

describe('the acknowledgement on the timeline and in the postmortem', () => {
  it("names its channel (data.via), and the postmortem's frozen timeline shows every page, escalation and the acknowledgement", async () => {
    const w = pagingWorld();
    w.store.putIncident(sev1());
    w.memory.users.set('uid-a', { name: 'Alice', phone: '+33612345678', notify: [{ channel: 'sms', after: '0m' }] });
    await startPaging(null, sev1(), w.pagingDeps);
    const done = await runDue(w, ESCALATION_QUEUE);
    await runDue(w, NOTIFICATION_QUEUE);
    w.clock.advance(300);
    await runDue(w, ESCALATION_QUEUE, done);
    w.clock.advance(60);
    await acknowledge(w, 'sms');
    const ack = w.store.timelineOf('inc-1').at(-1);
    expect(ack).toMatchObject({ type: 'status_changed', message: 'triggered → acknowledged by uid-a (sms)', data: { from: 'triggered', to: 'acknowledged', via: 'sms', updateId: 'ack-sms' } });

    const resolved = decide(w.store.incidents.get('inc-1') as Incident, { action: 'resolve', actor: 'uid-a', via: 'console' }, { now: at(900), policy: DEFAULT_INCIDENT_POLICY, cause: 'update-r' });
    if (isRejected(resolved)) throw new Error(resolved.rejected);
    const timeline = [...w.store.timelineOf('inc-1'), ...resolved.timeline];
    const plan = planPostmortem({ incident: resolved.incident, timeline, previous: null, now: at(900), policy: DEFAULT_POLICY });
    const md = renderMarkdown(plan?.postmortem as never);
    expect(md).toContain('— system — paged Alice (uid-a) (level 1 of 2, policy default)');
    expect(md).toContain('— system — Alice (uid-a), level 1: sms sent');
    expect(md).toContain('— system — not acknowledged after 5m: escalated to level 2 of 2, policy default');
    expect(md).toContain('— uid-a — triggered → acknowledged by uid-a (sms)');
  });

  it('console and Slack acknowledgements carry their via too; an update without one is unchanged', () => {
    const base = sev1();
    const ctx = { now: at(60), policy: DEFAULT_INCIDENT_POLICY, cause: 'update-x' };
    for (const via of ['console', 'slack']) {
      const d = decide(base, { action: 'acknowledge', actor: 'uid-a', via }, ctx);
      expect(!isRejected(d) && d.timeline[0]).toMatchObject({ message: 'triggered → acknowledged by uid-a', data: { via } });
    }
    const plain = decide(base, { action: 'acknowledge', actor: 'uid-a' }, ctx);
    expect(!isRejected(plain) && plain.timeline[0]?.data).toEqual({ from: 'triggered', to: 'acknowledged' });
  });

  it('paging commands are refused once the incident no longer waits, or belongs to another cycle', () => {
    const cmd = { action: 'page_level' as const, cycle: 0, level: 0, round: 0, levels: 1, rounds: 1, policyId: 'p', waitedSeconds: null, uids: ['u'], targets: [{ target: 'user:u', uid: 'u' }], note: null };
    const ctx = { now: at(1), policy: DEFAULT_INCIDENT_POLICY, cause: 'esc' };
    expect(decide(sev1({ status: 'acknowledged' }), cmd, ctx)).toEqual({ rejected: 'the incident is acknowledged: paging has stopped' });
    expect(decide(sev1({ reopenCount: 1 }), cmd, ctx)).toEqual({ rejected: 'this escalation belongs to cycle 0; the incident is in cycle 1' });
    const ok = decide(sev1(), cmd, ctx);
    expect(!isRejected(ok) && { changed: ok.changed, effects: ok.effects }).toEqual({ changed: false, effects: [] });
  });
});
