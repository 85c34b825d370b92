// Generated drills on the emulators: a service's past incident becomes the
// context, `npm run drill -- --generate` writes a scenario from its real alert
// shape, the scenario plays through the pipeline at speed and is scored, and
// the history shows the run. Without history the generator falls back, and
// says so; a bad kind or a missing service is a clear error.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../functions/src/domain/drills/scenario';
import { db, FUNCTIONS, postAlert, unique, waitFor } from '../support/emulator';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs scripts/drill.mjs: its exit code, stdout and stderr. */
function drill(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'drill.mjs'), ...args], { env: process.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** Starts a drill with the script, which plays it in-process: resolves with the drill id as soon as it is printed, and the exit. */
function startDrillScript(args: string[]): Promise<{ drillId: string; done: Promise<{ code: number | null; out: string }> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'drill.mjs'), ...args], { env: process.env });
    let out = '';
    let resolved = false;
    const done = new Promise<{ code: number | null; out: string }>((r) => child.on('exit', (code) => r({ code, out })));
    const seen = (c: Buffer) => {
      out += c.toString();
      const id = /drill (drill-[\w-]+):/.exec(out)?.[1];
      if (id && !resolved) {
        resolved = true;
        resolve({ drillId: id, done });
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    void done.then(({ code }) => !resolved && reject(new Error(`drill ${args.join(' ')} exited ${code} without a drill id:\n${out}`)));
  });
}

const AUTH = `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST ?? '127.0.0.1:9099'}`;

/** An ID token of an Auth emulator user with the given role. */
async function idToken(role: string): Promise<string> {
  const email = `${unique(role)}@example.com`;
  const { getAuth } = await import('firebase-admin/auth');
  const { adminApp } = await import('../../functions/src/adapters/firebase');
  const auth = getAuth(adminApp());
  const user = await auth.createUser({ email, password: 'password' });
  await auth.setCustomUserClaims(user.uid, { role });
  const res = await fetch(`${AUTH}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo-key`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'password', returnSecureToken: true }),
  });
  return ((await res.json()) as { idToken: string }).idToken;
}

const callGenerate = (token: string, data: unknown) =>
  fetch(`${FUNCTIONS}/generateDrill`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify({ data }) });

