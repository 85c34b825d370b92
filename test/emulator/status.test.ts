// The status page's wiring on the emulators: the projection written by the
// publish use case and read through the security rules as a visitor; the
// subscription endpoints behind their Hosting rewrites (subscribe → mail with a
// confirm link → confirm → an update's mail → its unsubscribe link); the feed.
//
// Ports: HOSTING_PORT (default 5000; scripts/sandbox.mjs exports the shifted
// one), FIRESTORE_EMULATOR_HOST from emulators:exec.
import Parser from 'rss-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { SUBSCRIBE_ANSWER } from '../../functions/src/app/statusHttp';
import { publishPublicUpdate, queueSubscriberEmails } from '../../functions/src/app/statusPage';
import { createMails } from '../../functions/src/adapters/mail';
import { publicIdFor } from '../../functions/src/domain/statusPage';
import { statusLinks, subscriberIdFor } from '../../functions/src/domain/statusSubscribers';
import { db, PROJECT_ID, SECRETS, unique, waitFor } from '../support/emulator';

const HOSTING = `http://127.0.0.1:${process.env.HOSTING_PORT ?? '5000'}`;
const PAGE = `${HOSTING}/status`;
const FIRESTORE = `http://${process.env.FIRESTORE_EMULATOR_HOST}/v1/projects/${PROJECT_ID}/databases/(default)/documents`;
const SECRET = SECRETS.STATUS_LINK_SECRET;
/** A cold function start through the Hosting proxy, on a busy machine. */
const EXPECT_MS = 60_000;

interface MailData {
  to: string;
  message: { subject: string; text: string; html: string; headers?: Record<string, string> };
}

async function mailsTo(email: string): Promise<MailData[]> {
  const snap = await db().collection('mail').where('to', '==', email).get();
  return snap.docs.map((d) => d.data() as MailData).sort((a, b) => a.message.subject.localeCompare(b.message.subject));
}

async function waitForMails(email: string, count: number): Promise<MailData[]> {
  return waitFor(async () => {
    const mails = await mailsTo(email);
    return mails.length >= count ? mails : undefined;
  }, `${count} mail(s) to ${email}`, EXPECT_MS);
}

