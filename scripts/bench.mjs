#!/usr/bin/env node
// npm run bench: measures the pipeline against its own floor, in one run, and
// prints how each figure was measured. The last line is one JSON object.
//   --rate N   storm publish rate in messages/s (default 10)
//   --quick    skip the emulator phases (micro-benchmarks and cold start only)
import './lib/node22.mjs';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { CACHE, emulatorEnvironmentOr, FIREBASE_BIN, ROOT } from './lib/emulators.mjs';
import { isolatedProject, TEST_CONFIG_OVERLAY } from './lib/project.mjs';
import { freePort, run, shellJoin } from './lib/run.mjs';
import { percentile } from './lib/storm.mjs';

const args = process.argv.slice(2);
const rate = Number(args[args.indexOf('--rate') + 1] || 10) || 10;
const quick = args.includes('--quick');
const require = createRequire(import.meta.url);
const started = Date.now();
const notes = [];
const figures = {};
const say = (line) => console.log(line);

if ((await run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT })) !== 0) process.exit(1);
const lib = (p) => require(path.join(ROOT, 'lib/functions/src', p));
const testConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/support/testConfig.json'), 'utf8'));

// --- 1. normalisation against JSON.parse ------------------------------------
{
  const { normalizePayload } = lib('domain/sources/index.js');
  const { evaluateSeverity } = lib('domain/severity.js');
  const { groupKey } = lib('domain/grouping.js');
  const { pipelineConfig } = lib('adapters/configFiles.js');
  const { rules } = pipelineConfig();
  const fixtures = path.join(ROOT, 'test/fixtures/alerts');
  const mix = [
    ['alertmanager', 'alertmanager/firing.json'], ['alertmanager', 'alertmanager/multi.json'], ['grafana', 'grafana/firing.json'], ['grafana', 'grafana/multi.json'],
    ['datadog', 'datadog/firing.json'], ['datadog', 'datadog/warn-spaces-bare-tags.json'], ['cloud-monitoring', 'cloud-monitoring/firing.json'],
    ['sentry', 'sentry/event-alert.json'], ['sentry', 'sentry/legacy-plugin.json'],
  ].map(([source, file]) => ({ source, text: fs.readFileSync(path.join(fixtures, file), 'utf8') }));
  mix.push({ source: 'generic', text: JSON.stringify({ title: 'Disk almost full', service: 'db', environment: 'production', severity: 'critical', labels: { host: 'db-1' } }) });
  const alertsPerRound = mix.reduce((n, m) => n + normalizePayload(m.source, JSON.parse(m.text)).alerts.length, 0);
  const full = () => {
    for (const m of mix) {
      const r = normalizePayload(m.source, JSON.parse(m.text));
      for (const a of r.alerts) {
        evaluateSeverity(rules, a);
        groupKey(a);
      }
    }
  };
  const parseOnly = () => {
    for (const m of mix) JSON.parse(m.text);
  };
  // Interleaved samples (parse, then full), so both see the same machine state;
  // CPU time per alert of each, median over the samples.
  const cpu = (fn, rounds) => {
    const c = process.cpuUsage();
    for (let i = 0; i < rounds; i++) fn();
    const d = process.cpuUsage(c);
    return (d.user + d.system) / (rounds * alertsPerRound);
  };
  const rounds = 3000;
  cpu(full, rounds); // warm the JIT (zod compiles its parsers after some use)
  cpu(parseOnly, rounds);
  const fulls = [];
  const parses = [];
  for (let s = 0; s < 9; s++) {
    parses.push(cpu(parseOnly, rounds));
    fulls.push(cpu(full, rounds));
  }
  figures.normalizeUsPerAlert = Number(percentile(fulls, 50).toFixed(2));
  figures.jsonParseUsPerAlert = Number(percentile(parses, 50).toFixed(2));
  notes.push(
    `normalizeUsPerAlert / jsonParseUsPerAlert: CPU time (process.cpuUsage, user+system) over 3,000 rounds (after 3,000 warm-up rounds) of a mix of ${mix.length} payloads (${alertsPerRound} alerts: all six sources), 9 interleaved samples of each, median, per alert. ` +
      'normalize = JSON.parse + zod validation + normalisation + severity rules + group key; the floor is JSON.parse alone on the same texts.',
  );
}

