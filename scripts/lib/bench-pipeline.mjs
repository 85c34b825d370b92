// Runs inside `firebase emulators:exec` for `npm run bench`: measures the real
// pipeline (alert → incident latency, and a storm). Writes its figures as JSON
// to the file named by argv[2].
import fs from 'node:fs';
import { PubSub } from '@google-cloud/pubsub';
import { initializeApp } from 'firebase-admin/app';
import { AggregateField, getFirestore } from 'firebase-admin/firestore';
import { atRate, percentile, STORM_MESSAGES, DISTINCT, stormMessage } from './storm.mjs';

const [, , outFile, slackUrl, token, rateArg] = process.argv;
const RATE = Number(rateArg ?? 10);
const project = process.env.GCLOUD_PROJECT;
const functions = `http://127.0.0.1:5001/${project}/us-central1`;
const db = getFirestore(initializeApp({ projectId: project }));
const pubsub = new PubSub({ projectId: project });
const alerts = pubsub.topic('alerts', { batching: { maxMessages: 1, maxMilliseconds: 0 } });
const tag = Date.now().toString(36);
const log = (...a) => console.error('[bench]', ...a);

async function until(probe, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
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
  const res = await fetch(`${functions}/alertWebhook/generic`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
}

async function warm(workers) {
  const service = `warm-${tag}`;
  await Promise.all(Array.from({ length: workers }, (_, n) => alerts.publishMessage({ json: { title: 'warm-up', service, severity: 'info', fingerprint: `w${n}` }, attributes: { source: 'generic' } })));
  await until(async () => {
    const s = await db.collection('incidents').where('service', '==', service).get();
    return !s.empty && (await s.docs[0].ref.collection('alerts').count().get()).data().count === workers;
  }, 'the warm-up alerts', 120_000);
}

// --- alert → incident, 50 sequential alerts, warm --------------------------
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

// --- the storm --------------------------------------------------------------
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
let lastProgress = { alertCount: 0, occurrences: 0, at: Date.now() };
await until(async () => {
  const [inc, sum] = await Promise.all([ref.get(), ref.collection('alerts').aggregate({ occurrences: AggregateField.sum('occurrences') }).get()]);
  const alertCount = inc.get('alertCount');
  const occurrences = sum.data().occurrences ?? 0;
  if (alertCount !== lastProgress.alertCount || occurrences !== lastProgress.occurrences) lastProgress = { alertCount, occurrences, at: Date.now() };
  if (Date.now() - lastProgress.at > 60_000) throw new Error(`bench: the storm stalled at alertCount ${alertCount}, occurrences ${occurrences}`);
  return alertCount === DISTINCT && occurrences === STORM_MESSAGES;
}, 'the storm counts to settle', 600_000);
const settledAt = Date.now();
unsubscribeIncident();
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

const result = {
  alertToIncidentMsP50: Math.round(percentile(latencies, 50)),
  alertToIncidentMsP95: Math.round(percentile(latencies, 95)),
  stormAlertsPerSecond: Number((STORM_MESSAGES / stormSeconds).toFixed(2)),
  stormSeconds: Number(stormSeconds.toFixed(1)),
  stormPublishSeconds: Number(((publishedAt - t0) / 1000).toFixed(1)),
  stormIncidentDocWrites: inWindow.length,
  stormIncidentDocWritesPerSecond: Number((inWindow.length / stormSeconds).toFixed(2)),
  stormIncidentDocWritesPeakPerSecond: peak,
  stormSlackCalls: stormCalls.length,
  stormSlackMethods: Object.fromEntries(Object.entries(stormCalls.reduce((m, c) => ({ ...m, [c.method]: (m[c.method] ?? 0) + 1 }), {}))),
};
fs.writeFileSync(outFile, JSON.stringify(result));
log('done', JSON.stringify(result));
process.exit(0);
