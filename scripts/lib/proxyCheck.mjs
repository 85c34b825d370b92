// A check of the counting Firestore proxy against the real emulator, run by
// `npm run bench` before it measures anything: known operations through the
// proxy, and the counts they must give. A mismatch stops the bench.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What the operations of runProxyCheck() cost. */
export const EXPECTED = {
  writes: 5, // set A; batch of set B, set C, delete D; the transaction's set A
  deletes: 1,
  attemptedWrites: 6, // + the create of A that fails (ALREADY_EXISTS)
  reads: 7, // getAll found 2; query 3; count() of 3 = 1; the transaction's get 1
  billedReads: 9, // + 1 missing document of the getAll, + 1 for the query that matches nothing
  missing: 1,
  failedRpcs: 1,
};

/** A Firestore client for `host` (the proxy's check port), apart from the default app. */
function clientFor(host, projectId) {
  const { Firestore } = require('@google-cloud/firestore');
  const saved = process.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIRESTORE_EMULATOR_HOST = host; // read by the constructor only
  try {
    return new Firestore({ projectId });
  } finally {
    process.env.FIRESTORE_EMULATOR_HOST = saved;
  }
}

/**
 * Runs the known operations through `host` and returns the time window they
 * took; `countsBetween(from, to)` must return the proxy's summary for it.
 */
export async function runProxyCheck({ host, projectId, countsBetween }) {
  const db = clientFor(host, projectId);
  const col = db.collection(`proxyCheck-${Date.now().toString(36)}`);
  const from = Date.now();
  await col.doc('A').set({ n: 1, kind: 'x' });
  const batch = db.batch();
  batch.set(col.doc('B'), { n: 2, kind: 'x' });
  batch.set(col.doc('C'), { n: 3, kind: 'x' });
  batch.delete(col.doc('D'));
  await batch.commit();
  await db.getAll(col.doc('A'), col.doc('B'), col.doc('missing'));
  const q = await col.where('kind', '==', 'x').get();
  const none = await col.where('kind', '==', 'nothing').get();
  const count = (await col.count().get()).data().count;
  await db.runTransaction(async (tx) => {
    const a = await tx.get(col.doc('A'));
    tx.set(col.doc('A'), { n: (a.get('n') ?? 0) + 1, kind: 'x' });
  });
  const failed = await col
    .doc('A')
    .create({ n: 0 })
    .then(() => false, () => true);
  await db.terminate();
  const to = Date.now();
  if (q.size !== 3 || !none.empty || count !== 3 || !failed) {
    throw new Error(`bench: the proxy check's own operations did not behave as expected (query ${q.size}, empty ${none.empty}, count ${count}, create failed ${failed})`);
  }
  // The last RPC ends a moment after its promise resolves here: allow for it.
  const deadline = Date.now() + 5000;
  let got;
  for (;;) {
    got = await countsBetween(from, Date.now());
    if (got.attemptedWrites >= EXPECTED.attemptedWrites || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const wrong = Object.entries(EXPECTED).filter(([k, v]) => got[k] !== v);
  return { ok: wrong.length === 0, expected: EXPECTED, got: Object.fromEntries(Object.keys(EXPECTED).map((k) => [k, got[k]])), wrong: wrong.map(([k]) => k), ms: to - from };
}
