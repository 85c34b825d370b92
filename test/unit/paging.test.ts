// The paging pieces: users/{uid} notification rules, page tokens, SMS reply
// codes, the messages on every channel, and `/incident oncall …`.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NOTIFY,
  nextNotifications,
  type NotificationAttempt,
  notificationSteps,
  pageId,
  parseUserProfile,
  profileForPaging,
} from '../../functions/src/domain/notificationRules';
import { oncallConfigSchema, parseOncallOverride, shifts } from '../../functions/src/domain/oncall';
import { escapeHtml, escapeXml } from '../../functions/src/domain/markup';
import {
  pageEmail,
  pageSlackDm,
  pageSms,
  pageVoiceTwiml,
  parseVoiceDigits,
  smsReplyTwiml,
  smsSegments,
  voiceReplyTwiml,
} from '../../functions/src/domain/pageMessages';
import { ackLink, calendarFeedToken, signPageToken, verifyCalendarFeedToken, verifyPageToken } from '../../functions/src/domain/pageToken';
import { ACKNOWLEDGE_ACTION_ID, parseInteraction } from '../../functions/src/domain/slack/interactions';
import { oncallReply, overrideDocument, parseOncallCommand } from '../../functions/src/domain/slack/oncallCommand';
import { assignReplyCode, parseSmsReply, resolveSmsAck } from '../../functions/src/domain/smsReplies';
import { incident, T0 } from '../support/factories';

const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('users/{uid}', () => {
  it('defaults to Slack and email at once', () => {
    expect(parseUserProfile('u1', { name: 'Alice', email: 'Alice@Example.com' })).toEqual({
      ok: true,
      user: { uid: 'u1', name: 'Alice', email: 'alice@example.com', phone: null, slackUserId: null, notify: [...DEFAULT_NOTIFY] },
    });
    expect(DEFAULT_NOTIFY).toEqual([{ channel: 'slack', afterSeconds: 0 }, { channel: 'email', afterSeconds: 0 }]);
  });

  it('reads notify steps and normalises the phone number', () => {
    const r = parseUserProfile('u1', { phone: '+33 6 12-34-56 78', slackUserId: 'U0ALICE', notify: [{ channel: 'slack' }, { channel: 'sms', after: '5m' }, { channel: 'voice', after: '10m' }] });
    expect(r).toEqual({
      ok: true,
      user: {
        uid: 'u1', name: null, email: null, phone: '+33612345678', slackUserId: 'U0ALICE',
        notify: [{ channel: 'slack', afterSeconds: 0 }, { channel: 'sms', afterSeconds: 300 }, { channel: 'voice', afterSeconds: 600 }],
      },
    });
  });

  it.each([
    [{ phone: '0612345678' }, 'phone', 'phone must be in E.164 form: + then the country code and number, e.g. +33612345678'],
    [{ email: 'alice' }, 'email', 'email must be an email address such as alice@example.com'],
    [{ slackUserId: 'alice' }, 'slackUserId', 'slackUserId must be a Slack user id such as U0123ABC'],
    [{ email: 'a@b.co', notify: [{ channel: 'sms' }] }, 'notify.0.channel', 'sms needs phone'],
    [{ notify: [{ channel: 'slack' }] }, 'notify.0.channel', 'slack needs slackUserId (or email, to look the person up)'],
    [{ email: 'a@b.co', notify: [{ channel: 'pager' }] }, 'notify.0.channel', 'channel must be one of slack, email, sms, voice, push'],
    [{ email: 'a@b.co', notify: [{ channel: 'email', after: 'soon' }] }, 'notify.0.after', 'after must be a duration such as 30s, 10m, 2h, 1d, 1w or 1h30m, not "soon"'],
    [{ email: 'a@b.co', notify: [{ channel: 'email', after: '2d' }] }, 'notify.0.after', 'after is at most 24h'],
    [{ email: 'a@b.co', notify: [{ channel: 'email', delay: '5m' }] }, 'notify.0.delay', 'unknown key "delay" in a notify step; allowed: channel, after'],
    [{ email: 'a@b.co', notify: ['email'] }, 'notify.0', 'a notify step must be a map of keys to values'],
  ])('refuses %j at %s', (doc, path, message) => {
    const r = parseUserProfile('u1', doc);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues).toEqual([{ path, message }]);
  });

  it('keeps whatever it can when paging: bad fields and unreachable steps are dropped and reported', () => {
    const { user, issues } = profileForPaging('u1', { email: 'a@b.co', phone: '12', notify: [{ channel: 'sms' }, { channel: 'email', after: '2m' }, { channel: 'fax' }] });
    expect(user).toEqual({ uid: 'u1', name: null, email: 'a@b.co', phone: null, slackUserId: null, notify: [{ channel: 'email', afterSeconds: 120 }] });
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'phone: phone must be in E.164 form: + then the country code and number, e.g. +33612345678',
      'notify.0.channel: sms needs phone',
      'notify.2.channel: channel must be one of slack, email, sms, voice, push',
    ]);
    expect(profileForPaging('u2', { notify: 'sms' })).toEqual({
      user: { uid: 'u2', name: null, email: null, phone: null, slackUserId: null, notify: [...DEFAULT_NOTIFY] },
      issues: [{ path: 'notify', message: 'notify must be a list of { channel, after }' }],
    });
    expect(profileForPaging('u3', undefined).user.notify).toEqual([...DEFAULT_NOTIFY]);
  });
});

