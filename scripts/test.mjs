#!/usr/bin/env node
// npm test: typecheck, lint (with the import-boundary check), build, unit tests,
// then every emulator test inside one `firebase emulators:exec` run.
// Usage: npm test [-- step...]   steps: typecheck lint build unit deploy emulator
//        extra vitest arguments after `--`, e.g. npm test -- emulator -- -t ingest
import './lib/node22.mjs';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { emulatorEnvironmentOr, FIREBASE_BIN, ROOT } from './lib/emulators.mjs';
import { isolatedProject, TEST_CONFIG_OVERLAY } from './lib/project.mjs';
import { freePort, run, seconds, shellJoin } from './lib/run.mjs';
import { emulatorsToRun, taskTimerFor } from './lib/suite.mjs';
import { findTool, installCommand, needsOf } from '../test/support/tools.mjs';

const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const wanted = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
const vitestArgs = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
const ALL = ['typecheck', 'lint', 'build', 'unit', 'deploy', 'emulator'];
const unknown = wanted.filter((s) => !ALL.includes(s));
if (unknown.length) {
  console.error(`npm test: unknown step(s) ${unknown.join(', ')}; steps are ${ALL.join(', ')}`);
  process.exit(2);
}
const steps = wanted.length ? ALL.filter((s) => wanted.includes(s) || (s === 'build' && (wanted.includes('emulator') || wanted.includes('deploy')))) : ALL;
const testConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'support', 'testConfig.json'), 'utf8'));

function portInUse(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

/**
 * Emulator test files whose programs (their `// needs:` line) are missing.
 * Without CI they are left out and listed after the summary; with CI=true
 * (where .ci/run installs them) a missing program is a failure.
 */
function filesNeedingMissingTools() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.ts')) {
        const text = fs.readFileSync(p, 'utf8');
        const missing = needsOf(text).filter((t) => !findTool(t));
        if (missing.length) out.push({ file: path.relative(ROOT, p), missing, tests: [...text.matchAll(/^\s*it\(\s*(['"`])(.+?)\1/gm)].map((m) => m[2]) });
      }
    }
  };
  for (const d of ['emulator', 'rules', 'e2e']) if (fs.existsSync(path.join(ROOT, 'test', d))) walk(path.join(ROOT, 'test', d));
  return out;
}

const notRun = [];

async function emulatorStep() {
  const lacking = filesNeedingMissingTools();
  if (lacking.length && process.env.CI === 'true') {
    for (const l of lacking) console.error(`${l.file} needs ${l.missing.join(', ')}, which is not installed`);
    console.error(`CI=true: every test must run. Install them: ${installCommand(lacking.flatMap((l) => l.missing))}`);
    return 1;
  }
  notRun.push(...lacking);

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
    configOverlay: TEST_CONFIG_OVERLAY,
  });
  const script = shellJoin([bin('vitest'), 'run', '--project', 'emulator', ...lacking.flatMap((l) => ['--exclude', l.file]), ...reportTo('emulator'), ...vitestArgs]);
  const timer = await taskTimerFor(testConfig.projectId, config);
  try {
    return await run(FIREBASE_BIN, ['emulators:exec', '--config', config, '--project', testConfig.projectId, '--only', emulatorsToRun().join(','), script], {
      cwd: ROOT,
      env: { ...setup.env, ...timer.env, SLACK_TEST_PORT: String(slackPort), INCIDENT_PIPELINE_ROOT: path.dirname(config), TEST_PROJECT_DIR: path.dirname(config) },
    });
  } finally {
    await timer.close();
  }
}

const STEPS = {
  typecheck: async () => (await run(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: ROOT })) || run(bin('tsc'), ['-p', path.join('console', 'tsconfig.json')], { cwd: ROOT }),
  lint: () => run(bin('eslint'), ['--max-warnings=0', '.'], { cwd: ROOT }),
  build: () => run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT }),
  unit: () => run(bin('vitest'), ['run', '--project', 'unit', ...reportTo('unit'), ...vitestArgs], { cwd: ROOT }),
  deploy: () => run(bin('vitest'), ['run', '--project', 'deploy', ...reportTo('deploy'), ...vitestArgs], { cwd: ROOT }),
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
if (notRun.length) {
  console.log(`  not run: ${notRun.reduce((n, l) => n + l.tests.length, 0)} tests in ${notRun.length} files need programs this machine lacks`);
  for (const l of notRun) {
    console.log(`    ${l.file} (needs ${l.missing.join(', ')})`);
    for (const t of l.tests) console.log(`      - ${t}`);
  }
  console.log(`  install them with: ${installCommand(notRun.flatMap((l) => l.missing))}   (CI=true requires them)`);
}
console.log(`  total ${seconds(Date.now() - t0)}`);
process.exit(results.every((r) => r.code === 0) && skipped.length === 0 ? 0 : 1);
