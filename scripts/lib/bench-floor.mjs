// Runs inside `firebase emulators:exec` for `npm run bench`, against the floor
// codebase (bench/floor): the same storm messages, handled by a bare function
// that writes one document per message. Writes its figures to argv[2].
import fs from 'node:fs';
import { PubSub } from '@google-cloud/pubsub';
import { initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { atRate, STORM_MESSAGES, stormMessage } from './storm.mjs';

const [, , outFile, rateArg] = process.argv;
const RATE = Number(rateArg ?? 10);
const project = process.env.GCLOUD_PROJECT;
const db = getFirestore(initializeApp({ projectId: project }));
const alerts = new PubSub({ projectId: project }).topic('alerts', { batching: { maxMessages: 1, maxMilliseconds: 0 } });
const count = async () => (await db.collection('floor').count().get()).data().count;

// The same warm-up as the pipeline gets: six workers.
await Promise.all(Array.from({ length: 6 }, () => alerts.publishMessage({ json: { warm: true } })));
for (const deadline = Date.now() + 120_000; (await count()) < 6; ) {
  if (Date.now() > deadline) throw new Error('bench floor: warm-up timed out');
  await new Promise((r) => setTimeout(r, 100));
}
const service = `floor-${Date.now().toString(36)}`;
const t0 = Date.now();
await atRate(STORM_MESSAGES, RATE, (n) => alerts.publishMessage({ json: stormMessage(n, service), attributes: { source: 'alertmanager' } }));
let last = { n: 0, at: Date.now() };
for (;;) {
  const n = (await count()) - 6;
  if (n !== last.n) last = { n, at: Date.now() };
  if (n >= STORM_MESSAGES || Date.now() - last.at > 30_000) break;
  await new Promise((r) => setTimeout(r, 100));
}
const seconds = (last.at - t0) / 1000;
const result = { floorAlertsPerSecond: Number((last.n / seconds).toFixed(2)), floorSeconds: Number(seconds.toFixed(1)), floorHandled: last.n, floorLost: STORM_MESSAGES - last.n };
fs.writeFileSync(outFile, JSON.stringify(result));
console.error('[bench floor] done', JSON.stringify(result));
process.exit(0);
