// Slack notifications through the outbox, against the loopback Slack server
// (test/support/slackServer.ts) driven by the real @slack/web-api client.
import { randomUUID } from 'node:crypto';
import { getAuth } from 'firebase-admin/auth';
import { describe, expect, it } from 'vitest';
import { outboxDeps } from '../../functions/src/app/compose';
import { deliverNotification } from '../../functions/src/app/outbox';
import { adminApp } from '../../functions/src/adapters/firebase';
import { db, incidentsOf, post, postAlert, SLACK, slack, slackCallsFor, slackHeaders, unique, waitFor, waitForIncident } from '../support/emulator';

async function notificationsOf(incidentId: string) {
  const snap = await db().collection('notifications').where('incidentId', '==', incidentId).get();
  return snap.docs.map((d) => ({ id: d.id, ...d.data() }) as Record<string, unknown> & { id: string; status: string; kind: string });
}

async function allDelivered(incidentId: string, expectedKinds: string[]) {
  return waitFor(async () => {
    const ns = await notificationsOf(incidentId);
    const kinds = ns.map((n) => n.kind);
    const done = ns.every((n) => ['sent', 'skipped', 'failed'].includes(n.status));
    return done && expectedKinds.every((k) => kinds.includes(k)) ? ns : undefined;
  }, `notifications of ${incidentId} (${expectedKinds.join(', ')}) delivered`, 60_000);
}

async function acknowledge(incidentId: string, by = 'uid-alice') {
  const ref = await db().collection(`incidents/${incidentId}/updates`).add({ action: 'acknowledge', requestedBy: by });
  return waitFor(async () => (await ref.get()).get('result') as { ok: boolean } | undefined, 'the acknowledge result');
}

describe('Slack: channel, announcement, updates', () => {
  it('one SEV1 alert gives one channel, an announcement in #incidents and, on acknowledge, a post saying so', async () => {
    const service = unique('checkout');
    const title = `Checkout 5xx above 20% (${service})`;
    expect((await postAlert('generic', { title, service, environment: 'production', severity: 'critical' })).status).toBe(202);
    const incident = await waitForIncident(service);
    expect(incident.severity).toBe('SEV1');
    await allDelivered(incident.id, ['incident_opened']);

    const channelId = await waitFor(async () => (await db().doc(`incidents/${incident.id}`).get()).get('slack') as string | undefined, 'incident.slack');
    let calls = await slackCallsFor(service, channelId);
    const creates = calls.filter((c) => c.method === 'conversations.create');
    expect(creates).toHaveLength(1);
    expect(String(creates[0]?.args.name)).toMatch(new RegExp(`^inc-\\d{8}-${service}-1$`));
    const announcement = calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === '#incidents');
    expect(announcement, 'an announcement in #incidents').toBeTruthy();
    expect(String(announcement?.args.text)).toContain(title);
    expect(String(announcement?.args.text)).toContain('SEV1');
    expect(JSON.stringify(announcement?.args.blocks)).toContain('incident_acknowledge');
    expect(calls.some((c) => c.method === 'conversations.setTopic' && c.args.channel === channelId)).toBe(true);
    // SEV1 is routed to the leadership channel too (config/slack.yaml).
    expect(calls.some((c) => c.method === 'chat.postMessage' && c.args.channel === '#incident-leadership')).toBe(true);

    expect(await acknowledge(incident.id)).toEqual({ ok: true });
    await allDelivered(incident.id, ['incident_opened', 'status_changed']);
    calls = await slackCallsFor(service, channelId);
    const ackPost = calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === channelId && /acknowledged/i.test(String(c.args.text)));
    expect(ackPost, 'a post in the incident channel saying it was acknowledged').toBeTruthy();
    const update = calls.find((c) => c.method === 'chat.update');
    expect(String(update?.args.text)).toContain('acknowledged');
    expect(calls.filter((c) => c.method === 'conversations.create')).toHaveLength(1);
  });

  it('with every second Slack call answered 429, no notification is lost', async () => {
    const service = unique('search');
    await slack.faults({ every: 2, status: 429, retryAfter: 1 });
    try {
      await postAlert('generic', { title: `Search latency p99 above 2s (${service})`, service, environment: 'production', severity: 'error' });
      const incident = await waitForIncident(service);
      await acknowledge(incident.id);
      await db().collection(`incidents/${incident.id}/updates`).add({ action: 'note', requestedBy: 'uid-alice', message: 'looking at the index' });
      const ns = await allDelivered(incident.id, ['incident_opened', 'status_changed', 'note_added']);
      expect(ns.map((n) => n.status)).toEqual(ns.map(() => 'sent'));
      const calls = await slackCallsFor(service, (await db().doc(`incidents/${incident.id}`).get()).get('slack') as string);
      expect(calls.some((c) => c.answer === '429')).toBe(true);
      const ok = calls.filter((c) => c.answer === 'ok');
      expect(ok.filter((c) => c.method === 'conversations.create')).toHaveLength(1);
      expect(ok.some((c) => c.method === 'chat.postMessage' && /acknowledged/i.test(String(c.args.text)))).toBe(true);
      expect(ok.some((c) => c.method === 'chat.postMessage' && /looking at the index/.test(JSON.stringify(c.args)))).toBe(true);
      expect(ns.some((n) => Number(n.attempts) > 1)).toBe(true);
    } finally {
      await slack.faults({});
    }
  });

  it('without a bot token every notification is recorded as skipped, with the reason', async () => {
    const ref = await db().collection('notifications').add({
      incidentId: 'no-such-incident', kind: 'note_added', effect: { kind: 'note_added', message: 'x', actor: 'uid' }, drill: false,
      // Not due for an hour: the trigger (which has a token) only schedules it, so this call is the one that delivers.
      status: 'pending', attempts: 0, lastError: null, createdAt: new Date(), notBefore: new Date(Date.now() + 3_600_000), seq: 0,
    });
    await deliverNotification(ref.id, outboxDeps({ token: null, apiUrl: 'http://127.0.0.1:9/api/', incidentsChannel: '#incidents', trainingChannel: '#drills', consoleUrl: 'http://x' }));
    const n = (await ref.get()).data() ?? {};
    expect(n.status).toBe('skipped');
    expect(n.lastError).toMatch(/SLACK_BOT_TOKEN/);
  });
});

