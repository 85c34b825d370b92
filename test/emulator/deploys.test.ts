// Deploy tracking, correlation and insights on the emulators.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { db, post, postAlert, publish, SECRETS, timelineOf, unique, waitFor, waitForIncident } from '../support/emulator';

const ROOT = path.resolve(__dirname, '..', '..');
const deployAuth = { Authorization: `Bearer ${SECRETS.DEPLOY_WEBHOOK_TOKEN}` };

async function update(incidentId: string, action: string) {
  const ref = await db().collection(`incidents/${incidentId}/updates`).add({ action, requestedBy: 'uid-alice' });
  return waitFor(async () => (await ref.get()).get('result') as { ok: boolean } | undefined, action);
}

function report(service: string) {
  const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'report.mjs'), '--json', '--period', 'week', '--service', service], { encoding: 'utf8', env: process.env });
  return JSON.parse(out) as { scope: string; period: string; incidents: number; mttaSeconds: number | null; mttrSeconds: number | null; deploys: number; failedDeploys: number; changeFailureRate: number | null }[];
}

describe('deploys', () => {
  it('a deploy for X, then a critical alert for X, gives an incident whose deploys name the version, with a timeline entry', async () => {
    const service = unique('checkout');
    const event = { service, environment: 'production', version: 'v2.14.0', author: 'alice', commit: 'abc123', deployedAt: new Date(Date.now() - 23 * 60_000).toISOString() };
    const res = await post('deployWebhook', event, deployAuth);
    expect(res.status).toBe(201);
    const again = await post('deployWebhook', event, deployAuth);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: res.body.id, status: 'duplicate' });
    expect((await db().collection('deploys').where('service', '==', service).get()).size).toBe(1);

    await postAlert('generic', { title: `Checkout 5xx (${service})`, service, environment: 'production', severity: 'critical' });
    const incident = await waitForIncident(service);
    const deploys = incident.deploys as { version: string }[];
    expect(deploys.map((d) => d.version)).toEqual(['v2.14.0']);
    const timeline = await timelineOf(incident.id);
    const entry = timeline.find((e) => e.type === 'deploy_linked');
    expect(entry?.message).toMatch(/^v2\.14\.0 deployed 2[2-3] min before$/);
    const deployDoc = (await db().collection('deploys').where('service', '==', service).get()).docs[0]?.data();
    expect(deployDoc?.incidentIds).toEqual([incident.id]);
  });

  it('refuses a deploy without the token (401) or without a service (400 naming the field), and keeps the 400', async () => {
    expect((await post('deployWebhook', { service: 'x', version: '1' })).status).toBe(401);
    const res = await post('deployWebhook', { version: '1.2.3' }, deployAuth);
    expect(res.status).toBe(400);
    expect((res.body.details as { path: string }[]).map((d) => d.path)).toContain('service');
    const kept = (await db().doc(`rejectedAlerts/${String(res.body.rejectedId)}`).get()).data();
    expect(kept).toMatchObject({ source: 'deploy', raw: JSON.stringify({ version: '1.2.3' }) });
  });

  it('takes deploys from the deploys topic and from Cloud Build, once each', async () => {
    const service = unique('search');
    await publish('deploys', { service, version: 'v7', id: `ext-${service}` });
    await publish('deploys', { service, version: 'v7', id: `ext-${service}` });
    const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'deploys', 'cloud-build-success.json'), 'utf8'));
    build.substitutions._SERVICE = service;
    await publish('cloud-builds', build, { buildId: build.id, status: 'SUCCESS' });
    await publish('cloud-builds', { ...build, id: `${build.id}-failed`, status: 'FAILURE' }, { status: 'FAILURE' });
    const docs = await waitFor(async () => {
      const s = await db().collection('deploys').where('service', '==', service).get();
      return s.size >= 2 ? s : undefined;
    }, 'two deploys');
    expect(docs.docs.map((d) => d.id).sort()).toEqual([`cloud-build-${build.id}`, `ext-${service}`].sort());
  });

  it('a deploy that lands during an open incident of its service is linked to it', async () => {
    const service = unique('ledger');
    await postAlert('generic', { title: `Ledger lag (${service})`, service, environment: 'production', severity: 'error' });
    const incident = await waitForIncident(service);
    expect((await post('deployWebhook', { service, environment: 'production', version: 'v3.1.1-hotfix' }, deployAuth)).status).toBe(201);
    const linked = await waitForIncident(service, (i) => (i.deploys as unknown[]).length === 1);
    expect((linked.deploys as { version: string }[])[0]?.version).toBe('v3.1.1-hotfix');
    const entry = (await timelineOf(incident.id)).find((e) => e.type === 'deploy_linked');
    expect(entry?.message).toMatch(/v3\.1\.1-hotfix deployed during the incident/);
  });
});

