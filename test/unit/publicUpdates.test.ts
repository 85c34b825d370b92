// Publishing as decisions (domain/publicUpdates.ts through decide), the
// cadence's rules, a late update in the projection, `/incident status-page`
// parsing (domain/slack/statusPageCommand.ts) and its handler
// (app/slackStatusPage.ts) with the request plumbing stubbed.
import { describe, expect, it } from 'vitest';
import { slackStatusPageCommand, type SlackCommandContext } from '../../functions/src/app/slackStatusPage';
import { decide, isRejected } from '../../functions/src/domain/incident';
import { DEFAULT_INCIDENT_POLICY, type IncidentPolicy } from '../../functions/src/domain/lifecycle';
import { policySchema } from '../../functions/src/domain/policy';
import { checkCadence, resolvePublicUpdate } from '../../functions/src/domain/publicUpdates';
import { parseYaml } from '../../functions/src/domain/yamlConfig';
import { parseStatusPageCommand, STATUS_PAGE_USAGE } from '../../functions/src/domain/slack/statusPageCommand';
import { applyPublicUpdate, type StatusPageState } from '../../functions/src/domain/statusPage';
import type { Incident } from '../../functions/src/domain/types';
import { projectStatus } from '../support/config';
import { at, incident, T0 } from '../support/factories';

const status = projectStatus();
const ctx = (over: Partial<IncidentPolicy> = {}, now = T0) => ({ now, policy: { ...DEFAULT_INCIDENT_POLICY, ...over }, cause: 'update-u1' });

function published(over: Partial<Incident> = {}): Incident {
  const d = decide(incident({ status: 'acknowledged', service: 'checkout' }), { action: 'publish_status', actor: 'uid-a', request: { message: 'Orders fail.', componentStatus: 'partial_outage' }, status }, ctx());
  if (isRejected(d)) throw new Error(d.rejected);
  return { ...d.incident, ...over };
}

describe('resolvePublicUpdate', () => {
  const base = incident({ service: 'checkout' });
  it.each([
    ['one status applies to the components of the service', base, { message: ' Slow ', componentStatus: 'degraded' as const }, { message: 'Slow', title: null, componentStatus: { checkout: 'degraded' }, phase: 'investigating' }],
    ['a map names components, in config order', base, { message: 'x', componentStatus: { payments: 'degraded' as const, checkout: 'major_outage' as const } }, { componentStatus: { checkout: 'major_outage', payments: 'degraded' } }],
    ['phase resolved sets every component operational', published(), { message: 'done', phase: 'resolved' as const }, { componentStatus: { checkout: 'operational' }, phase: 'resolved' }],
    ['later updates keep the statuses and the phase', published({ statusPage: { ...published().statusPage!, phase: 'identified' } }), { message: 'more' }, { componentStatus: { checkout: 'partial_outage' }, phase: 'identified' }],
    ['after a public resolve, a new update investigates again', published({ statusPage: { ...published().statusPage!, phase: 'resolved' } }), { message: 'back' }, { phase: 'investigating' }],
  ])('%s', (_name, inc, req, want) => {
    expect(resolvePublicUpdate(inc, req, status)).toMatchObject(want);
  });

  it.each([
    ['empty message', { message: '  ' }, 'a public update needs a message'],
    ['long message', { message: 'x'.repeat(5001), componentStatus: 'degraded' as const }, 'a public message is at most 5000 characters (this one has 5001)'],
    ['long title', { message: 'x', title: 't'.repeat(201), componentStatus: 'degraded' as const }, 'a public title is at most 200 characters'],
    ['unknown ids', { message: 'x', componentStatus: { nope: 'degraded' as const, gone: 'degraded' as const } }, 'unknown component "nope", "gone"; config/status.yaml has storefront, search, checkout, payments, billing'],
  ])('refuses: %s', (_name, req, reason) => {
    expect(resolvePublicUpdate(base, req, status)).toBe(reason);
  });

  it('with no component in the config, a first update without statuses is fine (the page has nothing to show)', () => {
    expect(resolvePublicUpdate(base, { message: 'x' }, { components: [] })).toMatchObject({ componentStatus: {} });
    expect(resolvePublicUpdate(incident({ service: null }), { message: 'x', componentStatus: 'degraded' }, status)).toMatch(/^which components\? the incident has no service/);
  });
});

