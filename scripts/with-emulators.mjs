#!/usr/bin/env node
// npm run with-emulators -- CMD ...: start the suite, run CMD with the emulator
// hosts exported, stop the suite, exit with CMD's status.
import './lib/node22.mjs';
import path from 'node:path';
import { emulatorEnvironmentOr, FIREBASE_BIN, ROOT } from './lib/emulators.mjs';
import { emulatorsToRun, ensureLocalSecrets, PROJECT_ID, taskTimerFor } from './lib/suite.mjs';
import { run, shellJoin } from './lib/run.mjs';

const cmd = process.argv.slice(2);
if (cmd.length === 0) {
  console.error('usage: npm run with-emulators -- CMD [ARGS...]');
  process.exit(2);
}
if ((await run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT })) !== 0) process.exit(1);
ensureLocalSecrets();
const setup = emulatorEnvironmentOr();
const timer = await taskTimerFor(PROJECT_ID);
const code = await run(FIREBASE_BIN, ['emulators:exec', '--project', PROJECT_ID, '--only', emulatorsToRun().join(','), shellJoin(cmd)], {
  cwd: ROOT,
  env: { ...setup.env, ...timer.env },
});
await timer.close();
process.exit(code);
