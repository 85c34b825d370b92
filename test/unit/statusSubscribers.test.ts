// Status page subscriptions: addresses, signed links, the double opt-in plan
// and the rate limit, the mails of a public update (each with a working
// unsubscribe link), and the internal stakeholder summaries.
import { describe, expect, it } from 'vitest';
import { parseSubscribeBody } from '../../functions/src/app/statusHttp';
import { secretProblem } from '../../functions/src/domain/secrets';
import { stakeholderMails, stakeholdersFor, stakeholderSummary, type StakeholderContext } from '../../functions/src/domain/slack/stakeholders';
import { slackConfigSchema } from '../../functions/src/domain/slack/slackConfig';
import { applyPublicUpdate, statusConfigSchema } from '../../functions/src/domain/statusPage';
import {
  alreadySubscribedEmail,
  confirmationEmail,
  MAX_MAILS_PER_DAY,
  normalizeEmail,
  planConfirm,
  planSubscribe,
  signLinkToken,
  statusLinks,
  type SubscriberDoc,
  subscriberEmails,
  subscriberIdFor,
  verifyLinkToken,
} from '../../functions/src/domain/statusSubscribers';
import { parseYaml } from '../../functions/src/domain/yamlConfig';
import { at, incident as incidentFixture, T0 } from '../support/factories';

const SECRET = 'test-status-link-secret';
const PAGE = 'https://status.example.com/status';
const links = statusLinks(`${PAGE}/`, SECRET, T0);
const tokenOf = (url: string) => new URL(url).searchParams.get('t') ?? '';

describe('addresses', () => {
  it('are trimmed and lower-cased, and anything but one plain address is refused', () => {
    expect(normalizeEmail('  Alice.Smith+status@Example.COM ')).toEqual({ ok: true, email: 'alice.smith+status@example.com' });
    for (const bad of ['', 'alice', 'alice@', '@example.com', 'a b@example.com', 'alice@example', 'a@b.com, c@d.com', 'Alice <a@example.com>', `${'a'.repeat(250)}@example.com`]) {
      expect(normalizeEmail(bad).ok, bad).toBe(false);
    }
    expect(normalizeEmail(undefined)).toEqual({ ok: false, reason: 'an email address is required' });
  });

  it('give one subscriber id per address, whatever its case', () => {
    expect(subscriberIdFor('alice@example.com')).toMatch(/^[0-9a-f]{32}$/);
    expect(subscriberIdFor('alice@example.com')).not.toBe(subscriberIdFor('bob@example.com'));
  });
});

