#!/usr/bin/env node
// npm test: typecheck, lint (with the import-boundary check), build, unit tests,
// then every emulator test inside one `firebase emulators:exec` run.
// Usage: npm test [-- step...]   steps: typecheck lint build unit emulator
//        extra vitest arguments after `--`, e.g. npm test -- emulator -- -t ingest
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { emulatorEnvironmentOr, FIREBASE_BIN, ROOT } from './lib/emulators.mjs';
import { isolatedProject } from './lib/project.mjs';
import { freePort, run, seconds, shellJoin } from './lib/run.mjs';
import { emulatorsToRun } from './lib/suite.mjs';

const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const wanted = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
const vitestArgs = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
const ALL = ['typecheck', 'lint', 'build', 'unit', 'emulator'];
const unknown = wanted.filter((s) => !ALL.includes(s));
if (unknown.length) {
  console.error(`npm test: unknown step(s) ${unknown.join(', ')}; steps are ${ALL.join(', ')}`);
  process.exit(2);
}
const steps = wanted.length ? ALL.filter((s) => wanted.includes(s) || (s === 'build' && wanted.includes('emulator'))) : ALL;
const testConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'support', 'testConfig.json'), 'utf8'));

function portInUse(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

async function emulatorStep() {
  const ports = [4400, 8080, 8085, 5001, 9099, 9499, 5000];
  const busy = [];
  for (const p of ports) if (await portInUse(p)) busy.push(p);
  if (busy.length) {
    console.error(`emulator tests need ports ${busy.join(', ')}, which are in use: stop \`npm start\` (or whatever holds them) first.`);
    return 1;
  }
  const setup = emulatorEnvironmentOr((message) => console.error(message));
  if (!setup) return 1;
  const slackPort = await freePort();
  const config = isolatedProject('test', {
    params: { ...testConfig.params, SLACK_API_URL: `http://127.0.0.1:${slackPort}/api/` },
    secrets: testConfig.secrets,
  });
  const script = shellJoin([bin('vitest'), 'run', '--project', 'emulator', ...reportTo('emulator'), ...vitestArgs]);
  return run(FIREBASE_BIN, ['emulators:exec', '--config', config, '--project', testConfig.projectId, '--only', emulatorsToRun().join(','), script], {
    cwd: ROOT,
    env: { ...setup.env, SLACK_TEST_PORT: String(slackPort), INCIDENT_PIPELINE_ROOT: ROOT, TEST_PROJECT_DIR: path.dirname(config) },
  });
}

const STEPS = {
  typecheck: async () => (await run(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: ROOT })) || run(bin('tsc'), ['-p', path.join('console', 'tsconfig.json')], { cwd: ROOT }),
  lint: () => run(bin('eslint'), ['--max-warnings=0', '.'], { cwd: ROOT }),
  build: () => run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT }),
  unit: () => run(bin('vitest'), ['run', '--project', 'unit', ...reportTo('unit'), ...vitestArgs], { cwd: ROOT }),
  emulator: emulatorStep,
};

// Each vitest step also writes a JSON report, so that the failures can be
// repeated after the summary: in CI the emulators' shutdown log otherwise
// buries vitest's own account of what failed.
const REPORT_DIR = path.join(ROOT, '.emulators', 'reports');
function reportTo(step) {
  fs.mkdirSync(REPORT_DIR, { recursive: true });
  const file = path.join(REPORT_DIR, `${step}.json`);
  fs.rmSync(file, { force: true });
  return ['--reporter=default', '--reporter=json', `--outputFile.json=${file}`];
}

function printFailures(step) {
  const file = path.join(REPORT_DIR, `${step}.json`);
  let report;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return;
  }
  const failed = [];
  for (const suite of report.testResults ?? []) {
    const where = path.relative(ROOT, suite.name);
    const tests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    if (!tests.length && suite.status === 'failed') failed.push({ where, title: '(the file itself)', messages: [suite.message ?? ''] });
    for (const t of tests) failed.push({ where, title: t.fullName ?? t.title, messages: t.failureMessages ?? [] });
  }
  if (!failed.length) return;
  console.log(`\n${step}: ${failed.length} failed`);
  for (const f of failed) {
    console.log(`  ✗ ${f.where} › ${f.title}`);
    for (const m of f.messages) for (const line of String(m).split('\n').filter((l) => !/node_modules|new Promise|node:internal/.test(l)).slice(0, 10)) console.log(`      ${line}`);
  }
}

const results = [];
const t0 = Date.now();
for (const step of steps) {
  console.log(`\n▶ ${step}`);
  const start = Date.now();
  const code = await STEPS[step]();
  results.push({ step, code, ms: Date.now() - start });
  if (code !== 0) break;
}
for (const r of results) if (r.code !== 0) printFailures(r.step); // only the vitest steps leave a report
console.log('\nnpm test summary');
for (const r of results) console.log(`  ${r.code === 0 ? 'ok  ' : 'FAIL'} ${r.step.padEnd(10)} ${seconds(r.ms)}`);
const skipped = steps.slice(results.length);
if (skipped.length) console.log(`  not run after the failure: ${skipped.join(', ')}`);
console.log(`  total ${seconds(Date.now() - t0)}`);
process.exit(results.every((r) => r.code === 0) && skipped.length === 0 ? 0 : 1);
