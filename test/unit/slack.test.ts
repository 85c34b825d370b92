import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { incidentChannelName } from '../../functions/src/domain/slack/channelName';
import { parseSlashCommand, USAGE } from '../../functions/src/domain/slack/command';
import { actorDisplay, escapeMrkdwn, fromSlackText } from '../../functions/src/domain/slack/format';
import { ACKNOWLEDGE_ACTION_ID, parseInteraction, RESOLVE_ACTION_ID } from '../../functions/src/domain/slack/interactions';
import {
  announcement,
  channelTopic,
  listReply,
  overduePost,
  postmortemDraftText,
  reminderPost,
  type SlackBlock,
  type SlackMessage,
  statusPost,
  statusReply,
} from '../../functions/src/domain/slack/messages';
import { signSlackRequest, SLACK_REQUEST_ID_TTL_SECONDS, slackRequestId, verifySlackSignature } from '../../functions/src/domain/slack/signature';
import { attemptedWhat, FOREIGN_WORKSPACE_TEXT, ROLE_FOR_BUTTONS, roleForCommand, roleRefusalText, workspaceRefusal } from '../../functions/src/domain/slack/access';
import { routeFor, slackConfigSchema } from '../../functions/src/domain/slack/slackConfig';
import type { Effect, Incident } from '../../functions/src/domain/types';
import { parseYaml } from '../../functions/src/domain/yamlConfig';
import { incident as baseIncident } from '../support/factories';

const ROOT = path.resolve(__dirname, '..', '..');

const T0 = new Date('2024-05-01T12:00:00Z');
const mins = (n: number) => new Date(T0.getTime() + n * 60_000);

/** The factories' incident, as these tests see it: a SEV1 with three alerts, two firing, opened at T0. */
function incident(over: Partial<Incident> = {}): Incident {
  return baseIncident({ id: 'inc_abc123', severity: 'SEV1', alertCount: 3, firingCount: 2, createdAt: T0, updatedAt: T0, statusChangedAt: T0, ...over });
}

/** Every string inside the blocks (texts, fields, elements), in order. */
function allText(msg: SlackMessage): string {
  const out: string[] = [msg.text];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(msg.blocks);
  return out.join('\n');
}

const buttons = (msg: SlackMessage) =>
  msg.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as SlackBlock[]);

