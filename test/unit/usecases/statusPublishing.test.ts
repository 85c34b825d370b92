// Publishing to the public status page through the in-memory ports: a
// publish_status update goes through the state machine (applyStatusUpdate),
// its effect through the outbox (deliverNotification) to the statusPage/
// projection, the subscribers' mails and the cadence task; drafts wait for a
// second responder; a resolve carries the closing public message; the cadence
// task reminds the channel or does nothing; stakeholders hear about opening,
// severity changes and resolution.
import { describe, expect, it } from 'vitest';
import { applyStatusUpdate } from '../../../functions/src/app/applyUpdate';
import { deliverNotification, type OutboxDeps } from '../../../functions/src/app/outbox';
import { remindPublicUpdate } from '../../../functions/src/app/statusCadence';
import type { StakeholderDeps } from '../../../functions/src/app/stakeholderDelivery';
import { type SlackPort, SlackCallFailed } from '../../../functions/src/adapters/slack';
import type { Policy } from '../../../functions/src/domain/policy';
import { CADENCE_TASK } from '../../../functions/src/domain/publicUpdates';
import { DEFAULT_SLACK_CONFIG, type SlackConfig } from '../../../functions/src/domain/slack/slackConfig';
import { publicIdFor } from '../../../functions/src/domain/statusPage';
import { verifyLinkToken } from '../../../functions/src/domain/statusSubscribers';
import type { Incident } from '../../../functions/src/domain/types';
import { MemoryStatusPage } from '../../support/memoryStore';
import { at, incident, T0 } from '../../support/factories';
import { world } from '../../support/useCases';

const SECRET = 'unit-status-link-secret';
const PAGE = 'https://status.test/status';

class ScriptedSlack implements SlackPort {
  readonly calls: { method: string; args: Record<string, unknown> }[] = [];
  readonly fail: Record<string, string[]> = {};
  private n = 0;
  async call<T>(method: string, args: Record<string, unknown>): Promise<T> {
    this.calls.push({ method, args });
    const next = this.fail[method]?.shift();
    if (next) throw new SlackCallFailed(method, { kind: 'platform_error', error: next, message: next });
    this.n += 1;
    if (method === 'conversations.create') return { channel: { id: `C${this.n}` } } as T;
    if (method === 'chat.postMessage') return { channel: String(args.channel), ts: `1.${this.n}` } as T;
    return {} as T;
  }
  posts(channel?: string) {
    return this.calls.filter((c) => c.method === 'chat.postMessage' && (!channel || c.args.channel === channel)).map((c) => String(c.args.text));
  }
}

interface Options {
  policy?: (p: Policy) => Policy;
  slackConfig?: SlackConfig;
  token?: string | null;
  incident?: Partial<Incident>;
}

function setup(opts: Options = {}) {
  const w = world();
  const policy = opts.policy ? opts.policy(w.policy) : w.policy;
  const page = new MemoryStatusPage(w.status);
  page.subscribersList = [{ id: 'a'.repeat(32), email: 'visitor@example.com', status: 'confirmed' }];
  const slack = new ScriptedSlack();
  const slackConfig = opts.slackConfig ?? DEFAULT_SLACK_CONFIG;
  const stakeholders: StakeholderDeps = {
    statusPage: page,
    mail: page,
    tasks: w.tasks,
    clock: w.clock,
    statusConfig: w.status,
    slackConfig,
    secret: SECRET,
    consoleUrl: 'https://console.test',
    statusPageUrl: PAGE,
  };
  const outbox: OutboxDeps = {
    outbox: w.store,
    store: w.store,
    tasks: w.tasks,
    clock: w.clock,
    settings: { token: opts.token === undefined ? 'xoxb-test' : opts.token, apiUrl: 'http://slack.test/api/', incidentsChannel: '#incidents', trainingChannel: '#drills', consoleUrl: 'https://console.test' },
    slackConfig,
    slack: () => slack,
    stakeholders,
  };
  w.store.putIncident(incident({ id: 'inc-1', severity: 'SEV2', status: 'acknowledged', service: 'checkout', slack: 'C0INC', ...opts.incident }));
  w.store.slack.set('inc-1', { channelId: 'C0INC', channelName: 'inc-checkout-1', topic: 'x', announcement: { channel: '#incidents', ts: '0.1' }, announced: 'x' });
  const deps = { ...w.deps, policy };
  let n = 0;
  /** Writes an update as the console does and applies it (onUpdateCreated). */
  async function update(data: Record<string, unknown>) {
    const id = `u${++n}`;
    w.store.putUpdate('inc-1', id, { via: 'console', ...data });
    return { id, outcome: await applyStatusUpdate('inc-1', id, deps) };
  }
  /** Delivers every pending notification (onNotificationCreated), in order. */
  async function deliverAll() {
    for (const x of [...w.store.notifications.values()].filter((x) => x.status === 'pending')) await deliverNotification(x.id, outbox);
  }
  const publicId = publicIdFor(SECRET, 'inc-1');
  return { w, page, slack, outbox, deps, update, deliverAll, publicId, current: () => w.store.incidents.get('inc-1') as Incident };
}

