// An isolated copy of the Firebase project for tests and benchmarks: its own
// directory under .emulators/ with symlinks to the built code and config, and
// its own .env and .secret.local, so a run never reads or writes the user's
// local settings (.env.local, .secret.local).
import fs from 'node:fs';
import path from 'node:path';
import { CACHE, readDotenv, ROOT, writeDotenv } from './emulators.mjs';

const LINKS = ['package.json', 'lib', 'config', 'runbooks', 'scenarios', 'node_modules', 'firestore.rules', 'firestore.indexes.json'];

/**
 * Creates .emulators/<name>/ and returns the path of its firebase.json.
 * `params` override the defaults of the root .env; `secrets` become .secret.local.
 */
export function isolatedProject(name, { params = {}, secrets = {}, firebaseJson, portOffset = 0 } = {}) {
  const dir = path.join(CACHE, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of LINKS) {
    const target = path.join(ROOT, entry);
    if (fs.existsSync(target)) fs.symlinkSync(target, path.join(dir, entry));
  }
  const config = firebaseJson ?? JSON.parse(fs.readFileSync(path.join(ROOT, 'firebase.json'), 'utf8'));
  if (config.hosting?.public) {
    const pub = path.join(ROOT, config.hosting.public);
    config.hosting.public = path.relative(dir, pub);
  }
  if (portOffset) shiftPorts(config, portOffset);
  fs.writeFileSync(path.join(dir, 'firebase.json'), JSON.stringify(config, null, 2));
  writeDotenv(path.join(dir, '.env'), { ...readDotenv(path.join(ROOT, '.env')), ...params });
  writeDotenv(path.join(dir, '.secret.local'), secrets);
  return path.join(dir, 'firebase.json');
}

/** Moves every emulator port by `offset`, so a second suite can run beside the first. */
export function shiftPorts(config, offset) {
  const emulators = config.emulators ?? {};
  for (const [name, e] of Object.entries(emulators)) {
    if (e && typeof e === 'object' && typeof e.port === 'number') e.port += offset;
    if (name === 'firestore') e.websocketPort = 9150 + offset;
  }
  config.emulators = emulators;
  return config;
}
