#!/usr/bin/env node
// A private Emulator Suite for development, on ports shifted by --offset
// (default 10000: Firestore 18080, Functions 15001, Auth 19099, Hosting 15000...),
// with the test secrets, so it can run beside `npm start` or `npm test`.
// CMD gets FUNCTIONS_PORT and HOSTING_PORT (test/support/emulator.ts and the
// console test read them) besides the emulator hosts that emulators:exec exports.
// Usage: node scripts/sandbox.mjs [--offset N] [--only firestore,auth] [-- CMD ...]   (no CMD: runs until Ctrl-C)
//   --only: a subset of the emulators, e.g. `--only firestore` for the rules tests
import './lib/node22.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { emulatorEnvironmentOr, FIREBASE_BIN, ROOT } from './lib/emulators.mjs';
import { isolatedProject, TEST_CONFIG_OVERLAY } from './lib/project.mjs';
import { run, shellJoin } from './lib/run.mjs';
import { emulatorsToRun, taskTimerFor } from './lib/suite.mjs';

const argv = process.argv.slice(2);
const dd = argv.indexOf('--');
const opts = dd >= 0 ? argv.slice(0, dd) : argv;
const cmd = dd >= 0 ? argv.slice(dd + 1) : [];
const oi = opts.indexOf('--offset');
const offset = oi >= 0 ? Number(opts[oi + 1]) : 10000;
const only = opts.indexOf('--only');
const emulators = only >= 0 ? String(opts[only + 1] ?? '').split(',').filter(Boolean) : emulatorsToRun();
const testConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'support', 'testConfig.json'), 'utf8'));
const setup = emulatorEnvironmentOr();
const slackPort = Number(process.env.SLACK_TEST_PORT ?? 9911 + offset / 1000);
const twilioPort = Number(process.env.TWILIO_TEST_PORT ?? 9811 + offset / 1000);
const config = isolatedProject(`sandbox-${offset}`, {
  params: { ...testConfig.params, SLACK_API_URL: `http://127.0.0.1:${slackPort}/api/`, TWILIO_API_URL: `http://127.0.0.1:${twilioPort}`, CONSOLE_URL: `http://127.0.0.1:${5000 + offset}` },
  secrets: testConfig.secrets,
  portOffset: offset,
  configOverlay: TEST_CONFIG_OVERLAY,
});
// The tests find the shifted Functions and Hosting ports here (FIRESTORE_EMULATOR_HOST & co. come from emulators:exec).
const shiftedPorts = { FUNCTIONS_PORT: String(5001 + offset), HOSTING_PORT: String(5000 + offset) };
console.log(`sandbox suite: ports shifted by ${offset}; Slack API expected at 127.0.0.1:${slackPort}, Twilio at 127.0.0.1:${twilioPort}; config/ with the test overlay (test/config/, merged over config/)`);
const args = cmd.length
  ? ['emulators:exec', '--config', config, '--project', testConfig.projectId, '--only', emulators.join(','), shellJoin(cmd)]
  : ['emulators:start', '--config', config, '--project', testConfig.projectId, '--only', emulators.join(',')];
const timer = await taskTimerFor(testConfig.projectId, config);
const code = await run(FIREBASE_BIN, args, { cwd: ROOT, env: { ...setup.env, ...timer.env, SLACK_TEST_PORT: String(slackPort), TWILIO_TEST_PORT: String(twilioPort), INCIDENT_PIPELINE_ROOT: path.dirname(config), ...shiftedPorts } });
await timer.close();
process.exit(code);
