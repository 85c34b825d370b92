// Slack notifications through the outbox, against the loopback Slack server
// (test/support/slackServer.ts) driven by the real @slack/web-api client.
import { describe, expect, it } from 'vitest';
import { outboxDeps } from '../../functions/src/app/compose';
import { deliverNotification } from '../../functions/src/app/outbox';
import { db, incidentsOf, post, postAlert, slack, slackCallsFor, slackHeaders, unique, waitFor, waitForIncident } from '../support/emulator';

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

describe('Slack: slash command and buttons', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  it('refuses a forged signature and a 10-minute-old timestamp with 401', async () => {
    const body = form({ command: '/incident', text: 'list', user_id: 'U0ALICE', channel_id: 'C1' });
    const forged = { ...slackHeaders(body), 'X-Slack-Signature': `v0=${'0'.repeat(64)}` };
    expect((await post('slackCommands', body, forged)).status).toBe(401);
    const old = slackHeaders(body, Math.floor(Date.now() / 1000) - 600);
    expect((await post('slackCommands', body, old)).status).toBe(401);
    expect((await post('slackInteractions', form({ payload: '{}' }), forged)).status).toBe(401);
  });

  it('answers a correctly signed /incident list with 200 well within 3 s', async () => {
    const body = form({ command: '/incident', text: 'list', user_id: 'U0ALICE', channel_id: 'C1', response_url: 'http://127.0.0.1:9/r' });
    await post('slackCommands', body, slackHeaders(body)); // warm the function instance
    const start = Date.now();
    const res = await post('slackCommands', body, slackHeaders(body));
    const ms = Date.now() - start;
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe('ephemeral');
    expect(String(res.body.text)).toMatch(/open incident|No open incidents/);
    expect(ms).toBeLessThan(3000);
  });

  it('/incident ack in an incident channel acknowledges as the mapped user; unknown input gets the usage', async () => {
    const service = unique('billing');
    await postAlert('generic', { title: `Billing export failing (${service})`, service, environment: 'production', severity: 'error' });
    const incident = await waitForIncident(service);
    const channelId = await waitFor(async () => (await db().doc(`incidents/${incident.id}`).get()).get('slack') as string | undefined, 'the incident channel');
    const help = form({ command: '/incident', text: 'frobnicate', user_id: 'U0ALICE', channel_id: channelId });
    const helpRes = await post('slackCommands', help, slackHeaders(help));
    expect(helpRes.status).toBe(200);
    expect(String(helpRes.body.text)).toMatch(/Usage/);

    const ack = form({ command: '/incident', text: 'ack', user_id: 'U0ALICE', channel_id: channelId });
    expect((await post('slackCommands', ack, slackHeaders(ack))).status).toBe(200);
    await waitFor(async () => (await incidentsOf(service))[0]?.status === 'acknowledged', 'acknowledged through Slack');
    const updates = await db().collection(`incidents/${incident.id}/updates`).get();
    const u = updates.docs[0]?.data() ?? {};
    expect(u).toMatchObject({ action: 'acknowledge', via: 'slack', slackUser: 'U0ALICE' });
    expect(String(u.requestedBy)).toMatch(/^(slack:U0ALICE|.+)$/);

    const sev = form({ command: '/incident', text: 'sev 1', user_id: 'U0ALICE', channel_id: channelId });
    await post('slackCommands', sev, slackHeaders(sev));
    await waitFor(async () => (await incidentsOf(service))[0]?.severity === 'SEV1', 'SEV1 through Slack');
  });

  it('the Resolve button resolves the incident', async () => {
    const service = unique('ledger');
    await postAlert('generic', { title: `Ledger lag (${service})`, service, environment: 'production', severity: 'warning' });
    const incident = await waitForIncident(service);
    const payload = JSON.stringify({
      type: 'block_actions', user: { id: 'U0BOB', username: 'bob' }, channel: { id: 'C000INCIDENTS' }, response_url: 'http://127.0.0.1:9/r',
      actions: [{ action_id: 'incident_resolve', value: incident.id, type: 'button' }], message: { ts: '1.1' },
    });
    const body = form({ payload });
    const res = await post('slackInteractions', body, slackHeaders(body));
    expect(res.status).toBe(200);
    await waitFor(async () => (await incidentsOf(service))[0]?.status === 'resolved', 'resolved by the button');
  });
});
