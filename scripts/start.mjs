#!/usr/bin/env node
// npm start: build, then run the whole pipeline on the Firebase Emulator Suite
// (project demo-incidents) until Ctrl-C, and print the endpoints.
import './lib/node22.mjs';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { emulatorEnvironmentOr, FIREBASE_BIN, ROOT } from './lib/emulators.mjs';
import { emulatorsToRun, ensureLocalSecrets, functionsUrl, PROJECT_ID, taskTimerFor } from './lib/suite.mjs';
import { run, seconds } from './lib/run.mjs';

const started = Date.now();
const fail = (msg) => {
  console.error(`\nnpm start: ${msg}`);
  process.exit(1);
};

if (!fs.existsSync(path.join(ROOT, 'node_modules'))) fail('dependencies are missing: run `npm install` first.');


if ((await run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT })) !== 0) {
  fail('the build failed (see above); fix it and run npm start again.');
}

const { secrets, created, file } = ensureLocalSecrets();
if (created) console.log(`Created ${path.relative(ROOT, file)} from .secret.local.example (local secrets; edit to taste).`);

const setup = emulatorEnvironmentOr(fail);
for (const note of setup.notes) console.log(`Using ${note}`);

const only = emulatorsToRun();
const timer = await taskTimerFor(PROJECT_ID);
const child = spawn(FIREBASE_BIN, ['emulators:start', '--project', PROJECT_ID, '--only', only.join(',')], {
  cwd: ROOT,
  env: { ...setup.env, ...timer.env },
  stdio: ['inherit', 'pipe', 'pipe'],
});

let ready = false;
const watch = (stream, out) => {
  stream.on('data', (chunk) => {
    out.write(chunk);
    if (!ready && /All emulators ready/.test(String(chunk))) {
      ready = true;
      banner();
    }
  });
};
watch(child.stdout, process.stdout);
watch(child.stderr, process.stderr);

function banner() {
  const token = secrets.ALERT_WEBHOOK_TOKEN ?? '<ALERT_WEBHOOK_TOKEN from .secret.local>';
  const hosting = only.includes('hosting');
  const lines = [
    '',
    `Incident pipeline running on the Firebase Emulator Suite (project ${PROJECT_ID}), ready in ${seconds(Date.now() - started)}.`,
    '',
    `  Alert webhook    POST ${functionsUrl(PROJECT_ID, 'alertWebhook')}/{source}`,
    '                   source: alertmanager, grafana, datadog, cloud-monitoring, sentry, generic',
    `  Deploy webhook   POST ${functionsUrl(PROJECT_ID, 'deployWebhook')}`,
    `  Slack            POST ${functionsUrl(PROJECT_ID, 'slackCommands')}  and  ${functionsUrl(PROJECT_ID, 'slackInteractions')}`,
    '  Pub/Sub topics   alerts, deploys (emulator 127.0.0.1:8085)',
    '  Firestore        127.0.0.1:8080    Auth 127.0.0.1:9099    Functions 127.0.0.1:5001    Cloud Tasks 127.0.0.1:9499',
    ...(hosting ? ['  Console          http://127.0.0.1:5000   (a local user: npm run role -- you@example.com responder; password "password")'] : []),
    '',
    'Send a first alert:',
    `  curl -i -X POST -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' \\`,
    `    -d '{"title":"Disk almost full","service":"db","environment":"production","severity":"critical"}' \\`,
    `    ${functionsUrl(PROJECT_ID, 'alertWebhook')}/generic`,
    '',
    'Then look at it:  npm run incidents     Press Ctrl-C to stop.',
    '',
  ];
  console.log(lines.join('\n'));
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (!child.killed) child.kill(sig);
  });
}
child.on('exit', (code, signal) => {
  if (!ready && code) console.error('\nnpm start: the emulators did not start (see the messages above).');
  process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
});
