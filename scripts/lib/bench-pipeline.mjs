// Runs inside `firebase emulators:exec` for `npm run bench`: measures the real
// pipeline (alert → incident latency, what one new incident and a storm cost,
// and the capacity ramp). Writes its figures, and the time windows whose reads,
// writes and invocations bench.mjs counts, as JSON to the file named by argv[2].
// Options (argv[3], JSON): slackUrl, twilioUrl (the loopback Twilio the
// functions' TWILIO_API_URL points at), token, rate, functionsUrl, ramp (rates),
// rampMessages, checkHost (the proxy's port for the self-check), pagingProbes,
// only ('paging': the proxy check, a warm-up and the paging probes alone;
// 'capacity': the proxy check and the ramp alone).
import fs from 'node:fs';
import { PubSub } from '@google-cloud/pubsub';
import { initializeApp } from 'firebase-admin/app';
import { AggregateField, getFirestore } from 'firebase-admin/firestore';
import path from 'node:path';
import { parse } from 'yaml';
import { controlClient } from './benchControl.mjs';
import { runProxyCheck } from './proxyCheck.mjs';
import { atRate, percentile, STORM_MESSAGES, DISTINCT, stormMessage, distinctOf, warmWorkers } from './storm.mjs';

const [, , outFile, optionsJson] = process.argv;
const { slackUrl, twilioUrl, token, rate: RATE = 10, functionsUrl, ramp = [], rampMessages = 240, checkHost, pagingProbes = 20, only = null } = JSON.parse(optionsJson);
const onlyPaging = only === 'paging';
const project = process.env.GCLOUD_PROJECT;
const control = controlClient(process.env.BENCH_CONTROL_URL);
const db = getFirestore(initializeApp({ projectId: project }));
const pubsub = new PubSub({ projectId: project });
const alerts = pubsub.topic('alerts', { batching: { maxMessages: 1, maxMilliseconds: 0 } });
const tag = Date.now().toString(36);
const log = (...a) => console.error('[bench]', ...a);
const windows = {};
const notes = [];