describe('publishing decisions', () => {
  it('sets the next update due from the cadence of the severity, none for SEV3 or a public resolve', () => {
    expect(published().statusPage?.nextUpdateDueAt).toEqual(at(1800));
    const sev3 = decide(incident({ severity: 'SEV3' }), { action: 'publish_status', actor: 'a', request: { message: 'x', componentStatus: 'degraded' }, status }, ctx());
    expect(!isRejected(sev3) && sev3.incident.statusPage?.nextUpdateDueAt).toBeNull();
    const fast = decide(incident(), { action: 'publish_status', actor: 'a', request: { message: 'x', componentStatus: 'degraded' }, status }, ctx({ statusPage: { approvalFor: [], cadenceMinutes: { SEV2: 0.5 } } }));
    expect(!isRejected(fast) && fast.incident.statusPage?.nextUpdateDueAt).toEqual(at(30));
    const done = decide(published(), { action: 'publish_status', actor: 'a', request: { message: 'fixed', phase: 'resolved' }, status }, ctx());
    expect(!isRejected(done) && done.incident.statusPage?.nextUpdateDueAt).toBeNull();
  });

  it('stamps the effect and the timeline entry from the cause, so a retried commit writes nothing twice', () => {
    const d = decide(incident(), { action: 'publish_status', actor: 'a', request: { message: 'x', componentStatus: 'degraded' }, status }, ctx());
    if (isRejected(d)) throw new Error(d.rejected);
    expect(d.timeline.map((e) => e.id)).toEqual(['update-u1-0']);
    expect(d.effects.map((e) => [e.id, e.effect.kind])).toEqual([['inc-1_update-u1_0', 'status_published']]);
  });

  it('a resolve with a closing message and approval required: the resolve happens, the message waits as a draft', () => {
    const d = decide(published(), { action: 'resolve', actor: 'uid-b', publicMessage: 'All good.', status }, ctx({ statusPage: { approvalFor: ['SEV2'], cadenceMinutes: {} } }));
    if (isRejected(d)) throw new Error(d.rejected);
    expect(d.incident.status).toBe('resolved');
    expect(d.incident.statusPage?.draft).toMatchObject({ phase: 'resolved', message: 'All good.', componentStatus: { checkout: 'operational' }, by: 'uid-b' });
    expect(d.effects.map((e) => e.effect.kind)).toEqual(['status_changed', 'status_drafted']);
  });
});

describe('config/policy.yaml statusPage', () => {
  it('defaults to no approval and a 30-minute cadence for SEV1 and SEV2; a bad value is an error at its line', () => {
    expect(policySchema.parse({}).statusPage).toEqual({ approvalFor: [], cadenceMinutes: { SEV1: 30, SEV2: 30 } });
    expect(parseYaml('statusPage:\n  approvalFor: [SEV1]\n  cadenceMinutes: { SEV1: 15 }\n', policySchema, 'config/policy.yaml')).toMatchObject({ ok: true, value: { statusPage: { approvalFor: ['SEV1'], cadenceMinutes: { SEV1: 15 } } } });
    const bad = parseYaml('autoResolve: true\nstatusPage:\n  approvalFor: [SEV9]\n', policySchema, 'config/policy.yaml');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues[0]).toMatchObject({ file: 'config/policy.yaml', line: 3 });
    const typo = parseYaml('statusPage:\n  cadenceMinutes: { SEV1: -5 }\n', policySchema, 'config/policy.yaml');
    expect(!typo.ok && typo.issues[0]?.line).toBe(2);
  });
});