// The workspace and app the test project serves (test/support/testConfig.json: SLACK_TEAM_ID, SLACK_APP_ID).
const TEAM = { team_id: 'T000TEST', api_app_id: 'A000TEST' };
/** A slash command's form body; each gets its own trigger_id, as from Slack (two identical signed bodies are a replay). */
const form = (fields: Record<string, string>) => new URLSearchParams({ ...TEAM, trigger_id: randomUUID(), ...fields }).toString();
/** A button click's form body. */
function click(user: string, action: 'incident_acknowledge' | 'incident_resolve', incidentId: string, over: Record<string, unknown> = {}) {
  const payload = {
    type: 'block_actions', team: { id: TEAM.team_id }, api_app_id: TEAM.api_app_id, user: { id: user, username: user.toLowerCase() }, channel: { id: 'C000INCIDENTS' },
    response_url: 'http://127.0.0.1:9/r', trigger_id: randomUUID(), actions: [{ action_id: action, value: incidentId, type: 'button' }], message: { ts: '1.1' }, ...over,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

type Role = 'viewer' | 'responder' | 'admin';

/**
 * A Slack user of the loopback Slack server (users.info gives its email) and,
 * unless `linked` is false, the Auth emulator user with that email and role.
 * Each test gets its own people: the functions remember a uid's role for a minute.
 */
async function slackPerson(role: Role | null, linked = true): Promise<{ id: string; uid: string | null }> {
  const id = `U${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
  const email = `${id.toLowerCase()}@example.com`;
  await slack.addUser({ id, email, name: id.toLowerCase() });
  if (!linked) return { id, uid: null };
  const user = await getAuth(adminApp()).createUser({ email });
  if (role) await getAuth(adminApp()).setCustomUserClaims(user.uid, { role });
  return { id, uid: user.uid };
}

async function command(text: string, user: string, channelId: string, over: Record<string, string> = {}) {
  const body = form({ command: '/incident', text, user_id: user, channel_id: channelId, response_url: 'http://127.0.0.1:9/r', ...over });
  return post('slackCommands', body, slackHeaders(body));
}

async function incidentWithChannel(prefix: string, severity = 'error') {
  const service = unique(prefix);
  await postAlert('generic', { title: `${prefix} failing (${service})`, service, environment: 'production', severity });
  const incident = await waitForIncident(service);
  const channelId = await waitFor(async () => (await db().doc(`incidents/${incident.id}`).get()).get('slack') as string | undefined, 'the incident channel');
  return { service, incident, channelId };
}

const updatesOf = async (incidentId: string) => (await db().collection(`incidents/${incidentId}/updates`).get()).docs.map((d) => ({ id: d.id, ...d.data() }) as Record<string, unknown> & { id: string });

/** What the loopback Slack server received at `${SLACK}/response/<id>`. */
async function responsesAt(id: string) {
  return (await slack.state()).calls.filter((c) => c.method === 'response_url' && c.args.responseId === id);
}

describe('Slack: slash command and buttons', () => {
  it('refuses a forged signature and a 10-minute-old timestamp with 401', async () => {
    const body = form({ command: '/incident', text: 'list', user_id: 'U0ALICE', channel_id: 'C1' });
    const forged = { ...slackHeaders(body), 'X-Slack-Signature': `v0=${'0'.repeat(64)}` };
    expect((await post('slackCommands', body, forged)).status).toBe(401);
    const old = slackHeaders(body, Math.floor(Date.now() / 1000) - 600);
    expect((await post('slackCommands', body, old)).status).toBe(401);
    expect((await post('slackInteractions', form({ payload: '{}' }), forged)).status).toBe(401);
  });

  it('answers a correctly signed /incident list with 200 well within 3 s', async () => {
    const viewer = await slackPerson('viewer');
    await command('list', viewer.id, 'C1'); // warm the function instance (and the role cache)
    const start = Date.now();
    const res = await command('list', viewer.id, 'C1');
    const ms = Date.now() - start;
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe('ephemeral');
    expect(String(res.body.text)).toMatch(/open incident|No open incidents/);
    expect(ms).toBeLessThan(3000);
  });

  it('/incident ack in an incident channel acknowledges as the mapped user; unknown input gets the usage', async () => {
    const responder = await slackPerson('responder');
    const { service, incident, channelId } = await incidentWithChannel('billing');
    const helpRes = await command('frobnicate', responder.id, channelId);
    expect(helpRes.status).toBe(200);
    expect(String(helpRes.body.text)).toMatch(/Usage/);

    expect((await command('ack', responder.id, channelId)).status).toBe(200);
    await waitFor(async () => (await incidentsOf(service))[0]?.status === 'acknowledged', 'acknowledged through Slack');
    const [u] = await updatesOf(incident.id);
    expect(u).toMatchObject({ action: 'acknowledge', via: 'slack', slackUser: responder.id, requestedBy: responder.uid });

    await command('sev 1', responder.id, channelId);
    await waitFor(async () => (await incidentsOf(service))[0]?.severity === 'SEV1', 'SEV1 through Slack');
  });

  it('the Resolve button resolves the incident', async () => {
    const responder = await slackPerson('responder');
    const { service, incident } = await incidentWithChannel('ledger', 'warning');
    const body = click(responder.id, 'incident_resolve', incident.id);
    const res = await post('slackInteractions', body, slackHeaders(body));
    expect(res.status).toBe(200);
    await waitFor(async () => (await incidentsOf(service))[0]?.status === 'resolved', 'resolved by the button');
  });
});

describe('Slack: who may act', () => {
  it('a guest, a user without a role and a viewer cannot change an incident: each gets a private reply, and nothing is written', async () => {
    const guest = await slackPerson(null, false);
    const noRole = await slackPerson(null);
    const viewer = await slackPerson('viewer');
    const { incident, channelId } = await incidentWithChannel('orders', 'critical');

    const ack = await command('ack', guest.id, channelId);
    expect(ack.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(ack.body.text)).toMatch(/^You cannot acknowledge incidents from Slack: your Slack user is not linked to a user of the incident pipeline\./);
    const resolve = await command('resolve', noRole.id, channelId);
    expect(resolve.body).toMatchObject({ response_type: 'ephemeral', text: `You cannot resolve incidents: your pipeline user (${noRole.uid}) has no role. Ask an admin for the responder role (\`npm run role -- <email> responder\`).` });
    const sev = await command('sev 4', viewer.id, channelId);
    expect(sev.body).toMatchObject({ response_type: 'ephemeral', text: 'You cannot change the severity of incidents: that needs the responder role, and yours is viewer.' });

    // A click's answer goes to its response_url, privately (through the outbox).
    const replyId = randomUUID();
    const body = click(viewer.id, 'incident_resolve', incident.id, { response_url: `${SLACK}/response/${replyId}` });
    expect((await post('slackInteractions', body, slackHeaders(body))).status).toBe(200);
    const [reply] = await waitFor(async () => {
      const r = await responsesAt(replyId);
      return r.length ? r : undefined;
    }, 'the private reply to the refused click');
    expect(reply?.args).toMatchObject({ response_type: 'ephemeral', text: 'You cannot resolve incidents: that needs the responder role, and yours is viewer.' });

    // Every handler answers after its writes: nothing written now means nothing written.
    expect(await updatesOf(incident.id)).toEqual([]);
    expect((await db().doc(`incidents/${incident.id}`).get()).data()).toMatchObject({ status: 'triggered', severity: 'SEV1' });
  });

  it('/incident list and status show incidents only to people with a role', async () => {
    const guest = await slackPerson(null, false);
    const noRole = await slackPerson(null);
    const viewer = await slackPerson('viewer');
    const { channelId, incident } = await incidentWithChannel('search', 'critical'); // the newest SEV1 heads the list
    expect(String((await command('list', guest.id, 'C1')).body.text)).toMatch(/^You cannot see incidents from Slack: your Slack user is not linked/);
    expect((await command('list', noRole.id, 'C1')).body.text).toBe(`You cannot see incidents: your pipeline user (${noRole.uid}) has no role. Ask an admin for the viewer role (\`npm run role -- <email> viewer\`).`);
    expect(String((await command('status', guest.id, channelId)).body.text)).toMatch(/^You cannot see incidents/);
    const list = await command('list', viewer.id, 'C1');
    expect(String(list.body.text)).toMatch(/open incident/);
    expect(JSON.stringify(list.body.blocks)).toContain(incident.id);
    expect(String((await command('status', viewer.id, channelId)).body.text)).toContain('search failing');
  });

  it('serves only the configured workspace and app', async () => {
    const responder = await slackPerson('responder');
    const { incident, channelId } = await incidentWithChannel('payroll');
    const elsewhere = await command('ack', responder.id, channelId, { team_id: 'T0ELSEWHERE' });
    expect(elsewhere.body).toEqual({ response_type: 'ephemeral', text: 'This Slack app does not serve this workspace, so it cannot run `/incident` here.' });
    const otherApp = await command('ack', responder.id, channelId, { api_app_id: 'A0OTHERAPP' });
    expect(otherApp.body.text).toBe('This Slack app does not serve this workspace, so it cannot run `/incident` here.');
    const body = click(responder.id, 'incident_acknowledge', incident.id, { team: { id: 'T0ELSEWHERE' } });
    expect((await post('slackInteractions', body, slackHeaders(body))).status).toBe(200);
    expect(await updatesOf(incident.id)).toEqual([]);
  });
});