describe('insights', () => {
  it('after a scripted sequence of deploys and incidents, the report equals MTTA, MTTR and change failure rate computed by hand', async () => {
    const service = unique('billing');
    // Three deploys; the first precedes incident A, the others no incident.
    for (const [version, minutesAgo] of [['v1', 30], ['v2', 20], ['v3', 10]] as const) {
      expect((await post('deployWebhook', { service, environment: 'production', version, deployedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString() }, deployAuth)).status).toBe(201);
    }
    await waitFor(async () => (await db().collection('deploys').where('service', '==', service).get()).size === 3, 'three deploys');
    // Incident A: acknowledged then resolved. Incident B: resolved without acknowledgement.
    await postAlert('generic', { title: 'A', service, environment: 'production', severity: 'critical', fingerprint: 'a' });
    const a = await waitForIncident(service, (i) => i.title === 'A');
    await update(a.id, 'acknowledge');
    await update(a.id, 'resolve');
    await postAlert('generic', { title: 'B', service, environment: 'staging', severity: 'warning', fingerprint: 'b' });
    const b = await waitForIncident(service, (i) => i.title === 'B');
    await update(b.id, 'resolve');

    const docs = await Promise.all([a.id, b.id].map(async (id) => (await db().doc(`incidents/${id}`).get()).data() ?? {}));
    const secs = (from: { toMillis(): number }, to: { toMillis(): number }) => Math.round((to.toMillis() - from.toMillis()) / 1000);
    // By hand: MTTA over the acknowledged incident (A only); MTTR over both; CFR = deploys linked to an incident / deploys.
    const [da, db_] = docs as [Record<string, { toMillis(): number }>, Record<string, { toMillis(): number }>];
    const expectedMtta = secs(da.createdAt!, da.acknowledgedAt!);
    const expectedMttr = (secs(da.createdAt!, da.resolvedAt!) + secs(db_.createdAt!, db_.resolvedAt!)) / 2;
    const linked = (await db().collection('deploys').where('service', '==', service).get()).docs.filter((d) => (d.get('incidentIds') as string[]).length > 0).length;
    expect(linked).toBe(3); // A (production) linked all three deploys of the last 2 h; B (staging) none
    const expectedCfr = linked / 3;

    const row = await waitFor(async () => {
      const r = report(service)[0];
      return r && r.incidents === 2 && r.mttrSeconds !== null && r.deploys === 3 && r.failedDeploys === linked && r.mttaSeconds !== null ? r : undefined;
    }, 'the report to settle');
    expect(row.mttaSeconds).toBe(expectedMtta);
    expect(row.mttrSeconds).toBe(expectedMttr);
    expect(row.changeFailureRate).toBe(expectedCfr);
    const table = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'report.mjs'), '--service', service], { encoding: 'utf8', env: process.env });
    expect(table).toContain(`service:${service}`);
  });

  it('drill incidents are absent from stats/', async () => {
    const service = unique('drillsvc');
    await publish('alerts', { title: 'drill alert', service, environment: 'production', severity: 'critical' }, { source: 'generic', drill: `drill-${service}` });
    const incident = await waitForIncident(service);
    expect(incident.drill).toBe(true);
    await update(incident.id, 'resolve');
    await waitFor(async () => (await db().doc(`statsContrib/incident-${incident.id}`).get()).exists || (await db().doc(`postmortems/${incident.id}`).get()).exists, 'the triggers to run');
    const stats = await db().collection('stats').where('scope', '==', `service:${service}`).get();
    expect(stats.size).toBe(0);
  });
});
