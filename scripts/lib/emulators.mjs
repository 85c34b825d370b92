// Finds what the Firebase Emulator Suite needs on this machine (a JDK, and
// Google's own Firestore and Pub/Sub emulators when the Cloud SDK is installed)
// and prepares the environment for firebase-tools. Where nothing local is
// found, firebase-tools downloads the emulators itself, as on any laptop.
import { spawnSync } from 'node:child_process';
import dotenv from 'dotenv';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = path.join(ROOT, '.emulators');
export const MIN_JAVA = 21;
export const FIREBASE_BIN = path.join(ROOT, 'node_modules', '.bin', 'firebase');

/** An error whose message is the one sentence a user needs. */
export class SetupError extends Error {}

function javaMajor(javaBin) {
  const r = spawnSync(javaBin, ['-version'], { encoding: 'utf8', timeout: 15000 });
  if (r.error || r.status !== 0) return undefined;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr}${r.stdout}`);
  if (!m) return undefined;
  const major = Number(m[1]);
  return major === 1 ? Number(m[2]) : major; // "1.8.0" is Java 8
}

function javaCandidates() {
  const out = [];
  if (process.env.JAVA_HOME) out.push(path.join(process.env.JAVA_HOME, 'bin', 'java'));
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir) out.push(path.join(dir, 'java'));
  }
  const roots = ['/usr/lib/jvm', '/usr/java', '/opt/java', '/Library/Java/JavaVirtualMachines'];
  for (const root of roots) {
    let entries = [];
    try { entries = fs.readdirSync(root); } catch { continue; }
    for (const e of entries.sort().reverse()) {
      out.push(path.join(root, e, 'bin', 'java'), path.join(root, e, 'Contents', 'Home', 'bin', 'java'));
    }
  }
  for (const brew of ['/opt/homebrew/opt', '/usr/local/opt']) {
    let entries = [];
    try { entries = fs.readdirSync(brew).filter((e) => e.startsWith('openjdk')); } catch { continue; }
    for (const e of entries) out.push(path.join(brew, e, 'bin', 'java'));
  }
  return [...new Set(out)].filter((p) => fs.existsSync(p));
}

/** The newest usable JDK: {javaHome, major}. Throws SetupError when none is >= 21. */
export function findJava() {
  let best;
  const seen = [];
  for (const bin of javaCandidates()) {
    const major = javaMajor(bin);
    if (major === undefined) continue;
    seen.push(`Java ${major} at ${bin}`);
    if (!best || major > best.major) best = { bin: fs.realpathSync(bin), major };
  }
  if (!best || best.major < MIN_JAVA) {
    const found = seen.length ? `only ${seen.join(', ')} was found` : 'no Java was found';
    throw new SetupError(
      `The Firebase emulators need Java ${MIN_JAVA} or newer, but ${found}: install a JDK ${MIN_JAVA}+ ` +
        '(for example `sudo apt install openjdk-21-jdk-headless`, `brew install openjdk@21`, or Temurin from adoptium.net) or set JAVA_HOME to one.',
    );
  }
  return { javaHome: path.dirname(path.dirname(best.bin)), major: best.major };
}

function cloudSdkRoots() {
  const roots = [process.env.CLOUDSDK_ROOT_DIR, '/usr/lib/google-cloud-sdk', '/usr/share/google-cloud-sdk',
    '/opt/google-cloud-sdk', path.join(os.homedir(), 'google-cloud-sdk'), '/snap/google-cloud-sdk/current',
    '/opt/homebrew/share/google-cloud-sdk', '/usr/local/share/google-cloud-sdk'];
  return roots.filter((r) => r && fs.existsSync(path.join(r, 'platform')));
}

/** Google's own emulators from an installed Cloud SDK, if any. */
export function findCloudSdkEmulators() {
  const found = {};
  for (const root of cloudSdkRoots()) {
    const jar = path.join(root, 'platform', 'cloud-firestore-emulator', 'cloud-firestore-emulator.jar');
    const pubsub = path.join(root, 'platform', 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator');
    if (!found.firestoreJar && fs.existsSync(jar)) found.firestoreJar = jar;
    if (!found.pubsubScript && fs.existsSync(pubsub)) found.pubsubScript = pubsub;
  }
  return found;
}

/**
 * The Cloud SDK's Firestore jar has no Main-Class, so `java -jar` cannot run
 * it. A launcher jar whose manifest names the main class and puts the real jar
 * on its Class-Path can. Built with the JDK's own `jar` tool.
 */
function firestoreLauncher(javaHome, realJar) {
  fs.mkdirSync(CACHE, { recursive: true });
  const launcher = path.join(CACHE, 'cloud-firestore-launcher.jar');
  const manifest = [
    'Manifest-Version: 1.0',
    'Main-Class: com.google.cloud.datastore.emulator.firestore.CloudFirestore',
    `Class-Path: ${pathToFileURL(realJar).href}`,
    '',
  ].join('\n');
  const manifestFile = path.join(CACHE, 'firestore-launcher.MF');
  const previous = fs.existsSync(manifestFile) ? fs.readFileSync(manifestFile, 'utf8') : '';
  if (previous === manifest && fs.existsSync(launcher)) return launcher;
  fs.writeFileSync(manifestFile, manifest);
  const jarTool = path.join(javaHome, 'bin', 'jar');
  if (!fs.existsSync(jarTool)) return undefined; // a JRE without `jar`: let firebase-tools download instead
  const r = spawnSync(jarTool, ['cfm', launcher, manifestFile], { encoding: 'utf8' });
  return r.status === 0 ? launcher : undefined;
}

/**
 * firebase-tools chmods a *_BINARY_PATH override, which fails on a file that
 * belongs to root. A wrapper script of our own sidesteps that.
 */
function pubsubWrapper(script) {
  fs.mkdirSync(CACHE, { recursive: true });
  const wrapper = path.join(CACHE, 'cloud-pubsub-emulator');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(script)} "$@"\n`, { mode: 0o755 });
  return wrapper;
}