describe('Slack: replays and response_url', () => {
  it('a replayed request (same signature, inside the 5-minute window) gets a harmless 200 and no second effect', async () => {
    const responder = await slackPerson('responder');
    const { incident, channelId } = await incidentWithChannel('inventory');
    const note = form({ command: '/incident', text: 'note checking the replicas', user_id: responder.id, channel_id: channelId });
    const headers = slackHeaders(note);
    const first = await post('slackCommands', note, headers);
    expect(String(first.body.text)).toMatch(/^Adding your note to the incident/);
    const replay = await post('slackCommands', note, headers);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({});
    const button = click(responder.id, 'incident_acknowledge', incident.id);
    const buttonHeaders = slackHeaders(button);
    expect((await post('slackInteractions', button, buttonHeaders)).status).toBe(200);
    expect((await post('slackInteractions', button, buttonHeaders)).status).toBe(200);
    const updates = await updatesOf(incident.id);
    expect(updates.map((u) => u.action).sort()).toEqual(['acknowledge', 'note']);
  });

  it('the response_url stays server-side, and a refused update is still answered there', async () => {
    const responder = await slackPerson('responder');
    const { incident, channelId } = await incidentWithChannel('shipping', 'warning');
    const resolveReply = randomUUID();
    await command('resolve', responder.id, channelId, { response_url: `${SLACK}/response/${resolveReply}` });
    await waitFor(async () => (await db().doc(`incidents/${incident.id}`).get()).get('status') === 'resolved', 'resolved through Slack');
    const ackReply = randomUUID();
    await command('ack', responder.id, channelId, { response_url: `${SLACK}/response/${ackReply}` });
    const updates = await updatesOf(incident.id);
    expect(updates).toHaveLength(2);
    for (const u of updates) {
      expect(Object.keys(u)).not.toContain('responseUrl');
      const kept = (await db().doc(`slackResponses/${u.id}`).get()).data();
      expect(kept?.responseUrl).toBe(`${SLACK}/response/${u.action === 'resolve' ? resolveReply : ackReply}`);
      expect(kept?.expireAt.toMillis() - (u.requestedAt as { toMillis(): number }).toMillis()).toBe(30 * 60_000);
    }
    // Acknowledging a resolved incident is refused by the pipeline: the answer reaches the asker's response_url.
    const [reply] = await waitFor(async () => {
      const r = await responsesAt(ackReply);
      return r.length ? r : undefined;
    }, 'the refusal at the response_url');
    expect(String(reply?.args.text)).toMatch(/^Could not acknowledge: /);
    expect(await responsesAt(resolveReply)).toEqual([]);
  });
});