describe('generated drills', () => {
  it('a past incident becomes a drill with its alert shape that plays through the pipeline, is scored, and shows in the history', { timeout: 90_000 }, async () => {
    const service = unique('gen');
    const labels = { alertname: 'PaymentsRejected', service, env: 'production', namespace: 'shop', route: '/api/pay', pod: `${service}-7d9f-1`, severity: 'critical' };
    await postAlert('alertmanager', {
      version: '4',
      status: 'firing',
      alerts: [{ status: 'firing', labels, annotations: { summary: `${service}: card payments rejected` }, startsAt: new Date().toISOString() }],
    });
    const past = await waitFor(async () => {
      const s = await db().collection('incidents').where('service', '==', service).get();
      const doc = s.docs[0];
      return doc && (await db().collection(`incidents/${doc.id}/alerts`).count().get()).data().count === 1 ? doc : undefined;
    }, 'the past incident with its alert');

    const file = path.join(os.tmpdir(), `generated-${service}.yaml`);
    const gen = await drill(['--generate', '--service', service, '--kind', 'dependency', '--seed', '7', '--out', file]);
    expect(gen.code, gen.err).toBe(0);
    expect(gen.err).toContain(`wrote `);
    expect(gen.err).not.toContain('FALLBACK');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain(`from past incident ${past.id}`);
    const parsed = parseScenario(text, file);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    // The same seed gives the same file (printed to stdout without --out).
    const again = await drill(['--generate', '--service', service, '--kind', 'dependency', '--seed', '7']);
    expect(again.out).toBe(text);
    // The past alert's shape: Alertmanager, its name and labels.
    const first = parsed.value.alerts[0]!;
    expect(first.source).toBe('alertmanager');
    const sent = (first.payload.alerts as { labels: Record<string, string> }[])[0]!.labels;
    expect(sent).toMatchObject({ alertname: 'PaymentsRejected', namespace: 'shop', route: '/api/pay', severity: 'critical' });

    // At 6× speed the scenario's ~3 minutes take ~30 s; the script plays them while the trainee responds.
    const { drillId, done } = await startDrillScript([file, '--speed', '6', '--no-wait']);
    expect(drillId).toMatch(/^drill-/);
    const incident = await waitFor(async () => {
      const s = await db().collection('incidents').where('drillId', '==', drillId).get();
      return s.docs[0];
    }, 'the drill incident', 30_000);
    expect(incident.data()).toMatchObject({ drill: true, service, severity: 'SEV1' });
    expect(incident.id).not.toBe(past.id);
    await db().collection(`incidents/${incident.id}/updates`).add({ action: 'acknowledge', requestedBy: 'uid-trainee' });
    await waitFor(async () => (await db().doc(`incidents/${incident.id}`).get()).get('acknowledgedAt'), 'acknowledged');
    await db().collection(`incidents/${incident.id}/updates`).add({ action: 'mitigate', requestedBy: 'uid-trainee' });
    // The dependency recovers in the scenario: its alerts resolve, the incident resolves, the drill is scored.
    const report = await waitFor(async () => {
      const d = (await db().doc(`drills/${drillId}`).get()).data();
      return d?.status === 'scored' ? d : undefined;
    }, 'the drill report', 45_000);
    expect(report).toMatchObject({ incidentId: incident.id, acknowledgedBy: 'uid-trainee', timedOut: false });
    expect(report.score).toMatchObject({ acknowledgedBy: 'uid-trainee', acknowledgedInTime: true, resolved: true, acknowledgeTargetSeconds: parsed.value.expect.acknowledgeWithinSeconds });
    expect(report.score.timeToMitigateSeconds).toBeGreaterThanOrEqual(report.score.timeToAcknowledgeSeconds);
    expect(report.score.runbookSteps.expected).toEqual(parsed.value.expect.runbookSteps);
    expect(report.score.score).toBeGreaterThan(0);
    const played = await done;
    expect(played.code, played.out).toBe(0);
    expect(played.out).toContain(`all ${parsed.value.alerts.length} alerts published`);

    const history = await drill(['--history', '--service', service]);
    expect(history.code, history.err).toBe(0);
    expect(history.out).toContain(`service ${service}: 1 run, average score ${report.score.score}`);
    expect(history.out).toContain('uid-trainee');
    const person = await drill(['--history', '--person', 'uid-trainee', '--limit', '50']);
    expect(person.out).toMatch(/person uid-trainee: \d+ runs?/);
  });

  it('without history it falls back and says so; a bad kind or no service is a clear error; the console\'s callable gives the same file', { timeout: 45_000 }, async () => {
    const service = unique('quiet');
    const gen = await drill(['--generate', '--service', service, '--kind', 'bad-deploy', '--seed', '3']);
    expect(gen.code, gen.err).toBe(0);
    expect(gen.err).toContain(`note: FALLBACK: ${service} has no past incidents`);
    expect(gen.out).toContain(`# FALLBACK: ${service} has no past incidents.`);
    expect(parseScenario(gen.out, 'stdout.yaml').ok).toBe(true);

    const badKind = await drill(['--generate', '--service', service, '--kind', 'meteor']);
    expect(badKind.code).toBe(2);
    expect(badKind.err).toContain('unknown kind "meteor": use one of bad-deploy, dependency, saturation, storm');
    const noService = await drill(['--generate']);
    expect(noService.code).toBe(2);
    expect(noService.err).toContain('--generate needs --service NAME');

    // The console previews through the generateDrill callable: admins only, the same generator, the same file.
    expect((await callGenerate(await idToken('responder'), { service, kind: 'bad-deploy', seed: 3 })).status).toBe(403);
    const admin = await idToken('admin');
    const bad = await callGenerate(admin, { service, kind: 'meteor' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^unknown kind "meteor": use one of bad-deploy, dependency, saturation, storm/);
    const res = await callGenerate(admin, { service, kind: 'bad-deploy', seed: 3 });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: { yaml: string; fallback: boolean; kind: string; timeline: { at: number; text: string }[] } };
    expect(result).toMatchObject({ yaml: gen.out, fallback: true, kind: 'bad-deploy' });
    expect(result.timeline[0]!.text).toMatch(/^deploy v1\.0\.\d/);
  });
});