describe('signed links', () => {
  const id = subscriberIdFor('alice@example.com');

  it('round-trip: the link of each purpose verifies for that purpose only', () => {
    const confirm = tokenOf(links.confirmUrl(id));
    const unsubscribe = tokenOf(links.unsubscribeUrl(id));
    expect(links.confirmUrl(id).startsWith(`${PAGE}/confirm?t=`)).toBe(true);
    expect(links.unsubscribeUrl(id).startsWith(`${PAGE}/unsubscribe?t=`)).toBe(true);
    expect(verifyLinkToken(SECRET, confirm, 'confirm', at(60))).toEqual({ ok: true, subscriberId: id });
    expect(verifyLinkToken(SECRET, unsubscribe, 'unsubscribe', at(60))).toEqual({ ok: true, subscriberId: id });
    expect(verifyLinkToken(SECRET, confirm, 'unsubscribe', at(60))).toEqual({ ok: false, reason: 'wrong_purpose' });
    expect(verifyLinkToken(SECRET, unsubscribe, 'confirm', at(60))).toEqual({ ok: false, reason: 'wrong_purpose' });
  });

  it('confirm links expire after 7 days; unsubscribe links never do', () => {
    expect(verifyLinkToken(SECRET, tokenOf(links.confirmUrl(id)), 'confirm', at(7 * 86_400 - 1))).toMatchObject({ ok: true });
    expect(verifyLinkToken(SECRET, tokenOf(links.confirmUrl(id)), 'confirm', at(7 * 86_400 + 1))).toEqual({ ok: false, reason: 'expired' });
    expect(verifyLinkToken(SECRET, tokenOf(links.unsubscribeUrl(id)), 'unsubscribe', at(3650 * 86_400))).toMatchObject({ ok: true });
  });

  it('refuse a changed subscriber, expiry or signature, another secret, and junk', () => {
    const token = signLinkToken(SECRET, 'unsubscribe', id, null);
    const other = subscriberIdFor('mallory@example.com');
    expect(verifyLinkToken(SECRET, token.replace(id, other), 'unsubscribe', T0)).toEqual({ ok: false, reason: 'bad_signature' });
    const expiring = signLinkToken(SECRET, 'confirm', id, at(60));
    const [c, s, , sig] = expiring.split('.');
    expect(verifyLinkToken(SECRET, [c, s, 'zzzzzz', sig].join('.'), 'confirm', T0)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyLinkToken('another-secret', token, 'unsubscribe', T0)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyLinkToken(SECRET, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, 'unsubscribe', T0)).toEqual({ ok: false, reason: 'bad_signature' });
    for (const junk of ['', 'abc', `${token}.x`, 42, null, 'x'.repeat(500)]) expect(verifyLinkToken(SECRET, junk, 'unsubscribe', T0)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('subscribing', () => {
  const email = 'alice@example.com';

  it('a new address becomes pending, with a confirmation mail and a TTL', () => {
    const plan = planSubscribe(null, email, T0);
    expect(plan).toEqual({ mail: 'confirm', write: { email, status: 'pending', createdAt: T0, confirmedAt: null, mailsSent: [T0], expireAt: at(7 * 86_400) } });
  });

  it('a confirmed address stays confirmed and gets a note instead (the visitor sees the same answer)', () => {
    const confirmed: SubscriberDoc = { email, status: 'confirmed', createdAt: T0, confirmedAt: at(60), mailsSent: [T0], expireAt: null };
    expect(planSubscribe(confirmed, email, at(3600))).toEqual({ mail: 'already_subscribed', write: { ...confirmed, mailsSent: [T0, at(3600)] } });
  });

  it(`sends at most ${MAX_MAILS_PER_DAY} mails to one address per rolling day`, () => {
    let doc: SubscriberDoc | null = null;
    const mails: (string | null)[] = [];
    for (let n = 0; n < 5; n++) {
      const plan = planSubscribe(doc, email, at(n * 60));
      mails.push(plan.mail);
      doc = plan.write ?? doc;
    }
    expect(mails).toEqual(['confirm', 'confirm', 'confirm', null, null]);
    expect(planSubscribe(doc, email, at(86_400 + 1)).mail).toBe('confirm');
  });

  it('confirming sets confirmedAt and clears the TTL once; a second click changes nothing', () => {
    const pending = planSubscribe(null, email, T0).write!;
    const confirmed = planConfirm(pending, at(120));
    expect(confirmed).toEqual({ ...pending, status: 'confirmed', confirmedAt: at(120), expireAt: null });
    expect(planConfirm(confirmed!, at(240))).toBeNull();
  });

  it('the confirmation mail carries the confirm link; the reminder carries an unsubscribe link', () => {
    const id = subscriberIdFor(email);
    const mail = confirmationEmail(email, id, links, 'Acme <status>');
    expect(mail.to).toBe(email);
    expect(mail.message.subject).toBe('Confirm your subscription to Acme <status>');
    const url = links.confirmUrl(id);
    expect(mail.message.text).toContain(url);
    expect(mail.message.html).toContain(url.replace(/&/g, '&amp;'));
    expect(mail.message.html).toContain('Acme &lt;status&gt;');
    const reminder = alreadySubscribedEmail(email, id, links, 'Acme');
    expect(reminder.message.text).toContain(links.unsubscribeUrl(id));
    expect(reminder.message.headers?.['List-Unsubscribe']).toBe(`<${links.unsubscribeUrl(id)}>`);
  });

  it('the subscribe endpoint reads JSON and plain forms, and notices the honeypot', () => {
    const req = (type: string, body: string) => ({ method: 'POST', path: '/', headers: { 'content-type': type }, query: {}, rawBody: Buffer.from(body) });
    expect(parseSubscribeBody(req('application/json', '{"email":"a@b.co"}'))).toEqual({ email: 'a@b.co', trap: false, form: false });
    expect(parseSubscribeBody(req('application/x-www-form-urlencoded', 'email=a%40b.co&website='))).toEqual({ email: 'a@b.co', trap: false, form: true });
    expect(parseSubscribeBody(req('application/x-www-form-urlencoded', 'email=a%40b.co&website=spam.example'))).toEqual({ email: 'a@b.co', trap: true, form: true });
    expect(parseSubscribeBody(req('application/json', 'not json'))).toHaveProperty('error');
    expect(parseSubscribeBody(req('application/json', 'null'))).toHaveProperty('error');
  });

  it('the published local and test link secrets count as placeholders (the endpoints answer 503 outside the emulator)', () => {
    expect(secretProblem('STATUS_LINK_SECRET', 'local-status-link-secret', 16)).toMatch(/^STATUS_LINK_SECRET is still a published local default/);
    expect(secretProblem('STATUS_LINK_SECRET', SECRET, 16)).toMatch(/^STATUS_LINK_SECRET is still a published local default/);
    expect(secretProblem('STATUS_LINK_SECRET', 'k3v9Qw2LzX8rT5mN1pB7', 16)).toBeNull();
  });
});

describe('subscriberEmails', () => {
  const config = statusConfigSchema.parse({ title: 'Acme status', components: [{ id: 'checkout', name: 'Checkout', services: ['checkout'] }] });
  const r = applyPublicUpdate(
    { summary: null, incident: null, history: {} },
    { publicId: 'pub-abcdef12', updateId: 'u1', title: 'Orders <fail>', message: 'Some orders fail.\n\nWe are on it & will update.', componentStatus: 'partial_outage', service: 'checkout' },
    config,
    T0,
  );
  if (!r.ok) throw new Error(r.reason);
  const subscribers = [
    { id: subscriberIdFor('alice@example.com'), email: 'alice@example.com', status: 'confirmed' as const },
    { id: subscriberIdFor('bob@example.com'), email: 'bob@example.com' },
    { id: subscriberIdFor('pending@example.com'), email: 'pending@example.com', status: 'pending' as const },
  ];
  const mails = subscriberEmails(r, subscribers, links);

  it('one mail per confirmed subscriber, in the Trigger Email shape, with a deterministic id', () => {
    expect(mails.map((m) => m.data.to)).toEqual(['alice@example.com', 'bob@example.com']);
    expect(mails[0]?.id).toBe(`status-pub-abcdef12-${r.update.id}-${subscribers[0]?.id}`);
    expect(subscriberEmails(r, subscribers, links).map((m) => m.id)).toEqual(mails.map((m) => m.id));
    expect(Object.keys(mails[0]!.data.message).sort()).toEqual(['headers', 'html', 'subject', 'text']);
    expect(mails[0]?.data.message.subject).toBe('[Investigating] Orders <fail>');
  });

  it('says what happened, what is affected and where to follow it', () => {
    const text = mails[0]!.data.message.text;
    expect(text).toContain('Some orders fail.\n\nWe are on it & will update.');
    expect(text).toContain('- Checkout: Partial outage');
    expect(text).toContain(`Follow the incident: ${PAGE}#incident-pub-abcdef12`);
    expect(text).toContain('Investigating · 2026-11-30 10:00 UTC');
    const html = mails[0]!.data.message.html;
    expect(html).toContain('<h1 style="font-size:1.25rem">Orders &lt;fail&gt;</h1>');
    expect(html).toContain('<p>Some orders fail.</p><p>We are on it &amp; will update.</p>');
    expect(html).not.toContain('<fail>');
  });

  it('each mail has its own unsubscribe link (text, HTML and List-Unsubscribe), which verifies to that subscriber', () => {
    mails.forEach((m, i) => {
      const url = /Unsubscribe: (\S+)/.exec(m.data.message.text)?.[1] ?? '';
      expect(verifyLinkToken(SECRET, tokenOf(url), 'unsubscribe', at(86_400 * 365))).toEqual({ ok: true, subscriberId: subscribers[i]?.id });
      expect(m.data.message.html).toContain(`<a href="${url}">Unsubscribe</a>`);
      expect(m.data.message.headers).toEqual({ 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    });
    expect(new Set(mails.map((m) => m.data.message.headers?.['List-Unsubscribe'])).size).toBe(2);
  });
});

describe('stakeholder summaries', () => {
  const yaml = ['stakeholders:', '  SEV1:', '    channels: ["#exec-updates"]', '    emails: [Leadership@Example.com]', '  SEV2:', '    channels: ["#support-updates", "#exec-updates"]', '    emails: [support@example.com]'].join('\n');
  const parsed = parseYaml(yaml, slackConfigSchema, 'config/slack.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const config = parsed.value;
  const incident = incidentFixture({ id: 'inc-9', title: 'Checkout <errors> above 5%', severity: 'SEV1', alertCount: 12, commander: 'uid-alice' });
  const ctx: StakeholderContext = {
    impact: 'About 20% of orders fail at payment.',
    components: [{ name: 'Checkout', status: 'partial_outage' }],
    nextUpdateAt: at(30 * 60),
    now: T0,
    consoleUrl: 'https://console.example.com',
    statusPageUrl: PAGE,
  };

  it('config/slack.yaml names channels and email lists per severity, validated', () => {
    expect(config.stakeholders.SEV1).toEqual({ channels: ['#exec-updates'], emails: ['leadership@example.com'] });
    const bad = parseYaml('stakeholders:\n  SEV1:\n    emails: [not-an-address]\n', slackConfigSchema, 'config/slack.yaml');
    expect(bad.ok ? [] : bad.issues.map((i) => `${i.line} ${i.path}`)).toEqual(['3 stakeholders.SEV1.emails.0']);
    expect(slackConfigSchema.parse({}).stakeholders).toEqual({});
  });

  it('reach the severity\'s stakeholders; a severity change reaches both sides; drills reach nobody', () => {
    expect(stakeholdersFor(config, incident, { kind: 'opened' })).toEqual({ channels: ['#exec-updates'], emails: ['leadership@example.com'] });
    expect(stakeholdersFor(config, { ...incident, severity: 'SEV2' }, { kind: 'severity_changed', from: 'SEV1', to: 'SEV2' })).toEqual({
      channels: ['#exec-updates', '#support-updates'],
      emails: ['leadership@example.com', 'support@example.com'],
    });
    expect(stakeholdersFor(config, { ...incident, severity: 'SEV3' }, { kind: 'resolved' })).toEqual({ channels: [], emails: [] });
    expect(stakeholdersFor(config, { ...incident, drill: true }, { kind: 'opened' })).toEqual({ channels: [], emails: [] });
  });

  it('on open: what is broken, the impact and the next update time, in Block Kit and in a mail', () => {
    const s = stakeholderSummary(incident, { kind: 'opened' }, ctx);
    const blocks = JSON.stringify(s.slack.blocks);
    expect(s.slack.text).toBe('SEV1 incident: Checkout &lt;errors&gt; above 5%');
    expect(blocks).toContain('*What is broken*\\nCheckout &lt;errors&gt; above 5%\\nService: checkout in production\\nStatus page: Checkout (partial outage)');
    expect(blocks).toContain('*Impact*\\nAbout 20% of orders fail at payment.\\nSEV1 is critical');
    expect(blocks).toContain('*Next update*\\nBy <!date^1796034600^{time}|2026-11-30 10:30 UTC> (in 30 min)');
    expect(blocks).toContain('<https://console.example.com/#/incidents/inc-9|Incident in the console>');
    expect(s.email.subject).toBe('SEV1 incident: Checkout <errors> above 5%');
    expect(s.email.text).toContain('Next update\nBy 2026-11-30 10:30 UTC (in 30 min), or sooner if it changes.');
    expect(s.email.html).toContain('Checkout &lt;errors&gt; above 5%');
    expect(s.email.html).not.toContain('<errors>');
  });

  it('on a severity change and on resolve, the headline says so; resolve plans no further update', () => {
    expect(stakeholderSummary({ ...incident, severity: 'SEV2' }, { kind: 'severity_changed', from: 'SEV1', to: 'SEV2' }, ctx).email.subject).toBe('Downgraded SEV1 → SEV2: Checkout <errors> above 5%');
    expect(stakeholderSummary(incident, { kind: 'severity_changed', from: 'SEV3', to: 'SEV1' }, ctx).email.subject).toBe('Escalated SEV3 → SEV1: Checkout <errors> above 5%');
    const resolved = stakeholderSummary({ ...incident, status: 'resolved', resolvedAt: at(5400) }, { kind: 'resolved' }, { ...ctx, impact: null, nextUpdateAt: null });
    expect(resolved.email.subject).toBe('Resolved (SEV1): Checkout <errors> above 5%');
    expect(resolved.email.text).toContain('Next update\nNone: resolved after 1 h 30 min. A postmortem follows.');
    expect(resolved.email.text).toContain('Impact\nBeing assessed by the responders.');
  });

  it('one mail per address, with ids stable per event and address', () => {
    const s = stakeholderSummary(incident, { kind: 'opened' }, ctx);
    const mails = stakeholderMails(s, ['leadership@example.com', 'support@example.com'], 'inc-9-opened');
    expect(mails.map((m) => m.data.to)).toEqual(['leadership@example.com', 'support@example.com']);
    expect(mails[0]?.data.message).toEqual(s.email);
    expect(stakeholderMails(s, ['LEADERSHIP@example.com'], 'inc-9-opened')[0]?.id).toBe(mails[0]?.id);
    expect(stakeholderMails(s, ['leadership@example.com'], 'inc-9-resolved')[0]?.id).not.toBe(mails[0]?.id);
  });
});