const publish = (requestedBy: string, over: Record<string, unknown> = {}) => ({
  action: 'publish_status',
  requestedBy,
  message: 'Some orders fail at payment. We are rolling back the last release.',
  componentStatus: 'partial_outage',
  title: 'Some orders cannot be placed',
  ...over,
});

describe('publish_status through the state machine and the outbox', () => {
  it('is recorded on the timeline, and its effect updates the projection, mails subscribers, schedules the cadence and posts in the channel', async () => {
    const s = setup();
    const { id, outcome } = await s.update(publish('uid-alice', { phase: 'identified' }));
    expect(outcome).toMatchObject({ ok: true, action: 'publish_status' });
    expect(s.current().statusPage).toEqual({
      firstPublishedAt: T0,
      lastPublishedAt: T0,
      published: 1,
      title: 'Some orders cannot be placed',
      message: 'Some orders fail at payment. We are rolling back the last release.',
      phase: 'identified',
      componentStatus: { checkout: 'partial_outage' },
      nextUpdateDueAt: at(30 * 60),
      draft: null,
    });
    expect(s.w.store.timelineOf('inc-1')).toEqual([
      expect.objectContaining({
        id: `update-${id}-0`,
        type: 'status_published',
        actor: 'uid-alice',
        message: 'public update published: identified, checkout: partial outage: Some orders fail at payment. We are rolling back the last release.',
        data: expect.objectContaining({ phase: 'identified', componentStatus: { checkout: 'partial_outage' }, by: 'uid-alice', approvedBy: null, updateId: id }),
      }),
    ]);
    const [effect] = s.w.store.notificationsOf('inc-1');
    expect(effect).toMatchObject({ id: `inc-1_update-${id}_0`, kind: 'status_published', status: 'pending' });

    await s.deliverAll();
    expect(s.w.store.notifications.get(effect!.id)).toMatchObject({ status: 'sent', progress: { 'beyond-slack': { changed: true, mails: 1 } } });
    // The projection: the public incident and the summary, nothing of the internal incident.
    expect(s.page.incident(s.publicId)).toMatchObject({ title: 'Some orders cannot be placed', phase: 'identified', componentStatus: { checkout: 'partial_outage' }, updates: [expect.objectContaining({ message: 'Some orders fail at payment. We are rolling back the last release.' })] });
    expect(s.page.summary()?.components.find((c) => c.id === 'checkout')?.status).toBe('partial_outage');
    expect(JSON.stringify([...s.page.docs.values()])).not.toContain('inc-1');
    // The subscriber's mail, with a working unsubscribe link.
    const [mail] = s.page.mailsTo('visitor@example.com');
    expect(mail?.message.subject).toBe('[Identified] Some orders cannot be placed');
    const token = /\/status\/unsubscribe\?t=(\S+)/.exec(mail!.message.text)?.[1];
    expect(verifyLinkToken(SECRET, token, 'unsubscribe', T0)).toEqual({ ok: true, subscriberId: 'a'.repeat(32) });
    // The cadence reminder: one task, at the policy's 30 minutes, with a deterministic id.
    expect(s.w.tasks.of(CADENCE_TASK)).toEqual([{ fn: CADENCE_TASK, id: `status-cadence-inc-1-${T0.getTime()}-1`, data: { incidentId: 'inc-1', publishedAt: T0.getTime(), n: 1 }, at: at(1800) }]);
    // The channel hears about it.
    expect(s.slack.posts('C0INC')).toEqual([':loudspeaker: Public status page updated by uid-alice: Identified · checkout: partial outage: Some orders fail at payment. We are rolling back the last release.']);
  });

  it('publishes nothing twice: a redelivered effect, or one retried after a failure halfway, changes the page once and mails once', async () => {
    const s = setup();
    await s.update(publish('uid-alice'));
    const [effect] = s.w.store.notificationsOf('inc-1');
    // The projection is written, then the mails fail: the whole notification is retried later.
    const create = s.page.create.bind(s.page);
    let failMail = true;
    s.page.create = async (m) => {
      if (failMail) {
        failMail = false;
        throw new Error('14 UNAVAILABLE: mail');
      }
      return create(m);
    };
    await deliverNotification(effect!.id, s.outbox);
    expect(s.w.store.notifications.get(effect!.id)).toMatchObject({ status: 'retrying', attempts: 1, lastError: '14 UNAVAILABLE: mail' });
    expect(s.page.incident(s.publicId)?.updates).toHaveLength(1);
    expect(s.slack.posts()).toEqual([]);
    s.w.clock.advance(2);
    await deliverNotification(effect!.id, s.outbox);
    expect(s.w.store.notifications.get(effect!.id)).toMatchObject({ status: 'sent', attempts: 2, progress: { 'beyond-slack': { changed: false, mails: 1 } } });
    // A delivery that lost its record of the step runs it again: nothing changes.
    await s.w.store.update(effect!.id, { status: 'pending', progress: {} });
    await deliverNotification(effect!.id, s.outbox);
    expect(s.page.incident(s.publicId)?.updates).toHaveLength(1);
    expect(s.page.mails.size).toBe(1);
    expect(s.w.tasks.of(CADENCE_TASK)).toHaveLength(1);
    // The update document itself is applied once, however often its trigger runs.
    const again = await applyStatusUpdate('inc-1', 'u1', s.deps);
    expect(again).toMatchObject({ duplicate: true });
    expect(s.w.store.timelineOf('inc-1')).toHaveLength(1);
  });

  it('publishes without Slack: no token, or a token Slack refuses, holds neither the page nor the mails', async () => {
    const none = setup({ token: null });
    await none.update(publish('uid-alice'));
    await none.deliverAll();
    expect(none.page.incident(none.publicId)?.updates).toHaveLength(1);
    expect(none.page.mails.size).toBe(1);
    expect(none.w.store.notificationsOf('inc-1')[0]).toMatchObject({ status: 'skipped' });

    const refused = setup();
    refused.slack.fail['chat.postMessage'] = ['invalid_auth'];
    await refused.update(publish('uid-alice'));
    await refused.deliverAll();
    expect(refused.page.incident(refused.publicId)?.updates).toHaveLength(1);
    expect(refused.w.store.notificationsOf('inc-1')[0]).toMatchObject({ status: 'retrying', attempts: 0 });
    expect(refused.w.store.slackOutage).toMatchObject({ error: 'invalid_auth' });
  });

  it('a missing STATUS_LINK_SECRET publishes nothing and says so, and the notification is retried', async () => {
    const s = setup();
    s.outbox.stakeholders = { ...(s.outbox.stakeholders as StakeholderDeps), secret: null };
    await s.update(publish('uid-alice'));
    await s.deliverAll();
    expect(s.w.store.notificationsOf('inc-1')[0]).toMatchObject({ status: 'retrying', lastError: expect.stringContaining('STATUS_LINK_SECRET is not set') });
    expect(s.page.docs.size).toBe(0);
  });

  it('refuses, with the reason on the update: a closed incident, an unknown component, a service no component covers, a first update without statuses, no message', async () => {
    const closed = setup({ incident: { status: 'closed' } });
    expect((await closed.update(publish('uid-alice'))).outcome).toMatchObject({ ok: false, reason: 'cannot publish a public update for a closed incident' });

    const s = setup();
    expect((await s.update(publish('uid-alice', { componentStatus: { chekout: 'degraded' } }))).outcome).toMatchObject({
      ok: false,
      reason: 'unknown component "chekout"; config/status.yaml has storefront, search, checkout, payments, billing',
    });
    expect((await s.update(publish('uid-alice', { componentStatus: undefined }))).outcome).toMatchObject({
      ok: false,
      reason: 'the first public update says how the components are affected: give one status for checkout (the components of the service checkout); in Slack, e.g. status=partial_outage',
    });
    expect((await s.update(publish('uid-alice', { message: '   ' }))).outcome).toMatchObject({ ok: false, reason: 'publish_status needs a message (the public text)' });
    expect((await s.update(publish('uid-alice', { componentStatus: 'on fire' }))).outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid update: componentStatus/) });
    expect(s.w.store.updates.get('inc-1/u2')).toMatchObject({ result: { ok: false } });

    const orphan = setup({ incident: { service: 'internal-batch' } });
    expect((await orphan.update(publish('uid-alice'))).outcome).toMatchObject({
      ok: false,
      reason: 'which components? the service "internal-batch" is in no component of config/status.yaml: give componentStatus as {componentId: status} (components: storefront, search, checkout, payments, billing)',
    });
    for (const w of [closed, s, orphan]) {
      expect(w.w.store.timelineOf('inc-1')).toEqual([]);
      expect(w.w.store.notificationsOf('inc-1')).toEqual([]);
    }
  });

  it('a later update keeps the components and title, changes what it names, and a newer publication moves the cadence on', async () => {
    const s = setup();
    await s.update(publish('uid-alice'));
    await s.deliverAll();
    s.w.clock.advance(600);
    await s.update({ action: 'publish_status', requestedBy: 'uid-bob', message: 'Payments are slow too.', componentStatus: { payments: 'degraded' }, phase: 'identified' });
    expect(s.current().statusPage).toMatchObject({
      published: 2,
      title: 'Some orders cannot be placed',
      componentStatus: { checkout: 'partial_outage', payments: 'degraded' },
      lastPublishedAt: at(600),
      nextUpdateDueAt: at(600 + 1800),
    });
    await s.deliverAll();
    expect(s.page.incident(s.publicId)).toMatchObject({ title: 'Some orders cannot be placed', phase: 'identified', componentStatus: { checkout: 'partial_outage', payments: 'degraded' } });
    expect(s.page.incident(s.publicId)?.updates.map((u) => u.message)).toEqual(['Payments are slow too.', 'Some orders fail at payment. We are rolling back the last release.']);
    expect(s.w.tasks.of(CADENCE_TASK).map((t) => t.id)).toEqual([`status-cadence-inc-1-${T0.getTime()}-1`, `status-cadence-inc-1-${at(600).getTime()}-1`]);
  });

  it('two publications delivered out of order end with the newer one as the page\'s current state', async () => {
    const s = setup();
    await s.update(publish('uid-alice'));
    s.w.clock.advance(60);
    await s.update({ action: 'publish_status', requestedBy: 'uid-alice', message: 'Fixed for most customers.', componentStatus: 'degraded', phase: 'monitoring' });
    const [first, second] = s.w.store.notificationsOf('inc-1');
    await deliverNotification(second!.id, { ...s.outbox, settings: { ...s.outbox.settings, token: null } });
    await deliverNotification(first!.id, { ...s.outbox, settings: { ...s.outbox.settings, token: null } });
    expect(s.page.incident(s.publicId)).toMatchObject({ phase: 'monitoring', componentStatus: { checkout: 'degraded' } });
    expect(s.page.incident(s.publicId)?.updates.map((u) => u.message)).toEqual(['Fixed for most customers.', 'Some orders fail at payment. We are rolling back the last release.']);
    expect(s.page.summary()?.active[0]?.latest.message).toBe('Fixed for most customers.');
    // Only the newer publication still has a cadence: the older one's is not scheduled.
    expect(s.w.tasks.of(CADENCE_TASK).map((t) => t.id)).toEqual([`status-cadence-inc-1-${at(60).getTime()}-1`]);
  });
});