describe('checkCadence', () => {
  const inc = published();
  const task = { incidentId: inc.id, publishedAt: T0.getTime(), n: 1 };
  const policy = DEFAULT_INCIDENT_POLICY.statusPage;
  it.each([
    ['no incident', null, 'the incident no longer exists'],
    ['never published', incident(), 'the incident was never published'],
    ['a newer update', { ...inc, statusPage: { ...inc.statusPage!, lastPublishedAt: at(60) } }, 'a newer public update went out'],
    ['resolved', { ...inc, status: 'resolved' as const }, 'the incident is resolved'],
    ['publicly resolved', { ...inc, statusPage: { ...inc.statusPage!, phase: 'resolved' as const } }, 'the public incident is resolved'],
    ['a severity without cadence', { ...inc, severity: 'SEV4' as const }, 'SEV4 has no public update cadence'],
  ])('nothing to do: %s', (_name, i, reason) => {
    expect(checkCadence(i as Incident | null, task, at(1800), policy)).toEqual({ remind: false, reason });
  });

  it('reminds, and the next task comes one interval later with the next number', () => {
    expect(checkCadence(inc, task, at(1800), policy)).toEqual({ remind: true, silentMinutes: 30, lastPublishedAt: T0, draft: null, next: { task: { ...task, n: 2 }, at: at(3600) } });
  });
});

describe('the projection takes a late update in its place', () => {
  it('an older update delivered after a newer one joins the list and leaves the current state alone', () => {
    const empty: StatusPageState = { summary: null, incident: null, history: {} };
    const newer = applyPublicUpdate(empty, { publicId: 'pub-00000001', updateId: 'n2', message: 'Monitoring.', componentStatus: { checkout: 'degraded' }, phase: 'monitoring', at: at(60) }, status, at(61));
    if (!newer.ok) throw new Error(newer.reason);
    const state: StatusPageState = { summary: newer.summary, incident: newer.incident, history: {} };
    const late = applyPublicUpdate(state, { publicId: 'pub-00000001', updateId: 'n1', message: 'Investigating.', componentStatus: { checkout: 'major_outage' }, phase: 'investigating', at: T0 }, status, at(62));
    if (!late.ok) throw new Error(late.reason);
    expect(late.writes.map((w) => w.path)).toEqual(['statusPage/summary/incidents/pub-00000001']);
    expect(late.incident).toMatchObject({ phase: 'monitoring', componentStatus: { checkout: 'degraded' }, impact: 'major_outage' });
    expect(late.incident.updates.map((u) => [u.message, u.phase, u.componentStatus])).toEqual([
      ['Monitoring.', 'monitoring', { checkout: 'degraded' }],
      ['Investigating.', 'investigating', { checkout: 'major_outage' }],
    ]);
    expect(late.update.message).toBe('Investigating.');
  });
});