/**
 * Environment for firebase-tools: a JDK >= 21 first on PATH, and the Cloud
 * SDK's emulators when present. Returns {env, notes} and throws SetupError with
 * one clear sentence when something must be installed.
 */
export function emulatorEnvironment(base = process.env) {
  if (!fs.existsSync(FIREBASE_BIN)) {
    throw new SetupError('firebase-tools is not installed in this project: run `npm install` first.');
  }
  const { javaHome, major } = findJava();
  // A busy 2-core machine can take longer than the default 30 s to start a
  // function worker; the emulator then drops the event. Give it 2 minutes.
  // A fresh connection per event from the Functions emulator to its workers (see emulatorHttp.cjs).
  const preload = `--require ${JSON.stringify(path.join(ROOT, 'scripts', 'lib', 'emulatorHttp.cjs'))}`;
  const nodeOptions = [base.NODE_OPTIONS, preload].filter(Boolean).join(' ');
  const env = { FUNCTIONS_DISCOVERY_TIMEOUT: '120', ...base, NODE_OPTIONS: nodeOptions, METADATA_SERVER_DETECTION: 'none', JAVA_HOME: javaHome, PATH: `${path.join(javaHome, 'bin')}${path.delimiter}${base.PATH ?? ''}` };
  const notes = [`Java ${major} (${javaHome})`];
  const sdk = findCloudSdkEmulators();
  if (!base.FIRESTORE_EMULATOR_BINARY_PATH && sdk.firestoreJar) {
    const launcher = firestoreLauncher(javaHome, sdk.firestoreJar);
    if (launcher) {
      env.FIRESTORE_EMULATOR_BINARY_PATH = launcher;
      notes.push(`Firestore emulator from the Cloud SDK (${sdk.firestoreJar})`);
    }
  }
  if (!base.PUBSUB_EMULATOR_BINARY_PATH && sdk.pubsubScript) {
    env.PUBSUB_EMULATOR_BINARY_PATH = pubsubWrapper(sdk.pubsubScript);
    notes.push(`Pub/Sub emulator from the Cloud SDK (${sdk.pubsubScript})`);
  }
  if (!env.FIRESTORE_EMULATOR_BINARY_PATH || !env.PUBSUB_EMULATOR_BINARY_PATH) {
    notes.push('firebase-tools downloads any other emulator it needs into ~/.cache/firebase/emulators (needs network once)');
  }
  return { env, notes };
}

/**
 * emulatorEnvironment(), or — when something must be installed — its one
 * sentence passed to `onMissing` (default: print it and exit 1).
 */
export function emulatorEnvironmentOr(onMissing = (message) => {
  console.error(message);
  process.exit(1);
}) {
  try {
    return emulatorEnvironment();
  } catch (e) {
    if (e instanceof SetupError) return onMissing(e.message);
    throw e;
  }
}

/** The KEY=value pairs of a dotenv file; a missing file is {}. */
export function readDotenv(file) {
  try { return dotenv.parse(fs.readFileSync(file)); } catch { return {}; }
}

/** Writes KEY="value" lines (quoted: an unquoted # starts a comment in Firebase's dotenv parser). */
export function writeDotenv(file, values) {
  const body = Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(String(v))}`).join('\n');
  fs.writeFileSync(file, `${body}\n`);
}