describe('drafts and approval (config/policy.yaml statusPage.approvalFor)', () => {
  const approvalForSev2 = (p: Policy): Policy => ({ ...p, statusPage: { ...p.statusPage, approvalFor: ['SEV2'] } });

  it('a responder\'s publication is a draft; another responder approves the draft they saw, and only then it goes out', async () => {
    const s = setup({ policy: approvalForSev2 });
    const drafted = await s.update(publish('uid-alice'));
    expect(drafted.outcome).toMatchObject({ ok: true });
    const draftId = `update-${drafted.id}`;
    expect(s.current().statusPage).toMatchObject({ published: 0, lastPublishedAt: null, draft: { id: draftId, by: 'uid-alice', at: T0, phase: 'investigating', componentStatus: { checkout: 'partial_outage' } } });
    expect(s.w.store.timelineOf('inc-1').map((e) => [e.type, e.actor])).toEqual([['status_drafted', 'uid-alice']]);
    await s.deliverAll();
    expect(s.page.docs.size).toBe(0);
    expect(s.page.mails.size).toBe(0);
    expect(s.slack.posts('C0INC')).toEqual([
      ":memo: Draft public update by uid-alice, waiting for another responder's approval: Investigating · checkout: partial outage: Some orders fail at payment. We are rolling back the last release.",
    ]);

    expect((await s.update({ action: 'approve_status', requestedBy: 'uid-alice' })).outcome).toMatchObject({ ok: false, reason: 'a draft public update is approved by another responder than the one who wrote it (uid-alice)' });
    expect((await s.update({ action: 'approve_status', requestedBy: 'uid-bob', draft: 'update-older' })).outcome).toMatchObject({ ok: false, reason: 'the draft changed since you saw it: read the new one, then approve it' });
    s.w.clock.advance(120);
    expect((await s.update({ action: 'approve_status', requestedBy: 'uid-bob', draft: draftId })).outcome).toMatchObject({ ok: true });
    expect(s.current().statusPage).toMatchObject({ published: 1, lastPublishedAt: at(120), draft: null, message: 'Some orders fail at payment. We are rolling back the last release.' });
    const entries = s.w.store.timelineOf('inc-1');
    expect(entries.map((e) => [e.type, e.actor])).toEqual([['status_drafted', 'uid-alice'], ['status_published', 'uid-bob']]);
    expect(entries[1]?.message).toMatch(/^public update published \(written by uid-alice, approved by uid-bob\): investigating/);
    await s.deliverAll();
    expect(s.page.incident(s.publicId)?.updates.map((u) => u.message)).toEqual(['Some orders fail at payment. We are rolling back the last release.']);
    expect(s.page.mails.size).toBe(1);
    expect(s.slack.posts('C0INC').at(-1)).toMatch(/^:loudspeaker: Public status page updated by uid-alice, approved by uid-bob: Investigating/);
    // Nothing left to approve.
    expect((await s.update({ action: 'approve_status', requestedBy: 'uid-carol' })).outcome).toMatchObject({ ok: false, reason: 'there is no draft public update to approve' });
  });

  it('a new draft replaces the one waiting; severities outside approvalFor publish at once', async () => {
    const s = setup({ policy: approvalForSev2 });
    await s.update(publish('uid-alice'));
    await s.update(publish('uid-bob', { message: 'Better words.' }));
    expect(s.current().statusPage?.draft).toMatchObject({ by: 'uid-bob', message: 'Better words.' });
    expect(s.w.store.timelineOf('inc-1')[1]?.message).toMatch(/^public update drafted \(it replaces the draft by uid-alice\)/);

    const sev3 = setup({ policy: approvalForSev2, incident: { severity: 'SEV3' } });
    await sev3.update(publish('uid-alice'));
    expect(sev3.current().statusPage).toMatchObject({ published: 1, draft: null, nextUpdateDueAt: null });
  });
});

