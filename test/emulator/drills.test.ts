// Drills on the emulators: every shipped scenario through the real pipeline,
// flagged, routed to the training channel and scored; and the replay of a
// stored incident.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../functions/src/domain/drills';
import { db, postAlert, slack, slackCallsFor, unique, waitFor } from '../support/emulator';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs `npm run drill -- ...` (the script) and resolves with its output. */
function drill(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'drill.mjs'), ...args], { env: process.env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`drill ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

async function drillIncidents(drillId: string) {
  const snap = await db().collection('incidents').where('drillId', '==', drillId).orderBy('createdAt').get();
  return snap.docs.map((d) => ({ id: d.id, ...d.data() }) as Record<string, unknown> & { id: string });
}

const drillIdOf = (out: string) => /drill (drill-[\w-]+):/.exec(out)?.[1] ?? '';

async function resolve(incidentId: string) {
  await db().collection(`incidents/${incidentId}/updates`).add({ action: 'resolve', requestedBy: 'uid-trainee' });
}

describe('shipped scenarios', () => {
  const cases: [string, number, { incidents: number; sev: string; runbook: string }][] = [
    ['bad-deploy', 10, { incidents: 2, sev: 'SEV1', runbook: 'high-error-rate' }],
    ['slow-dependency', 10, { incidents: 2, sev: 'SEV2', runbook: 'latency' }],
    ['alert-storm', 2, { incidents: 1, sev: 'SEV1', runbook: 'high-error-rate' }],
  ];

  it.each(cases)('%s produces the incidents it describes, flagged, in the training channel, and is scored', { timeout: 300_000 }, async (name, speed, want) => {
    const service = unique(name);
    const out = await drill([name, '--service', service, '--speed', String(speed), '--no-wait']);
    const drillId = drillIdOf(out);
    expect(drillId).toMatch(/^drill-/);
    const { scenario } = { scenario: parseScenario(fs.readFileSync(path.join(ROOT, 'scenarios', `${name}.yaml`), 'utf8'), name) };
    if (!scenario.ok) throw new Error('scenario does not parse');

    const incidents = await waitFor(async () => {
      const list = await drillIncidents(drillId);
      return list.length === want.incidents ? list : undefined;
    }, `${want.incidents} drill incidents`, 120_000);
    for (const i of incidents) expect(i).toMatchObject({ drill: true, drillId, service });
    const first = incidents[0]!;
    expect(first.severity).toBe(want.sev);
    expect(first.runbook).toBe(want.runbook);
    if (name === 'bad-deploy') expect((first.deploys as { version: string }[]).map((d) => d.version)).toEqual([scenario.value.deploy?.version]);
    if (name === 'alert-storm') {
      const distinct = new Set(scenario.value.alerts.flatMap((s) => Array.from({ length: s.repeat?.count ?? 1 }, (_, n) => `${s.at}-${n}`))).size;
      await waitFor(async () => (await db().collection(`incidents/${first.id}/alerts`).count().get()).data().count >= 300, 'the storm alerts', 120_000);
      expect(distinct).toBeGreaterThan(0);
    }

    // Announced in the training channel, as a drill; nobody paged in the leadership channel.
    const calls = await waitFor(async () => {
      const c = await slackCallsFor(service);
      return c.some((x) => x.method === 'chat.postMessage' && x.args.channel === '#incident-drills') ? c : undefined;
    }, 'the announcement in the training channel');
    const posts = calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
    expect(posts.every((c) => String(c.args.text).includes('[DRILL]'))).toBe(true);
    expect(posts.some((c) => c.args.channel === '#incidents' || c.args.channel === '#incident-leadership')).toBe(false);

    // The trainee acknowledges, then resolves the first incident (unless the scenario already did): the drill is scored.
    await db().collection(`incidents/${first.id}/updates`).add({ action: 'acknowledge', requestedBy: 'uid-trainee' });
    await waitFor(async () => ['acknowledged', 'resolved'].includes(String((await db().doc(`incidents/${first.id}`).get()).get('status'))), 'acknowledged');
    if ((await db().doc(`incidents/${first.id}`).get()).get('status') !== 'resolved') await resolve(first.id);
    const report = await waitFor(async () => {
      const d = (await db().doc(`drills/${drillId}`).get()).data();
      return d?.status === 'scored' ? d : undefined;
    }, 'the drill report', 60_000);
    expect(report.incidentId).toBe(first.id);
    expect(report.score.acknowledgeTargetSeconds).toBe(scenario.value.expect.acknowledgeWithinSeconds);
    expect(typeof report.score.score).toBe('number');
    expect(report.report).toContain('[DRILL]');
    await waitFor(async () => (await slack.state()).calls.some((c) => c.method === 'chat.postMessage' && c.args.channel === '#incident-drills' && String(c.args.text) === report.report), 'the report in Slack', 90_000);
  });
});

describe('replay', () => {
  it('replays a stored incident: the same group, severity and order', { timeout: 180_000 }, async () => {
    const service = unique('replayed');
    const alerts = ['db-primary', 'db-replica-1', 'db-replica-2'];
    for (const [n, name] of alerts.entries()) {
      await postAlert('alertmanager', {
        version: '4', status: 'firing',
        alerts: [{ status: 'firing', fingerprint: `r-${n}`, labels: { alertname: 'DatabaseQuotaExceeded', service, env: 'production', severity: 'error', instance: name }, annotations: { summary: `Quota exceeded on ${name}` }, startsAt: new Date().toISOString() }],
      });
      await waitFor(async () => {
        const s = await db().collection('incidents').where('service', '==', service).get();
        const id = s.docs[0]?.id;
        return id && (await db().collection(`incidents/${id}/alerts`).count().get()).data().count === n + 1;
      }, `alert ${n + 1}`);
    }
    const original = (await db().collection('incidents').where('service', '==', service).get()).docs[0]!;
    const file = path.join(os.tmpdir(), `replay-${original.id}.yaml`);
    await drill(['--from-incident', original.id, '--out', file]);
    const out = await drill([file, '--no-wait']); // real time: the alerts' order is their timing
    const drillId = drillIdOf(out);
    const [replayed] = await waitFor(async () => {
      const list = await drillIncidents(drillId);
      if (list.length !== 1) return undefined;
      return (await db().collection(`incidents/${list[0]!.id}/alerts`).count().get()).data().count === 3 ? list : undefined;
    }, 'the replayed incident with its three alerts');
    expect(replayed).toMatchObject({ drill: true, service, environment: 'production', severity: original.get('severity') });
    expect(String(replayed!.groupKey).endsWith(`|${service}|production|DatabaseQuotaExceeded`)).toBe(true);
    const order = async (id: string) => (await db().collection(`incidents/${id}/alerts`).orderBy('firstSeenAt').get()).docs.map((d) => d.get('labels').instance);
    expect(await order(replayed!.id)).toEqual(await order(original.id));
    expect(await order(original.id)).toEqual(alerts);
  });
});
