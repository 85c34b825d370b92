// Drills on the emulators: every shipped scenario through the real pipeline,
// flagged, routed to the training channel and scored; and the replay of a
// stored incident.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandScenario } from '../../functions/src/domain/drills/expand';
import { parseScenario } from '../../functions/src/domain/drills/scenario';
import { SCORE_WEIGHTS } from '../../functions/src/domain/drills/score';
import { normalizePayload } from '../../functions/src/domain/sources';
import { db, FUNCTIONS, postAlert, slack, slackCallsFor, unique, waitFor } from '../support/emulator';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs `npm run drill -- ...` (the script) and resolves with its output; `onOutput` sees the output so far as it grows. */
function drill(args: string[], onOutput?: (out: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'drill.mjs'), ...args], { env: process.env });
    let out = '';
    const take = (c: Buffer) => {
      out += c.toString();
      onOutput?.(out);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`drill ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

/**
 * Starts `npm run drill -- ...` and resolves with the drill's id as soon as the script prints it,
 * while the script goes on publishing the scenario's alerts; `finished` is the rest of its run.
 */
function drillStarted(args: string[]): Promise<{ drillId: string; finished: Promise<string> }> {
  return new Promise((resolveStart, rejectStart) => {
    let started = false;
    const finished: Promise<string> = drill(args, (out) => {
      const drillId = drillIdOf(out);
      if (drillId && !started) {
        started = true;
        resolveStart({ drillId, finished });
      }
    });
    // Before the id: the start failed. After it: seen by whoever awaits `finished`.
    finished.then(
      () => !started && rejectStart(new Error(`drill ${args.join(' ')} printed no drill id`)),
      (e: unknown) => !started && rejectStart(e),
    );
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
    // The script publishes the scenario's alerts itself: the trainee does not wait for it to finish.
    const { drillId, finished } = await drillStarted([name, '--service', service, '--speed', String(speed), '--no-wait']);
    expect(drillId).toMatch(/^drill-/);
    const { scenario } = { scenario: parseScenario(fs.readFileSync(path.join(ROOT, 'scenarios', `${name}.yaml`), 'utf8'), name) };
    if (!scenario.ok) throw new Error('scenario does not parse');

    // The trainee acknowledges the first incident as soon as it opens: at speed the scenario's own
    // recovery can resolve it within seconds, and an acknowledgement after that is refused.
    const opened = await waitFor(async () => (await drillIncidents(drillId))[0], 'the first drill incident', 120_000);
    const ackRef = await db().collection(`incidents/${opened.id}/updates`).add({ action: 'acknowledge', requestedBy: 'uid-trainee' });
    const incidents = await waitFor(async () => {
      const list = await drillIncidents(drillId);
      return list.length === want.incidents ? list : undefined;
    }, `${want.incidents} drill incidents`, 120_000);
    expect(await finished).toContain('alerts published');
    for (const i of incidents) expect(i).toMatchObject({ drill: true, drillId, service });
    const first = incidents[0]!;
    expect(first.severity).toBe(want.sev);
    expect(first.runbook).toBe(want.runbook);
    if (name === 'bad-deploy') expect((first.deploys as { version: string }[]).map((d) => d.version)).toEqual([scenario.value.deploy?.version]);
    if (name === 'alert-storm') {
      // Exactly the distinct alerts the scenario sends (its fingerprints, as the pipeline normalises them): repeats fold.
      const steps = expandScenario(scenario.value, { drillId, service });
      const fingerprints = new Set(steps.flatMap((st) => {
        const r = normalizePayload(st.source, st.payload);
        return r.ok ? r.alerts.map((a) => a.fingerprint) : [];
      }));
      expect(fingerprints.size).toBe(300);
      const count = async () => (await db().collection(`incidents/${first.id}/alerts`).count().get()).data().count;
      await waitFor(async () => (await count()) === fingerprints.size, `the ${fingerprints.size} storm alerts`, 120_000);
      const occurrences = (await db().collection(`incidents/${first.id}/alerts`).get()).docs.reduce((sum, d) => sum + Number(d.get('occurrences')), 0);
      expect(occurrences).toBe(steps.length);
    }

    // Announced in the training channel, as a drill; nobody paged in the leadership channel.
    const calls = await waitFor(async () => {
      const c = await slackCallsFor(service);
      return c.some((x) => x.method === 'chat.postMessage' && x.args.channel === '#incident-drills') ? c : undefined;
    }, 'the announcement in the training channel');
    const posts = calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
    expect(posts.every((c) => String(c.args.text).includes('[DRILL]'))).toBe(true);
    expect(posts.some((c) => c.args.channel === '#incidents' || c.args.channel === '#incident-leadership')).toBe(false);

    // Acknowledged (above); the trainee resolves the first incident unless the scenario already did: the drill is scored.
    expect(first.id).toBe(opened.id);
    // At speed the scenario's own recovery can resolve the incident before the acknowledgement is
    // applied (then refused: "cannot acknowledge a resolved incident"); the score must say which happened.
    const ack = await waitFor(async () => (await ackRef.get()).get('result') as { ok: boolean } | undefined, 'the acknowledgement applied or refused');
    const acked = ack.ok === true;
    if (name === 'alert-storm') expect(ack).toEqual({ ok: true }); // nothing resolves by itself in a storm: written during it, it is applied
    if ((await db().doc(`incidents/${first.id}`).get()).get('status') !== 'resolved') await resolve(first.id);
    const report = await waitFor(async () => {
      const d = (await db().doc(`drills/${drillId}`).get()).data();
      return d?.status === 'scored' ? d : undefined;
    }, 'the drill report', 60_000);
    expect(report.incidentId).toBe(first.id);
    // Acknowledged in time when it was applied, no runbook step ticked, resolved; the postmortem counts as it was expected.
    const expected = scenario.value.expect;
    expect(report.score).toMatchObject({ acknowledgeTargetSeconds: expected.acknowledgeWithinSeconds, acknowledgedInTime: acked, resolved: true, timedOut: false, runbookSteps: { done: [], missing: expected.runbookSteps } });
    const runbookPart = expected.runbookSteps.length === 0 ? SCORE_WEIGHTS.runbook : 0;
    const postmortemPart = expected.postmortem ? (report.score.postmortemStarted ? SCORE_WEIGHTS.postmortem : 0) : SCORE_WEIGHTS.postmortem;
    expect(report.score.score).toBe((acked ? SCORE_WEIGHTS.acknowledge : 0) + runbookPart + SCORE_WEIGHTS.resolve + postmortemPart);
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
    // The original's order is the order the pipeline saw them; the replay's is the order it sent them in
    // (each replayed alert carries its send time as startsAt: delivery itself may interleave).
    const order = async (id: string, field: string) => (await db().collection(`incidents/${id}/alerts`).orderBy(field).get()).docs.map((d) => d.get('labels').instance);
    expect(await order(original.id, 'firstSeenAt')).toEqual(alerts);
    expect(await order(replayed!.id, 'startsAt')).toEqual(alerts);
  });
});

describe('running a drill in production: the admin-only callable', () => {
  const AUTH = `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST ?? '127.0.0.1:9099'}`;

  /** An ID token of an Auth emulator user with the given role. */
  async function idToken(role: string | null): Promise<string> {
    const email = `${unique(role ?? 'norole')}@example.com`;
    const { getAuth } = await import('firebase-admin/auth');
    const { adminApp } = await import('../../functions/src/adapters/firebase');
    // The pipeline's own app: it exists even when this test runs alone (-t).
    const auth = getAuth(adminApp());
    const user = await auth.createUser({ email, password: 'password' });
    if (role) await auth.setCustomUserClaims(user.uid, { role });
    const res = await fetch(`${AUTH}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo-key`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: 'password', returnSecureToken: true }),
    });
    return ((await res.json()) as { idToken: string }).idToken;
  }

  const call = (token: string, data: unknown) =>
    fetch(`${FUNCTIONS}/runDrill`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ data }),
    });

  it('refuses responders, and for an admin records the drill and plays it through the playDrill task', { timeout: 180_000 }, async () => {
    const service = unique('callable');
    const refused = await call(await idToken('responder'), { scenario: 'slow-dependency', service, speed: 10 });
    expect(refused.status).toBe(403);
    const bad = await call(await idToken('admin'), { scenario: '../../etc/passwd' });
    expect(bad.status).toBe(400);
    // A file beside the working directory passed the old name check and was read: names only now.
    const notAName = await call(await idToken('admin'), { scenario: 'package.json' });
    expect(notAName.status).toBe(400);
    expect(((await notAName.json()) as { error: { message: string } }).error.message).toMatch(/^"package\.json" is not a scenario name: names are lowercase letters, digits and -/);
    const res = await call(await idToken('admin'), { scenario: 'slow-dependency', service, speed: 10 });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: { drillId: string } };
    expect(result.drillId).toMatch(/^drill-/);
    const drillDoc = (await db().doc(`drills/${result.drillId}`).get()).data();
    expect(drillDoc).toMatchObject({ status: 'running', scenarioName: 'slow-dependency', service, speed: 10 });
    const incidents = await waitFor(async () => {
      const list = await drillIncidents(result.drillId);
      return list.length === 2 ? list : undefined;
    }, 'the drill incidents played by the task', 120_000);
    expect(incidents.every((i) => i.drill === true && i.service === service)).toBe(true);
    // The task records when it has published every alert; the next test file starts on a quiet pipeline.
    const played = await waitFor(async () => (await db().doc(`drills/${result.drillId}`).get()).data()?.publishedAt, 'the playDrill task to finish', 120_000);
    expect(played).toBeTruthy();
  });

  it('a drill whose time limit passes is scored as timed out', { timeout: 120_000 }, async () => {
    const { startDrill, finishOverdueDrills } = await import('../../functions/src/app/drills');
    const parsed = parseScenario(fs.readFileSync(path.join(ROOT, 'scenarios', 'slow-dependency.yaml'), 'utf8'), 'slow-dependency.yaml');
    if (!parsed.ok) throw new Error('the scenario does not parse');
    // Started an hour ago, at normal speed: its 20-minute limit is long past, and nobody responded.
    const drillId = await startDrill({ scenario: parsed.value, scenarioName: 'slow-dependency', startedBy: 'test', service: unique('timeout'), now: new Date(Date.now() - 3_600_000) });
    expect(await finishOverdueDrills()).toContain(drillId);
    const report = (await db().doc(`drills/${drillId}`).get()).data() ?? {};
    expect(report).toMatchObject({ status: 'scored', timedOut: true, incidentId: null });
    expect(report.score.timedOut).toBe(true);
    expect(await finishOverdueDrills()).not.toContain(drillId);
  });
});
