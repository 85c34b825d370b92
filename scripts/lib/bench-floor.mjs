// Runs inside `firebase emulators:exec` for `npm run bench`, against the floor
// codebase (bench/floor): the same storm messages, handled by a bare function
// that writes one document per message, then the same capacity ramp as the
// pipeline. Writes its figures and time windows to argv[2].
// Options (argv[3], JSON): rate, ramp (rates), rampMessages, only ('capacity': the ramp alone).
import fs from 'node:fs';
import { PubSub } from '@google-cloud/pubsub';
import { initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { controlClient } from './benchControl.mjs';
import { atRate, STORM_MESSAGES, stormMessage, warmWorkers } from './storm.mjs';

const [, , outFile, optionsJson] = process.argv;
const { rate: RATE = 10, ramp = [], rampMessages = 240, only = null } = JSON.parse(optionsJson);
const onlyCapacity = only === 'capacity';
const project = process.env.GCLOUD_PROJECT;
const control = controlClient(process.env.BENCH_CONTROL_URL);
const db = getFirestore(initializeApp({ projectId: project }));
const alerts = new PubSub({ projectId: project }).topic('alerts', { batching: { maxMessages: 1, maxMilliseconds: 0 } });
/** Documents the floor wrote for messages of `storm` (an attribute each message carries). */
const count = async (storm) => (await db.collection('floor').where('storm', '==', storm).count().get()).data().count;
const log = (...a) => console.error('[bench floor]', ...a);
const notes = [];

/** Publishes `workers` messages at once and waits until all are handled: that many warm workers. */
async function warm(workers) {
  const storm = `warm-${Date.now().toString(36)}-${workers}`;
  await Promise.all(Array.from({ length: workers }, () => alerts.publishMessage({ json: { warm: true }, attributes: { storm } })));
  for (const deadline = Date.now() + 120_000; (await count(storm)) < workers; ) {
    if (Date.now() > deadline) throw new Error('bench floor: warm-up timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Publishes `n` storm messages at `r`/s; follows the count until all are handled or it stops growing for `stallMs`. */
async function storm(n, r, service, stallMs) {
  const from = Date.now();
  await atRate(n, r, (i) => alerts.publishMessage({ json: stormMessage(i, service), attributes: { source: 'alertmanager', storm: service } }));
  const published = Date.now();
  let last = { n: 0, at: Date.now() };
  for (;;) {
    const handled = await count(service);
    if (handled !== last.n) last = { n: handled, at: Date.now() };
    if (handled >= n || Date.now() - last.at > stallMs) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return { from, published, handled: last.n, lastAt: last.at };
}

/** The storm at RATE after the same warm-up as the pipeline gets: its figures and window. */
async function floorStorm() {
  await warm(warmWorkers(RATE));
  await control.quiet({ timeoutMs: 60_000 });
  const s = await storm(STORM_MESSAGES, RATE, `floor-${Date.now().toString(36)}`, 30_000);
  const q = await control.quiet({ timeoutMs: 60_000 });
  if (q.timedOut) notes.push(`after the floor storm: not quiet after ${Math.round(q.waitedMs / 1000)} s`);
  const seconds = (s.lastAt - s.from) / 1000;
  return {
    figures: { floorAlertsPerSecond: Number((s.handled / seconds).toFixed(2)), floorSeconds: Number(seconds.toFixed(1)), floorHandled: s.handled, floorLost: STORM_MESSAGES - s.handled },
    windows: { storm: { from: s.from, to: q.at, messages: STORM_MESSAGES } },
  };
}
const { figures, windows } = onlyCapacity ? { figures: {}, windows: {} } : await floorStorm();

/** One ramp step: `rampMessages` messages for a fresh service at `r`/s, after warming workers. */
let warmed = 0; // the first step always warms (the storm may have left workers stuck)
async function rampStep(r, attempt = 1) {
  // Workers stay up once started: warm again only for more of them, or after a failed attempt.
  if (warmWorkers(r) > warmed || attempt > 1) {
    await warm(warmWorkers(r));
    warmed = Math.max(warmed, warmWorkers(r));
  }
  await control.quiet({ forMs: 1500, allFinished: false, timeoutMs: 60_000 });
  const step = await storm(rampMessages, r, `floor-ramp-${r}-${Date.now().toString(36)}`, 10_000);
  const settled = step.handled >= rampMessages;
  const lagSeconds = settled ? (step.lastAt - step.published) / 1000 : null;
  return {
    rate: r,
    messages: rampMessages,
    // The window whose CPU time the bench counts: first publish until the last document.
    from: step.from,
    to: step.lastAt,
    publishSeconds: Number(((step.published - step.from) / 1000).toFixed(1)),
    lagSeconds: lagSeconds === null ? null : Number(lagSeconds.toFixed(1)),
    handledPerSecond: settled ? Number((rampMessages / ((step.lastAt - step.from) / 1000)).toFixed(2)) : null,
    unhandledMessages: rampMessages - step.handled,
    pass: settled && lagSeconds <= 5,
  };
}

// As for the pipeline: a failing step is run once more before the ramp ends.
const rampSteps = [];
// The ramp counts no reads or writes: the proxy passes its RPCs through undecoded (as for the pipeline).
await control.decoding(false);
for (const r of ramp) {
  log(`capacity ramp: ${rampMessages} messages at ${r}/s`);
  let result = await rampStep(r);
  if (!result.pass) {
    log('step failed, once more', JSON.stringify(result));
    result = { ...(await rampStep(r, 2)), firstTry: result };
  }
  rampSteps.push(result);
  log('step', JSON.stringify(result));
  if (!result.pass) break;
}

fs.writeFileSync(outFile, JSON.stringify({ figures, windows, ramp: rampSteps, notes }));
log('done', JSON.stringify(figures));
process.exit(0);
