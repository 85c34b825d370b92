// An isolated copy of the Firebase project for tests and benchmarks: its own
// directory under .emulators/ with symlinks to the built code and config, and
// its own .env and .secret.local, so a run never reads or writes the user's
// local settings (.env.local, .secret.local).
import fs from 'node:fs';
import path from 'node:path';
import { CACHE, readDotenv, ROOT, writeDotenv } from './emulators.mjs';

const LINKS = ['package.json', 'lib', 'config', 'runbooks', 'scenarios', 'node_modules', 'firestore.rules', 'firestore.indexes.json'];

/** The config files the emulator tests run with instead of the shipped ones (README "On-call and paging": short escalation timeouts). */
export const TEST_CONFIG_OVERLAY = path.join(ROOT, 'test', 'support', 'config');

/**
 * Creates .emulators/<name>/ and returns the path of its firebase.json.
 * `params` override the defaults of the root .env; `secrets` become .secret.local.
 * `configOverlay`: a directory of config/*.yaml files used instead of the
 * project's own of the same name (the others stay the project's); point
 * INCIDENT_PIPELINE_ROOT at the project directory to use them.
 */
export function isolatedProject(name, { params = {}, secrets = {}, firebaseJson, portOffset = 0, configOverlay = null } = {}) {
  const dir = path.join(CACHE, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of LINKS) {
    const target = path.join(ROOT, entry);
    if (entry === 'config' && configOverlay) continue;
    if (fs.existsSync(target)) fs.symlinkSync(target, path.join(dir, entry));
  }
  if (configOverlay) {
    fs.mkdirSync(path.join(dir, 'config'));
    const own = new Set(fs.existsSync(configOverlay) ? fs.readdirSync(configOverlay) : []);
    for (const file of fs.readdirSync(path.join(ROOT, 'config'))) if (!own.has(file)) fs.symlinkSync(path.join(ROOT, 'config', file), path.join(dir, 'config', file));
    for (const file of own) fs.symlinkSync(path.join(configOverlay, file), path.join(dir, 'config', file));
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
