// What the project runs on the Emulator Suite, shared by start, with-emulators,
// the tests and the bench.
import fs from 'node:fs';
import path from 'node:path';
import { readDotenv, ROOT } from './emulators.mjs';

export const PROJECT_ID = 'demo-incidents';
export const EMULATORS = ['firestore', 'pubsub', 'functions', 'auth', 'tasks'];

export function functionsUrl(projectId = PROJECT_ID, name = '') {
  return `http://127.0.0.1:5001/${projectId}/us-central1/${name}`;
}

/** Creates .secret.local from the example when missing; returns the secrets in effect. */
export function ensureLocalSecrets() {
  const file = path.join(ROOT, '.secret.local');
  let created = false;
  if (!fs.existsSync(file)) {
    fs.copyFileSync(path.join(ROOT, '.secret.local.example'), file);
    created = true;
  }
  return { secrets: readDotenv(file), created, file };
}

/** Emulators that this checkout can serve (Hosting only once the console is built). */
export function emulatorsToRun() {
  const list = [...EMULATORS];
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'firebase.json'), 'utf8'));
  if (config.hosting && fs.existsSync(path.join(ROOT, config.hosting.public ?? ''))) list.push('hosting');
  return list;
}

/**
 * Starts the local task timer (scripts/lib/taskTimer.mjs) for the suite that
 * `configFile` (a firebase.json, the project's own by default) describes.
 * Returns {env: {TASK_TIMER_URL}, close()}: pass env to firebase-tools.
 */
export async function taskTimerFor(projectId, configFile = path.join(ROOT, 'firebase.json')) {
  const { startTaskTimer } = await import('./taskTimer.mjs');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  const tasks = config.emulators?.tasks ?? { host: '127.0.0.1', port: 9499 };
  const timer = await startTaskTimer({ tasksHost: `${tasks.host ?? '127.0.0.1'}:${tasks.port}`, projectId, log: (m) => console.error(m) });
  return { env: { TASK_TIMER_URL: timer.url }, close: timer.close, stats: timer.stats };
}
