// Generated drills on the emulators: a service's past incident becomes the
// context, `npm run drill -- --generate` writes a scenario from its real alert
// shape, the scenario plays through the pipeline at speed and is scored, and
// the history shows the run. Without history the generator falls back, and
// says so; a bad kind or a missing service is a clear error. A scenario that
// names a participant pages that person only (test/config/oncall.yaml:
// level 2 at 10 s, the end at 40 s), every message marked [DRILL], and the
// score carries the page's time to acknowledge and the escalation level.
import { randomInt } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../functions/src/domain/duration';
import { parseScenario } from '../../functions/src/domain/drills/scenario';
import { db, FUNCTIONS, postAlert, slack, timelineOf, unique, waitFor } from '../support/emulator';
import type { TwilioRequest } from '../support/twilioServer';

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
const callRunDrill = (token: string, data: unknown) =>
  fetch(`${FUNCTIONS}/runDrill`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify({ data }) });

const HOSTING = `http://127.0.0.1:${process.env.HOSTING_PORT ?? '5000'}`;
const TWILIO = `http://127.0.0.1:${process.env.TWILIO_TEST_PORT ?? '0'}`;
/** What the loopback Twilio sent (accepted) to one number. */
async function smsTo(phone: string): Promise<TwilioRequest[]> {
  const { requests } = (await (await fetch(`${TWILIO}/_calls`)).json()) as { requests: TwilioRequest[] };
  return requests.filter((r) => r.kind === 'sms' && r.answer.startsWith('SM') && r.fields.To === phone);
}

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

  it('a scenario that names one participant pages only them, marked [DRILL] everywhere; the score has the page\'s time to acknowledge and the escalation level', { timeout: 120_000 }, async () => {
    const tag = unique('dp').slice(3);
    const letters = tag.toUpperCase().replace(/[^A-Z0-9]/g, '');
    // The participant is on call at level 2 (paging-test-lead); a bystander is on call at level 1 (paging-test).
    const trainee = { uid: `uid-dp-${tag}-trainee`, slackUserId: `U0DPT${letters}`, email: `dp-${tag}-trainee@example.com`, phone: `+1555${String(randomInt(1_000_000, 9_999_999))}` };
    const bystander = { uid: `uid-dp-${tag}-bystander`, phone: `+1556${String(randomInt(1_000_000, 9_999_999))}` };
    await slack.addUser({ id: trainee.slackUserId, email: trainee.email, name: trainee.uid });
    await db().doc(`users/${trainee.uid}`).set({ name: 'Tess Trainee', email: trainee.email, phone: trainee.phone, slackUserId: trainee.slackUserId, notify: ['slack', 'sms'].map((channel) => ({ channel, after: '0m' })) });
    await db().doc(`users/${bystander.uid}`).set({ name: 'Bo Bystander', phone: bystander.phone, notify: [{ channel: 'sms', after: '0m' }] });
    const now = Date.now();
    const overrides: string[] = [];
    for (const [schedule, uid] of [['paging-test', bystander.uid], ['paging-test-lead', trainee.uid]] as const) {
      const ref = db().collection('oncallOverrides').doc();
      await ref.set({ schedule, uid, start: new Date(now - 60_000), end: new Date(now + 10 * 60_000), createdBy: 'uid-drill-test', createdAt: new Date(now), reason: 'drill paging emulator test' });
      overrides.push(ref.id);
    }
    try {
      const service = unique('drill-pg');
      const title = `Payments failing ${service}`;
      const yaml = [
        `name: Paged drill ${service}`,
        `service: ${service}`,
        `participants: [${trainee.uid}]`,
        'timeLimitMinutes: 10',
        'expect: { acknowledgeWithinSeconds: 5m }',
        'alerts:',
        `  - { at: 0, alert: { title: "${title}", severity: critical } }`,
        '',
      ].join('\n');
      const res = await callRunDrill(await idToken('admin'), { yaml, speed: 1 });
      expect(res.status).toBe(200);
      const { drillId } = ((await res.json()) as { result: { drillId: string } }).result;
      expect((await db().doc(`drills/${drillId}`).get()).get('participants')).toEqual([trainee.uid]);

      const incident = await waitFor(async () => (await db().collection('incidents').where('drillId', '==', drillId).get()).docs[0], 'the drill incident', 30_000);
      expect(incident.data()).toMatchObject({ drill: true, service, severity: 'SEV1', status: 'triggered' });
      // Level 1 pages the trainee (not the bystander on call there); level 2, 10 s in, pages nobody.
      const sms = await waitFor(async () => (await smsTo(trainee.phone)).find((r) => (r.fields.Body ?? '').includes(title)), "the trainee's SMS", 60_000);
      const paged = await waitFor(async () => {
        const list = (await timelineOf(incident.id)).filter((e) => e.type === 'paged');
        return list.length === 2 ? list : undefined;
      }, 'level 2 (10 s in)', 60_000);
      expect(paged.map((e) => e.data.uids)).toEqual([[trainee.uid], []]);
      expect(paged[0]!.message).toBe(`paged Tess Trainee (${trainee.uid}) (level 1 of 2, policy paging-test); a drill pages only its participants (not ${bystander.uid})`);
      expect(paged[1]!.message).toBe('level 2 of 2, policy paging-test paged nobody; a drill pages only its participants, at the first level');

      // The trainee acknowledges with the SMS's one-time link, before the escalation's end (40 s in).
      expect(sms.fields.Body!.startsWith('[DRILL] SEV1: ')).toBe(true);
      const link = /(http:\/\/\S+\/pageAck\?t=[A-Za-z0-9_-]+)/.exec(sms.fields.Body ?? '')?.[1] ?? '';
      expect(link.startsWith(`${HOSTING}/pageAck?t=`)).toBe(true);
      const t = new URL(link).searchParams.get('t') ?? '';
      const ack = await fetch(link, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ t }) });
      expect(ack.status).toBe(200);
      await waitFor(async () => (await db().doc(`incidents/${incident.id}`).get()).get('status') === 'acknowledged', 'acknowledged');
      await db().collection(`incidents/${incident.id}/updates`).add({ action: 'resolve', requestedBy: trainee.uid });
      const scored = await waitFor(async () => {
        const d = (await db().doc(`drills/${drillId}`).get()).data();
        return d?.status === 'scored' ? d : undefined;
      }, 'the drill score', 30_000);

      // Exactly the trainee's two channels, nobody else; every message says [DRILL].
      const pages = (await db().collection(`incidents/${incident.id}/pages`).get()).docs.map((d) => d.data());
      expect(pages.map((p) => [p.uid, p.level, p.channel, p.status]).sort()).toEqual([
        [trainee.uid, 0, 'slack', 'sent'],
        [trainee.uid, 0, 'sms', 'acknowledged'],
      ]);
      expect(await smsTo(bystander.phone)).toEqual([]);
      expect((await smsTo(trainee.phone)).filter((r) => (r.fields.Body ?? '').includes(title))).toHaveLength(1);
      const { calls } = await slack.state();
      const dms = calls.filter((c) => c.method === 'chat.postMessage' && c.answer === 'ok' && c.args.channel === trainee.slackUserId && JSON.stringify(c.args).includes(incident.id));
      expect(dms).toHaveLength(1);
      const aboutIt = calls.filter((c) => c.method.startsWith('chat.') && JSON.stringify(c.args).includes(incident.id));
      expect(aboutIt.length).toBeGreaterThan(dms.length);
      expect(aboutIt.filter((c) => !JSON.stringify(c.args).includes('[DRILL]')).map((c) => c.method)).toEqual([]);

      // The score: from the first page sent to the acknowledgement (the page's own, by the link), level 2 reached.
      const firstSent = Math.min(...pages.map((p) => (p.at as FirebaseFirestore.Timestamp).toMillis()));
      const ackedAt = (pages.find((p) => p.status === 'acknowledged')!.acknowledgedAt as FirebaseFirestore.Timestamp).toMillis();
      const pageAck = Math.round(Math.max(0, ackedAt - firstSent) / 1000);
      expect(pageAck).toBeGreaterThanOrEqual(5);
      expect(pageAck).toBeLessThan(45);
      expect(scored).toMatchObject({ incidentId: incident.id, acknowledgedBy: trainee.uid, timedOut: false });
      expect(scored.score).toMatchObject({ pageAckSeconds: pageAck, escalationLevelReached: 2, pagedUids: [trainee.uid], acknowledgedBy: trainee.uid, resolved: true });
      expect(scored.report).toContain(`page acknowledged in ${formatDuration(pageAck)} (escalation level 2) ✓`);

      // The history per person shows the run with the page's time and level.
      const person = await drill(['--history', '--person', trainee.uid]);
      expect(person.code, person.err).toBe(0);
      expect(person.out).toContain(`person ${trainee.uid}: 1 run, average score ${scored.score.score}`);
      expect(person.out).toMatch(new RegExp(` ${formatDuration(pageAck)} +2 +${scored.score.score}  ${service}`));
    } finally {
      // Nobody stays on call for the files that run after this one.
      for (const id of overrides) await db().doc(`oncallOverrides/${id}`).delete();
      for (const uid of [trainee.uid, bystander.uid]) await db().doc(`users/${uid}`).delete();
    }
  });
});