/** What is left after removing Slack's own syntax (tokens, quote markers): must hold no `<` or `>` (user text is escaped). */
const stray = (text: string) =>
  text.replace(/^>/gm, '').replace(/<(?:#[CG][A-Z0-9]+|@[UW][A-Z0-9]+|!(?:subteam\^[A-Z0-9]+|here|channel|date\^\d+\^[^|<>]*\|[^<>]*)|https?:\/\/[^\s|<>]+\|[^<>]*)>/g, '').match(/[<>]/g) ?? [];

const headerText = (msg: SlackMessage) => ((msg.blocks[0] as { text: { text: string } }).text.text);

// ---------------------------------------------------------------------------

describe('verifySlackSignature', () => {
  // Slack's own documented example (api.slack.com "Verifying requests from Slack").
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const ts = '1531420618';
  const body =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const sig = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
  const at = (seconds: number) => new Date(seconds * 1000);
  const check = (over: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
    verifySlackSignature({ rawBody: body, timestamp: ts, signature: sig, secret, now: at(1531420618 + 10), ...over });

  it("signs like Slack's documented example", () => {
    expect(signSlackRequest(secret, ts, body)).toBe(sig);
    expect(signSlackRequest(secret, 1531420618, Buffer.from(body))).toBe(sig);
  });

  it('accepts a valid signature, for a string or a Buffer body', () => {
    expect(check()).toEqual({ ok: true });
    expect(check({ rawBody: Buffer.from(body, 'utf8') })).toEqual({ ok: true });
    expect(check({ signature: sig.toUpperCase().replace('V0=', 'v0=') })).toEqual({ ok: true });
  });

  it('accepts timestamps up to 5 minutes away in either direction', () => {
    expect(check({ now: at(1531420618 + 300) }).ok).toBe(true);
    expect(check({ now: at(1531420618 - 300) }).ok).toBe(true);
  });

  it('rejects a forged signature or a changed body', () => {
    const forged = check({ signature: 'v0=' + '0'.repeat(64) });
    expect(forged.ok).toBe(false);
    expect(check({ rawBody: body.replace('text=', 'text=resolve') }).ok).toBe(false);
    expect(check({ signature: signSlackRequest('another-secret', ts, body) }).ok).toBe(false);
    expect(check({ signature: 'a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503' }).ok).toBe(false);
  });

  it('rejects a 10-minute-old request and one from the future (replays)', () => {
    const old = check({ now: at(1531420618 + 600) });
    expect(old.ok).toBe(false);
    if (!old.ok) expect(old.reason).toMatch(/600 s/);
    expect(check({ now: at(1531420618 + 301) }).ok).toBe(false);
    expect(check({ now: at(1531420618 - 600) }).ok).toBe(false);
  });

  it('rejects missing headers, a non-numeric timestamp and a missing secret', () => {
    const r = (over: Partial<Parameters<typeof verifySlackSignature>[0]>) => {
      const res = check(over);
      return res.ok ? 'ok' : res.reason;
    };
    expect(r({ secret: null })).toMatch(/signing secret/);
    expect(r({ secret: '' })).toMatch(/signing secret/);
    expect(r({ timestamp: undefined })).toMatch(/Timestamp/);
    expect(r({ signature: undefined })).toMatch(/X-Slack-Signature/);
    expect(r({ timestamp: 'yesterday' })).toMatch(/not a number/);
    expect(r({ timestamp: '1531420618.5' })).toMatch(/not a number/);
  });

  it('round-trips with signSlackRequest', () => {
    const now = new Date('2024-05-01T12:00:00Z');
    const t = String(now.getTime() / 1000);
    const payload = 'payload=%7B%22type%22%3A%22block_actions%22%7D';
    expect(verifySlackSignature({ rawBody: payload, timestamp: t, signature: signSlackRequest('s3cret', t, payload), secret: 's3cret', now })).toEqual({
      ok: true,
    });
  });
});

// ---------------------------------------------------------------------------

describe('parseSlashCommand', () => {
  it.each([
    ['ack', { kind: 'update', action: 'acknowledge' }],
    ['acknowledge', { kind: 'update', action: 'acknowledge' }],
    ['  ACK  ', { kind: 'update', action: 'acknowledge' }],
    ['Acknowledge', { kind: 'update', action: 'acknowledge' }],
    ['mitigate', { kind: 'update', action: 'mitigate' }],
    ['resolve', { kind: 'update', action: 'resolve' }],
    ['Resolve', { kind: 'update', action: 'resolve' }],
    ['status', { kind: 'status' }],
    ['STATUS ', { kind: 'status' }],
    ['list', { kind: 'list' }],
    ['help', { kind: 'help' }],
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
  ])('%j', (text, expected) => {
    expect(parseSlashCommand(text)).toEqual(expected);
  });

  it('keeps the rest of a status command as its message', () => {
    expect(parseSlashCommand('ack  on it, rolling back')).toEqual({ kind: 'update', action: 'acknowledge', message: 'on it, rolling back' });
    expect(parseSlashCommand('resolve fixed by v1.4.3')).toEqual({ kind: 'update', action: 'resolve', message: 'fixed by v1.4.3' });
  });

  it.each([
    ['sev 1', 'SEV1'],
    ['sev 2', 'SEV2'],
    ['sev SEV2', 'SEV2'],
    ['sev sev3', 'SEV3'],
    ['SEV   4', 'SEV4'],
    ['severity 2', 'SEV2'],
    ['severity SEV1', 'SEV1'],
    ['sev2', 'SEV2'],
    ['sev sev 3', 'SEV3'],
    ['Sev Sev4', 'SEV4'],
  ])('%j sets the severity to %s', (text, severity) => {
    expect(parseSlashCommand(text)).toEqual({ kind: 'update', action: 'set_severity', severity });
  });

  it('keeps a reason after the severity', () => {
    expect(parseSlashCommand('sev 1 all of EU is down')).toEqual({ kind: 'update', action: 'set_severity', severity: 'SEV1', message: 'all of EU is down' });
  });

  it('takes the note text as written (case, inner spacing), decoding what Slack escaped', () => {
    expect(parseSlashCommand('note Rolled back to v1.4.2')).toEqual({ kind: 'update', action: 'note', message: 'Rolled back to v1.4.2' });
    expect(parseSlashCommand('NOTE   two  spaces\nand a line  ')).toEqual({ kind: 'update', action: 'note', message: 'two  spaces\nand a line' });
    expect(parseSlashCommand('note latency &lt; 200ms &amp; falling')).toEqual({ kind: 'update', action: 'note', message: 'latency < 200ms & falling' });
    expect(parseSlashCommand('note asked <@U123ABC|alice> to check <#C999|payments>')).toEqual({
      kind: 'update',
      action: 'note',
      message: 'asked @alice to check #payments',
    });
  });

  const errorOf = (text: string) => {
    const r = parseSlashCommand(text);
    expect(r.kind).toBe('error');
    return r.kind === 'error' ? r.message : '';
  };

  it.each([
    ['sev 7', /not a severity/],
    ['sev 0', /not a severity/],
    ['sev high', /not a severity/],
    ['sev', /needs a level from 1 to 4/],
    ['sev7', /not a severity/],
    ['severity', /needs a level/],
    ['note', /needs some text/],
    ['note    ', /needs some text/],
    ['frobnicate', /Unknown command “frobnicate”/],
    ['status now', /takes no argument/],
    ['list all', /takes no argument/],
    ['close', /console/],
    ['reopen', /console/],
  ])('%j is an error (%s) with the usage', (text, reason) => {
    const message = errorOf(text);
    expect(message).toMatch(reason);
    expect(message).toContain(USAGE);
  });

  it('escapes what the user typed when echoing it back', () => {
    expect(errorOf('<script>alert(1)</script>')).toContain('“&lt;script&gt;alert(1)&lt;/script&gt;”');
    expect(errorOf('&lt;b&gt;')).toContain('“&lt;b&gt;”');
  });

  it('refuses an overly long note', () => {
    expect(errorOf(`note ${'x'.repeat(3001)}`)).toMatch(/too long/);
  });

  it('documents every command in USAGE', () => {
    for (const word of ['ack', 'mitigate', 'resolve', 'sev &lt;1-4&gt;', 'note &lt;text&gt;', 'status', 'list', 'help']) expect(USAGE).toContain(`/incident ${word}`);
    expect(USAGE).not.toMatch(/<|>/);
  });
});

// ---------------------------------------------------------------------------

describe('parseInteraction', () => {
  const payload = (actionId: string, value: unknown = 'inc_abc123', over: Record<string, unknown> = {}) =>
    JSON.stringify({
      type: 'block_actions',
      user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy',
      container: { type: 'message', message_ts: '1714564800.000100', channel_id: 'C0INCIDENTS', is_ephemeral: false },
      trigger_id: '123.456.abc',
      team: { id: 'T1', domain: 'acme' },
      channel: { id: 'C0INCIDENTS', name: 'incidents' },
      message: { type: 'message', ts: '1714564800.000100', text: 'SEV1 incident' },
      response_url: 'https://hooks.slack.com/actions/T1/1/abc',
      actions: [{ action_id: actionId, block_id: 'incident_actions:inc_abc123', text: { type: 'plain_text', text: 'Acknowledge' }, value, type: 'button', action_ts: '1714564801.1' }],
      ...over,
    });

  it('reads the Acknowledge button', () => {
    expect(parseInteraction(payload(ACKNOWLEDGE_ACTION_ID))).toEqual({
      ok: true,
      userId: 'U0ALICE',
      userName: 'alice',
      action: 'acknowledge',
      incidentId: 'inc_abc123',
      responseUrl: 'https://hooks.slack.com/actions/T1/1/abc',
      channelId: 'C0INCIDENTS',
      messageTs: '1714564800.000100',
      teamId: 'T1',
      appId: 'A1',
    });
  });

  it('reads the workspace from team.id, else the user\'s team_id; null when Slack sent neither', () => {
    const fromUser = parseInteraction(payload(ACKNOWLEDGE_ACTION_ID, 'inc_abc123', { team: null, api_app_id: undefined }));
    expect(fromUser).toMatchObject({ ok: true, teamId: 'T1', appId: null });
    const none = parseInteraction(payload(ACKNOWLEDGE_ACTION_ID, 'inc_abc123', { team: undefined, user: { id: 'U0ALICE' } }));
    expect(none).toMatchObject({ ok: true, teamId: null });
  });

  it('reads the Resolve button', () => {
    const r = parseInteraction(payload(RESOLVE_ACTION_ID, 'inc_other'));
    expect(r).toMatchObject({ ok: true, userId: 'U0ALICE', action: 'resolve', incidentId: 'inc_other' });
  });

  it('uses the action ids the buttons carry', () => {
    expect(ACKNOWLEDGE_ACTION_ID).toBe('incident_acknowledge');
    expect(RESOLVE_ACTION_ID).toBe('incident_resolve');
  });

  it.each([
    ['not JSON', '{nope', /not JSON/],
    ['JSON but not an object', '42', /not a block_actions/],
    ['a view submission', JSON.stringify({ type: 'view_submission', user: { id: 'U1' } }), /unsupported interaction type "view_submission"/],
    ['no user', JSON.stringify({ type: 'block_actions', actions: [{ action_id: ACKNOWLEDGE_ACTION_ID, value: 'x' }] }), /user/],
    ['no actions', payload(ACKNOWLEDGE_ACTION_ID, 'x', { actions: [] }), /no action/],
    ['someone else’s button', payload('other_app_button'), /unknown action "other_app_button"/],
    ['no incident id', payload(ACKNOWLEDGE_ACTION_ID, ''), /no incident id/],
    ['a path as incident id', payload(ACKNOWLEDGE_ACTION_ID, '../admin'), /not a valid incident id/],
    ['a number as value', payload(ACKNOWLEDGE_ACTION_ID, 42), /not a block_actions/],
  ])('refuses %s', (_name, json, reason) => {
    const r = parseInteraction(json);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

// ---------------------------------------------------------------------------

describe('announcement', () => {
  const opts = { channelId: 'C0INC42', consoleUrl: 'https://console.example.com/', mentions: ['<!subteam^S123>'] };
  const deploys: Incident['deploys'] = [
    { id: 'd1', service: 'checkout', environment: 'production', version: 'v1.4.2', deployedAt: mins(-23), url: 'https://ci.example.com/d/1', author: 'alice', commit: 'abc' },
    { id: 'd2', service: 'checkout', environment: 'production', version: 'v1.4.1', deployedAt: mins(-90), url: null, author: null, commit: null },
    { id: 'd3', service: 'checkout', environment: null, version: 'v1.4.0', deployedAt: mins(-150), url: null, author: 'bob', commit: null },
    { id: 'd4', service: 'checkout', environment: null, version: 'v1.3.9', deployedAt: mins(-500), url: null, author: 'bob', commit: null },
  ];

  it('shows the title, SEV, status, service, environment, alerts, opened time and links', () => {
    const msg = announcement(incident({ runbook: 'Checkout down', slack: 'C0INC42' }), opts);
    expect(headerText(msg)).toBe('SEV1 · Checkout error rate above 5%');
    const text = allText(msg);
    for (const s of ['*Severity*', 'SEV1', '*Status*', 'triggered', '*Service*\ncheckout', '*Environment*\nproduction', '3 (2 firing)', 'Checkout down', '_nobody yet_']) {
      expect(text).toContain(s);
    }
    expect(text).toContain('<!date^1714564800^{date_short_pretty} {time}|2024-05-01 12:00 UTC>');
    expect(text).toContain('<#C0INC42>');
    expect(text).toContain('<https://console.example.com/#/incidents/inc_abc123|Open in the console>');
    expect(msg.text).toBe('<!subteam^S123> SEV1 incident: Checkout error rate above 5% (checkout, production) · triggered · <#C0INC42>');
  });

  it('puts the mentions in the text and in a context line', () => {
    const msg = announcement(incident(), { ...opts, mentions: ['<!subteam^S123>', '<@U0BOB>', '<!subteam^S123>', ''] });
    expect(msg.text.startsWith('<!subteam^S123> <@U0BOB> SEV1')).toBe(true);
    const ctx = msg.blocks.find((b) => b.type === 'context' && JSON.stringify(b).includes('subteam'));
    expect(ctx).toBeDefined();
  });

  it('has Acknowledge (primary) and Resolve (with a confirm) buttons carrying the incident id', () => {
    const [ack, resolve] = buttons(announcement(incident(), opts));
    expect(ack).toMatchObject({ type: 'button', action_id: 'incident_acknowledge', value: 'inc_abc123', style: 'primary', text: { text: 'Acknowledge' } });
    expect(resolve).toMatchObject({ type: 'button', action_id: 'incident_resolve', value: 'inc_abc123', text: { text: 'Resolve' } });
    expect(resolve?.confirm).toMatchObject({ title: { text: 'Resolve this incident?' }, confirm: { text: 'Resolve' }, deny: { text: 'Cancel' } });
  });

  it('offers only Resolve once acknowledged, and no buttons once resolved or closed', () => {
    expect(buttons(announcement(incident({ status: 'acknowledged', acknowledgedAt: mins(2) }), opts)).map((b) => b.action_id)).toEqual(['incident_resolve']);
    expect(buttons(announcement(incident({ status: 'mitigated' }), opts)).map((b) => b.action_id)).toEqual(['incident_resolve']);
    expect(buttons(announcement(incident({ status: 'resolved', resolvedAt: mins(30) }), opts))).toEqual([]);
    expect(buttons(announcement(incident({ status: 'closed', resolvedAt: mins(30), closedAt: mins(99) }), opts))).toEqual([]);
    expect(allText(announcement(incident({ status: 'resolved', resolvedAt: mins(30) }), opts))).toContain('*Resolved*');
  });

  it('marks drills with [DRILL] at the start of the header and of the text', () => {
    const msg = announcement(incident({ drill: true, drillId: 'drill-1' }), { ...opts, mentions: [] });
    expect(headerText(msg)).toBe('[DRILL] SEV1 · Checkout error rate above 5%');
    expect(msg.text.startsWith('[DRILL] SEV1 incident')).toBe(true);
    expect(allText(msg)).toContain('drill');
  });

  it('escapes user text everywhere', () => {
    const msg = announcement(
      incident({ title: '<script>alert("x")</script> & <!channel>', service: 'a<b>', environment: 'prod&', runbook: '<@U1>' }),
      { ...opts, mentions: ['<script>'] },
    );
    const text = allText(msg);
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U1>');
    expect(text).toContain('&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;!channel&gt;');
    expect(text).toContain('a&lt;b&gt;');
    expect(text).toContain('prod&amp;');
    expect(stray(text)).toEqual([]);
  });

  it('lists up to 3 recent deploys, newest first, relative to the incident', () => {
    const msg = announcement(incident({ deploys: [deploys[2]!, deploys[0]!, deploys[3]!, deploys[1]!] }), opts);
    const section = msg.blocks.find((b) => JSON.stringify(b).includes('Recent deploys')) as { text: { text: string } };
    expect(section.text.text).toBe(
      [
        '*Recent deploys*',
        '• <https://ci.example.com/d/1|v1.4.2> of checkout (production), 23 min before, by alice',
        '• v1.4.1 of checkout (production), 1 h 30 min before',
        '• v1.4.0 of checkout, 2 h 30 min before, by bob',
        '_…and 1 more_',
      ].join('\n'),
    );
  });

  it('lists up to 5 observability links; only http(s) URLs become links', () => {
    const links = [1, 2, 3, 4, 5, 6].map((n) => ({ title: `Dashboard ${n}`, url: `https://grafana.example.com/d/${n}?a=1&b=2` }));
    links[1] = { title: 'evil', url: 'javascript:alert(1)' };
    const msg = announcement(incident({ links }), opts);
    const text = allText(msg);
    expect(text).toContain('<https://grafana.example.com/d/1?a=1&amp;b=2|Dashboard 1>');
    expect(text).not.toContain('javascript:');
    expect(text).toContain('Dashboard 5');
    expect(text).not.toContain('Dashboard 6');
    expect(text).toContain('…and 1 more in the console');
  });

  it('has no channel link before the channel exists', () => {
    const msg = announcement(incident(), { ...opts, channelId: null });
    expect(allText(msg)).not.toContain('<#');
    expect(allText(msg)).toContain('Open in the console');
  });

  it('respects Block Kit limits for huge input', () => {
    const msg = announcement(
      incident({ title: 'x&'.repeat(2000), links: Array.from({ length: 100 }, (_, i) => ({ title: 'y'.repeat(500), url: `https://e.x/${i}` })) }),
      opts,
    );
    expect(headerText(msg).length).toBeLessThanOrEqual(150);
    expect(headerText(msg)).toMatch(/&amp;…$|x…$/);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    for (const b of msg.blocks) {
      const t = (b as { text?: { text: string } }).text?.text;
      if (t) expect(t.length).toBeLessThanOrEqual(3000);
    }
  });
});

// ---------------------------------------------------------------------------

describe('statusPost', () => {
  const inc = incident({ slack: 'C0INC42' });
  const post = (effect: Effect, i: Incident = inc) => statusPost(i, effect).text;

  it.each<[Effect, string]>([
    [{ kind: 'status_changed', from: 'triggered', to: 'acknowledged', actor: 'slack:U123', reason: null }, ':eyes: Incident acknowledged by <@U123> (was triggered)'],
    [{ kind: 'status_changed', from: 'acknowledged', to: 'mitigated', actor: 'uid-alice', reason: null }, ':adhesive_bandage: Incident mitigated by uid-alice (was acknowledged)'],
    [
      { kind: 'status_changed', from: 'mitigated', to: 'resolved', actor: 'system', reason: 'all 3 alerts resolved' },
      ':white_check_mark: Incident resolved by the pipeline: all 3 alerts resolved (was mitigated)',
    ],
    [{ kind: 'status_changed', from: 'resolved', to: 'triggered', actor: 'system', reason: 'alert fired again' }, ':rotating_light: Incident reopened by the pipeline: alert fired again (was resolved)'],
    [{ kind: 'severity_changed', from: 'SEV3', to: 'SEV1', actor: 'slack:U123' }, ':red_circle: Severity raised from SEV3 to SEV1 by <@U123>'],
    [{ kind: 'severity_changed', from: 'SEV1', to: 'SEV2', actor: 'uid-bob' }, ':large_orange_circle: Severity lowered from SEV1 to SEV2 by uid-bob'],
    [{ kind: 'commander_assigned', commander: 'uid-alice', actor: 'uid-bob' }, ':crown: uid-alice is now the incident commander (assigned by uid-bob)'],
    [{ kind: 'commander_assigned', commander: 'slack:U123', actor: 'slack:U123' }, ':crown: <@U123> is now the incident commander'],
    [{ kind: 'note_added', message: 'rolled back <v1.4.2> & watching', actor: 'slack:U123' }, ':memo: Note from <@U123>: rolled back &lt;v1.4.2&gt; &amp; watching'],
    [
      { kind: 'step_checked', stepId: 's1', text: 'Check the dashboard', done: true, actor: 'slack:U9', progress: { done: 2, total: 5 } },
      ':ballot_box_with_check: <@U9> checked off “Check the dashboard” (2/5 done)',
    ],
    [
      { kind: 'step_checked', stepId: 's1', text: 'Check the dashboard', done: false, actor: 'uid-x', progress: { done: 1, total: 5 } },
      ':arrow_backward: uid-x unchecked “Check the dashboard” (1/5 done)',
    ],
    [{ kind: 'alerts_changed' }, ':bell: Alerts now: 3 alerts (2 firing)'],
    [
      {
        kind: 'deploy_linked',
        deploy: { id: 'd1', service: 'checkout', environment: 'production', version: 'v1.4.2', deployedAt: mins(-23), url: null, author: 'alice', commit: null },
      },
      ':rocket: Deploy linked: v1.4.2 of checkout (production), 23 min before the incident, by alice',
    ],
    [{ kind: 'incident_opened' }, ':red_circle: SEV1 incident opened: Checkout error rate above 5% (checkout, production)'],
  ])('%j', (effect, text) => {
    expect(post(effect)).toBe(text);
    const evil = incident({ title: '<a>', service: '<b>', slack: 'C0INC42', drill: true });
    expect(stray(allText(statusPost(evil, effect)))).toEqual([]);
  });

  it('says a postmortem is required when resolving a SEV1', () => {
    const msg = statusPost(inc, { kind: 'status_changed', from: 'triggered', to: 'resolved', actor: 'slack:U1', reason: null });
    expect(allText(msg)).toContain('A postmortem is required');
  });

  it('quotes notes line by line, escaped', () => {
    const msg = statusPost(inc, { kind: 'note_added', message: 'line one\n<b>two</b>', actor: 'slack:U1' });
    expect((msg.blocks[0] as { text: { text: string } }).text.text).toBe(':memo: *Note from <@U1>*\n>line one\n>&lt;b&gt;two&lt;/b&gt;');
  });

  it('opens the incident channel with the summary and buttons', () => {
    const msg = statusPost(inc, { kind: 'incident_opened' });
    expect(buttons(msg).map((b) => b.value)).toEqual(['inc_abc123', 'inc_abc123']);
    expect(allText(msg)).toContain('/incident ack');
  });

  it('prefixes drills', () => {
    const d = incident({ drill: true });
    expect(post({ kind: 'alerts_changed' }, d)).toBe('[DRILL] :bell: Alerts now: 3 alerts (2 firing)');
    expect(JSON.stringify(statusPost(d, { kind: 'alerts_changed' }).blocks)).toContain('[DRILL]');
  });
});

describe('actorDisplay and Slack text helpers', () => {
  it.each([
    ['slack:U123', '<@U123>'],
    ['system', 'the pipeline'],
    ['uid-123', 'uid-123'],
    ['<evil>', '&lt;evil&gt;'],
  ])('%s → %s', (actor, shown) => {
    expect(actorDisplay(actor)).toBe(shown);
  });

  it('escapes only &, < and >', () => {
    expect(escapeMrkdwn(`a & b < c > d "e" 'f'`)).toBe(`a &amp; b &lt; c &gt; d "e" 'f'`);
  });

  it('decodes Slack command text', () => {
    expect(fromSlackText('<!here> see <https://x.example/a?b=1&amp;c=2|the graph> &amp; <https://y.example>')).toBe(
      '@here see the graph (https://x.example/a?b=1&amp;c=2) & https://y.example'.replace('&amp;c', '&c'),
    );
    expect(fromSlackText('<!subteam^S123|@oncall> <@U1>')).toBe('@oncall @U1');
  });
});

// ---------------------------------------------------------------------------

describe('other posts', () => {
  it('reminds about an unacknowledged incident with the escalation mention and buttons', () => {
    const msg = reminderPost(incident({ slack: 'C0INC42' }), { level: 2, mention: '<!here>' });
    expect(msg.text).toBe(
      '<!here> :alarm_clock: SEV1 incident still not acknowledged: Checkout error rate above 5% (<!date^1714564800^opened {ago}|2024-05-01 12:00 UTC>)',
    );
    expect(allText(msg)).toContain('reminder 2');
    expect(allText(msg)).toContain('<#C0INC42>');
    expect(buttons(msg).map((b) => b.action_id)).toEqual(['incident_acknowledge', 'incident_resolve']);
    expect(reminderPost(incident({ drill: true }), { level: 1, mention: '' }).text.startsWith('[DRILL] :alarm_clock:')).toBe(true);
  });

  it('posts overdue postmortems and action items', () => {
    const pm = overduePost({ kind: 'postmortem', title: 'Checkout <outage>', owner: 'slack:U7', daysOverdue: 3, incidentId: 'inc_1', consoleUrl: 'https://c.example' });
    expect(pm.text).toBe(':warning: Postmortem overdue by 3 days: Checkout &lt;outage&gt; (owner: <@U7>)');
    expect(allText(pm)).toContain('<https://c.example/#/incidents/inc_1|Open in the console>');
    const ai = overduePost({ kind: 'action_item', title: 'Add an alert', owner: null, daysOverdue: 1, incidentId: 'inc_1', consoleUrl: 'https://c.example' });
    expect(ai.text).toBe(':warning: Action item overdue by 1 day: Add an alert (owner: _no owner_)');
  });

  it('builds the channel topic', () => {
    expect(channelTopic(incident())).toBe('SEV1 · triggered · checkout · Checkout error rate above 5%');
    expect(channelTopic(incident({ service: null, status: 'acknowledged', severity: 'SEV3' }))).toBe('SEV3 · acknowledged · Checkout error rate above 5%');
    expect(channelTopic(incident({ drill: true }))).toBe('[DRILL] SEV1 · triggered · checkout · Checkout error rate above 5%');
    const long = channelTopic(incident({ title: 'z'.repeat(400) }));
    expect(long.length).toBe(250);
    expect(long.endsWith('…')).toBe(true);
  });

  it('answers /incident status', () => {
    const msg = statusReply(incident({ status: 'acknowledged', commander: 'slack:U5', slack: 'C0INC42' }), { consoleUrl: 'https://c.example' });
    expect(msg.text).toBe('SEV1 · acknowledged · Checkout error rate above 5%');
    const text = allText(msg);
    expect(text).toContain('<@U5>');
    expect(text).toContain('<#C0INC42>');
    expect(text).toContain('https://c.example/#/incidents/inc_abc123');
  });

  it('answers /incident list, most severe first', () => {
    const msg = listReply([
      incident({ id: 'a', severity: 'SEV3', title: 'Slow search', service: 'search', environment: null }),
      incident({ id: 'b', severity: 'SEV1', title: 'Checkout <down>', slack: 'C0B' }),
    ]);
    expect(msg.text).toBe('2 open incidents: SEV1 Checkout &lt;down&gt;; SEV3 Slow search');
    const body = allText(msg);
    expect(body.indexOf('Checkout &lt;down&gt;')).toBeLessThan(body.indexOf('Slow search'));
    expect(body).toContain('<#C0B>');
    expect(listReply([]).text).toBe('No open incidents. :sunny:');
  });

  it('keeps a long list within Block Kit limits', () => {
    const many = Array.from({ length: 80 }, (_, i) => incident({ id: `i${i}`, title: 'w'.repeat(300) }));
    const msg = listReply(many, { consoleUrl: 'https://c.example' });
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    expect(allText(msg)).toContain('…and 55 more in the console');
    for (const b of msg.blocks) expect(((b as { text: { text: string } }).text.text).length).toBeLessThanOrEqual(3000);
  });
});

// ---------------------------------------------------------------------------

describe('incidentChannelName', () => {
  it.each([
    [{ createdAt: new Date('2024-05-01T12:00:00Z'), service: 'checkout', n: 1 }, 'inc-20240501-checkout-1'],
    [{ createdAt: new Date('2024-12-31T23:59:59Z'), service: 'checkout', n: 12 }, 'inc-20241231-checkout-12'],
    // UTC, even when it is already the next day somewhere else
    [{ createdAt: new Date('2024-01-01T00:30:00+02:00'), service: 'api', n: 3 }, 'inc-20231231-api-3'],
    [{ createdAt: T0, service: 'Payments API (EU)', n: 2 }, 'inc-20240501-payments-api-eu-2'],
    [{ createdAt: T0, service: 'Café/Zürich', n: 1 }, 'inc-20240501-cafe-zurich-1'],
    [{ createdAt: T0, service: 'user_service', n: 1 }, 'inc-20240501-user_service-1'],
    [{ createdAt: T0, service: '--Checkout--', n: 1 }, 'inc-20240501-checkout-1'],
    [{ createdAt: T0, service: null, n: 4 }, 'inc-20240501-incident-4'],
    [{ createdAt: T0, service: '', n: 4 }, 'inc-20240501-incident-4'],
    [{ createdAt: T0, service: '💥!!', n: 4 }, 'inc-20240501-incident-4'],
    [{ createdAt: T0, service: 'checkout', n: 1, prefix: 'INC' }, 'inc-20240501-checkout-1'],
    [{ createdAt: T0, service: 'checkout', n: 1, prefix: 'sev' }, 'sev-20240501-checkout-1'],
  ])('%j → %s', (input, name) => {
    expect(incidentChannelName(input)).toBe(name);
  });

  it('truncates the service slug to stay within 80 characters', () => {
    const name = incidentChannelName({ createdAt: T0, service: 'a-very-long-service-name '.repeat(10), n: 123 });
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^inc-20240501-a-very-long-service-name-[a-z0-9_-]*[a-z0-9_]-123$/);
    expect(name).toMatch(/^[a-z0-9_-]+$/);
    expect(name).not.toContain('--');
  });

  it('refuses a negative or fractional number', () => {
    expect(() => incidentChannelName({ createdAt: T0, service: 'x', n: -1 })).toThrow(RangeError);
    expect(() => incidentChannelName({ createdAt: T0, service: 'x', n: 1.5 })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------

describe('slack config and routeFor', () => {
  const parse = (yaml: string) => {
    const r = parseYaml(yaml, slackConfigSchema, 'slack.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return r.value;
  };

  it('parses the shipped config/slack.yaml', () => {
    const r = parseYaml(fs.readFileSync(path.join(ROOT, 'config', 'slack.yaml'), 'utf8'), slackConfigSchema, 'config/slack.yaml');
    expect(r.ok ? [] : r.issues).toEqual([]);
    if (!r.ok) return;
    expect(r.value.channelPrefix).toBe('inc');
    expect(r.value.coalesceSeconds).toBe(10);
    expect(r.value.routing.SEV1).toEqual({ channels: ['#incident-leadership'], mentions: ['<!subteam^S0000ONCALL>'], invite: [] });
    expect(r.value.routing.SEV2?.channels).toEqual(['#incident-leadership']);
    expect(r.value.routing.SEV3).toEqual({ channels: [], mentions: [], invite: [] });
    expect(routeFor(r.value, incident({ severity: 'SEV4' }))).toEqual({ channels: [], mentions: [], invite: [] });
  });

  it('has defaults for an empty file', () => {
    expect(parse('')).toEqual({
      routing: {},
      invite: { all: [], bySeverity: {}, byService: {} },
      users: {},
      channelPrefix: 'inc',
      coalesceSeconds: 10,
      routeDrills: false,
      stakeholders: {},
    });
  });

  const config = parse(`
routing:
  SEV1:
    channels: ["#leadership", "#incident-leadership"]
    mentions: ["<!subteam^S0ONCALL>"]
    invite: [U0CTO]
  SEV2:
    channels: ["#incident-leadership"]
invite:
  all: [U0SRE]
  bySeverity:
    SEV1: [U0VP, cto@example.com]
  byService:
    Checkout: [U0CHECKOUT, U0SRE]
    search: [U0SEARCH]
users:
  U0ALICE: alice-uid
`);

  it('merges severity routing, invitees by severity and service, and the rules’ hints, de-duplicated', () => {
    const inc = incident({
      severity: 'SEV1',
      service: 'checkout',
      routing: { channels: ['#payments', '#Leadership'], mentions: ['<!subteam^S0ONCALL>', '<@U0PAY>'], invite: ['U0SRE', 'CTO@example.com', 'U0PAYLEAD'] },
    });
    expect(routeFor(config, inc)).toEqual({
      channels: ['#leadership', '#incident-leadership', '#payments'],
      mentions: ['<!subteam^S0ONCALL>', '<@U0PAY>'],
      invite: ['U0SRE', 'U0VP', 'cto@example.com', 'U0CTO', 'U0CHECKOUT', 'U0PAYLEAD'],
    });
  });

  it('routes other severities and services by their own entries', () => {
    expect(routeFor(config, incident({ severity: 'SEV2', service: 'search' }))).toEqual({
      channels: ['#incident-leadership'],
      mentions: [],
      invite: ['U0SRE', 'U0SEARCH'],
    });
    expect(routeFor(config, incident({ severity: 'SEV4', service: null }))).toEqual({ channels: [], mentions: [], invite: ['U0SRE'] });
  });

  it('does not page or fan out for drills unless routeDrills is set', () => {
    const drill = incident({ drill: true, routing: { channels: ['#payments'], mentions: ['<@U0PAY>'], invite: [] } });
    expect(routeFor(config, drill)).toEqual({ channels: [], mentions: [], invite: ['U0SRE', 'U0VP', 'cto@example.com', 'U0CTO', 'U0CHECKOUT'] });
    expect(routeFor({ ...config, routeDrills: true }, drill).mentions).toEqual(['<!subteam^S0ONCALL>', '<@U0PAY>']);
  });

  it('reports mistakes with file, line and path', () => {
    const r = parseYaml('routing:\n  SEV1:\n    channels: ["leadership team"]\n  sev5: {}\nusers:\n  alice: uid\n', slackConfigSchema, 'config/slack.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i]));
    expect(byPath['routing.SEV1.channels.0']?.line).toBe(3);
    expect(byPath['routing.SEV1.channels.0']?.message).toMatch(/#name/);
    expect(r.issues.some((i) => i.path === 'routing' && /sev5/.test(i.message))).toBe(true);
    expect(r.issues.some((i) => i.path.startsWith('users') && i.line === 6)).toBe(true);
  });

  it('refuses mentions that are not Slack syntax', () => {
    const r = parseYaml('routing:\n  SEV1:\n    mentions: ["@oncall"]\n', slackConfigSchema, 'slack.yaml');
    expect(r.ok).toBe(false);
  });
});

describe('Slack access: the workspace', () => {
  const ours = { teamId: 'T0OURS', appId: 'A0OURS' };

  it('serves only the configured workspace and app', () => {
    expect(workspaceRefusal({ teamId: 'T0OURS', appId: 'A0OURS' }, ours)).toBeNull();
    expect(workspaceRefusal({ teamId: 'T0OTHER', appId: 'A0OURS' }, ours)).toBe('team_id "T0OTHER" is not the configured workspace SLACK_TEAM_ID=T0OURS');
    expect(workspaceRefusal({ teamId: null, appId: 'A0OURS' }, ours)).toBe('team_id null is not the configured workspace SLACK_TEAM_ID=T0OURS');
    expect(workspaceRefusal({ teamId: 'T0OURS', appId: 'A0EVIL' }, ours)).toBe('api_app_id "A0EVIL" is not the configured app SLACK_APP_ID=A0OURS');
  });

  it('checks nothing that is not configured', () => {
    expect(workspaceRefusal({ teamId: 'T0ANY', appId: 'A0ANY' }, { teamId: null, appId: null })).toBeNull();
    expect(workspaceRefusal({ teamId: 'T0OURS', appId: 'A0ANY' }, { teamId: 'T0OURS', appId: null })).toBeNull();
  });

  it('tells the other workspace nothing about ours', () => {
    expect(FOREIGN_WORKSPACE_TEXT).not.toMatch(/T0|SLACK_TEAM_ID/);
  });
});

describe('Slack access: roles', () => {
  it('help (and the usage for a mistake) for anyone, reading for any role, changing for responders', () => {
    expect(roleForCommand(parseSlashCommand('help'))).toBeNull();
    expect(roleForCommand(parseSlashCommand('frobnicate'))).toBeNull();
    expect(roleForCommand(parseSlashCommand('list'))).toBe('viewer');
    expect(roleForCommand(parseSlashCommand('status'))).toBe('viewer');
    for (const text of ['ack', 'mitigate', 'resolve', 'sev 4', 'note rolled back']) expect(roleForCommand(parseSlashCommand(text))).toBe('responder');
    expect(ROLE_FOR_BUTTONS).toBe('responder');
  });

  it('says what was refused, and why, privately', () => {
    const sev = parseSlashCommand('sev 4');
    expect(attemptedWhat(sev)).toBe('change the severity of incidents');
    expect(attemptedWhat({ kind: 'button', action: 'resolve' })).toBe('resolve incidents');
    expect(attemptedWhat(parseSlashCommand('list'))).toBe('see incidents');
    expect(roleRefusalText('resolve incidents', 'responder', { slackUserId: 'U0GUEST', uid: null, role: null })).toBe(
      'You cannot resolve incidents from Slack: your Slack user is not linked to a user of the incident pipeline. ' +
        'Ask an admin to give the pipeline user with your Slack email the responder role, or to map your Slack user in `config/slack.yaml` (`users:`).',
    );
    expect(roleRefusalText('see incidents', 'viewer', { slackUserId: 'U1', uid: 'uid<b>', role: null })).toBe(
      'You cannot see incidents: your pipeline user (uid&lt;b&gt;) has no role. Ask an admin for the viewer role (`npm run role -- <email> viewer`).',
    );
    expect(roleRefusalText('change the severity of incidents', 'responder', { slackUserId: 'U1', uid: 'uid-v', role: 'viewer' })).toBe(
      'You cannot change the severity of incidents: that needs the responder role, and yours is viewer.',
    );
  });
});

describe('slackRequestId (replays)', () => {
  it('is the same for the same signed request and differs for any other', () => {
    const sig = signSlackRequest('s', 1700000000, 'a=1');
    expect(slackRequestId('1700000000', sig)).toBe(slackRequestId(' 1700000000 ', sig.toUpperCase()));
    expect(slackRequestId('1700000000', sig)).toMatch(/^[0-9a-f]{64}$/);
    expect(slackRequestId('1700000001', sig)).not.toBe(slackRequestId('1700000000', sig));
    expect(slackRequestId('1700000000', signSlackRequest('s', 1700000000, 'a=2'))).not.toBe(slackRequestId('1700000000', sig));
  });

  it('is kept longer than the window on either side', () => {
    expect(SLACK_REQUEST_ID_TTL_SECONDS).toBeGreaterThan(2 * 300);
  });
});

describe('postmortemDraftText', () => {
  it('escapes the owner, whatever a responder assigned as commander', () => {
    const text = postmortemDraftText({ owner: '<!channel>', dueAt: new Date('2026-12-06T10:00:00Z') }, { refreshed: false });
    expect(text).toBe(':memo: A postmortem draft was created, owned by &lt;!channel&gt;. It is due 2026-12-06.');
    expect(stray(text)).toEqual([]);
  });

  it('mentions a Slack owner, and says when there is no owner or due date', () => {
    expect(postmortemDraftText({ owner: 'slack:U0ALICE', dueAt: null }, { refreshed: false })).toBe(':memo: A postmortem draft was created, owned by <@U0ALICE>. It is optional for this severity.');
    expect(postmortemDraftText({ owner: null, dueAt: null }, { refreshed: false })).toBe(':memo: A postmortem draft was created. It is optional for this severity.');
    expect(postmortemDraftText({ owner: '<!channel>', dueAt: null }, { refreshed: true })).toBe(
      ':memo: The postmortem picked up the new timeline (the incident was reopened and resolved again).',
    );
  });
});