describe('notification steps', () => {
  const user = { notify: [{ channel: 'sms' as const, afterSeconds: 300 }, { channel: 'slack' as const, afterSeconds: 0 }, { channel: 'email' as const, afterSeconds: 0 }, { channel: 'voice' as const, afterSeconds: 600 }] };
  const steps = notificationSteps(user, T0);

  it('orders steps by time, then by the list; equal afters share a group', () => {
    expect(steps.map((s) => [s.index, s.channel, (s.at.getTime() - T0.getTime()) / 1000, s.group])).toEqual([
      [1, 'slack', 0, 0],
      [2, 'email', 0, 0],
      [0, 'sms', 300, 1],
      [3, 'voice', 600, 2],
    ]);
  });

  const tried = (index: number, status: NotificationAttempt['status'], seconds: number): NotificationAttempt => ({ index, status, at: at(seconds) });
  const channels = (r: ReturnType<typeof nextNotifications>) => r.send.map((s) => s.channel);
  const secs = (d: Date | null) => (d === null ? null : (d.getTime() - T0.getTime()) / 1000);

  it.each([
    ['nothing tried: Slack and email now, SMS at 5m', [], 0, ['slack', 'email'], 300],
    ['both sent: SMS waits for its time', [tried(1, 'sent', 1), tried(2, 'sent', 1)], 60, [], 300],
    ['SMS is due', [tried(1, 'sent', 1), tried(2, 'sent', 1)], 300, ['sms'], 600],
    ['Slack failed but email got through: SMS still waits', [tried(1, 'failed', 2), tried(2, 'sent', 1)], 60, [], 300],
    ['Slack and email both failed: SMS at once (from the last failure)', [tried(1, 'failed', 2), tried(2, 'failed', 3)], 3, ['sms'], 600],
    ['…and the pulled SMS fails too: voice at once', [tried(1, 'failed', 2), tried(2, 'failed', 3), tried(0, 'failed', 4)], 4, ['voice'], null],
    ['SMS sent on time: voice at 10m', [tried(1, 'sent', 1), tried(2, 'sent', 1), tried(0, 'sent', 301)], 400, [], 600],
    ['every step tried: nothing more', [tried(1, 'sent', 1), tried(2, 'sent', 1), tried(0, 'sent', 301), tried(3, 'failed', 601)], 700, [], null],
    ['a group still in flight (one channel untried) pulls nothing', [tried(1, 'failed', 2)], 2, ['email'], 300],
  ])('%s', (_name, attempts, now, send, nextAt) => {
    const r = nextNotifications(steps, attempts, at(now));
    expect(channels(r)).toEqual(send);
    expect(secs(r.nextAt)).toBe(nextAt);
  });

  it('reports when each untried step is due after a failure brought it forward', () => {
    expect(nextNotifications(steps, [tried(1, 'failed', 2), tried(2, 'failed', 3)], at(3)).due.map((d) => [d.index, secs(d.at)])).toEqual([[0, 3], [3, 600]]);
  });

  it('names pages deterministically', () => {
    expect(pageId({ cycle: 0, level: 1, round: 0, uid: 'uid-a', step: 2, channel: 'sms' })).toBe('c0-l1-r0-uid-a-s2-sms');
    expect(pageId({ cycle: 1, level: 0, round: 1, uid: 'a.b/c', step: 0, channel: 'slack' })).toBe('c1-l0-r1-a_b_c-s0-slack');
  });
});