async function until(probe, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the functions are quiet; notes it when they were not within the deadline. */
async function quiet(what, opts) {
  const q = await control.quiet(opts);
  if (q.timedOut) notes.push(`${what}: not quiet after ${Math.round(q.waitedMs / 1000)} s (still running: ${JSON.stringify(q.running)}, open RPCs ${q.openRpcs}); counted up to then`);
  return q.at;
}

/**
 * A baseline: what the functions do in `ms` while the bench sends nothing
 * (a fixed measuring interval, not a wait for a condition).
 */
async function baseline(name, ms = 5000) {
  const from = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  windows[name] = { from, to: Date.now() };
}

/** Resolves when a snapshot listener first sees an incident for `service`. */
function incidentVisible(service) {
  return new Promise((resolve, reject) => {
    const unsubscribe = db.collection('incidents').where('service', '==', service).onSnapshot((snap) => {
      if (!snap.empty) {
        unsubscribe();
        resolve(snap.docs[0]);
      }
    }, reject);
  });
}

async function postAlert(body) {
  const res = await fetch(`${functionsUrl}/alertWebhook/generic`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
}

/** Starts `workers` onAlertPublished workers: that many concurrent messages of one warm-up group. */
async function warm(workers, name = '') {
  const service = `warm-${tag}${name}`;
  await Promise.all(Array.from({ length: workers }, (_, n) => alerts.publishMessage({ json: { title: 'warm-up', service, severity: 'info', fingerprint: `w${n}` }, attributes: { source: 'generic' } })));
  await until(async () => {
    const s = await db.collection('incidents').where('service', '==', service).get();
    return !s.empty && (await s.docs[0].ref.collection('alerts').count().get()).data().count === workers;
  }, 'the warm-up alerts', 120_000);
}

/** The incident of `service` and its counts: alertCount (rolled up) and the sum of the alerts' occurrences. */
async function stormCounts(ref) {
  const [inc, sum] = await Promise.all([ref.get(), ref.collection('alerts').aggregate({ occurrences: AggregateField.sum('occurrences') }).get()]);
  return { alertCount: inc.get('alertCount') ?? 0, occurrences: sum.data().occurrences ?? 0 };
}

// --- 0. the proxy counts what it should -------------------------------------
{
  const check = await runProxyCheck({ host: checkHost, projectId: project, countsBetween: (from, to) => control.firestore(from, to, 'bench-check') });
  if (!check.ok) {
    console.error(`bench: the Firestore proxy miscounted known operations (${check.wrong.join(', ')}): expected ${JSON.stringify(check.expected)}, got ${JSON.stringify(check.got)}`);
    process.exit(1);
  }
  log('proxy check passed', JSON.stringify(check.got));
}

/**
 * Phases 1-3: alert → incident latency, the new-incident probes and the storm.
 * Returns their figures; their time windows go into `windows`.
 */
async function latencyAndStorm() {
  // --- 1. alert → incident, 50 sequential alerts, warm ------------------------
  log('warming up');
  await postAlert({ title: 'warm-up', service: `warm-http-${tag}`, severity: 'info' });
  await until(async () => !(await db.collection('incidents').where('service', '==', `warm-http-${tag}`).get()).empty, 'the first incident', 120_000);
  await warm(6);
  log('alert → incident latency, 50 sequential alerts');
  const latencies = [];
  for (let i = 0; i < 50; i++) {
    const service = `latency-${tag}-${i}`;
    const visible = incidentVisible(service);
    const t0 = performance.now();
    await postAlert({ title: 'Latency probe', service, environment: 'production', severity: 'critical' });
    await visible;
    latencies.push(performance.now() - t0);
  }

  // --- 2. one alert that opens an incident, alone, until everything it causes has run
  await quiet('before the new-incident probes', { timeoutMs: 120_000 });
  await baseline('baselineBeforeProbes');
  windows.newIncident = [];
  for (let i = 0; i < 3; i++) {
    const service = `probe-${tag}-${i}`;
    const visible = incidentVisible(service);
    const from = Date.now();
    await postAlert({ title: 'New incident probe', service, environment: 'production', severity: 'critical' });
    await visible;
    const to = await quiet(`new-incident probe ${i + 1}`, { timeoutMs: 60_000 });
    windows.newIncident.push({ from, to });
  }

  // --- 3. the storm -------------------------------------------------------------
  await warm(warmWorkers(RATE), '-storm');
  await quiet('before the storm', { timeoutMs: 60_000 });
  await baseline('baselineBeforeStorm');
  const service = `storm-${tag}`;
  log(`storm: ${STORM_MESSAGES} messages at ${RATE}/s for service ${service}`);
  const writes = [];
  let unsubscribeIncident = () => undefined;
  const incidentId = new Promise((resolve) => {
    const stop = db.collection('incidents').where('service', '==', service).onSnapshot((snap) => {
      if (snap.empty) return;
      stop();
      const ref = snap.docs[0].ref;
      unsubscribeIncident = ref.onSnapshot((doc) => writes.push(doc.updateTime.toMillis()));
      resolve(ref.id);
    });
  });
  const t0 = Date.now();
  await atRate(STORM_MESSAGES, RATE, (n) => alerts.publishMessage({ json: stormMessage(n, service), attributes: { source: 'alertmanager' } }));
  const publishedAt = Date.now();
  const id = await incidentId;
  const ref = db.collection('incidents').doc(id);
  // Until the counts settle; or they stop moving for a minute, or are still short
  // 5 minutes after the last message: then the rest counts as lost (reported, not thrown).
  let lastProgress = { alertCount: 0, occurrences: 0, at: Date.now() };
  let stalled = false;
  let stallReason = '';
  await until(async () => {
    const { alertCount, occurrences } = await stormCounts(ref);
    if (alertCount !== lastProgress.alertCount || occurrences !== lastProgress.occurrences) lastProgress = { alertCount, occurrences, at: Date.now() };
    if (Date.now() - lastProgress.at > 60_000) [stalled, stallReason] = [true, 'no progress for 60 s'];
    else if (Date.now() - publishedAt > 300_000) [stalled, stallReason] = [true, 'still short 5 minutes after the last message'];
    return stalled || (alertCount === DISTINCT && occurrences === STORM_MESSAGES);
  }, 'the storm counts to settle', 400_000);
  const settledAt = stalled ? lastProgress.at : Date.now();
  if (stalled) {
    notes.push(
      `THE STORM DID NOT SETTLE: alertCount stopped at ${lastProgress.alertCount} of ${DISTINCT} and the occurrences at ${lastProgress.occurrences} of ${STORM_MESSAGES} (${stallReason}): ` +
        `${STORM_MESSAGES - lastProgress.occurrences} messages not handled (lost, or later than that; firebase-tools acks a Pub/Sub message even when its dispatch to the function fails, so the emulator drops what production would redeliver). stormAlertsPerSecond is then messages handled / seconds until the last progress, and the per-alert costs are per message handled.`,
    );
  }
  unsubscribeIncident();
  // Everything the storm set going (roll-ups, coalesced notifications) is part of its cost.
  windows.storm = { from: t0, to: await quiet('after the storm', { timeoutMs: stalled ? 30_000 : 60_000 }), messages: stalled ? lastProgress.occurrences : STORM_MESSAGES };
  const stormSeconds = (settledAt - t0) / 1000;
  const inWindow = [...new Set(writes)].filter((t) => t >= t0 && t <= settledAt).sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0; i < inWindow.length; i++) {
    let j = i;
    while (j < inWindow.length && inWindow[j] - inWindow[i] < 1000) j++;
    peak = Math.max(peak, j - i);
  }
  const channel = (await ref.get()).get('slack');
  const { calls } = await (await fetch(`${slackUrl}/_calls`)).json();
  const stormCalls = calls.filter((c) => JSON.stringify(c.args).includes(service) || (channel && c.args.channel === channel));
  return {
    alertToIncidentMsP50: Math.round(percentile(latencies, 50)),
    alertToIncidentMsP95: Math.round(percentile(latencies, 95)),
    stormAlertsPerSecond: Number(((stalled ? lastProgress.occurrences : STORM_MESSAGES) / stormSeconds).toFixed(2)),
    stormUnhandledMessages: stalled ? STORM_MESSAGES - lastProgress.occurrences : 0,
    stormSeconds: Number(stormSeconds.toFixed(1)),
    stormPublishSeconds: Number(((publishedAt - t0) / 1000).toFixed(1)),
    stormIncidentDocWrites: inWindow.length,
    stormIncidentDocWritesPerSecond: Number((inWindow.length / stormSeconds).toFixed(2)),
    stormIncidentDocWritesPeakPerSecond: peak,
    stormSlackCalls: stormCalls.length,
    stormSlackMethods: Object.fromEntries(Object.entries(stormCalls.reduce((m, c) => ({ ...m, [c.method]: (m[c.method] ?? 0) + 1 }), {}))),
  };
}

// --- 4. alert → first page ----------------------------------------------------
/**
 * The bench project's first paging level: the schedule its default policy
 * pages first (config/oncall.yaml with test/config/oncall.yaml merged over it,
 * as the functions read it), so the probes' person can be put on call there
 * with an override, as an on-call engineer covering a shift would be.
 */
function firstPagedSchedule() {
  const file = path.join(process.env.INCIDENT_PIPELINE_ROOT ?? '.', 'config', 'oncall.yaml');
  const oncall = parse(fs.readFileSync(file, 'utf8')) ?? {};
  const policyId = oncall.page?.policy;
  const level = oncall.escalationPolicies?.[policyId]?.levels?.[0];
  const target = (level?.targets ?? []).find((t) => typeof t === 'string' && t.startsWith('schedule:'));
  if (!target || !(oncall.page?.severities ?? []).includes('SEV1')) {
    throw new Error(`bench: ${file} pages no SEV1 through a schedule (page.severities ${JSON.stringify(oncall.page?.severities)}, page.policy ${policyId}, its first level ${JSON.stringify(level)}): the paging probes need one`);
  }
  return { schedule: target.slice('schedule:'.length), policyId };
}

/** The first SMS the loopback Twilio accepted for `to` whose body names `title`, or undefined. */
async function firstSms(to, title) {
  const { requests } = await (await fetch(`${twilioUrl}/_calls`)).json();
  return requests.find((r) => r.kind === 'sms' && r.answer.startsWith('SM') && r.fields.To === to && (r.fields.Body ?? '').includes(title));
}

/**
 * alertToFirstPageMsP50/P95 (CONTRACT §10): `pagingProbes` SEV1 alerts, one
 * after the other, each a new service and so its own incident, POSTed to the
 * webhook and timed from the POST until the loopback Twilio records the SMS
 * that names it (its own clock, stamped on arrival; same machine). The person
 * on call has one notification step, SMS at 0 min. Each incident is then
 * acknowledged, and the phase ends when every probe's escalation has stopped
 * (its level-2 task found it acknowledged) and the functions are quiet: no
 * paging task is left to run in the ramp.
 */
async function alertToFirstPage() {
  const { schedule, policyId } = firstPagedSchedule();
  const uid = `uid-bench-pager-${tag}`;
  const phone = `+1555${String(Date.now() % 10_000_000).padStart(7, '0')}`;
  await db.doc(`users/${uid}`).set({ name: 'Bench Pager', phone, notify: [{ channel: 'sms', after: '0m' }] });
  const now = Date.now();
  const override = db.collection('oncallOverrides').doc(`bench-${tag}`);
  await override.set({ schedule, uid, start: new Date(now - 60_000), end: new Date(now + 15 * 60_000), createdBy: 'bench', createdAt: new Date(now), reason: 'npm run bench: the paging probes' });
  // The Functions emulator runs Firestore-triggered functions one at a time, in
  // order: a trigger of the bench's own writes (this override, a probe's
  // acknowledgement) still running, or cold, would hold up the next probe's
  // onIncidentWritten. So the set-up settles first, and each acknowledgement
  // is applied before the next probe.
  await quiet('after the paging set-up', { timeoutMs: 60_000 });
  const incidents = [];
  /** One probe: the milliseconds from its POST to its SMS. */
  async function probe(name) {
    const service = `page-${tag}-${name}`;
    const title = `Paging probe ${service}`;
    const t0 = Date.now();
    await postAlert({ title, service, environment: 'production', severity: 'critical' });
    const sms = await until(() => firstSms(phone, title), `the SMS of ${service}`, 120_000);
    const incident = (await db.collection('incidents').where('service', '==', service).get()).docs[0];
    if (!incident) throw new Error(`bench: ${service} was paged but has no incident`);
    incidents.push(incident.id);
    await incident.ref.collection('updates').add({ action: 'acknowledge', requestedBy: uid, via: 'console', message: 'bench: paging probe' });
    await until(async () => (await incident.ref.get()).get('status') === 'acknowledged', `the acknowledgement of ${service}`, 60_000);
    return sms.at - t0;
  }
  log('alert → first page: a warm-up probe');
  await probe('warm');
  await quiet('after the paging warm-up', { timeoutMs: 60_000 });
  log(`alert → first page: ${pagingProbes} sequential SEV1 probes, SMS to ${phone} (override on ${schedule})`);
  const ms = [];
  for (let i = 0; i < pagingProbes; i++) ms.push(await probe(`p${String(i).padStart(3, '0')}`)); // equal lengths: no title is a prefix of another
  await until(async () => {
    const states = await Promise.all(incidents.map((id) => db.doc(`incidents/${id}/paging/c0`).get()));
    return states.every((s) => s.get('status') === 'stopped');
  }, "every paging probe's escalation to stop", 120_000);
  await override.delete();
  await db.doc(`users/${uid}`).delete();
  await quiet('after the paging probes', { timeoutMs: 60_000 });
  const p95 = Math.round(percentile(ms, 95));
  return {
    p50: Math.round(percentile(ms, 50)),
    p95,
    probes: ms.length,
    how:
      `${ms.length} generic SEV1 alerts (severity critical), one after the other after 1 warm-up, each for a new service (its own incident), POSTed to /alertWebhook/generic and timed from the POST until the loopback Twilio server (TWILIO_API_URL) recorded an accepted SMS naming the incident; ` +
      `the person on call (an override on schedule ${schedule}, the first level of policy ${policyId}) has one notification step, SMS at 0 min. The path: webhook → incident → onIncidentWritten → escalateIncident task → pageResponder task → Twilio. ` +
      'The set-up (user, override) and the warm-up settled (functions quiet) before the first probe, and each probe incident was acknowledged (console), the acknowledgement applied, before the next: the Functions emulator runs Firestore triggers one at a time, so a trigger of the bench\'s own writes would otherwise hold up the next probe. ' +
      `Earlier probes' level-2 tasks (at 10 s, finding them acknowledged) run during later probes. The phase ended when every probe's escalation had stopped and the functions were quiet; ${onlyPaging ? 'with --only paging it ran alone' : "it ran after the storm's window had closed and before the ramp, on services of its own"}. ` +
      `Min ${Math.round(Math.min(...ms))} ms, max ${Math.round(Math.max(...ms))} ms`,
  };
}
// --- 5. the capacity ramp -------------------------------------------------------
/** One step: `n` messages (distinct alerts + every 6th a repeat) of a fresh group at `r`/s. */
let warmed = 0; // the first step always warms (the storm may have left workers stuck)
async function rampStep(r, n, attempt = 1) {
  const stepService = `ramp-${tag}-${r}-${attempt}`;
  const distinct = distinctOf(n);
  // Workers stay up once started: warm again only for more of them, or after a failed attempt.
  if (warmWorkers(r) > warmed || attempt > 1) {
    await warm(warmWorkers(r), `-r${r}-${attempt}`);
    warmed = Math.max(warmed, warmWorkers(r));
  }
  await quiet(`before the ${r}/s step`, { forMs: 1500, allFinished: false, timeoutMs: 60_000 });
  const visible = incidentVisible(stepService);
  const from = Date.now();
  await atRate(n, r, (i) => alerts.publishMessage({ json: stormMessage(i, stepService), attributes: { source: 'alertmanager' } }));
  const published = Date.now();
  const first = await Promise.race([visible, new Promise((res) => setTimeout(() => res(null), 30_000))]);
  let counts = { alertCount: 0, occurrences: 0 };
  let progressAt = Date.now();
  let settled = null;
  if (first) {
    for (;;) {
      const c = await stormCounts(first.ref);
      if (c.alertCount !== counts.alertCount || c.occurrences !== counts.occurrences) progressAt = Date.now();
      counts = c;
      if (c.alertCount === distinct && c.occurrences === n) {
        settled = Date.now();
        break;
      }
      if (Date.now() - progressAt > 10_000) break; // no progress for 10 s: the rest is lost, or too late to matter
      await new Promise((res) => setTimeout(res, 250));
    }
  }
  const lagSeconds = settled ? (settled - published) / 1000 : null;
  const step = {
    rate: r,
    messages: n,
    // The window whose CPU time the bench counts: first publish until settled (or the last progress).
    from,
    to: settled ?? progressAt,
    publishSeconds: Number(((published - from) / 1000).toFixed(1)),
    lagSeconds: lagSeconds === null ? null : Number(lagSeconds.toFixed(1)),
    handledPerSecond: settled ? Number((n / ((settled - from) / 1000)).toFixed(2)) : null,
    unhandledAlerts: distinct - counts.alertCount,
    unhandledMessages: n - counts.occurrences,
  };
  step.pass = settled !== null && lagSeconds <= 5;
  return step;
}
// A step that fails is run once more (a fresh service): one hiccup of a busy
// machine does not end the ramp; two failures at one rate do.
async function capacityRamp() {
  const steps = [];
  // The ramp counts no reads or writes: the proxy passes its RPCs through undecoded (as for the floor).
  await control.decoding(false);
  for (const r of ramp) {
    log(`capacity ramp: ${rampMessages} messages at ${r}/s`);
    let step = await rampStep(r, rampMessages);
    if (!step.pass) {
      log('step failed, once more', JSON.stringify(step));
      step = { ...(await rampStep(r, rampMessages, 2)), firstTry: step };
    }
    steps.push(step);
    log('step', JSON.stringify(step));
    if (!step.pass) break;
  }
  return steps;
}

// --- the run: the storm's phases, then paging (its own incidents, after the storm's window has closed), then the ramp
// (--only capacity: the ramp alone; --only paging: the paging probes alone.)
const onlyCapacity = only === 'capacity';
const figures = onlyPaging || onlyCapacity ? {} : await latencyAndStorm();
const paging = onlyCapacity ? null : await alertToFirstPage();
if (paging) {
  figures.alertToFirstPageMsP50 = paging.p50;
  figures.alertToFirstPageMsP95 = paging.p95;
  figures.alertToFirstPageProbes = paging.probes;
}
const rampSteps = onlyPaging ? [] : await capacityRamp();

const result = { figures, paging: paging?.how ?? null, windows, ramp: rampSteps, notes };
fs.writeFileSync(outFile, JSON.stringify(result));
log('done', JSON.stringify(result.figures));
process.exit(0);
