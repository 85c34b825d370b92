// Loaded by `node --require` (NODE_OPTIONS) into every process that
// `firebase emulators:exec` starts during `npm run bench`. In a function worker
// of the Functions emulator (FUNCTIONS_EMULATOR=true, FUNCTION_TARGET set) it
// points the Admin SDK at the bench's counting Firestore proxy, on that
// function's own port. Everywhere else it does nothing.
//
// Why a preload: the Functions emulator builds each worker's environment as
// {...process.env, ...its own emulator variables}, so its FIRESTORE_EMULATOR_HOST
// (the real emulator, from firebase.json) wins over any value set before
// `emulators:exec`; the worker's code reads the variable only when it first
// uses Firestore, after this file has run. The code under test is unchanged.
'use strict';

const map = process.env.BENCH_FIRESTORE_PROXY_HOSTS;
if (map && process.env.FUNCTIONS_EMULATOR === 'true' && process.env.FUNCTION_TARGET) {
  const hosts = JSON.parse(map);
  const host = hosts[process.env.FUNCTION_TARGET] ?? hosts['*'];
  if (host) {
    process.env.BENCH_FIRESTORE_UPSTREAM = process.env.FIRESTORE_EMULATOR_HOST ?? '';
    process.env.FIRESTORE_EMULATOR_HOST = host;
  }
}
