// Paging end to end on the emulators, with the loopback Twilio (SMS and calls,
// TWILIO_API_URL) and the loopback Slack (DMs) of test/support/globalSetup.ts,
// and `mail` documents for the Trigger Email extension. The suite runs with
// test/config/oncall.yaml (level 2 at 10 s, the end at 40 s; see its header): this file puts
// its own two people on call there with overrides, for the length of the test.
// The first test resolves its incident and reads the postmortem: every page,
// the escalation and the acknowledgement (with its channel) are in it.
//
// Ports: HOSTING_PORT (the one-time links and Twilio's webhooks go through the
// Hosting rewrites on CONSOLE_URL), TWILIO_TEST_PORT, SLACK_TEST_PORT.
import { randomInt } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, postAlert, slack, timelineOf, unique, waitFor, waitForIncident } from '../support/emulator';
import { sendInboundSms, type TwilioRequest, twilioSignature } from '../support/twilioServer';
import testConfig from '../support/testConfig.json';

const HOSTING = `http://127.0.0.1:${process.env.HOSTING_PORT ?? '5000'}`;
const TWILIO = `http://127.0.0.1:${process.env.TWILIO_TEST_PORT ?? '0'}`;
const AUTH_TOKEN = testConfig.secrets.TWILIO_AUTH_TOKEN;
/** A cold start of each new function on a busy machine. */
const EXPECT_MS = 60_000;

interface Person {
  uid: string;
  slackUserId: string;
  email: string;
  phone: string;
}

const tag = unique('pg').slice(3);
const letters = tag.toUpperCase().replace(/[^A-Z0-9]/g, '');
const person = (who: string): Person => ({
  uid: `uid-pg-${tag}-${who}`,
  slackUserId: `U0PG${who.toUpperCase()}${letters}`,
  email: `pg-${tag}-${who}@example.com`,
  phone: `+1555${String(randomInt(1_000_000, 9_999_999))}`,
});
const alice = person('alice');
const lead = person('lead');
const overrides: string[] = [];

async function twilioRequests(): Promise<TwilioRequest[]> {
  return ((await (await fetch(`${TWILIO}/_calls`)).json()) as { requests: TwilioRequest[] }).requests;
}
/** What the loopback Twilio accepted for one phone number, about one incident (its title is in every SMS and call). */
async function sent(kind: 'sms' | 'call', to: string, title: string) {
  return (await twilioRequests()).filter((r) => r.kind === kind && r.answer.startsWith(kind === 'sms' ? 'SM' : 'CA') && r.fields.To === to && (r.fields.Body ?? r.fields.Twiml ?? '').includes(title));
}
async function dmsTo(p: Person, incidentId: string) {
  const { calls } = await slack.state();
  return calls.filter((c) => c.method === 'chat.postMessage' && c.answer === 'ok' && c.args.channel === p.slackUserId && JSON.stringify(c.args.blocks ?? '').includes(incidentId));
}
async function mailsFor(incidentId: string, p: Person) {
  const snap = await db().collection('mail').where('to', '==', p.email).get();
  return snap.docs.filter((d) => d.id.startsWith(`page-${incidentId}-`));
}
async function pagesOf(incidentId: string) {
  return (await db().collection(`incidents/${incidentId}/pages`).get()).docs.map((d) => ({ id: d.id, ...d.data() }) as { id: string; uid: string; channel: string; status: string; level: number; error: string | null });
}
async function paging(incidentId: string) {
  return (await db().doc(`incidents/${incidentId}/paging/c0`).get()).data() as { status: string; reason: string | null } | undefined;
}

/** Writes an update as a responder would and waits for its answer. */
async function update(incidentId: string, data: Record<string, unknown>) {
  const ref = await db().collection(`incidents/${incidentId}/updates`).add(data);
  return waitFor(async () => (await ref.get()).get('result') as { ok: boolean; reason?: string } | undefined, `the answer to ${String(data.action)}`, EXPECT_MS);
}

interface FrozenEntry {
  type: string;
  actor: string;
  message: string;
  data?: { via?: string };
}
/** The postmortem of a resolved incident once its markdown export was rendered for its current text (markdownOf is its updatedAt). */
async function postmortemWithMarkdown(incidentId: string) {
  const ref = db().doc(`postmortems/${incidentId}`);
  return waitFor(async () => {
    const [pm, exp] = await Promise.all([ref.get(), ref.collection('exports').doc('markdown').get()]);
    const updatedAt: unknown = pm.get('updatedAt');
    const of: unknown = exp.get('markdownOf');
    return updatedAt instanceof Timestamp && of instanceof Timestamp && of.isEqual(updatedAt) ? { timeline: pm.get('timeline') as FrozenEntry[], markdown: String(exp.get('markdown')) } : undefined;
  }, 'the postmortem and its markdown', EXPECT_MS);
}