describe('the closing public message of a resolve', () => {
  it('resolves the incident and publishes the closing message with phase resolved: the components are operational again', async () => {
    const s = setup();
    await s.update(publish('uid-alice'));
    s.w.clock.advance(900);
    const { outcome } = await s.update({ action: 'resolve', requestedBy: 'uid-bob', message: 'rolled back', publicMessage: 'Orders work normally again.' });
    expect(outcome).toMatchObject({ ok: true });
    expect(s.current()).toMatchObject({ status: 'resolved', statusPage: { phase: 'resolved', componentStatus: { checkout: 'operational' }, nextUpdateDueAt: null, published: 2 } });
    expect(s.w.store.timelineOf('inc-1').map((e) => e.type)).toEqual(['status_published', 'status_changed', 'status_published']);
    await s.deliverAll();
    expect(s.page.incident(s.publicId)).toMatchObject({ phase: 'resolved', resolvedAt: at(900), componentStatus: { checkout: 'operational' } });
    expect(s.page.summary()?.active).toEqual([]);
    expect(s.page.mailsTo('visitor@example.com').map((m) => m.message.subject)).toEqual(['[Investigating] Some orders cannot be placed', '[Resolved] Some orders cannot be placed']);
    // The resolve post does not suggest a closing message any more: it went out.
    expect(s.slack.posts('C0INC').some((p) => p.includes('still open on the public status page'))).toBe(false);
  });

  it('a resolve without one, of a published incident, suggests /incident status-page in the channel', async () => {
    const s = setup();
    await s.update(publish('uid-alice'));
    await s.update({ action: 'resolve', requestedBy: 'uid-bob' });
    await s.deliverAll();
    expect(s.slack.posts('C0INC').at(-1)).toBe('This incident is still open on the public status page: post the closing public message with /incident status-page phase=resolved &lt;text&gt;');
  });

  it('a closing message for an incident that is not on the page refuses the resolve, which leaves it as it was', async () => {
    const s = setup();
    const { outcome } = await s.update({ action: 'resolve', requestedBy: 'uid-bob', publicMessage: 'All good.' });
    expect(outcome).toMatchObject({
      ok: false,
      reason: 'cannot resolve with a closing public message: a closing public message is for an incident that is on the status page; publish it first (publish_status, phase resolved)',
    });
    expect(s.current().status).toBe('acknowledged');
  });
});