// --- 2. cold start ---------------------------------------------------------
{
  const load = (code) => {
    const ms = [];
    for (let i = 0; i < 7; i++) {
      const r = spawnSync(process.execPath, ['-e', `const t=process.hrtime.bigint();${code};process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`], { cwd: ROOT, encoding: 'utf8' });
      ms.push(Number(r.stdout));
    }
    return Number(percentile(ms, 50).toFixed(1));
  };
  figures.coldStartMs = load(`require(${JSON.stringify(path.join(ROOT, 'lib/functions/src/index.js'))})`);
  figures.bareImportMs = load(`require('firebase-functions');require('firebase-admin')`);
  figures.coldStartRatio = Number((figures.coldStartMs / figures.bareImportMs).toFixed(2));
  notes.push('coldStartMs: require() of the functions entry module (lib/functions/src/index.js) in a fresh node process; bareImportMs: require("firebase-functions") and require("firebase-admin") alone; median of 7 processes each.');
}

if (!quick) {
  const setup = emulatorEnvironmentOr();
  // The loopback Slack server of the tests (TypeScript), transpiled for this process.
  const ts = require('typescript');
  fs.mkdirSync(path.join(CACHE, 'bench-tools'), { recursive: true });
  const slackJs = path.join(CACHE, 'bench-tools', 'slackServer.mjs');
  const source = fs.readFileSync(path.join(ROOT, 'test/support/slackServer.ts'), 'utf8');
  fs.writeFileSync(slackJs, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
  const { FakeSlack } = await import(pathToFileURL(slackJs).href);
  const slack = new FakeSlack();
  const slackPort = await slack.listen(await freePort());
  const slackUrl = `http://127.0.0.1:${slackPort}`;

  // --- 3. the pipeline on the emulators ------------------------------------
  const pipelineOut = path.join(CACHE, 'bench-tools', 'pipeline.json');
  fs.rmSync(pipelineOut, { force: true });
  // The test config: its storm breaker counts only the storm test's alerts, not the 50 latency probes (50 new incidents in a minute).
  const config = isolatedProject('bench', { params: { ...testConfig.params, SLACK_API_URL: `${slackUrl}/api/` }, secrets: testConfig.secrets, configOverlay: TEST_CONFIG_OVERLAY });
  say(`\n▶ pipeline on the emulators (storm at ${rate} msg/s)`);
  const script = shellJoin([process.execPath, path.join(ROOT, 'scripts/lib/bench-pipeline.mjs'), pipelineOut, slackUrl, testConfig.secrets.ALERT_WEBHOOK_TOKEN, String(rate)]);
  const code = await run(FIREBASE_BIN, ['emulators:exec', '--config', config, '--project', testConfig.projectId, '--only', 'firestore,pubsub,functions,auth,tasks', script], {
    cwd: ROOT,
    env: { ...setup.env, INCIDENT_PIPELINE_ROOT: path.dirname(config) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await slack.close();
  if (code !== 0 || !fs.existsSync(pipelineOut)) {
    console.error('bench: the pipeline phase failed (see above)');
    process.exit(1);
  }
  Object.assign(figures, JSON.parse(fs.readFileSync(pipelineOut, 'utf8')));
  notes.push('alertToIncidentMsP50/P95: 50 sequential generic alerts POSTed to /alertWebhook/generic after a warm-up, each timed from the POST until a Firestore snapshot listener (onSnapshot on incidents where service == X) sees the incident.');
  notes.push(
    `stormAlertsPerSecond: ${1200} Alertmanager messages (1,000 distinct alerts + 200 repeats, one group) published to the alerts topic at a steady ${rate}/s after warming 6 function workers; messages / seconds from the first publish until alertCount is 1,000 and the alerts' occurrences sum to 1,200.`,
  );
  notes.push('stormIncidentDocWritesPerSecond: distinct update times of the incident document seen by a snapshot listener during the storm, divided by the storm seconds (peak: most writes within any 1 s).');
  notes.push('stormSlackCalls: calls to the loopback Slack server that name the storm incident (its service, or its channel), counted by that server.');

  // --- 4. the floor: a bare function, same messages, its own emulator run ---
  const floorOut = path.join(CACHE, 'bench-tools', 'floor.json');
  fs.rmSync(floorOut, { force: true });
  const floorDir = path.join(CACHE, 'bench-floor');
  const base = JSON.parse(fs.readFileSync(path.join(ROOT, 'firebase.json'), 'utf8'));
  const floorConfig = isolatedProject('bench-floor', {
    firebaseJson: { functions: [{ source: path.relative(floorDir, path.join(ROOT, 'bench/floor')), codebase: 'floor' }], emulators: base.emulators },
  });
  say('\n▶ the floor: a bare function writing one document per message, same messages, same rate');
  const floorCode = await run(FIREBASE_BIN, ['emulators:exec', '--config', floorConfig, '--project', 'demo-incidents-floor', '--only', 'firestore,pubsub,functions', shellJoin([process.execPath, path.join(ROOT, 'scripts/lib/bench-floor.mjs'), floorOut, String(rate)])], {
    cwd: ROOT,
    env: setup.env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (floorCode !== 0 || !fs.existsSync(floorOut)) {
    console.error('bench: the floor phase failed (see above)');
    process.exit(1);
  }
  Object.assign(figures, JSON.parse(fs.readFileSync(floorOut, 'utf8')));
  figures.stormToFloorRatio = Number((figures.stormAlertsPerSecond / figures.floorAlertsPerSecond).toFixed(2));
  notes.push('floorAlertsPerSecond: the same 1,200 messages at the same rate, handled by bench/floor (one Firestore write per message) in a separate emulator run with the same warm-up; messages handled / seconds until the count stops growing.');
}

figures.benchSeconds = Math.round((Date.now() - started) / 1000);
const goal = (ok, text) => `${ok ? 'met ' : 'MISSED'}  ${text}`;
say('\nHow each figure was measured:');
for (const n of notes) say(`  - ${n}`);
say('\nGoals:');
say(`  ${goal(figures.normalizeUsPerAlert <= 5 * figures.jsonParseUsPerAlert, `normalizeUsPerAlert ≤ 5 × jsonParseUsPerAlert (${figures.normalizeUsPerAlert} vs ${figures.jsonParseUsPerAlert}: ×${(figures.normalizeUsPerAlert / figures.jsonParseUsPerAlert).toFixed(2)})`)}`);
say(`  ${goal(figures.coldStartRatio <= 1.5, `coldStartMs / bareImportMs ≤ 1.5 (${figures.coldStartMs} / ${figures.bareImportMs} = ${figures.coldStartRatio})`)}`);
if (!quick) {
  say(`  ${goal(figures.stormToFloorRatio >= 0.5, `stormAlertsPerSecond ≥ 0.5 × floorAlertsPerSecond (${figures.stormAlertsPerSecond} vs ${figures.floorAlertsPerSecond}: ×${figures.stormToFloorRatio})`)}`);
  say(`  ${goal(figures.stormIncidentDocWritesPerSecond <= 1, `stormIncidentDocWritesPerSecond ≤ 1 (${figures.stormIncidentDocWritesPerSecond}, peak ${figures.stormIncidentDocWritesPeakPerSecond} in 1 s)`)}`);
  say(`  ${goal(figures.stormSlackCalls <= 10, `stormSlackCalls ≤ 10 (${figures.stormSlackCalls})`)}`);
}
say(JSON.stringify(figures));