describe('/incident status-page', () => {
  it.each([
    ['ack', null],
    ['status', null],
    ['status-page', { kind: 'status_page_help' }],
    ['status-page help', { kind: 'status_page_help' }],
    ['STATUS-PAGE approve', { kind: 'status_page_approve' }],
    ['status-page We are investigating.', { kind: 'status_page_publish', message: 'We are investigating.', componentStatus: null, phase: null, title: null }],
    ['statuspage status=partial We are &lt;on&gt; it', { kind: 'status_page_publish', message: 'We are <on> it', componentStatus: 'partial_outage', phase: null, title: null }],
    [
      'status-page checkout=major payments=degraded phase=Identified title="Orders fail" A bad release.\nRolling back.',
      { kind: 'status_page_publish', message: 'A bad release.\nRolling back.', componentStatus: { checkout: 'major_outage', payments: 'degraded' }, phase: 'identified', title: 'Orders fail' },
    ],
    ['status-page title=“Slow search” phase=resolved Search is fast again.', { kind: 'status_page_publish', message: 'Search is fast again.', componentStatus: null, phase: 'resolved', title: 'Slow search' }],
    ['status-page Users see a=b in the URL', { kind: 'status_page_publish', message: 'Users see a=b in the URL', componentStatus: null, phase: null, title: null }],
  ])('%j', (text, want) => {
    expect(parseStatusPageCommand(text)).toEqual(want);
  });

  it.each([
    ['status-page approve now', '`approve` takes nothing after it'],
    ['status-page phase=panicking x', '“panicking” is not a phase'],
    ['status-page status=on-fire x', '“on-fire” is not a component status'],
    ['status-page status=degraded checkout=major x', 'Give either `status=`'],
    ['status-page phase=identified', 'A public update needs its text'],
    [`status-page ${'x'.repeat(5001)}`, 'The text is too long (5001 characters; at most 5000).'],
  ])('%j is an error with the usage', (text, start) => {
    const r = parseStatusPageCommand(text);
    expect(r?.kind).toBe('error');
    expect(r && 'message' in r && r.message.startsWith(start)).toBe(true);
    expect(r && 'message' in r && r.message.endsWith(STATUS_PAGE_USAGE)).toBe(true);
  });

  function context(over: Partial<SlackCommandContext> & { incident?: Incident | null; role?: 'viewer' | 'responder' | null } = {}) {
    const writes: { incidentId: string; data: Record<string, unknown>; responseUrl: string | null }[] = [];
    const c: SlackCommandContext = {
      now: T0,
      whoIs: async (u) => ({ slackUserId: u, actor: 'uid-alice', uid: 'uid-alice', role: over.role === undefined ? 'responder' : over.role }),
      incidentOfChannel: async () => (over.incident === undefined ? incident({ id: 'inc-9', slack: 'C9' }) : over.incident),
      writeUpdate: async (incidentId, data, responseUrl) => {
        writes.push({ incidentId, data, responseUrl });
        return 'upd-1';
      },
      ...over,
    };
    return { c, writes };
  }
  const form = (text: string) => new URLSearchParams({ text, user_id: 'U1', channel_id: 'C9', response_url: 'https://hooks.slack.test/r' });
  const replyText = (r: Awaited<ReturnType<typeof slackStatusPageCommand>>) => String((r?.body as { text?: string }).text);

  it('writes publish_status as the Slack user, with the options it was given', async () => {
    const { c, writes } = context();
    const r = await slackStatusPageCommand(form('status-page status=degraded phase=identified Slow payments.'), c);
    expect(replyText(r)).toBe('Sending the public update to the status page… (the channel will show it, or the draft if it needs approval)');
    expect(writes).toEqual([
      { incidentId: 'inc-9', responseUrl: 'https://hooks.slack.test/r', data: { requestedBy: 'uid-alice', slackUser: 'U1', action: 'publish_status', message: 'Slow payments.', componentStatus: 'degraded', phase: 'identified' } },
    ]);
  });

  it('approve names the draft shown in the reply; no draft, no write', async () => {
    const draft = { id: 'update-d1', by: 'uid-bob', at: T0, message: 'Orders fail.', title: null, componentStatus: { checkout: 'degraded' as const }, phase: 'investigating' as const };
    const withDraft = context({ incident: { ...published(), id: 'inc-9', statusPage: { ...published().statusPage!, draft } } });
    const r = await slackStatusPageCommand(form('status-page approve'), withDraft.c);
    expect(replyText(r)).toBe('Approving the draft public update (Investigating) by uid-bob… (the channel will show it once published)\n>Orders fail.');
    expect(withDraft.writes.map((w) => w.data)).toEqual([{ requestedBy: 'uid-alice', slackUser: 'U1', action: 'approve_status', draft: 'update-d1' }]);
    const none = context();
    expect(replyText(await slackStatusPageCommand(form('status-page approve'), none.c))).toBe('There is no draft public update to approve on this incident.');
    expect(none.writes).toEqual([]);
  });

  it('refuses a viewer, and outside an incident channel; help and errors need no role; other commands are not its business', async () => {
    const viewer = context({ role: 'viewer' });
    expect(replyText(await slackStatusPageCommand(form('status-page hi'), viewer.c))).toBe('You cannot publish to the public status page: that needs the responder role, and yours is viewer.');
    const elsewhere = context({ incident: null });
    expect(replyText(await slackStatusPageCommand(form('status-page hi'), elsewhere.c))).toMatch(/^This is not an incident channel/);
    const nobody = context({ role: null, whoIs: async () => ({ error: 'never asked' }) });
    expect(replyText(await slackStatusPageCommand(form('status-page help'), nobody.c))).toBe(STATUS_PAGE_USAGE);
    expect(replyText(await slackStatusPageCommand(form('status-page phase=x y'), nobody.c))).toMatch(/is not a phase/);
    expect(await slackStatusPageCommand(form('ack'), nobody.c)).toBeNull();
    for (const x of [viewer, elsewhere, nobody]) expect(x.writes).toEqual([]);
  });
});
