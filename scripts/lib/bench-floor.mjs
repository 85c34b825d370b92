// Runs inside `firebase emulators:exec` for `npm run bench`, against the floor
// codebase (bench/floor): the same storm messages, handled by a bare function
// that writes one document per message, then the same capacity ramp as the
// pipeline. Writes its figures and time windows to argv[2].
// Options (argv[3], JSON): rate, ramp (rates), rampMessages.
import fs from 'node:fs';
import { PubSub } from '@google-cloud/pubsub';
import { initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { controlClient } from './benchControl.mjs';
import { atRate, STORM_MESSAGES, stormMessage } from './storm.mjs';

const [, , outFile, optionsJson] = process.argv;
const { rate: RATE = 10, ramp = [], rampMessages = 300 } = JSON.parse(optionsJson);
const project = process.env.GCLOUD_PROJECT;
const control = controlClient(process.env.BENCH_CONTROL_URL);
const db = getFirestore(initializeApp({ projectId: project }));
const alerts = new PubSub({ projectId: project }).topic('alerts', { batching: { maxMessages: 1, maxMilliseconds: 0 } });
const count = async () => (await db.collection('floor').count().get()).data().count;
const log = (...a) => console.error('[bench floor]', ...a);
const notes = [];

/** Publishes `workers` messages at once and waits until all are handled: that many warm workers. */
async function warm(workers) {
  const before = await count();
  await Promise.all(Array.from({ length: workers }, () => alerts.publishMessage({ json: { warm: true } })));
  for (const deadline = Date.now() + 120_000; (await count()) < before + workers; ) {
    if (Date.now() > deadline) throw new Error('bench floor: warm-up timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Publishes `n` storm messages at `r`/s; follows the count until all are handled or it stops growing for `stallMs`. */
async function storm(n, r, service, stallMs) {
  const before = await count();
  const from = Date.now();
  await atRate(n, r, (i) => alerts.publishMessage({ json: stormMessage(i, service), attributes: { source: 'alertmanager' } }));
  const published = Date.now();
  let last = { n: 0, at: Date.now() };
  for (;;) {
    const handled = (await count()) - before;
    if (handled !== last.n) last = { n: handled, at: Date.now() };
    if (handled >= n || Date.now() - last.at > stallMs) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return { from, published, handled: last.n, lastAt: last.at };
}

// The same warm-up as the pipeline gets: six workers.
await warm(6);
await control.quiet({ timeoutMs: 60_000 });
const s = await storm(STORM_MESSAGES, RATE, `floor-${Date.now().toString(36)}`, 30_000);
const q = await control.quiet({ timeoutMs: 60_000 });
if (q.timedOut) notes.push(`after the floor storm: not quiet after ${Math.round(q.waitedMs / 1000)} s`);
const seconds = (s.lastAt - s.from) / 1000;
const figures = { floorAlertsPerSecond: Number((s.handled / seconds).toFixed(2)), floorSeconds: Number(seconds.toFixed(1)), floorHandled: s.handled, floorLost: STORM_MESSAGES - s.handled };
const windows = { storm: { from: s.from, to: q.at, messages: STORM_MESSAGES } };

const rampSteps = [];
for (const r of ramp) {
  log(`capacity ramp: ${rampMessages} messages at ${r}/s`);
  await warm(Math.min(16, Math.max(6, Math.ceil(r / 2))));
  await control.quiet({ forMs: 1500, allFinished: false, timeoutMs: 60_000 });
  const step = await storm(rampMessages, r, `floor-ramp-${r}-${Date.now().toString(36)}`, 10_000);
  const settled = step.handled >= rampMessages;
  const lagSeconds = settled ? (step.lastAt - step.published) / 1000 : null;
  const result = {
    rate: r,
    messages: rampMessages,
    publishSeconds: Number(((step.published - step.from) / 1000).toFixed(1)),
    lagSeconds: lagSeconds === null ? null : Number(lagSeconds.toFixed(1)),
    handledPerSecond: settled ? Number((rampMessages / ((step.lastAt - step.from) / 1000)).toFixed(2)) : null,
    lostMessages: rampMessages - step.handled,
    pass: settled && lagSeconds <= 5,
  };
  rampSteps.push(result);
  log('step', JSON.stringify(result));
  if (!result.pass) break;
}

fs.writeFileSync(outFile, JSON.stringify({ figures, windows, ramp: rampSteps, notes }));
log('done', JSON.stringify(figures));
process.exit(0);