describe('the cadence task', () => {
  it('reminds the channel when no public update went out for the interval, and schedules the next reminder', async () => {
    const s = setup();
    await s.update(publish('uid-alice'));
    await s.deliverAll();
    const [task] = s.w.tasks.of(CADENCE_TASK);
    s.w.clock.set(task!.at as Date);
    const o = await remindPublicUpdate(task!.data as never, s.deps);
    expect(o).toMatchObject({ remind: true, sent: true, silentMinutes: 30 });
    const notice = s.w.store.notifications.get(`status-cadence-inc-1-${T0.getTime()}-1`);
    expect(notice?.effect).toMatchObject({ kind: 'message', channelOnly: true, text: expect.stringMatching(/^:loudspeaker: No public status update for 30 min \(the last went out at 2026-11-30 10:00 UTC\)/) });
    expect(s.w.tasks.of(CADENCE_TASK).map((t) => [t.id, t.at])).toEqual([
      [`status-cadence-inc-1-${T0.getTime()}-1`, at(1800)],
      [`status-cadence-inc-1-${T0.getTime()}-2`, at(3600)],
    ]);
    await s.deliverAll();
    expect(s.slack.posts('C0INC').at(-1)).toMatch(/^:loudspeaker: No public status update for 30 min/);
    expect(s.slack.posts('#incidents')).toEqual([]);

    // Redelivered: no second reminder; the next task is enqueued again (a no-op by its id).
    const again = await remindPublicUpdate(task!.data as never, s.deps);
    expect(again).toMatchObject({ remind: true, sent: false });
    expect(s.w.store.notificationsOf('inc-1').filter((n) => n.kind === 'message')).toHaveLength(1);
    expect(s.w.tasks.of(CADENCE_TASK)).toHaveLength(2);
  });

  it('does nothing when a newer public update went out, or the incident resolved', async () => {
    const s = setup();
    await s.update(publish('uid-alice'));
    await s.deliverAll();
    const [task] = s.w.tasks.of(CADENCE_TASK);
    s.w.clock.advance(600);
    await s.update({ action: 'publish_status', requestedBy: 'uid-alice', message: 'Still on it.' });
    s.w.clock.set(task!.at as Date);
    expect(await remindPublicUpdate(task!.data as never, s.deps)).toMatchObject({ remind: false, reason: 'a newer public update went out' });

    await s.update({ action: 'resolve', requestedBy: 'uid-alice' });
    const latest = { incidentId: 'inc-1', publishedAt: at(600).getTime(), n: 1 };
    expect(await remindPublicUpdate(latest, s.deps)).toMatchObject({ remind: false, reason: 'the incident is resolved' });
    expect(s.w.store.notificationsOf('inc-1').filter((n) => n.kind === 'message')).toEqual([]);
    expect(await remindPublicUpdate({ incidentId: 'gone', publishedAt: 1, n: 1 }, s.deps)).toMatchObject({ remind: false, reason: 'the incident no longer exists' });
  });

  it('a draft waiting for approval is named in the reminder', async () => {
    const s = setup({ policy: (p) => ({ ...p, statusPage: { ...p.statusPage, approvalFor: ['SEV2'] } }) });
    await s.update(publish('uid-alice'));
    await s.update({ action: 'approve_status', requestedBy: 'uid-bob' });
    await s.update(publish('uid-alice', { message: 'A newer text.' }));
    const publishedAt = s.current().statusPage?.lastPublishedAt?.getTime() as number;
    s.w.clock.advance(1800);
    const o = await remindPublicUpdate({ incidentId: 'inc-1', publishedAt, n: 1 }, s.deps);
    expect(o).toMatchObject({ remind: true });
    expect(s.w.store.notifications.get(`status-cadence-inc-1-${publishedAt}-1`)?.effect).toMatchObject({ text: expect.stringContaining('A draft by uid-alice is waiting for approval: `/incident status-page approve` publishes it.') });
  });
});