async function openIncident(severity: string) {
  const service = unique('pg-svc');
  const title = `Checkout down ${service}`;
  expect((await postAlert('generic', { title, service, environment: 'production', severity })).status).toBe(202);
  const incident = await waitForIncident(service, () => true, EXPECT_MS);
  return { id: incident.id, title, createdAt: (incident.createdAt as FirebaseFirestore.Timestamp).toMillis() };
}

/**
 * Starts a worker of each function paging uses (a cold start on a busy
 * machine takes seconds, longer than a level's 10 s would allow): an incident
 * paged while nobody reachable is on call, acknowledged at once, and one
 * refused request to each endpoint.
 */
async function warmUp() {
  const endpoints = Promise.all([
    fetch(`${HOSTING}/pageAck?t=warm-up`).then((r) => expect(r.status).toBe(400)),
    fetch(`${HOSTING}/twilioSms`, { method: 'POST', body: new URLSearchParams({ Body: 'warm-up' }) }).then((r) => expect(r.status).toBe(403)),
    fetch(`${HOSTING}/pageVoice?t=warm-up`, { method: 'POST', body: new URLSearchParams({ Digits: '1' }) }).then((r) => expect(r.status).toBe(403)),
  ]);
  const warm = await openIncident('critical');
  await waitFor(async () => (await timelineOf(warm.id)).some((e) => e.type === 'page_failed') || undefined, 'the warm-up page', 120_000);
  await db().collection(`incidents/${warm.id}/updates`).add({ action: 'acknowledge', requestedBy: 'uid-paging-test', via: 'console' });
  await waitFor(async () => (await db().doc(`incidents/${warm.id}`).get()).get('status') === 'acknowledged' || undefined, 'the warm-up acknowledgement', 120_000);
  await endpoints;
}

beforeAll(async () => {
  const res = await fetch(`${TWILIO}/_calls`).catch((e: unknown) => {
    throw new Error(`the loopback Twilio is not answering at ${TWILIO} (${String(e)}): run inside npm test or scripts/sandbox.mjs`);
  });
  expect(res.status).toBe(200);
  await warmUp();
  for (const p of [alice, lead]) await slack.addUser({ id: p.slackUserId, email: p.email, name: p.uid });
  await db().doc(`users/${alice.uid}`).set({ name: 'Alice Pager', email: alice.email, phone: alice.phone, slackUserId: alice.slackUserId, notify: ['slack', 'email', 'sms', 'voice'].map((channel) => ({ channel, after: '0m' })) });
  await db().doc(`users/${lead.uid}`).set({ name: 'Lee Lead', email: lead.email, phone: lead.phone, notify: [{ channel: 'sms', after: '0m' }] });
  const now = Date.now();
  for (const [schedule, p] of [['paging-test', alice], ['paging-test-lead', lead]] as const) {
    const ref = db().collection('oncallOverrides').doc();
    await ref.set({ schedule, uid: p.uid, start: new Date(now - 60_000), end: new Date(now + 15 * 60_000), createdBy: 'uid-paging-test', createdAt: new Date(now), reason: 'paging emulator test' });
    overrides.push(ref.id);
  }
});

afterAll(async () => {
  // Nobody real stays on call for the files that run after this one.
  for (const id of overrides) await db().doc(`oncallOverrides/${id}`).delete();
  for (const p of [alice, lead]) await db().doc(`users/${p.uid}`).delete();
});