describe('page tokens', () => {
  const secret = 'test-page-link-secret';
  const claims = { incidentId: 'Xy7Qp0aBcD3fGh1JkL2m', uid: 'Kc9mYt2VbN8pQwE4rT6uI0oP1aS3', pageId: 'c0-l0-r0-Kc9mYt2VbN8pQwE4rT6uI0oP1aS3-s2-sms', nonce: 'n0nce-12345A', expiresAt: new Date('2026-12-02T10:00:00.750Z') };
  const token = signPageToken(claims, secret);
  const now = new Date('2026-12-01T10:00:00Z');

  it('round-trips, URL-safe and compact, with the nonce as its single-use id (seconds kept)', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThan(200);
    expect(verifyPageToken(token, secret, now)).toEqual({ ok: true, claims: { ...claims, expiresAt: new Date('2026-12-02T10:00:00Z') }, id: 'n0nce-12345A' });
  });

  it('is bound to every claim: changing any one changes the token', () => {
    const variants = (['incidentId', 'uid', 'pageId', 'nonce'] as const).map((k) => signPageToken({ ...claims, [k]: `${claims[k]}x` }, secret));
    variants.push(signPageToken({ ...claims, expiresAt: new Date(claims.expiresAt.getTime() + 1000) }, secret));
    expect(new Set([token, ...variants]).size).toBe(6);
  });

  it('expires at exp', () => {
    expect(verifyPageToken(token, secret, new Date('2026-12-02T09:59:59.999Z')).ok).toBe(true);
    expect(verifyPageToken(token, secret, new Date('2026-12-02T10:00:00Z'))).toEqual({ ok: false, reason: 'expired', message: 'the link expired at 2026-12-02T10:00:00.000Z' });
  });

  it('refuses another secret, and an altered MAC, as a bad signature (even when also expired)', () => {
    const bad = { ok: false, reason: 'bad_signature', message: 'the token was not signed with this secret (or was altered)' };
    expect(verifyPageToken(token, 'another-secret', now)).toEqual(bad);
    const raw = Buffer.from(token, 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
    expect(verifyPageToken(raw.toString('base64url'), secret, now)).toEqual(bad);
    expect(verifyPageToken(signPageToken(claims, 'another-secret'), secret, new Date('2030-01-01T00:00:00Z'))).toEqual(bad);
    const altered = Buffer.from(token, 'base64url');
    altered[10] = (altered[10] as number) ^ 0x20; // inside incidentId
    expect(verifyPageToken(altered.toString('base64url'), secret, now)).toEqual(bad);
  });

  it.each([
    ['', 'no token'],
    ['not a token!', 'the token is not base64url text'],
    ['AQAB', 'the token is too short'],
    [Buffer.concat([Buffer.from([2]), Buffer.from(token, 'base64url').subarray(1)]).toString('base64url'), 'unknown token version 2'],
    [Buffer.from(token, 'base64url').subarray(0, 40).toString('base64url'), 'the token is cut short or padded'],
    [Buffer.concat([Buffer.from(token, 'base64url'), Buffer.from([0])]).toString('base64url'), 'the token is cut short or padded'],
  ])('calls %j malformed: %s', (t, message) => {
    expect(verifyPageToken(t, secret, now)).toEqual({ ok: false, reason: 'malformed', message });
  });

  it('refuses to work without a secret or with an impossible field', () => {
    expect(() => signPageToken(claims, '')).toThrow('PAGE_LINK_SECRET is empty');
    expect(() => verifyPageToken(token, '', now)).toThrow('PAGE_LINK_SECRET is empty');
    expect(() => signPageToken({ ...claims, nonce: '' }, secret)).toThrow('nonce must be 1 to 255 bytes of UTF-8 (got 0)');
    expect(() => signPageToken({ ...claims, uid: 'é'.repeat(128) }, secret)).toThrow('uid must be 1 to 255 bytes of UTF-8 (got 256)');
  });

  it('builds the ack link', () => {
    expect(ackLink('https://x.example/pageAck', 'abc-_')).toBe('https://x.example/pageAck?t=abc-_');
    expect(ackLink('https://x.example/pageAck?v=1', 'abc')).toBe('https://x.example/pageAck?v=1&t=abc');
  });

  it('gives each schedule a calendar feed token that only its secret makes', () => {
    const t = calendarFeedToken(secret, 'primary');
    expect(t).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(calendarFeedToken(secret, 'primary')).toBe(t);
    expect(calendarFeedToken(secret, 'secondary')).not.toBe(t);
    expect(calendarFeedToken('other', 'primary')).not.toBe(t);
    expect(verifyCalendarFeedToken(secret, 'primary', t)).toBe(true);
    expect(verifyCalendarFeedToken(secret, 'secondary', t)).toBe(false);
    expect(verifyCalendarFeedToken(secret, 'primary', '')).toBe(false);
    expect(verifyCalendarFeedToken(secret, 'primary', null)).toBe(false);
    // a page token is never a feed token
    expect(verifyCalendarFeedToken(secret, 'primary', token)).toBe(false);
  });
});

