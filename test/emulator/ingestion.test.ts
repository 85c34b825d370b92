// Alert ingestion on the emulators: every source's fixtures through the real
// webhook, bad input, authentication, Pub/Sub delivery, deduplication,
// grouping under concurrency, reopen and auto-resolve, and a small storm.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withServiceAndEnvironment } from '../../functions/src/domain/drills/expand';
import { countSlot } from '../../functions/src/domain/outbox';
import type { AlertSource } from '../../functions/src/domain/types';
import { atRate, bearer, db, FUNCTIONS, type SlackCallRecord, warmAlertWorkers, incidentsOf, post, postAlert, publish, SECRETS, slackCallsFor, timelineOf, unique, waitFor, waitForIncident } from '../support/emulator';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'alerts');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, { title: string; environment: string | null; sev: string; status: string }[]>;
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

function forService(source: AlertSource, name: string, service: string) {
  const payload = fixture(name);
  withServiceAndEnvironment(source, payload, service, null);
  return payload;
}

describe('every source through the webhook', () => {
  const cases: [AlertSource, string, string | null][] = [
    ['alertmanager', 'alertmanager/firing.json', 'alertmanager/resolved.json'],
    ['grafana', 'grafana/firing.json', 'grafana/resolved.json'],
    ['datadog', 'datadog/firing.json', 'datadog/resolved.json'],
    ['cloud-monitoring', 'cloud-monitoring/firing.json', 'cloud-monitoring/resolved.json'],
    ['sentry', 'sentry/event-alert.json', null],
    ['generic', '', null],
  ];

  it.each(cases)('%s: the fixture becomes the incident the contract predicts, and its resolve resolves it', async (source, firing, resolved) => {
    const service = unique(source);
    const body = firing ? forService(source, firing, service) : { title: 'Queue backlog growing', service, environment: 'production', severity: 'warning' };
    const want = firing ? expected[firing]?.[0] : { title: 'Queue backlog growing', environment: 'production', sev: 'SEV3', status: 'firing' };
    const res = await postAlert(source, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const incident = await waitForIncident(service);
    expect(incident).toMatchObject({ title: want?.title, service, environment: want?.environment ?? null, severity: want?.sev, status: 'triggered', source });
    if (!resolved) return;
    expect((await postAlert(source, forService(source, resolved, service))).status).toBe(202);
    const after = await waitForIncident(service, (i) => i.status === 'resolved');
    expect(after.firingCount).toBe(0);
    const timeline = await timelineOf(incident.id);
    expect(timeline.some((e) => e.type === 'auto_resolved' && e.actor === 'system')).toBe(true);
  });

  it('accepts HTTP Basic with the token as password, Grafana HMAC and the Sentry signature; ?token= only where headers cannot be sent', async () => {
    const basic = { Authorization: `Basic ${Buffer.from(`alertmanager:${SECRETS.ALERT_WEBHOOK_TOKEN}`).toString('base64')}` };
    expect((await postAlert('generic', { title: 'basic', service: unique('auth') }, basic)).status).toBe(202);
    const query = await post(`alertWebhook/generic?token=${SECRETS.ALERT_WEBHOOK_TOKEN}`, { title: 'query', service: unique('auth') });
    expect(query.status).toBe(401);
    expect(String(query.body.error)).toMatch(/^unauthorized: \?token= is not accepted for generic, only for cloud-monitoring and sentry/);
    const sentryQuery = JSON.stringify(forService('sentry', 'sentry/event-alert.json', unique('auth')));
    expect((await post(`alertWebhook/sentry?token=${SECRETS.ALERT_WEBHOOK_TOKEN}`, sentryQuery)).status).toBe(202);
    const grafanaBody = JSON.stringify(forService('grafana', 'grafana/firing.json', unique('auth')));
    const sig = createHmac('sha256', SECRETS.GRAFANA_WEBHOOK_SECRET).update(grafanaBody).digest('hex');
    expect((await post('alertWebhook/grafana', grafanaBody, { 'X-Grafana-Alerting-Signature': sig })).status).toBe(202);
    expect((await post('alertWebhook/grafana', grafanaBody, { 'X-Grafana-Alerting-Signature': 'f'.repeat(64) })).status).toBe(401);
    const sentryBody = JSON.stringify(forService('sentry', 'sentry/event-alert.json', unique('auth')));
    const ssig = createHmac('sha256', SECRETS.SENTRY_CLIENT_SECRET).update(sentryBody).digest('hex');
    const sentNow = String(Math.floor(Date.now() / 1000));
    expect((await post('alertWebhook/sentry', sentryBody, { 'Sentry-Hook-Signature': ssig, 'Sentry-Hook-Timestamp': sentNow })).status).toBe(202);
  });

  it('a signed request older than 5 minutes is refused with 401 (Grafana\'s signed timestamp, Sentry-Hook-Timestamp)', async () => {
    const old = String(Math.floor(Date.now() / 1000) - 600);
    const grafanaBody = JSON.stringify(forService('grafana', 'grafana/firing.json', unique('replay')));
    const gsig = createHmac('sha256', SECRETS.GRAFANA_WEBHOOK_SECRET).update(`${old}:${grafanaBody}`).digest('hex');
    const grafana = await post('alertWebhook/grafana', grafanaBody, { 'X-Grafana-Alerting-Signature': gsig, 'X-Grafana-Alerting-Signature-Timestamp': old });
    expect(grafana.status).toBe(401);
    expect(String(grafana.body.error)).toMatch(/^unauthorized: X-Grafana-Alerting-Signature-Timestamp is 6\d\d s old \(more than 300 s\): a replayed or delayed request is refused$/);
    const sentryBody = JSON.stringify(forService('sentry', 'sentry/event-alert.json', unique('replay')));
    const ssig = createHmac('sha256', SECRETS.SENTRY_CLIENT_SECRET).update(sentryBody).digest('hex');
    const sentry = await post('alertWebhook/sentry', sentryBody, { 'Sentry-Hook-Signature': ssig, 'Sentry-Hook-Timestamp': old });
    expect(sentry.status).toBe(401);
    expect(String(sentry.body.error)).toMatch(/^unauthorized: Sentry-Hook-Timestamp is 6\d\d s old/);
  });

  it('a source with its own token (ALERT_WEBHOOK_TOKENS) takes only that one; the shared token still works elsewhere', async () => {
    const own = (JSON.parse(SECRETS.ALERT_WEBHOOK_TOKENS) as Record<string, string>)['cloud-monitoring'] ?? '';
    expect(own).not.toBe(SECRETS.ALERT_WEBHOOK_TOKEN);
    const body = forService('cloud-monitoring', 'cloud-monitoring/firing.json', unique('per-source'));
    expect((await postAlert('cloud-monitoring', body, bearer(SECRETS.ALERT_WEBHOOK_TOKEN))).status).toBe(401);
    expect((await post(`alertWebhook/cloud-monitoring?token=${SECRETS.ALERT_WEBHOOK_TOKEN}`, body)).status).toBe(401);
    expect((await post(`alertWebhook/cloud-monitoring?token=${own}`, body)).status).toBe(202);
    expect((await postAlert('cloud-monitoring', body, bearer(own))).status).toBe(202);
    expect((await postAlert('generic', { title: 'shared', service: unique('per-source') }, bearer(own))).status).toBe(401);
  });
});

describe('bad input', () => {
  async function rejected(id: unknown) {
    const snap = await db().collection('rejectedAlerts').doc(String(id)).get();
    return snap.data() ?? {};
  }

  it('a body that is not JSON: 400, kept as text in rejectedAlerts', async () => {
    const res = await post('alertWebhook/generic', '{"title": "oops', { ...bearer(), 'Content-Type': 'text/plain' });
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toMatch(/not JSON/);
    const r = await rejected(res.body.rejectedId);
    expect(r).toMatchObject({ source: 'generic', raw: '{"title": "oops', truncated: false });
    expect(r.receivedAt).toBeTruthy();
    // Raw bodies can hold personal data: they expire after 30 days (Firestore TTL policy on rejectedAlerts.expireAt).
    expect(r.expireAt.toMillis() - r.receivedAt.toMillis()).toBe(30 * 86_400_000);
  });

  it('broken JSON sent as application/json: the Functions runtime answers 400 before our code runs, and nothing is stored (documented limit)', async () => {
    const raw = `{"title": "broken ${Date.now()}`;
    const res = await post('alertWebhook/generic', raw, bearer());
    expect(res.status).toBe(400);
    // Express's body parser answers, not alertWebhook: the body is its HTML error page, not our JSON.
    expect(res.body.error).toBeUndefined();
    expect(String(res.body.text)).toMatch(/SyntaxError|JSON/);
    expect((await db().collection('rejectedAlerts').where('raw', '==', raw).get()).size).toBe(0);
  });

  it('the wrong shape: 400 naming the failing fields, kept with its reason', async () => {
    const res = await postAlert('alertmanager', { version: '4', alerts: [{ status: 'exploded', labels: {} }] });
    expect(res.status).toBe(400);
    const paths = (res.body.details as { path: string }[]).map((d) => d.path);
    expect(paths).toContain('alerts.0.status');
    const r = await rejected(res.body.rejectedId);
    expect(r.reason).toMatch(/not a valid alertmanager payload/);
    expect(JSON.parse(String(r.raw))).toMatchObject({ version: '4' });
  });

  it('an empty alerts list: 400 "holds no alert"', async () => {
    const res = await postAlert('alertmanager', fixture('alertmanager/empty.json'));
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toMatch(/holds no alert/);
  });

  it('unknown source 404, other methods 405, above 1 MiB 413', async () => {
    expect((await postAlert('nagios', { title: 'x' })).status).toBe(404);
    const get = await fetch(`${FUNCTIONS}/alertWebhook/generic`, { headers: bearer() });
    expect(get.status).toBe(405);
    const big = JSON.stringify({ title: 'big', description: 'x'.repeat(1024 * 1024 + 10) });
    const res = await postAlert('generic', big);
    expect(res.status).toBe(413);
    const r = await rejected(res.body.rejectedId);
    expect(r).toMatchObject({ truncated: true, status: 413 });
  });

  it('a poison Pub/Sub message is stored and acknowledged, not retried', async () => {
    const messageId = await publish('alerts', 'this is not json', { source: 'generic' });
    const r = await waitFor(async () => (await db().collection('rejectedAlerts').doc(`msg-${messageId}`).get()).data(), 'the poison message in rejectedAlerts');
    expect(r).toMatchObject({ via: 'pubsub', raw: 'this is not json', messageId });
    const unknown = await publish('alerts', JSON.stringify({ title: 'x' }), { source: 'nagios' });
    const u = await waitFor(async () => (await db().collection('rejectedAlerts').doc(`msg-${unknown}`).get()).data(), 'the unknown-source message');
    expect(u.reason).toMatch(/unknown source "nagios"/);
  });
});

describe('Pub/Sub and grouping (redelivery and parallel arrivals: faults.test.ts)', () => {
  it('recognises a Cloud Monitoring notification published with no attribute', async () => {
    const service = unique('monitoring');
    await publish('alerts', forService('cloud-monitoring', 'cloud-monitoring/firing.json', service));
    const incident = await waitForIncident(service);
    expect(incident).toMatchObject({ source: 'cloud-monitoring', title: expected['cloud-monitoring/firing.json']?.[0]?.title });
  });

  it('an alert that fires again within the reopen window reopens its incident', async () => {
    const service = unique('reopen');
    const alert = { title: 'Replica lag', service, environment: 'production', severity: 'error', fingerprint: 'lag-1' };
    await postAlert('generic', alert);
    const incident = await waitForIncident(service);
    await postAlert('generic', { ...alert, status: 'resolved' });
    await waitForIncident(service, (i) => i.status === 'resolved');
    await postAlert('generic', alert);
    const reopened = await waitForIncident(service, (i) => i.status === 'triggered' && i.reopenCount === 1);
    expect(reopened.id).toBe(incident.id);
    expect(await incidentsOf(service)).toHaveLength(1);
    expect((await timelineOf(incident.id)).some((e) => e.type === 'reopened')).toBe(true);
  });

  it('a small storm: one incident, exact counts, at most 10 Slack calls', { timeout: 360_000 }, async () => {
    const service = unique('storm');
    const distinct = 120;
    const repeats = 30;
    const payload = (n: number) => ({ version: '4', status: 'firing', alerts: [{ status: 'firing', fingerprint: `storm-${n}`, labels: { alertname: 'PodNotReady', service, env: 'production', severity: 'warning', pod: `pod-${n}` }, annotations: { summary: `Pod ${n} not ready` }, startsAt: new Date().toISOString() }] });
    await warmAlertWorkers(6);
    // Published at a steady 10 messages/s, as a monitoring system would send them.
    await atRate(distinct + repeats, 10, (n) => publish('alerts', payload(n < distinct ? n : n % 10), { source: 'alertmanager' }));
    const incident = await waitForIncident(service, (i) => i.alertCount === distinct, 90_000);
    expect(await incidentsOf(service)).toHaveLength(1);
    const occurrencesOf = async () => (await db().collection(`incidents/${incident.id}/alerts`).get()).docs.reduce((sum, d) => sum + Number(d.get('occurrences')), 0);
    await waitFor(async () => (await occurrencesOf()) === distinct + repeats, `occurrences to sum to ${distinct + repeats}`, 60_000);
    const alerts = await db().collection(`incidents/${incident.id}/alerts`).get();
    expect(alerts.size).toBe(distinct);
    expect(await occurrencesOf()).toBe(distinct + repeats);
    // The announcement catches up with the final count at the coalescing slot of the last change:
    // updated (chat.update), or posted with it when the opening's delivery came after the last roll-up.
    const after = (await db().doc(`incidents/${incident.id}`).get()).data() ?? {};
    const channel = (after.slack as string | null) ?? null;
    const slot = countSlot(after.createdAt.toDate(), new Date());
    const finalCount = (c: SlackCallRecord) =>
      (c.method === 'chat.update' || c.method === 'chat.postMessage') && c.args.channel !== channel && JSON.stringify(c.args.blocks).includes(`${distinct} (${distinct} firing)`);
    await waitFor(async () => (await slackCallsFor(service, channel)).some(finalCount), `the announcement to show the final count (slot ${slot.index}, due ${slot.postAt.toISOString()})`, slot.postAt.getTime() - Date.now() + 60_000);
    const calls = await slackCallsFor(service, channel);
    expect(calls.length).toBeLessThanOrEqual(10);
  });
});