const subscribe = (email: string) =>
  fetch(`${PAGE}/subscribe`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

const linkIn = (text: string, path: 'confirm' | 'unsubscribe') => {
  const m = new RegExp(`(https?://\\S+/status/${path}\\?t=[A-Za-z0-9._-]+)`).exec(text);
  if (!m?.[1]) throw new Error(`no ${path} link in: ${text}`);
  return m[1];
};

beforeAll(async () => {
  const res = await fetch(PAGE).catch((e: unknown) => {
    throw new Error(`the Hosting emulator is not answering at ${HOSTING} (${String(e)}): build the console first (npm run build)`);
  });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('id="subscribe-form"');
});

describe('the status page projection', () => {
  it('publishPublicUpdate writes statusPage/ in one transaction; a visitor reads it over REST and cannot read the incident', async () => {
    const incidentId = unique('inc-status');
    await db().doc(`incidents/${incidentId}`).set({ title: `Internal title ${incidentId}`, status: 'triggered', severity: 'SEV2', service: 'checkout', commander: 'uid-secret-commander' });
    const publicId = publicIdFor(SECRET, incidentId);
    const message = `Some orders fail (${incidentId.slice(-8)}).`;
    const r = await publishPublicUpdate({ publicId, updateId: `${incidentId}-u1`, message, title: 'Orders fail', componentStatus: 'partial_outage', service: 'checkout' });
    expect(r).toMatchObject({ ok: true, changed: true });
    // A second delivery of the same update changes nothing.
    const again = await publishPublicUpdate({ publicId, updateId: `${incidentId}-u1`, message });
    expect(again).toMatchObject({ ok: true, changed: false, writes: [] });

    const summary = (await (await fetch(`${FIRESTORE}/statusPage/summary`)).json()) as { fields: Record<string, { arrayValue?: { values?: unknown[] } }> };
    const active = JSON.stringify(summary.fields.active);
    expect(active).toContain(message);
    expect(active).toContain(publicId);
    const incident = await fetch(`${FIRESTORE}/statusPage/summary/incidents/${publicId}`);
    expect(incident.status).toBe(200);
    const text = await incident.text();
    expect(text).toContain('Orders fail');
    expect(text).not.toContain(incidentId);
    expect(text).not.toContain('uid-secret-commander');
    // The internal incident is not readable without a role.
    expect((await fetch(`${FIRESTORE}/incidents/${incidentId}`)).status).toBe(403);
    expect((await fetch(`${FIRESTORE}/incidents`)).status).toBe(403);
    expect((await fetch(`${FIRESTORE}/mail`)).status).toBe(403);

    const closed = await publishPublicUpdate({ publicId, updateId: `${incidentId}-u2`, message: 'Orders work again.', resolved: true });
    if (!closed.ok) throw new Error(closed.reason);
    expect(closed.summary.active.map((a) => a.publicId)).not.toContain(publicId);
    expect((await db().doc(`statusPage/summary/incidents/${publicId}`).get()).get('phase')).toBe('resolved');
  });

  it('the Atom feed at /status/feed.xml (a Hosting rewrite) has the published updates, read by a real feed parser', async () => {
    const incidentId = unique('inc-feed');
    const publicId = publicIdFor(SECRET, incidentId);
    const message = `Search is slow (${incidentId.slice(-8)}).`;
    const r = await publishPublicUpdate({ publicId, updateId: 'u1', message, title: 'Slow search', componentStatus: { search: 'degraded' } });
    expect(r.ok).toBe(true);
    const res = await waitFor(async () => {
      const got = await fetch(`${PAGE}/feed.xml`);
      return got.status === 200 ? got : undefined;
    }, 'the feed', EXPECT_MS);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const feed = await new Parser().parseString(await res.text());
    expect(feed.title).toBe('Example Shop status');
    const entry = feed.items.find((i) => i.link === `${PAGE}#incident-${publicId}`);
    expect(entry?.title).toBe('[Investigating] Slow search');
    expect(entry?.content).toContain(message);
  });
});

describe('subscriptions through the Hosting rewrites', () => {
  it('subscribe → a confirm link by mail → confirmed → an update by mail → its unsubscribe link removes the subscriber', async () => {
    const email = `${unique('visitor')}@example.com`.toLowerCase();
    const id = subscriberIdFor(email);
    const first = await subscribe(email);
    expect(first).toEqual({ status: 202, body: { ok: true, message: SUBSCRIBE_ANSWER } });
    expect((await db().doc(`statusSubscribers/${id}`).get()).get('status')).toBe('pending');

    const [confirmMail] = await waitForMails(email, 1);
    expect(confirmMail?.message.subject).toBe('Confirm your subscription to Example Shop status');
    const confirmUrl = linkIn(confirmMail!.message.text, 'confirm');
    expect(confirmUrl.startsWith(`${PAGE}/confirm?t=`)).toBe(true);
    expect(confirmMail!.message.html).toContain(confirmUrl);

    const confirmed = await fetch(confirmUrl);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
    const stored = (await db().doc(`statusSubscribers/${id}`).get()).data();
    expect(stored).toMatchObject({ email, status: 'confirmed', expireAt: null });
    // Following the link again is harmless.
    expect((await fetch(confirmUrl)).status).toBe(200);

    // A public update reaches the subscriber, once, with a working unsubscribe link.
    const publicId = publicIdFor(SECRET, unique('inc-mail'));
    const published = await publishPublicUpdate({ publicId, updateId: 'u1', message: 'Payments are delayed.', title: 'Delayed payments', componentStatus: { payments: 'degraded' } });
    if (!published.ok) throw new Error(published.reason);
    const links = statusLinks(PAGE, SECRET, new Date());
    await queueSubscriberEmails(published, links);
    expect(await queueSubscriberEmails(published, links)).toBe(0); // a retried effect sends nothing twice
    const updates = (await mailsTo(email)).filter((m) => m.message.subject === '[Investigating] Delayed payments');
    expect(updates).toHaveLength(1);
    const update = updates[0];
    expect(update?.message.text).toContain('Payments are delayed.');
    const unsubscribeUrl = linkIn(update!.message.text, 'unsubscribe');
    expect(update?.message.headers?.['List-Unsubscribe']).toBe(`<${unsubscribeUrl}>`);

    const gone = await fetch(unsubscribeUrl);
    expect(gone.status).toBe(200);
    expect(await gone.text()).toContain('You are unsubscribed');
    expect((await db().doc(`statusSubscribers/${id}`).get()).exists).toBe(false);
    expect((await fetch(unsubscribeUrl)).status).toBe(200); // idempotent
    // The confirm link of a removed subscription no longer brings it back.
    expect((await fetch(confirmUrl)).status).toBe(410);
    expect((await db().doc(`statusSubscribers/${id}`).get()).exists).toBe(false);
  });

  it('answers the same whether the address is new, pending or confirmed, and mails one address at most 3 times a day', async () => {
    const email = `${unique('repeat')}@example.com`.toLowerCase();
    const answers = [];
    for (let n = 0; n < 4; n++) answers.push(await subscribe(email));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual({ status: 202, body: { ok: true, message: SUBSCRIBE_ANSWER } });
    const mails = await waitForMails(email, 3);
    expect(mails).toHaveLength(3);
    expect((await db().doc(`statusSubscribers/${subscriberIdFor(email)}`).get()).get('mailsSent')).toHaveLength(3);

    // A confirmed subscriber asking again gets the same answer, and a reminder (with an unsubscribe link) by mail.
    const other = `${unique('known')}@example.com`.toLowerCase();
    const id = subscriberIdFor(other);
    await db().doc(`statusSubscribers/${id}`).set({ email: other, status: 'confirmed', createdAt: new Date(), confirmedAt: new Date(), mailsSent: [], expireAt: null });
    expect(await subscribe(other)).toEqual(answers[0]);
    const [reminder] = await waitForMails(other, 1);
    expect(reminder?.message.subject).toBe('You are already subscribed to Example Shop status');
    expect(linkIn(reminder!.message.text, 'unsubscribe')).toContain('/status/unsubscribe?t=');
  });

  it('refuses what is not an address, a changed link, and other methods; a plain form is sent back to the page', async () => {
    expect(await subscribe('not-an-address')).toEqual({ status: 400, body: { error: 'that is not an email address' } });
    const form = await fetch(`${PAGE}/subscribe`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'email=nope', redirect: 'manual' });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe(`${PAGE}?subscribe=invalid#subscribe`);
    const email = `${unique('form')}@example.com`.toLowerCase();
    const sent = await fetch(`${PAGE}/subscribe`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `email=${encodeURIComponent(email)}&website=`, redirect: 'manual' });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe(`${PAGE}?subscribe=sent#subscribe`);
    await waitForMails(email, 1);

    const links = statusLinks(PAGE, 'not-the-secret', new Date());
    const forged = await fetch(links.unsubscribeUrl(subscriberIdFor(email)));
    expect(forged.status).toBe(400);
    expect((await db().doc(`statusSubscribers/${subscriberIdFor(email)}`).get()).exists).toBe(true);
    expect((await fetch(`${PAGE}/subscribe`)).status).toBe(405);

    // RFC 8058 one-click: a POST to the List-Unsubscribe URL.
    const real = statusLinks(PAGE, SECRET, new Date()).unsubscribeUrl(subscriberIdFor(email));
    const oneClick = await fetch(real, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect((await db().doc(`statusSubscribers/${subscriberIdFor(email)}`).get()).exists).toBe(false);
  });

  it('createMails never overwrites a mail document (Trigger Email would send it again)', async () => {
    const id = unique('status-mail');
    expect(await createMails([{ id, data: { to: 'a@example.com', message: { subject: 'one', text: 'one', html: 'one' } } }])).toBe(1);
    await db().doc(`mail/${id}`).update({ delivery: { state: 'SUCCESS' } });
    expect(await createMails([{ id, data: { to: 'a@example.com', message: { subject: 'two', text: 'two', html: 'two' } } }])).toBe(0);
    expect((await db().doc(`mail/${id}`).get()).data()).toMatchObject({ message: { subject: 'one' }, delivery: { state: 'SUCCESS' } });
  });
});
