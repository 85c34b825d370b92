// Admin SDK access for the command-line tools: the local emulators by default
// (project demo-incidents), or a real project with --project <id> and
// Application Default Credentials (gcloud auth application-default login).
import { createRequire } from 'node:module';
import path from 'node:path';
import { getApps, initializeApp } from 'firebase-admin/app';
import { ROOT } from './emulators.mjs';
import { PROJECT_ID } from './suite.mjs';

/** Takes `--project X` out of argv; returns {app, projectId, emulator, rest, opt(name)}. */
export function adminTarget(argv) {
  const rest = [];
  let projectId = process.env.GCLOUD_PROJECT ?? PROJECT_ID;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--project' || argv[i] === '-P') projectId = argv[++i];
    else rest.push(argv[i]);
  }
  const emulator = projectId.startsWith('demo-') || Boolean(process.env.FIRESTORE_EMULATOR_HOST);
  if (emulator) {
    process.env.METADATA_SERVER_DETECTION ??= 'none'; // no Google metadata server on a laptop: do not probe for one
    process.env.FIRESTORE_EMULATOR_HOST ??= '127.0.0.1:8080';
    process.env.FIREBASE_AUTH_EMULATOR_HOST ??= '127.0.0.1:9099';
    process.env.PUBSUB_EMULATOR_HOST ??= '127.0.0.1:8085';
  }
  process.env.GCLOUD_PROJECT = projectId;
  const app = getApps()[0] ?? initializeApp({ projectId });
  /** The value after `--name` among the other arguments, if given. */
  const opt = (name) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  return { app, projectId, emulator, rest, opt };
}

/** Explains a connection failure in one sentence instead of a stack trace. */
export function explain(e, { emulator, projectId }) {
  const msg = String(e?.message ?? e);
  if (emulator && /ECONNREFUSED|UNAVAILABLE|connect/i.test(msg)) {
    return `cannot reach the emulators for ${projectId}: start them with \`npm start\` in another terminal first.`;
  }
  if (!emulator && /credential|Could not load the default credentials|PERMISSION_DENIED/i.test(msg)) {
    return `no access to project ${projectId}: run \`gcloud auth application-default login\` with an account that may administer it.`;
  }
  return msg;
}

const requireCjs = createRequire(import.meta.url);

/** A module of the built functions (lib/functions/src/<file>); a clear error when they are not built. */
/** A module of tools/ (the scripts' own code), as npm run build compiled it into lib-tools/. */
export function builtTool(file, tool) {
  try {
    return requireCjs(path.join(ROOT, 'lib-tools', file));
  } catch (e) {
    if (e?.code !== 'MODULE_NOT_FOUND') throw e;
    console.error(`npm run ${tool}: the tools are not built: run \`npm run build\` first.`);
    process.exit(1);
  }
}

export function builtModule(file, tool) {
  try {
    return requireCjs(path.join(ROOT, 'lib/functions/src', file));
  } catch (e) {
    if (e?.code !== 'MODULE_NOT_FOUND') throw e;
    console.error(`npm run ${tool}: the functions are not built: run \`npm run build\` first.`);
    process.exit(1);
  }
}