describe('SMS replies', () => {
  it.each([
    ['ack', { kind: 'ack', code: null }],
    ['ACK', { kind: 'ack', code: null }],
    ['Ack.', { kind: 'ack', code: null }],
    ['  ack 12 ', { kind: 'ack', code: 12 }],
    ['ACK #3', { kind: 'ack', code: 3 }],
    ['ack12', { kind: 'ack', code: 12 }],
    ['Ack-7!', { kind: 'ack', code: 7 }],
    ['acknowledge 42', { kind: 'ack', code: 42 }],
    ['ＡＣＫ １２', { kind: 'ack', code: 12 }],
    ['ack 12 on it', { kind: 'help', text: 'ack 12 on it' }],
    ['yes', { kind: 'help', text: 'yes' }],
    ['ackk', { kind: 'help', text: 'ackk' }],
    ['', { kind: 'help', text: '' }],
  ])('%j → %j', (body, expected) => {
    expect(parseSmsReply(body)).toEqual(expected);
  });

  it.each([
    [{}, 'inc-b', 1],
    [{ '1': 'inc-a' }, 'inc-b', 2],
    [{ '1': 'inc-a', '3': 'inc-c' }, 'inc-b', 2],
    [{ '1': 'inc-a', '2': 'inc-b' }, 'inc-b', 2],
  ])('codes in use %j: %s gets %d', (inUse, id, code) => {
    expect(assignReplyCode(inUse, id)).toBe(code);
  });

  it('runs out after 999 open incidents on one number', () => {
    const full = Object.fromEntries(Array.from({ length: 999 }, (_, i) => [String(i + 1), `inc-${i}`]));
    expect(assignReplyCode(full, 'inc-new')).toBeNull();
  });

  const pages = [
    { incidentId: 'inc-a', pageId: 'pa', replyCode: 1, at: at(0) },
    { incidentId: 'inc-b', pageId: 'pb', replyCode: 2, at: at(60) },
  ];
  it.each([
    ['a bare ack: the latest open page', { kind: 'ack', code: null } as const, pages, { ok: true, incidentId: 'inc-b', pageId: 'pb' }],
    ['a code: that page', { kind: 'ack', code: 1 } as const, pages, { ok: true, incidentId: 'inc-a', pageId: 'pa' }],
    ['an unknown code', { kind: 'ack', code: 7 } as const, pages, { ok: false, reason: 'unknown_code', message: 'no open page has code 7 (open: 2, 1)' }],
    ['nothing open', { kind: 'ack', code: null } as const, [], { ok: false, reason: 'no_open_page', message: 'no page to this number is waiting for an acknowledgement' }],
  ])('%s', (_name, reply, open, expected) => {
    expect(resolveSmsAck(reply, open)).toEqual(expected);
  });
});