describe('internal stakeholder summaries (config/slack.yaml stakeholders)', () => {
  const stakeholders: SlackConfig = {
    ...DEFAULT_SLACK_CONFIG,
    stakeholders: { SEV1: { channels: ['#exec-updates'], emails: ['leadership@example.com'] }, SEV2: { channels: ['#support-updates'], emails: ['support@example.com'] } },
  };

  it('go to the channels and email lists when the incident opens, changes severity and resolves, and not for anything else', async () => {
    const s = setup({ slackConfig: stakeholders, incident: { status: 'triggered', slack: null } });
    s.w.store.slack.delete('inc-1');
    s.w.store.notifications.clear();
    // Opening (the effect ingest would write).
    const { notificationDoc } = await import('../../../functions/src/domain/outbox');
    s.w.store.notifications.set('n-open', { id: 'n-open', ...notificationDoc('inc-1', { kind: 'incident_opened' }, { now: T0, drill: false }) });
    await s.deliverAll();
    expect(s.slack.posts('#support-updates')).toEqual(['SEV2 incident: Checkout error rate above 5%']);
    expect(s.page.mailsTo('support@example.com').map((m) => m.message.subject)).toEqual(['SEV2 incident: Checkout error rate above 5%']);

    await s.update({ action: 'acknowledge', requestedBy: 'uid-alice' });
    await s.update({ action: 'note', requestedBy: 'uid-alice', message: 'looking at the database' });
    await s.update({ action: 'set_severity', requestedBy: 'uid-alice', severity: 'SEV1' });
    await s.deliverAll();
    // The severity change reaches the stakeholders of both severities; the acknowledgement and the note reach nobody.
    expect(s.slack.posts('#exec-updates')).toEqual(['Escalated SEV2 → SEV1: Checkout error rate above 5%']);
    expect(s.slack.posts('#support-updates')).toEqual(['SEV2 incident: Checkout error rate above 5%', 'Escalated SEV2 → SEV1: Checkout error rate above 5%']);
    expect(s.page.mailsTo('leadership@example.com')).toHaveLength(1);

    await s.update(publish('uid-alice'));
    await s.update({ action: 'resolve', requestedBy: 'uid-alice', publicMessage: 'Orders work again.' });
    await s.deliverAll();
    expect(s.slack.posts('#exec-updates').at(-1)).toBe('Resolved (SEV1): Checkout error rate above 5%');
    const resolved = s.page.mailsTo('leadership@example.com').at(-1);
    expect(resolved?.message.subject).toBe('Resolved (SEV1): Checkout error rate above 5%');
    // The summary carries the public side: the impact in the responders' public words, the page's link.
    expect(resolved?.message.text).toContain('Orders work again.');
    expect(resolved?.message.text).toContain(`Status page: ${PAGE}#incident-${s.publicId}`);
    expect(s.page.mailsTo('leadership@example.com')).toHaveLength(2);
    expect(s.page.mailsTo('support@example.com')).toHaveLength(2);
  });

  it('emails go out even without a Slack token, each once', async () => {
    const s = setup({ slackConfig: stakeholders, token: null });
    await s.update({ action: 'set_severity', requestedBy: 'uid-alice', severity: 'SEV1' });
    await s.deliverAll();
    const [n] = s.w.store.notificationsOf('inc-1');
    await s.w.store.update(n!.id, { status: 'pending', progress: {} });
    await s.deliverAll();
    expect(s.page.mailsTo('leadership@example.com')).toHaveLength(1);
    expect(s.page.mailsTo('support@example.com')).toHaveLength(1);
  });
});
