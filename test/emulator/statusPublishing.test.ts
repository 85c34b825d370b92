// Publishing to the status page through the whole pipeline on the emulators:
// an incident opened by an alert (with its Slack channel on the loopback
// Slack), a publish_status update written as the console writes it (a
// responder's client, through the security rules), the state machine
// (onUpdateCreated), the outbox (onNotificationCreated) → the statusPage/
// projection read by a visitor over REST, a subscriber's mail whose
// unsubscribe link works behind Hosting, the cadence task that the local task
// timer keeps, and `/incident status-page` from Slack.
//
// The cadence's interval stays the project's (30 minutes for SEV1): the test
// reads the task the pipeline scheduled from the task timer (its id and due
// time) and dispatches that same task now, as Cloud Tasks does at its time
// (see README "Status page", "The cadence").
//
// Ports: HOSTING_PORT, FUNCTIONS_PORT, SLACK_TEST_PORT and TASK_TIMER_URL come
// from scripts/sandbox.mjs (or npm test); FIRESTORE_EMULATOR_HOST from emulators:exec.
import { randomUUID } from 'node:crypto';
import { getAuth } from 'firebase-admin/auth';
import { initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import firebase from 'firebase/compat/app';
import 'firebase/compat/firestore';
import { setLogLevel } from 'firebase/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxDeps } from '../../functions/src/app/compose';
import { publishEffect } from '../../functions/src/app/stakeholderDelivery';
import { remindPublicUpdate } from '../../functions/src/app/statusCadence';
import { withPolicy } from '../../functions/src/app/compose';
import { adminApp } from '../../functions/src/adapters/firebase';
import { decode } from '../../functions/src/adapters/firestoreCodec';
import { enqueueTask } from '../../functions/src/adapters/tasks';
import { CADENCE_TASK } from '../../functions/src/domain/publicUpdates';
import { publicIdFor } from '../../functions/src/domain/statusPage';
import { subscriberIdFor } from '../../functions/src/domain/statusSubscribers';
import type { Effect, Incident } from '../../functions/src/domain/types';
import { db, PROJECT_ID, post, postAlert, SECRETS, SLACK, slack, slackHeaders, unique, waitFor, waitForIncident } from '../support/emulator';

const HOSTING = `http://127.0.0.1:${process.env.HOSTING_PORT ?? '5000'}`;
const PAGE = `${HOSTING}/status`;
const FIRESTORE = `http://${process.env.FIRESTORE_EMULATOR_HOST}/v1/projects/${PROJECT_ID}/databases/(default)/documents`;
const TIMER = process.env.TASK_TIMER_URL;
/** A cold function start or two on a busy machine. */
const EXPECT_MS = 60_000;
const TEAM = { team_id: 'T000TEST', api_app_id: 'A000TEST' };

let rulesEnv: RulesTestEnvironment;
const responderUid = unique('uid-status-responder');
const service = unique('status-checkout');
const subscriber = `${unique('status-subscriber')}@example.com`.toLowerCase();
let incidentId = '';
let channelId = '';
let publicId = '';

/** Writes an update as the console does: the responder's own client, through the rules, under an auto-generated id. */
async function consoleUpdate(data: Record<string, unknown>): Promise<{ ok: boolean; reason?: string }> {
  const client = rulesEnv.authenticatedContext(responderUid, { role: 'responder' }).firestore();
  const ref = client.collection(`incidents/${incidentId}/updates`).doc();
  await ref.set({ ...data, requestedBy: responderUid, requestedAt: firebase.firestore.FieldValue.serverTimestamp(), via: 'console' });
  return waitFor(async () => (await db().doc(ref.path).get()).get('result') as { ok: boolean; reason?: string } | undefined, `the answer to ${String(data.action)}`, EXPECT_MS);
}

const incident = async () => decode<Incident>({ ...(await db().doc(`incidents/${incidentId}`).get()).data(), id: incidentId });

async function channelMessage(contains: string) {
  return waitFor(async () => (await slack.state()).messages.find((m) => m.channel === channelId && m.text.includes(contains)), `a message "${contains}" in ${channelId}`, EXPECT_MS);
}

async function keptTasks(): Promise<{ fn: string; id: string; at: number }[]> {
  if (!TIMER) throw new Error('TASK_TIMER_URL is not set: run this file through scripts/sandbox.mjs or npm test');
  return (await fetch(`${TIMER.replace(/\/+$/, '')}/tasks`)).json() as never;
}

beforeAll(async () => {
  setLogLevel('silent');
  const [host = '127.0.0.1', port = '8080'] = (process.env.FIRESTORE_EMULATOR_HOST ?? '127.0.0.1:8080').split(':');
  // The emulator already enforces firestore.rules (firebase.json): this only gives the test a responder's client.
  rulesEnv = await initializeTestEnvironment({ projectId: PROJECT_ID, firestore: { host, port: Number(port) } });
  await db().doc(`statusSubscribers/${subscriberIdFor(subscriber)}`).set({ email: subscriber, status: 'confirmed', createdAt: new Date(), confirmedAt: new Date(), mailsSent: [], expireAt: null });
  await postAlert('generic', { title: `Checkout errors (${service})`, service, environment: 'production', severity: 'critical' });
  incidentId = (await waitForIncident(service, undefined, EXPECT_MS)).id;
  channelId = await waitFor(async () => (await db().doc(`incidents/${incidentId}`).get()).get('slack') as string | undefined, 'the incident channel', EXPECT_MS);
  publicId = publicIdFor(SECRETS.STATUS_LINK_SECRET, incidentId);
});

afterAll(async () => {
  await rulesEnv?.cleanup();
});

describe('publish_status end to end', () => {
  it('goes from an update written like the console writes it to the projection a visitor reads, and to the subscriber\'s mail with a working unsubscribe link', async () => {
    const message = `Some orders fail at payment (${service.slice(-8)}). We are rolling back.`;
    expect(await consoleUpdate({ action: 'publish_status', message, componentStatus: { checkout: 'partial_outage' }, title: 'Some orders cannot be placed', phase: 'identified' })).toEqual({ ok: true });
    const timeline = await waitFor(async () => (await db().collection(`incidents/${incidentId}/timeline`).where('type', '==', 'status_published').get()).docs, 'the timeline entry');
    expect(timeline[0]?.get('actor')).toBe(responderUid);

    // The projection, as a visitor who is not signed in reads it.
    const text = await waitFor(async () => {
      const res = await fetch(`${FIRESTORE}/statusPage/summary/incidents/${publicId}`);
      const body = res.status === 200 ? await res.text() : '';
      return body.includes(message) ? body : undefined;
    }, 'the public incident', EXPECT_MS);
    expect(text).toContain('Some orders cannot be placed');
    expect(text).toContain('partial_outage');
    for (const internal of [incidentId, service, responderUid, channelId, 'Checkout errors']) expect(text).not.toContain(internal);
    expect((await fetch(`${FIRESTORE}/incidents/${incidentId}`)).status).toBe(403);

    // The subscriber's mail, once, with its unsubscribe link.
    const mail = await waitFor(async () => (await db().collection('mail').where('to', '==', subscriber).get()).docs.map((d) => d.data())[0], `the mail to ${subscriber}`, EXPECT_MS);
    expect(mail.message.subject).toBe('[Identified] Some orders cannot be placed');
    expect(mail.message.text).toContain(message);
    const unsubscribe = /(https?:\/\/\S+\/status\/unsubscribe\?t=[A-Za-z0-9._-]+)/.exec(mail.message.text as string)?.[1];
    expect(unsubscribe?.startsWith(`${PAGE}/unsubscribe?t=`)).toBe(true);

    // The channel hears about it; the notification records the part beyond Slack.
    await channelMessage('Public status page updated by');
    const [notification] = (await db().collection('notifications').where('incidentId', '==', incidentId).where('kind', '==', 'status_published').get()).docs;
    const done = await waitFor(async () => ((await notification!.ref.get()).get('status') === 'sent' ? (await notification!.ref.get()).data() : undefined), 'the notification sent', EXPECT_MS);
    expect(done?.progress?.['beyond-slack']).toMatchObject({ changed: true, mails: expect.any(Number) });

    // Delivered again (an at-least-once redelivery): the page and the mails stay as they are.
    const scheduled: string[] = [];
    const stakeholders = outboxDeps({ token: null, apiUrl: SLACK, incidentsChannel: '#incidents', trainingChannel: '#drills', consoleUrl: HOSTING }, { secret: SECRETS.STATUS_LINK_SECRET, consoleUrl: HOSTING, statusPageUrl: PAGE }).stakeholders!;
    const again = await publishEffect(notification!.id, await incident(), decode<{ effect: Effect }>(notification!.data()).effect as Extract<Effect, { kind: 'status_published' }>, {
      ...stakeholders,
      tasks: { enqueue: async (_fn, _data, o) => (scheduled.push(o.id), false) },
    });
    expect(again).toMatchObject({ changed: false, mails: 0 });
    expect((await db().collection('mail').where('to', '==', subscriber).get()).size).toBe(1);
    const stored = (await db().doc(`statusPage/summary/incidents/${publicId}`).get()).data();
    expect(stored?.updates).toHaveLength(1);

    const gone = await fetch(unsubscribe as string);
    expect(gone.status).toBe(200);
    expect(await gone.text()).toContain('You are unsubscribed');
    expect((await db().doc(`statusSubscribers/${subscriberIdFor(subscriber)}`).get()).exists).toBe(false);
  });

  it('schedules the cadence reminder with the timer at the policy\'s 30 minutes; dispatched, it reminds the channel and schedules the next', async () => {
    const i = await incident();
    const last = i.statusPage?.lastPublishedAt?.getTime() as number;
    expect(i.statusPage?.nextUpdateDueAt?.getTime()).toBe(last + 30 * 60_000);
    const id = `status-cadence-${incidentId}-${last}-1`;
    const task = await waitFor(async () => (await keptTasks()).find((t) => t.fn === CADENCE_TASK && t.id === id), `the cadence task ${id} in the task timer`, EXPECT_MS);
    expect(task.at).toBe(last + 30 * 60_000);

    // Its time has come: the same task, dispatched now by the Cloud Tasks emulator.
    await enqueueTask(CADENCE_TASK, { incidentId, publishedAt: last, n: 1 }, { id: `${id}-dispatched-${randomUUID().slice(0, 8)}` });
    const reminder = await channelMessage('No public status update for');
    expect(reminder.text).toContain('/incident status-page');
    const next = await waitFor(async () => (await keptTasks()).find((t) => t.id === `status-cadence-${incidentId}-${last}-2`), 'the next cadence task', EXPECT_MS);
    expect(next.at - Date.now()).toBeGreaterThan(25 * 60_000);
  });

  it('/incident status-page from Slack publishes through the same path, and the earlier cadence task then does nothing', async () => {
    const slackId = `U${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
    const email = `${slackId.toLowerCase()}@example.com`;
    await slack.addUser({ id: slackId, email, name: slackId.toLowerCase() });
    const user = await getAuth(adminApp()).createUser({ email });
    await getAuth(adminApp()).setCustomUserClaims(user.uid, { role: 'responder' });
    const before = (await incident()).statusPage?.lastPublishedAt?.getTime() as number;

    const body = new URLSearchParams({ ...TEAM, trigger_id: randomUUID(), command: '/incident', text: 'status-page phase=monitoring status=degraded A fix is live; we are watching it.', user_id: slackId, channel_id: channelId, response_url: `${SLACK}/response/${randomUUID()}` }).toString();
    const res = await post('slackCommands', body, slackHeaders(body));
    expect(String(res.body.text)).toMatch(/^Sending the public update to the status page/);
    await waitFor(async () => {
      const summary = (await db().doc('statusPage/summary').get()).data();
      return (summary?.active as { publicId: string; latest: { message: string } }[] | undefined)?.find((a) => a.publicId === publicId && a.latest.message === 'A fix is live; we are watching it.');
    }, 'the Slack update on the page', EXPECT_MS);
    const stored = (await db().doc(`statusPage/summary/incidents/${publicId}`).get()).data();
    expect(stored).toMatchObject({ phase: 'monitoring', componentStatus: { checkout: 'degraded' } });
    const i = await incident();
    expect(i.statusPage?.published).toBe(2);

    // The task of the earlier update finds a newer one: nothing to remind.
    expect(await remindPublicUpdate({ incidentId, publishedAt: before, n: 2 }, withPolicy())).toMatchObject({ remind: false, reason: 'a newer public update went out', sent: false });
  });
});