describe('paging on the emulators', { timeout: 180_000 }, () => {
  it('a SEV1 pages the person on call on every channel of their rules, escalates to level 2 after its timeout, the link acknowledges it and paging stops', async () => {
    const incident = await openIncident('critical');

    // Level 1: Alice, once on each of her four channels.
    await waitFor(async () => ((await pagesOf(incident.id)).filter((p) => p.uid === alice.uid).length === 4 ? true : undefined), "Alice's four pages", EXPECT_MS);
    expect((await pagesOf(incident.id)).map((p) => [p.channel, p.status, p.level, p.error]).sort()).toEqual([
      ['email', 'sent', 0, null],
      ['slack', 'sent', 0, null],
      ['sms', 'sent', 0, null],
      ['voice', 'sent', 0, null],
    ]);
    expect(await dmsTo(alice, incident.id)).toHaveLength(1);
    expect(JSON.stringify((await dmsTo(alice, incident.id))[0]?.args.blocks)).toContain('incident_acknowledge');
    expect(await mailsFor(incident.id, alice)).toHaveLength(1);
    expect(await sent('sms', alice.phone, incident.title)).toHaveLength(1);
    expect(await sent('call', alice.phone, incident.title)).toHaveLength(1);
    expect((await sent('call', alice.phone, incident.title))[0]?.fields.Twiml).toContain(`${HOSTING}/pageVoice?t=`);

    // Level 2 after 10 s without an acknowledgement: the lead, by SMS.
    const leadSms = await waitFor(async () => (await sent('sms', lead.phone, incident.title))[0], "the lead's SMS", EXPECT_MS);
    const timeline = await timelineOf(incident.id);
    const escalated = timeline.find((e) => e.type === 'escalated');
    expect(escalated?.message).toBe('not acknowledged after 10s: escalated to level 2 of 2, policy paging-test');
    expect(escalated?.at.toMillis() - incident.createdAt).toBeGreaterThanOrEqual(9_900);
    expect(timeline.filter((e) => e.type === 'paged').map((e) => e.data.uids)).toEqual([[alice.uid], [lead.uid]]);
    // The lead's page is on the timeline before anyone acknowledges (once acknowledged, a late outcome is left off it).
    await waitFor(async () => (await timelineOf(incident.id)).some((e) => e.type === 'page_sent' && e.data.uid === lead.uid) || undefined, "the lead's page on the timeline", EXPECT_MS);

    // The SMS's one-time link: a GET (a link preview) changes nothing; the confirmation POST acknowledges.
    const link = /(http:\/\/\S+\/pageAck\?t=[A-Za-z0-9_-]+)/.exec(leadSms.fields.Body ?? '')?.[1] ?? '';
    expect(link.startsWith(`${HOSTING}/pageAck?t=`)).toBe(true);
    const confirm = await fetch(link);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('Acknowledge this incident?');
    expect((await db().doc(`incidents/${incident.id}`).get()).get('status')).toBe('triggered');
    const t = new URL(link).searchParams.get('t') ?? '';
    const ack = await fetch(link, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ t }) });
    expect(ack.status).toBe(200);
    expect(await ack.text()).toContain('<h1>Acknowledged</h1>');
    expect((await db().doc(`incidents/${incident.id}`).get()).get('status')).toBe('acknowledged');
    const ackEntry = (await timelineOf(incident.id)).find((e) => e.type === 'status_changed');
    expect(ackEntry).toMatchObject({ actor: lead.uid, data: { from: 'triggered', to: 'acknowledged', via: 'sms' } });

    // The end of the escalation was due 40 s in: its task finds the incident acknowledged and stops; nobody is paged again.
    const stopped = await waitFor(async () => ((await paging(incident.id))?.status === 'stopped' ? paging(incident.id) : undefined), 'the escalation to stop', EXPECT_MS);
    expect(stopped?.reason).toBe('the incident is acknowledged: paging has stopped');
    expect(await sent('sms', alice.phone, incident.title)).toHaveLength(1);
    expect(await sent('sms', lead.phone, incident.title)).toHaveLength(1);
    expect(await sent('call', alice.phone, incident.title)).toHaveLength(1);
    expect(await dmsTo(alice, incident.id)).toHaveLength(1);
    expect(await mailsFor(incident.id, alice)).toHaveLength(1);
    expect((await pagesOf(incident.id)).map((p) => [p.uid === alice.uid ? 'alice' : 'lead', p.channel, p.status]).sort()).toEqual([
      ['alice', 'email', 'sent'],
      ['alice', 'slack', 'sent'],
      ['alice', 'sms', 'sent'],
      ['alice', 'voice', 'sent'],
      ['lead', 'sms', 'acknowledged'],
    ]);
    const after = await timelineOf(incident.id);
    expect(after.slice(after.findIndex((e) => e.type === 'status_changed') + 1).filter((e) => ['paged', 'escalated', 'page_sent'].includes(e.type))).toEqual([]);

    // The link works once.
    const again = await fetch(link, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ t }) });
    expect(again.status).toBe(409);

    // Resolved, it gets its postmortem: the frozen timeline, and the markdown export, carry every page, the escalation and the acknowledgement naming its channel.
    expect(await update(incident.id, { action: 'resolve', requestedBy: lead.uid, message: 'paging test: fixed' })).toEqual({ ok: true });
    const pm = await postmortemWithMarkdown(incident.id);
    const expected = [
      ['paged', 'system', `paged Alice Pager (${alice.uid}) (level 1 of 2, policy paging-test)`, null],
      ['page_sent', 'system', `Alice Pager (${alice.uid}), level 1: slack sent, email sent, sms sent, voice sent`, null],
      ['escalated', 'system', 'not acknowledged after 10s: escalated to level 2 of 2, policy paging-test', null],
      ['paged', 'system', `paged Lee Lead (${lead.uid}) (level 2 of 2, policy paging-test)`, null],
      ['page_sent', 'system', `Lee Lead (${lead.uid}), level 2: sms sent`, null],
      ['status_changed', lead.uid, `triggered → acknowledged by ${lead.uid} (sms)`, 'sms'],
      ['status_changed', lead.uid, `acknowledged → resolved by ${lead.uid}: paging test: fixed`, null],
    ];
    const frozen = pm.timeline.filter((e) => ['paged', 'escalated', 'page_sent', 'page_failed', 'escalation_exhausted', 'status_changed'].includes(e.type));
    expect(frozen.map((e) => [e.type, e.actor, e.message, e.data?.via ?? null])).toEqual(expected);
    for (const [, actor, message] of expected) expect(pm.markdown).toContain(` — ${actor} — ${message}\n`);
  });

  it('a signed SMS reply and a key press reach their webhooks through Hosting; "press 1" acknowledges', async () => {
    const incident = await openIncident('critical');
    const sms = await waitFor(async () => (await sent('sms', alice.phone, incident.title))[0], "Alice's SMS", EXPECT_MS);
    const call = await waitFor(async () => (await sent('call', alice.phone, incident.title))[0], "Alice's call", EXPECT_MS);
    const code = Number(/reply ACK (\d+)$/.exec(sms.fields.Body ?? '')?.[1]);
    expect(code).toBeGreaterThanOrEqual(1);

    const forged = await sendInboundSms(`${HOSTING}/twilioSms`, 'not-the-auth-token', alice.phone, `ACK ${code}`);
    expect(forged.status).toBe(403);
    const wrong = await sendInboundSms(`${HOSTING}/twilioSms`, AUTH_TOKEN, alice.phone, `ACK ${code + 50}`);
    expect(wrong.status).toBe(200);
    expect(await wrong.text()).toContain(`No open page has code ${code + 50}.`);
    expect((await db().doc(`incidents/${incident.id}`).get()).get('status')).toBe('triggered');

    // Twilio posts the digit to the call's <Gather action>, signed over that URL.
    const gather = /action="([^"]+)"/.exec(call.fields.Twiml ?? '')?.[1]?.replace(/&amp;/g, '&') ?? '';
    expect(gather.startsWith(`${HOSTING}/pageVoice?t=`)).toBe(true);
    const params = { AccountSid: testConfig.secrets.TWILIO_ACCOUNT_SID, CallSid: call.answer, Digits: '1', From: '+15005550006', To: alice.phone };
    const press = await fetch(gather, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': twilioSignature(AUTH_TOKEN, gather, params) }, body: new URLSearchParams(params) });
    expect(press.status).toBe(200);
    expect(await press.text()).toContain('Escalation has stopped.');
    expect((await db().doc(`incidents/${incident.id}`).get()).get('status')).toBe('acknowledged');
    expect((await timelineOf(incident.id)).find((e) => e.type === 'status_changed')).toMatchObject({ actor: alice.uid, data: { via: 'voice' } });

    const late = await sendInboundSms(`${HOSTING}/twilioSms`, AUTH_TOKEN, alice.phone, `ACK ${code}`);
    expect(await late.text()).toContain('No page to this number is waiting for an acknowledgement.');
  });

  it('a SEV3 pages nobody', async () => {
    const incident = await openIncident('warning');
    const state = await waitFor(() => paging(incident.id), 'the paging decision', EXPECT_MS);
    expect(state).toMatchObject({ status: 'not_paged', reason: 'SEV3 incidents are not paged (page.severities: SEV1)' });
    expect(await pagesOf(incident.id)).toEqual([]);
    expect(await sent('sms', alice.phone, incident.title)).toEqual([]);
    expect(await sent('call', alice.phone, incident.title)).toEqual([]);
    expect(await dmsTo(alice, incident.id)).toEqual([]);
    expect(await mailsFor(incident.id, alice)).toEqual([]);
    expect((await timelineOf(incident.id)).filter((e) => e.type === 'paged')).toEqual([]);
  });
});