/** A strict little XML check: balanced tags, quoted attributes, only the five entities. Returns the <Say>/<Message> texts, decoded. */
function readXml(xml: string): { tags: string[]; texts: string[] } {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  const body = xml.slice('<?xml version="1.0" encoding="UTF-8"?>'.length);
  const decode = (s: string) => {
    expect(s).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
    expect(s).not.toMatch(/[<>]/);
    return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  };
  const stack: string[] = [];
  const tags: string[] = [];
  const texts: string[] = [];
  let textOf: string | null = null;
  for (const part of body.split(/(<[^>]*>)/).filter((p) => p !== '')) {
    if (!part.startsWith('<')) {
      const text = decode(part);
      if (textOf) texts.push(text);
      continue;
    }
    const m = /^<(\/?)([A-Za-z]+)((?:\s+[A-Za-z]+="[^"]*")*)\s*(\/?)>$/.exec(part);
    expect(m, `tag ${part}`).not.toBeNull();
    const [, close, name, attrs, selfClose] = m as RegExpExecArray;
    for (const a of (attrs ?? '').matchAll(/"([^"]*)"/g)) decode(a[1] ?? '');
    if (close) {
      expect(stack.pop()).toBe(name);
      textOf = null;
    } else {
      tags.push(`${name}${attrs ?? ''}`);
      if (!selfClose) stack.push(name as string);
      textOf = name === 'Say' || name === 'Message' ? name : null;
    }
  }
  expect(stack).toEqual([]);
  return { tags, texts };
}

describe('page messages', () => {
  const nasty = incident({ id: 'inc-42', title: 'Checkout <b>down</b> & "out"\u0007\nnow', severity: 'SEV1', service: 'checkout', environment: 'production' });
  const drill = incident({ id: 'inc-43', title: 'Practice outage', severity: 'SEV2', service: null, environment: null, drill: true });
  const ackUrl = 'https://us-central1-p.cloudfunctions.net/pageAck?t=TOKEN';
  const base = { level: 0, ackUrl, consoleUrl: 'https://console.example' };

  it('SMS: severity, plain title, where, link and reply code', () => {
    expect(pageSms({ ...base, incident: nasty, replyCode: 12 })).toBe(`SEV1: Checkout <b>down</b> & "out" now (checkout, production). Ack: ${ackUrl} or reply ACK 12`);
    expect(pageSms({ ...base, incident: drill, replyCode: null })).toBe(`[DRILL] SEV2: Practice outage. Ack: ${ackUrl} or reply ACK`);
    const long = pageSms({ ...base, incident: incident({ title: 'x'.repeat(200), service: null, environment: null }), replyCode: 3 });
    expect(long).toBe(`SEV2: ${'x'.repeat(69)}…. Ack: ${ackUrl} or reply ACK 3`);
  });

  it.each([
    ['a'.repeat(160), 'GSM-7', 1],
    ['a'.repeat(161), 'GSM-7', 2],
    ['€'.repeat(80), 'GSM-7', 1],
    ['€'.repeat(81), 'GSM-7', 2],
    ['é'.repeat(160), 'GSM-7', 1],
    ['ł'.repeat(70), 'UCS-2', 1],
    ['ł'.repeat(71), 'UCS-2', 2],
  ])('SMS segments of %j…: %s, %d', (text, encoding, segments) => {
    expect(smsSegments(text)).toEqual({ encoding, segments });
  });

  it('email: the mail document, escaped HTML, the one-time link', () => {
    const mail = pageEmail({ ...base, incident: nasty, to: 'alice@example.com', level: 1 });
    expect(mail.to).toBe('alice@example.com');
    expect(mail.message.subject).toBe('[SEV1] Checkout <b>down</b> & "out" now (checkout, production): please acknowledge');
    expect(mail.message.text.split('\n')).toEqual([
      'You are being paged (escalation level 2) for a SEV1 incident:',
      '',
      '  Checkout <b>down</b> & "out" now',
      '  Service: checkout',
      '  Environment: production',
      '  Opened: 2026-11-30 10:00 UTC',
      '',
      `Acknowledge (one-time link): ${ackUrl}`,
      'Open in the console: https://console.example/#/incidents/inc-42',
      '',
      'Escalation continues until someone acknowledges.',
    ]);
    expect(mail.message.html).toContain('<h2 style="margin:8px 0">Checkout &lt;b&gt;down&lt;/b&gt; &amp; &quot;out&quot; now</h2>');
    expect(mail.message.html).not.toContain('<b>down');
    expect(mail.message.html).toContain(`<a href="${escapeHtml(ackUrl)}"`);
    expect(mail.message.html).toContain('href="https://console.example/#/incidents/inc-42"');
  });

  it('email: a link that is not http(s) is shown as text, never as a link', () => {
    const html = pageEmail({ ...base, ackUrl: 'javascript:alert("x")', incident: nasty, to: 'a@b.co' }).message.html;
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('Acknowledge: javascript:alert(&quot;x&quot;)');
  });

  it('Slack DM: escaped text and an Acknowledge button the interactions parser accepts', () => {
    const dm = pageSlackDm({ ...base, incident: incident({ id: 'inc-42', title: 'Hi <!channel> & co', severity: 'SEV1' }) });
    expect(dm.text).toBe(':rotating_light: You are paged for SEV1: Hi &lt;!channel&gt; &amp; co (checkout, production)');
    expect(JSON.stringify(dm.blocks)).not.toContain('<!channel>');
    const actions = dm.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; value: string }[] };
    expect(actions.elements[0]).toMatchObject({ action_id: ACKNOWLEDGE_ACTION_ID, value: 'inc-42' });
    const clicked = parseInteraction(JSON.stringify({ type: 'block_actions', user: { id: 'U0ALICE' }, channel: { id: 'D0DM' }, actions: [actions.elements[0]] }));
    expect(clicked).toMatchObject({ ok: true, action: 'acknowledge', incidentId: 'inc-42', userId: 'U0ALICE' });
  });

  it('marks a drill [DRILL] on every channel', () => {
    const c = { ...base, incident: drill };
    const mail = pageEmail({ ...c, to: 'a@b.co' });
    const dm = pageSlackDm(c);
    const voice = readXml(pageVoiceTwiml({ incident: drill, level: 0, gatherUrl: 'https://x/pageVoice?t=1' }));
    const marked = [pageSms({ ...c, replyCode: 1 }), mail.message.subject, mail.message.text, mail.message.html, dm.text, (dm.blocks[0] as { text: { text: string } }).text.text, voice.texts[0] ?? ''];
    for (const m of marked) expect(m).toContain('[DRILL]');
    const real = pageEmail({ ...base, incident: nasty, to: 'a@b.co' });
    expect([real.message.subject, real.message.text, real.message.html, pageSlackDm({ ...base, incident: nasty }).text].some((m) => m.includes('[DRILL]'))).toBe(false);
  });

  it('voice: reads the incident and gathers one digit, all escaped', () => {
    const xml = pageVoiceTwiml({ incident: nasty, level: 0, gatherUrl: 'https://x.example/pageVoice?t=A&b=1' });
    const { tags, texts } = readXml(xml);
    expect(tags[0]).toBe('Response');
    expect(tags[1]).toBe('Gather input="dtmf" numDigits="1" timeout="10" method="POST" action="https://x.example/pageVoice?t=A&amp;b=1"');
    expect(texts).toEqual([
      'This is the incident pipeline. You are being paged for a severity 1 incident: Checkout <b>down</b> & "out" now. On service checkout, environment production.',
      'Press 1 to acknowledge.',
      'Press 1 to acknowledge.',
      'No key was pressed. The incident stays unacknowledged and escalation continues. Goodbye.',
    ]);
    expect(xml).not.toContain('\u0007');
  });

  it.each([
    ['1', 'acknowledge'],
    [' 1 ', 'acknowledge'],
    ['2', 'other'],
    ['*', 'other'],
    ['', 'none'],
    [undefined, 'none'],
  ] as const)('key %j → %s', (digits, expected) => {
    expect(parseVoiceDigits(digits)).toBe(expected);
  });

  it.each([
    [{ kind: 'acknowledged', incident: { title: 'A & B', severity: 'SEV1', drill: false } }, ['Acknowledged: A & B. Escalation has stopped. Thank you.']],
    [{ kind: 'acknowledged', incident: { title: 'Practice', severity: 'SEV1', drill: true } }, ['[DRILL] Acknowledged: Practice. Escalation has stopped. Thank you.']],
    [{ kind: 'already', incident: { title: 'A', severity: 'SEV1', drill: false, status: 'resolved' } }, ['This incident is already resolved. Nothing more to do. Goodbye.']],
    [{ kind: 'retry', gatherUrl: 'https://x/v?t=1&u=2' }, ['That was not 1. Press 1 to acknowledge.', 'Goodbye.']],
    [{ kind: 'invalid_link', message: 'the link expired <now>' }, ['This page can no longer be acknowledged by phone: the link expired <now>. Use the console. Goodbye.']],
  ] as const)('voice answer %j', (outcome, texts) => {
    const xml = voiceReplyTwiml(outcome);
    expect(readXml(xml).texts).toEqual(texts);
    if (outcome.kind === 'retry') expect(xml).toContain('action="https://x/v?t=1&amp;u=2"');
  });

  it.each([
    [{ kind: 'acknowledged', incident: { title: 'Disk <full> & slow', severity: 'SEV2', drill: false } }, 'Acknowledged SEV2: Disk <full> & slow. Escalation stopped. Thanks.'],
    [{ kind: 'acknowledged', incident: { title: 'Practice', severity: 'SEV2', drill: true } }, '[DRILL] Acknowledged SEV2: Practice. Escalation stopped. Thanks.'],
    [{ kind: 'already', incident: { title: 'Disk', severity: 'SEV2', drill: false, status: 'acknowledged' } }, 'SEV2 Disk is already acknowledged.'],
    [{ kind: 'no_open_page' }, 'No page to this number is waiting for an acknowledgement.'],
    [{ kind: 'unknown_code', code: 7, open: [1, 2] }, 'No open page has code 7. Open: ACK 1, ACK 2. Reply ACK to acknowledge your latest page, or ACK and the code from the page (ACK 12) for another one.'],
    [{ kind: 'help' }, 'Reply ACK to acknowledge your latest page, or ACK and the code from the page (ACK 12) for another one.'],
    [{ kind: 'unknown_number' }, 'This number is not set up to acknowledge pages. Add it as phone in your profile.'],
  ] as const)('SMS answer %j', (outcome, text) => {
    const { tags, texts } = readXml(smsReplyTwiml(outcome));
    expect(tags).toEqual(['Response', 'Message']);
    expect(texts).toEqual([text]);
  });

  it('escapes XML and drops what XML cannot hold', () => {
    expect(escapeXml(`a<b>&"c'\u0000\u0008d\ud800e😀`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;de😀');
  });
});

describe('/incident oncall', () => {
  it.each([
    ['ack', null],
    ['', null],
    ['list', null],
    ['oncallx', null],
    ['oncall', { kind: 'oncall_show', schedule: null }],
    ['  ONCALL   primary ', { kind: 'oncall_show', schedule: 'primary' }],
    ['on-call db-team', { kind: 'oncall_show', schedule: 'db-team' }],
    ['oncall help', { kind: 'oncall_help' }],
    ['oncall override primary <@U0ALICE|alice> 4h covering for Bob', { kind: 'oncall_override', schedule: 'primary', who: { kind: 'slack', userId: 'U0ALICE' }, durationSeconds: 14_400, reason: 'covering for Bob' }],
    ['oncall override primary <@U0ALICE> 1d', { kind: 'oncall_override', schedule: 'primary', who: { kind: 'slack', userId: 'U0ALICE' }, durationSeconds: 86_400, reason: null }],
    ['oncall override primary me 30m', { kind: 'oncall_override', schedule: 'primary', who: { kind: 'me' }, durationSeconds: 1_800, reason: null }],
    ['oncall override primary uid:Kc9mYt2 2h', { kind: 'oncall_override', schedule: 'primary', who: { kind: 'uid', uid: 'Kc9mYt2' }, durationSeconds: 7_200, reason: null }],
    ['oncall override primary Kc9mYt2 1w', { kind: 'oncall_override', schedule: 'primary', who: { kind: 'uid', uid: 'Kc9mYt2' }, durationSeconds: 604_800, reason: null }],
  ])('%j → %j', (text, expected) => {
    expect(parseOncallCommand(text)).toEqual(expected);
  });

  it.each([
    ['oncall primary secondary', '`oncall` takes one schedule, e.g. `/incident oncall primary`.'],
    ['oncall pri/mary', '“pri/mary” is not a schedule id.'],
    ['oncall override primary', '`override` needs a schedule, a person and a duration, e.g. `/incident oncall override primary @alice 4h`.'],
    ['oncall override primary @alice 4h', "“@alice” came through as plain text: pick the person from Slack's @ list (and check that the /incident command escapes users)."],
    ['oncall override primary <@U0ALICE> 4hours', '“4hours” is not a duration: use a duration such as 30s, 10m, 2h, 1d, 1w or 1h30m.'],
    ['oncall override primary me 30s', 'An override lasts from 1m to 31d (got 30s).'],
    ['oncall override primary me 40d', 'An override lasts from 1m to 31d (got 40d).'],
  ])('%j is refused: %s', (text, message) => {
    const r = parseOncallCommand(text);
    expect(r?.kind).toBe('error');
    expect(r?.kind === 'error' && r.message.split('\n\n')[0]).toBe(message);
  });

  it('turns an override command into a document that passes the override schema', () => {
    const cmd = parseOncallCommand('oncall override primary me 4h swap');
    if (cmd?.kind !== 'oncall_override') throw new Error('not parsed');
    const made = overrideDocument(cmd, { uid: 'uid-a', createdBy: 'uid-a', now: T0, scheduleIds: ['primary'] });
    expect(made).toEqual({ ok: true, doc: { schedule: 'primary', uid: 'uid-a', start: T0, end: at(14_400), createdBy: 'uid-a', createdAt: T0, reason: 'swap' } });
    if (!made.ok) return;
    expect(parseOncallOverride('o1', made.doc, ['primary'])).toMatchObject({ ok: true, override: { id: 'o1', uid: 'uid-a', end: at(14_400) } });
    expect(overrideDocument(cmd, { uid: 'uid-a', createdBy: 'uid-a', now: T0, scheduleIds: ['db'] })).toEqual({ ok: false, message: 'There is no schedule “primary”. Schedules: `db`.' });
  });

  it('answers who is on call now, until when, and the next shifts', () => {
    const config = oncallConfigSchema.parse({ schedules: { primary: { name: 'Primary <team>', timeZone: 'Etc/UTC', rotations: [{ members: ['uid-a', 'uid-b'], start: '2026-11-30T00:00:00', shift: '1d' }] }, night: { timeZone: 'Etc/UTC', rotations: [{ members: ['uid-n'], start: '2026-11-30T00:00:00', shift: '1d', restrict: [{ from: '22:00', to: '06:00' }] }] } } });
    const views = Object.values(config.schedules).map((schedule) => ({ schedule, shifts: shifts(schedule, [], T0, at(3 * 86_400)) }));
    const reply = oncallReply(views, { now: T0, upcoming: 2, display: (uid) => `<@${uid.toUpperCase()}>` });
    const sections = reply.blocks.map((b) => (b as { text: { text: string } }).text.text);
    const date = (iso: string) => `<!date^${Date.parse(`${iso}:00Z`) / 1000}^{date_short_pretty} {time}|${iso.replace('T', ' ')} UTC>`;
    expect(sections[0]?.split('\n')).toEqual([
      `*Primary &lt;team&gt;* (\`primary\`): <@UID-A> until ${date('2026-12-01T00:00')}`,
      `• ${date('2026-12-01T00:00')} → ${date('2026-12-02T00:00')}: <@UID-B>`,
      `• ${date('2026-12-02T00:00')} → ${date('2026-12-03T00:00')}: <@UID-A>`,
    ]);
    expect(sections[1]?.split('\n')[0]).toBe('*night*: _nobody is on call now_');
    expect(reply.text).toBe('On call: Primary &lt;team&gt;: <@UID-A>; night: nobody');
    expect(oncallReply([], { now: T0 }).text).toBe('There are no on-call schedules (config/oncall.yaml).');
  });
});
