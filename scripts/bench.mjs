#!/usr/bin/env node
// npm run bench: measures the pipeline against its own floor, in one run, and
// prints how each figure was measured. The last line is one JSON object.
//   --rate N               storm publish rate in messages/s (default 10)
//   --quick                skip the emulator phases (micro-benchmarks and cold start only)
//   --port-offset N        move the pipeline's emulator ports by N (default 0: firebase.json's)
//   --floor-port-offset N  the floor's emulator ports (default: the pipeline's offset + 1000)
//   --ramp R1,R2,...       capacity ramp rates in messages/s (default 10,18,26,34,42,50,58,66)
//   --ramp-messages N      messages per ramp step (default 240: 200 distinct alerts + 40 repeats)
//   --no-proxy             functions talk to Firestore directly: no read/write counts (to see what the measuring costs)
//   --only paging          the pipeline suite with the paging probes alone (alertToFirstPageMsP50/P95; no storm, floor or ramp): about 3.5 minutes with the micro-benchmarks
//   --only capacity        the capacity ramps alone, the pipeline's and the floor's (capacityAlertsPerSecond, floorCapacityAlertsPerSecond; no storm, costs or paging)
import './lib/node22.mjs';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { addCounts, breakdownFigure, breakdownLines, costOf, lessBaseline, perUnit, PRICES, windowCounts } from './lib/benchCost.mjs';
import { startControl } from './lib/benchControl.mjs';
import { CACHE, emulatorEnvironmentOr, FIREBASE_BIN, ROOT } from './lib/emulators.mjs';
import { startCpuSampler } from './lib/cpuSampler.mjs';
import { startFirestoreProxy } from './lib/firestoreProxy.mjs';
import { InvocationLog, runTailingStdout } from './lib/functionsLog.mjs';
import { isolatedProject, TEST_CONFIG_OVERLAY } from './lib/project.mjs';
import { freePort, run, shellJoin } from './lib/run.mjs';
import { MAX_WARM_WORKERS, percentile, STORM_MESSAGES, warmWorkers } from './lib/storm.mjs';
import { taskTimerFor } from './lib/suite.mjs';

const args = process.argv.slice(2);
const KNOWN = new Set(['--rate', '--quick', '--port-offset', '--floor-port-offset', '--ramp', '--ramp-messages', '--no-proxy', '--only']);
for (const a of args) {
  if (a.startsWith('--') && !KNOWN.has(a)) {
    console.error(`bench: unknown option ${a}; options are ${[...KNOWN].join(', ')}`);
    process.exit(2);
  }
}
/** The value after `name`, or `fallback`. */
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
function intOpt(name, fallback, min = 0) {
  const v = Number(opt(name, fallback));
  if (!Number.isInteger(v) || v < min) {
    console.error(`bench: ${name} takes a whole number ≥ ${min}, not "${opt(name, fallback)}"`);
    process.exit(2);
  }
  return v;
}
const rate = Number(opt('--rate', 10));
if (!(rate > 0)) {
  console.error(`bench: --rate takes messages per second, not "${opt('--rate')}"`);
  process.exit(2);
}
const quick = args.includes('--quick');
const useProxy = !args.includes('--no-proxy');
const portOffset = intOpt('--port-offset', 0);
const floorPortOffset = intOpt('--floor-port-offset', portOffset + 1000);
const ramp = String(opt('--ramp', '10,18,26,34,42,50,58,66')).split(',').map(Number);
if (ramp.some((r) => !(r > 0))) {
  console.error(`bench: --ramp takes rates such as 10,14,18, not "${opt('--ramp')}"`);
  process.exit(2);
}
const rampMessages = intOpt('--ramp-messages', 240, 12);
const only = opt('--only', null);
if (only !== null && only !== 'paging' && only !== 'capacity') {
  console.error(`bench: --only takes "paging" or "capacity", not "${only}"`);
  process.exit(2);
}
const onlyPaging = only === 'paging';
const onlyCapacity = only === 'capacity';
if (only !== null && quick) {
  console.error(`bench: --only ${only} runs emulator phases; --quick skips them`);
  process.exit(2);
}
/** How many SEV1 paging probes the pipeline phase times (alertToFirstPageMs). */
const PAGING_PROBES = 20;
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
  // The loopback Slack and Twilio servers of the tests (TypeScript), transpiled for this process.
  const ts = require('typescript');
  const tools = path.join(CACHE, 'bench-tools');
  fs.mkdirSync(tools, { recursive: true });
  const loopback = async (name) => {
    const js = path.join(tools, `${name}.mjs`);
    const source = fs.readFileSync(path.join(ROOT, `test/support/${name}.ts`), 'utf8');
    fs.writeFileSync(js, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
    return import(pathToFileURL(js).href);
  };
  const { FakeSlack } = await loopback('slackServer');
  const slack = new FakeSlack();
  const slackPort = await slack.listen(await freePort());
  const slackUrl = `http://127.0.0.1:${slackPort}`;
  // The functions' TWILIO_API_URL: it checks the account SID and auth token of the test secrets, and records every SMS with its arrival time.
  const { FakeTwilio } = await loopback('twilioServer');
  const twilio = new FakeTwilio(testConfig.secrets.TWILIO_ACCOUNT_SID, testConfig.secrets.TWILIO_AUTH_TOKEN);
  const twilioUrl = `http://127.0.0.1:${await twilio.listen(await freePort())}`;
  const base = JSON.parse(fs.readFileSync(path.join(ROOT, 'firebase.json'), 'utf8'));
  const port = (name, offset) => base.emulators[name].port + offset;

  /** Whether a TCP port on 127.0.0.1 can be listened on now. */
  const canListen = (p) =>
    new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
  /** Every port a suite of `only` at `offset` listens on (firebase.json's, moved; the hub, logging, eventarc and tasks always start), and the proxy's block. */
  const suitePorts = (offset, only, proxyPorts) => {
    const started = new Set([...only.split(','), 'hub', 'logging', 'eventarc', 'tasks']);
    return [
      ...Object.entries(base.emulators).flatMap(([n, e]) => (started.has(n) && typeof e?.port === 'number' ? [e.port + offset] : [])),
      9150 + offset, // the Firestore emulator's websocket
      ...Array.from({ length: proxyPorts }, (_, i) => 8100 + offset + i),
    ];
  };

  /**
   * Runs `script(hosts, offset)` inside `firebase emulators:exec` with the
   * counting Firestore proxy between the functions and the Firestore emulator
   * (a port per name in `callers`) and the Functions emulator's stdout read for
   * executions. Ports past 32768 lie in Linux's ephemeral range: on a busy
   * machine an outgoing connection elsewhere can hold one for a while. So the
   * suite starts at `offset` if all its ports are free, else 100 higher (up to
   * 9 times), and again higher if an emulator still finds its port taken.
   */
  async function measuredSuite({ name, makeConfig, projectId, only, script, callers, offset: requested, env = {} }) {
    const preload = path.join(ROOT, 'scripts/lib/firestoreProxyPreload.cjs');
    const logFile = path.join(tools, `${name}-emulators.log`);
    const names = [...callers, 'bench-check', '*'];
    const stamped = [];
    const cpu0 = process.cpuUsage();
    // The bench's own event loop carries the proxy, the task timer and the log reader: how late it ran is their added latency.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    let code = 1;
    let log = new InvocationLog();
    let proxy = null;
    /** CPU time of the suite's processes by kind (scripts/lib/cpuSampler.mjs). */
    let sampler = null;
    let offset = requested;
    for (let slot = 0; slot < 10; slot++) {
      offset = requested + 100 * slot;
      const busy = [];
      for (const p of suitePorts(offset, only, names.length)) if (!(await canListen(p))) busy.push(p);
      if (busy.length) {
        say(`  (port${busy.length > 1 ? 's' : ''} ${busy.join(', ')} in use: trying the ${name} suite at offset ${offset + 100})`);
        continue;
      }
      const config = makeConfig(offset);
      // The proxy's ports: a block of the suite's own offset (8100 + offset + i), clear of firebase.json's ports.
      proxy = await startFirestoreProxy({ upstream: `127.0.0.1:${port('firestore', offset)}`, callers: names, basePort: 8100 + offset });
      log = new InvocationLog();
      let portTaken = false;
      const control = await startControl({ log, proxy });
      // Tasks due later go to the local task timer, as under npm start and npm test (the Cloud Tasks emulator ignores scheduleTime).
      const timer = only.split(',').includes('tasks') ? await taskTimerFor(projectId, config) : null;
      sampler?.stop();
      code = await runTailingStdout(FIREBASE_BIN, ['emulators:exec', '--config', config, '--project', projectId, '--only', only, script(proxy.hosts, offset)], {
        cwd: ROOT,
        onSpawn: (child) => {
          sampler = startCpuSampler(child.pid);
        },
        env: {
          ...setup.env,
          ...env,
          ...(timer?.env ?? {}),
          ...(useProxy ? { NODE_OPTIONS: `${setup.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(preload)}`.trim(), BENCH_FIRESTORE_PROXY_HOSTS: JSON.stringify(proxy.hosts) } : {}),
          BENCH_CONTROL_URL: control.url,
        },
        onLine: (text, at) => {
          if (/port taken/i.test(text) && log.begins.length === 0) portTaken = true;
          log.line(text, at);
          stamped.push(`${new Date(at).toISOString()} ${text}`);
        },
        outFile: path.join(tools, `${name}-emulators.out`),
      });
      await control.close();
      await timer?.close();
      if (code === 0 || !portTaken) break;
      await proxy.close();
      proxy = null;
      say(`  (an emulator found its port taken: trying the ${name} suite at offset ${offset + 100})`);
    }
    if (proxy) await proxy.close();
    sampler?.stop();
    fs.writeFileSync(logFile, `${stamped.join('\n')}\n`);
    const cpu = process.cpuUsage(cpu0);
    loopDelay.disable();
    const rpcs = proxy?.records.length ?? 0;
    const delayMs = (v) => (v / 1e6).toFixed(0);
    notes.push(
      `${name} suite (ports +${offset}): the bench's own process (Firestore proxy, task timer, loopback Slack, log reader) used ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU-s for ${rpcs} Firestore RPCs ` +
        `(${((cpu.user + cpu.system) / 1000 / Math.max(1, rpcs)).toFixed(2)} ms each at most): the measuring's own cost, on the same cores. Its event loop ran late by ${delayMs(loopDelay.percentile(50))} ms at the median, ${delayMs(loopDelay.percentile(99))} ms at p99, ${delayMs(loopDelay.max)} ms at most (what it adds to an RPC or a timer call).`,
    );
    if (proxy?.errors.length) notes.push(`${name}: the Firestore proxy saw ${proxy.errors.length} connection error(s), e.g. ${proxy.errors[0]}`);
    return { code, log, proxy, logFile, offset, cpu: sampler };
  }

  /** A phase's result file (its figures and notes merged into the run's); a phase that failed ends the bench. */
  const readPhase = (name, suite, outFile) => {
    if (suite.code !== 0 || !fs.existsSync(outFile)) {
      console.error(`bench: the ${name} phase failed (see above; the emulators' output is in ${suite.logFile})`);
      process.exit(1);
    }
    const result = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    Object.assign(figures, result.figures);
    notes.push(...result.notes);
    return result;
  };

  /** The reads, writes and invocations of a window, less the baseline's rate, per unit. */
  const costPer = (suite, w, baselineWindow, units) => {
    const b = baselineWindow ? windowCounts(suite.log, suite.proxy, baselineWindow.from, baselineWindow.to) : null;
    const list = (Array.isArray(w) ? w : [w]).map((x) => lessBaseline(windowCounts(suite.log, suite.proxy, x.from, x.to), b));
    return { per: perUnit(addCounts(list), units), baseline: b, windows: list.length };
  };
  const r3 = (v) => Number(v.toFixed(3));
  /**
   * CPU milliseconds per message of a window, by process kind (the bench's own
   * driver, which publishes and polls, left out of the total); null without /proc.
   */
  const cpuPer = (suite, from, to, messages) => {
    const w = suite.cpu?.between(from, to);
    if (!w || !messages) return null;
    const byKind = Object.fromEntries(Object.entries(w.ms).filter(([k, v]) => k !== 'bench driver' && v > 0).map(([k, v]) => [k, Number((v / messages).toFixed(1))]));
    const total = Number((Object.entries(w.ms).reduce((sum, [k, v]) => (k === 'bench driver' ? sum : sum + v), 0) / messages).toFixed(1));
    return { total, byKind, workersStarted: w.started['functions workers'], seconds: w.seconds };
  };
  const cpuText = (c) => (c ? `${c.total} ms (${Object.entries(c.byKind).map(([k, v]) => `${k} ${v}`).join(', ')}; ${c.workersStarted} worker${c.workersStarted === 1 ? '' : 's'} started)` : 'not measured (no /proc)');


  // --- 3. the pipeline on the emulators ------------------------------------
  const pipelineOut = path.join(tools, 'pipeline.json');
  fs.rmSync(pipelineOut, { force: true });
  const functionNames = Object.keys(lib('index.js'));
  const pipelineWork = onlyPaging ? `--only paging: ${PAGING_PROBES} paging probes` : onlyCapacity ? `--only capacity: ramp ${ramp.join(', ')} msg/s` : `storm at ${rate} msg/s; ${PAGING_PROBES} paging probes; ramp ${ramp.join(', ')} msg/s`;
  say(`\n▶ pipeline on the emulators (ports +${portOffset}; ${pipelineWork})`);
  const pipeline = await measuredSuite({
    name: 'pipeline',
    makeConfig: (offset) =>
      isolatedProject('bench', { params: { ...testConfig.params, SLACK_API_URL: `${slackUrl}/api/`, TWILIO_API_URL: twilioUrl }, secrets: testConfig.secrets, portOffset: offset, configOverlay: TEST_CONFIG_OVERLAY }),
    projectId: testConfig.projectId,
    only: 'firestore,pubsub,functions,auth,tasks',
    callers: functionNames,
    offset: portOffset,
    // The test config: its storm breaker counts only the storm test's alerts, not the 50 latency probes (50 new incidents in a minute).
    env: { INCIDENT_PIPELINE_ROOT: path.join(CACHE, 'bench') },
    script: (hosts, offset) =>
      shellJoin([
        process.execPath,
        path.join(ROOT, 'scripts/lib/bench-pipeline.mjs'),
        pipelineOut,
        JSON.stringify({
          slackUrl,
          twilioUrl,
          pagingProbes: PAGING_PROBES,
          only,
          token: testConfig.secrets.ALERT_WEBHOOK_TOKEN,
          rate,
          functionsUrl: `http://127.0.0.1:${port('functions', offset)}/${testConfig.projectId}/us-central1`,
          ramp,
          rampMessages,
          checkHost: hosts['bench-check'],
        }),
      ]),
  });
  await slack.close();
  await twilio.close();
  const p = readPhase('pipeline', pipeline, pipelineOut);
  notes.push('Firestore proxy: checked before the pipeline phase against the emulator with known operations (5 writes of which 1 delete, 1 failed commit, 7 document reads, 1 missing document, 1 empty query): counted exactly.');
  if (p.paging) notes.push(`alertToFirstPageMsP50/P95: ${p.paging}.`);
  if (onlyPaging) notes.push('--only paging: the pipeline phase ran the proxy check and the paging probes alone; no storm, floor or ramp figures.');
  if (onlyCapacity) notes.push('--only capacity: the pipeline and the floor ran their capacity ramps alone (after the proxy check); no storm, cost, latency or paging figures.');
  if (!onlyPaging) {
    /** Per storm alert and per new-incident alert, by function (cost-breakdown.json); null with --only capacity. */
    let breakdown = null;
    /** The storm's CPU per message, by process kind (null with --only capacity or without /proc). */
    let stormCpu = null;
    if (!onlyCapacity) {
      notes.push('alertToIncidentMsP50/P95: 50 sequential generic alerts POSTed to /alertWebhook/generic after a warm-up, each timed from the POST until a Firestore snapshot listener (onSnapshot on incidents where service == X) sees the incident.');
      notes.push(
        `stormAlertsPerSecond: ${STORM_MESSAGES} Alertmanager messages (1,000 distinct alerts + 200 repeats, one group) published to the alerts topic at a steady ${rate}/s after warming ${warmWorkers(rate)} onAlertPublished workers (max(6, rate), at most ${MAX_WARM_WORKERS}: the emulator starts a worker process per concurrent event, and one started mid-storm is a cold start); messages / seconds from the first publish until alertCount is 1,000 and the alerts' occurrences sum to 1,200.`,
      );
      notes.push('stormIncidentDocWritesPerSecond: distinct update times of the incident document seen by a snapshot listener during the storm, divided by the storm seconds (peak: most writes within any 1 s).');
      notes.push('stormSlackCalls: calls to the loopback Slack server that name the storm incident (its service, or its channel), counted by that server.');

      // Reads, writes and invocations: the storm, and one alert that opens an incident.
      const storm = costPer(pipeline, p.windows.storm, p.windows.baselineBeforeStorm, p.windows.storm.messages);
      const fresh = costPer(pipeline, p.windows.newIncident, p.windows.baselineBeforeProbes, p.windows.newIncident.length);
      figures.firestoreWritesPerStormAlert = r3(storm.per.writes);
      figures.firestoreReadsPerStormAlert = r3(storm.per.reads);
      figures.firestoreBilledReadsPerStormAlert = r3(storm.per.billedReads);
      figures.functionInvocationsPerStormAlert = r3(storm.per.invocations);
      figures.firestoreWritesPerNewIncidentAlert = r3(fresh.per.writes);
      figures.firestoreReadsPerNewIncidentAlert = r3(fresh.per.reads);
      figures.functionInvocationsPerNewIncidentAlert = r3(fresh.per.invocations);
      stormCpu = cpuPer(pipeline, p.windows.storm.from, p.windows.storm.to, p.windows.storm.messages);
      figures.cpuMsPerStormAlert = stormCpu?.total ?? null;
      const stormSeconds = ((p.windows.storm.to - p.windows.storm.from) / 1000).toFixed(1);
      const baselineText = (c) => (c.baseline ? `a ${(c.baseline.ms / 1000).toFixed(0)} s quiet baseline just before (${c.baseline.invocations.total} executions, ${c.baseline.firestore.rpcs} RPCs) subtracted at its rate` : 'no baseline');
      notes.push(
        'firestoreWritesPerStormAlert / firestoreReadsPerStormAlert: counted by a gRPC proxy between the functions and the Firestore emulator (scripts/lib/firestoreProxy.mjs; each function worker is pointed at its own proxy port by a --require preload, the code under test is unchanged), ' +
          'which decodes the Firestore protos: writes = the writes of each Commit/BatchWrite that succeeded (deletes included); reads = documents returned by BatchGetDocuments (found), RunQuery and Listen, and for RunAggregationQuery count() max(1, ceil(n/1000)) per result (billed per up to 1,000 index entries); ' +
          'firestoreBilledReadsPerStormAlert adds what Firestore also bills: 1 read per query that returns nothing and per missing document of a get. ' +
          `Window: from the storm's first publish until the functions were quiet after it settled (${stormSeconds} s; roll-ups and notifications included), ${baselineText(storm)}, divided by the ${p.windows.storm.messages} messages it handled${p.windows.storm.messages < STORM_MESSAGES ? ` (of ${STORM_MESSAGES} published)` : ''}. The bench's own polling reads the emulator directly and is not counted.`,
      );
      notes.push(
        'functionInvocationsPerStormAlert: "Beginning execution of" lines of the Functions emulator (its stdout, stamped on arrival) in the same window, less the baseline, per storm message. The storm enters by the alerts topic (as a Cloud Monitoring Pub/Sub channel does), so it runs no alertWebhook; an alert that comes by webhook costs that 1 execution more (see the new-incident figures).',
      );
      notes.push(`Per storm alert, by function, RPC and collection (w = writes, r = reads):\n      ${breakdownLines(storm.per).join('\n      ')}`);
      notes.push(
        `firestoreWritesPerNewIncidentAlert / firestoreReadsPerNewIncidentAlert / functionInvocationsPerNewIncidentAlert: ${fresh.windows} generic alerts for new services, each POSTed to /alertWebhook alone once the functions were quiet, counted from the POST until they were quiet again (everything the new incident set going), ${baselineText(fresh)}; mean per alert:\n      ${breakdownLines(fresh.per).join('\n      ')}`,
      );

      // The cost line.
      const cost = costOf(storm.per);
      figures.costPerMillionStormAlertsUsd = cost.totalUsd;
      figures.firestoreCostPerMillionStormAlertsUsd = cost.firestoreUsd;
      figures.functionsCostPerMillionStormAlertsUsd = cost.functionsUsd;
      if (!useProxy) {
        for (const k of Object.keys(figures)) if (/^firestore|^costPer/.test(k)) figures[k] = null;
        notes.push('--no-proxy: the functions talked to the Firestore emulator directly, so no reads or writes were counted (null), and no cost line.');
      }
      const million = (n) => `${(n / 1e6).toFixed(2)} M`;
      notes.push(
        `costPerMillionStormAlertsUsd: 1 million alerts in storms like this one = ${million(cost.reads)} billed reads, ${million(cost.writes)} writes, ${million(cost.deletes)} deletes, ${million(cost.invocations)} invocations → ` +
          `Firestore $${cost.firestoreUsd} + Cloud Run functions invocations $${cost.functionsUsd} = $${cost.totalUsd}. ` +
          `Prices (list, USD, free tiers excluded, read ${PRICES.seen}): ${PRICES.firestore.edition} $${PRICES.firestore.readsPer100k} per 100k reads, $${PRICES.firestore.writesPer100k} per 100k writes, $${PRICES.firestore.deletesPer100k} per 100k deletes (${PRICES.firestore.source}; free tier ${PRICES.firestore.freeTier}); ` +
          `${PRICES.functions.product} $${PRICES.functions.invocationsPerMillion} per million (${PRICES.functions.source}; free tier ${PRICES.functions.freeTier}). Not included: CPU/memory time, Cloud Tasks operations, Pub/Sub, network.`,
      );
      breakdown = { stormAlert: breakdownFigure(storm.per), newIncidentAlert: breakdownFigure(fresh.per) };
    }

    // --- 4. the floor: a bare function, same messages, its own emulator run ---
    const floorOut = path.join(tools, 'floor.json');
    fs.rmSync(floorOut, { force: true });
    const floorDir = path.join(CACHE, 'bench-floor');
    const floorConfig = (offset) =>
      isolatedProject('bench-floor', {
        firebaseJson: { functions: [{ source: path.relative(floorDir, path.join(ROOT, 'bench/floor')), codebase: 'floor', runtime: base.functions[0].runtime }], emulators: structuredClone(base.emulators) },
        portOffset: offset,
      });
    say(`\n▶ the floor: a bare function writing one document per message, same messages, same rate, same ramp (ports +${floorPortOffset})`);
    const floor = await measuredSuite({
      name: 'floor',
      makeConfig: floorConfig,
      projectId: 'demo-incidents-floor',
      only: 'firestore,pubsub,functions',
      callers: ['floor'],
      offset: floorPortOffset,
      script: () => shellJoin([process.execPath, path.join(ROOT, 'scripts/lib/bench-floor.mjs'), floorOut, JSON.stringify({ rate, ramp, rampMessages, only })]),
    });
    const f = readPhase('floor', floor, floorOut);
    if (!onlyCapacity) {
      figures.stormToFloorRatio = Number((figures.stormAlertsPerSecond / figures.floorAlertsPerSecond).toFixed(2));
      notes.push(`floorAlertsPerSecond: the same 1,200 messages at the same rate, handled by bench/floor (one Firestore write per message) in a separate emulator run with the same warm-up (${warmWorkers(rate)} workers); messages handled / seconds until the count stops growing.`);
      const floorCost = costPer(floor, f.windows.storm, null, STORM_MESSAGES);
      figures.floorFirestoreWritesPerAlert = useProxy ? r3(floorCost.per.writes) : null;
      figures.floorFunctionInvocationsPerAlert = r3(floorCost.per.invocations);
      const floorCpu = cpuPer(floor, f.windows.storm.from, f.windows.storm.to, STORM_MESSAGES);
      figures.floorCpuMsPerAlert = floorCpu?.total ?? null;
      notes.push(
        `cpuMsPerStormAlert / floorCpuMsPerAlert: CPU time (user + system, from /proc every 0.5 s) of every process of the suite's emulators:exec, the bench's own driver script left out, over the storm's window, per message: ` +
          `pipeline ${cpuText(stormCpu)}; floor ${cpuText(floorCpu)}. At 10/s both windows include the emulators' idle time.`,
      );
      notes.push(`floorFirestoreWritesPerAlert / floorFunctionInvocationsPerAlert: the floor's storm counted the same way (proxy and emulator log): ${breakdownLines(floorCost.per).join('; ')}.`);
      breakdown.floorAlert = breakdownFigure(floorCost.per);
    }

    // --- 5. capacity: the ramp of both ----------------------------------------
    const capacity = (steps) => {
      let best = null;
      for (const s of steps) {
        if (!s.pass) break;
        best = s.rate;
      }
      return best;
    };
    figures.capacityAlertsPerSecond = capacity(p.ramp);
    figures.floorCapacityAlertsPerSecond = capacity(f.ramp);
    const allPassed = (steps) => steps.length === ramp.length && steps.every((s) => s.pass);
    figures.capacityIsLowerBound = allPassed(p.ramp);
    figures.floorCapacityIsLowerBound = allPassed(f.ramp);
    // The fastest drain among the steps that passed: a sustained rate, where a short step's 5 s of slack makes the capacity figure lenient at high rates.
    const drainStep = (steps) => steps.filter((st) => st.pass && st.handledPerSecond).reduce((best, st) => (best && best.handledPerSecond >= st.handledPerSecond ? best : st), null);
    // A step handled at (nearly) its publish rate only says the system can drain at least that fast.
    const keptPace = (st) => Boolean(st && st.handledPerSecond >= 0.9 * st.rate);
    const [pDrain, fDrain] = [drainStep(p.ramp), drainStep(f.ramp)];
    figures.drainAlertsPerSecond = pDrain?.handledPerSecond ?? null;
    figures.floorDrainAlertsPerSecond = fDrain?.handledPerSecond ?? null;
    figures.drainIsLowerBound = keptPace(pDrain);
    figures.floorDrainIsLowerBound = keptPace(fDrain);
    figures.floorToPipelineDrainRatio = floorRatio(figures.floorDrainAlertsPerSecond, figures.drainAlertsPerSecond);
    notes.push(
      `drainAlertsPerSecond / floorDrainAlertsPerSecond: the fastest a step that passed was handled (its ${rampMessages} messages / seconds from its first publish until settled): ${figures.drainAlertsPerSecond} vs ${figures.floorDrainAlertsPerSecond} msg/s (×${figures.floorToPipelineDrainRatio}). ` +
        `A step passes when the counts settle within 5 s of its last message, so at r/s it passes whenever the drain is at least ${rampMessages}·r/(${rampMessages} + 5·r), which tends to ${Math.round(rampMessages / 5)}/s as r grows: above about that drain, the capacity figure no longer tells two systems apart, and this one does. ` +
        'A drain of at least 0.9 × its step\'s rate kept pace with the publisher and is only a lower bound (the goal is then decided as for the capacity figures).',
    );
    figures.floorToPipelineCapacityRatio = floorRatio(figures.floorCapacityAlertsPerSecond, figures.capacityAlertsPerSecond);
    const attemptText = (s) =>
      `${s.lagSeconds === null ? `${s.unhandledMessages} of ${s.messages} messages not handled when progress stopped for 10 s` : `settled ${s.lagSeconds} s after the last message`}${s.handledPerSecond ? `, ${s.handledPerSecond}/s` : ''}`;
    const stepCpu = (suite, st) => (st.from && st.to ? cpuPer(suite, st.from, st.to, st.messages) : null);
    const cpuOfStep = (suite) => (st) => {
      const c = stepCpu(suite, st);
      return c ? `, ${c.total} CPU-ms/msg, ${c.workersStarted} worker${c.workersStarted === 1 ? '' : 's'} started` : '';
    };
    const stepText = (suite) => (s) => `${s.rate}/s ${s.pass ? 'pass' : 'FAIL'} (${s.firstTry ? `first try failed: ${attemptText(s.firstTry)}${cpuOfStep(suite)(s.firstTry)}; second try: ` : ''}${attemptText(s)}${cpuOfStep(suite)(s)})`;
    // The CPU a message costs at the highest step that passed: on these cores, what it leaves for a sustained rate.
    const topStep = (steps) => steps.filter((st) => st.pass).at(-1) ?? null;
    const cores = os.availableParallelism();
    const topCpu = (suite, steps) => (topStep(steps) ? stepCpu(suite, topStep(steps)) : null);
    const pipelineTopCpu = topCpu(pipeline, p.ramp);
    const floorTopCpu = topCpu(floor, f.ramp);
    figures.rampCpuMsPerAlert = pipelineTopCpu?.total ?? null;
    figures.floorRampCpuMsPerAlert = floorTopCpu?.total ?? null;
    notes.push(
      `rampCpuMsPerAlert / floorRampCpuMsPerAlert: CPU time per message (as for cpuMsPerStormAlert) of the highest ramp step that passed: pipeline ${topStep(p.ramp)?.rate ?? '-'}/s: ${cpuText(pipelineTopCpu)}; floor ${topStep(f.ramp)?.rate ?? '-'}/s: ${cpuText(floorTopCpu)}. ` +
        (pipelineTopCpu && floorTopCpu
          ? `With ${cores} cores shared by everything, that bounds a sustained rate at about ${cores} × 1000 / CPU-ms: ${Math.round((cores * 1000) / pipelineTopCpu.total)} msg/s for the pipeline, ${Math.round((cores * 1000) / floorTopCpu.total)} for the floor (×${(pipelineTopCpu.total / floorTopCpu.total).toFixed(2)}); a 240-message step can pass above that rate, drawing on its 5 s of slack.`
          : ''),
    );
    const topped = (steps) => (allPassed(steps) ? ` (every step passed: at least ${ramp.at(-1)}/s)` : '');
    notes.push(
      `capacityAlertsPerSecond / floorCapacityAlertsPerSecond: a ramp of short storms, each ${rampMessages} messages (${rampMessages - Math.floor((rampMessages + 1) / 6)} distinct alerts + every 6th a repeat) for a fresh service, published at ${ramp.join(', ')} msg/s after warming max(6, rate) workers (at most ${MAX_WARM_WORKERS}; again only when a step needs more than were warmed, or after a failed step) and waiting for the functions to go quiet; ` +
        'a step passes when nothing is lost and the counts settle within 5 s of the last message (pipeline: the incident\'s alertCount and the alerts\' occurrences; floor: its documents); a step that fails is run once more on a fresh service, and the figure is the highest rate before a step that fails twice, which ends the ramp. ' +
        `With ${rampMessages} messages a step at r/s passes when the system drains at least ${rampMessages}·r/(${rampMessages} + 5·r) msg/s, so it measures a sustained rate only within that margin. ` +
        `Pipeline: ${p.ramp.map(stepText(pipeline)).join('; ')}${topped(p.ramp)}. Floor: ${f.ramp.map(stepText(floor)).join('; ')}${topped(f.ramp)}.`,
    );
    fs.writeFileSync(
      path.join(tools, 'cost-breakdown.json'),
      JSON.stringify({ ...breakdown, ramp: { pipeline: p.ramp.map((st) => ({ ...st, cpuMsPerMessage: stepCpu(pipeline, st) })), floor: f.ramp.map((st) => ({ ...st, cpuMsPerMessage: stepCpu(floor, st) })) } }, null, 2),
    );
    notes.push(`The breakdowns as JSON: ${path.relative(ROOT, path.join(tools, 'cost-breakdown.json'))}; the emulators' output, each line stamped: ${path.relative(ROOT, pipeline.logFile)}, ${path.relative(ROOT, floor.logFile)}.`);
  }
}

/**
 * The capacity goal, told honestly when a ramp ran out before a limit: a figure
 * whose every step passed is a lower bound, so floor/pipeline is then only
 * bounded on one side (or not at all), and the goal is `open` unless that side
 * decides it.
 */
function capacityVerdict({ cap, floorCap, capIsLowerBound, floorIsLowerBound }) {
  if (cap === null || floorCap === null) return 'missed';
  const ok = floorCap <= 1.25 * cap;
  if (!capIsLowerBound && !floorIsLowerBound) return ok ? 'met' : 'missed';
  if (capIsLowerBound && floorIsLowerBound) return 'open';
  // The pipeline's figure is a lower bound: the true ratio is at most this one.
  if (capIsLowerBound) return ok ? 'met' : 'open';
  // The floor's figure is a lower bound: the true ratio is at least this one.
  return ok ? 'open' : 'missed';
}
/** floor / pipeline to two decimals, or null when either is missing. */
function floorRatio(floor, pipeline) {
  return floor && pipeline ? Number((floor / pipeline).toFixed(2)) : null;
}

/**
 * One capacity goal line: its verdict (capacityVerdict) and, when a figure is
 * only a lower bound, which way that leaves the ratio (`why` says what made
 * each figure one).
 */
function capacityGoalLine({ goalText, cap, floorCap, capIsLowerBound, floorIsLowerBound, why }) {
  const verdict = capacityVerdict({ cap, floorCap, capIsLowerBound, floorIsLowerBound });
  const label = verdict === 'open' ? 'OPEN  ' : verdict === 'met' ? 'met   ' : 'MISSED';
  const bounds = capIsLowerBound && floorIsLowerBound ? why.both : floorIsLowerBound ? why.floor : capIsLowerBound ? why.pipeline : '';
  return `  ${label}  ${goalText}${bounds}`;
}

figures.benchSeconds = Math.round((Date.now() - started) / 1000);
const goal = (ok, text) => `${ok ? 'met ' : 'MISSED'}  ${text}`;
say('\nHow each figure was measured:');
for (const n of notes) say(`  - ${n}`);
say('\nGoals:');
say(`  ${goal(figures.normalizeUsPerAlert <= 5 * figures.jsonParseUsPerAlert, `normalizeUsPerAlert ≤ 5 × jsonParseUsPerAlert (${figures.normalizeUsPerAlert} vs ${figures.jsonParseUsPerAlert}: ×${(figures.normalizeUsPerAlert / figures.jsonParseUsPerAlert).toFixed(2)})`)}`);
say(`  ${goal(figures.coldStartRatio <= 1.5, `coldStartMs / bareImportMs ≤ 1.5 (${figures.coldStartMs} / ${figures.bareImportMs} = ${figures.coldStartRatio})`)}`);
if (!quick && !onlyPaging && !onlyCapacity) {
  say(`  ${goal(figures.stormUnhandledMessages === 0, `the storm settles: every message handled (${figures.stormUnhandledMessages} of ${STORM_MESSAGES} not)`)}`);
  say(`  ${goal(figures.stormToFloorRatio >= 0.5, `stormAlertsPerSecond ≥ 0.5 × floorAlertsPerSecond (${figures.stormAlertsPerSecond} vs ${figures.floorAlertsPerSecond}: ×${figures.stormToFloorRatio})`)}`);
  say(`  ${goal(figures.stormIncidentDocWritesPerSecond <= 1, `stormIncidentDocWritesPerSecond ≤ 1 (${figures.stormIncidentDocWritesPerSecond}, peak ${figures.stormIncidentDocWritesPeakPerSecond} in 1 s)`)}`);
  say(`  ${goal(figures.stormSlackCalls <= 10, `stormSlackCalls ≤ 10 (${figures.stormSlackCalls})`)}`);
  say(`  ${goal(figures.firestoreWritesPerStormAlert <= 2, `firestoreWritesPerStormAlert ≤ 2.0 (${figures.firestoreWritesPerStormAlert}; the floor ${figures.floorFirestoreWritesPerAlert})`)}`);
  say(`  ${goal(figures.firestoreReadsPerStormAlert <= 4, `firestoreReadsPerStormAlert ≤ 4.0 (${figures.firestoreReadsPerStormAlert})`)}`);
  say(`  ${goal(figures.functionInvocationsPerStormAlert <= 2.2, `functionInvocationsPerStormAlert ≤ 2.2 (${figures.functionInvocationsPerStormAlert}, entering by Pub/Sub; the floor ${figures.floorFunctionInvocationsPerAlert})`)}`);
}
if (!quick && !onlyPaging) {
  const ratioText = (r) => (r ? `: ×${r}` : '');
  say(
    capacityGoalLine({
      goalText: `floorCapacityAlertsPerSecond ≤ 1.25 × capacityAlertsPerSecond (${figures.floorCapacityAlertsPerSecond ?? 'none'} vs ${figures.capacityAlertsPerSecond ?? 'none'}${ratioText(figures.floorToPipelineCapacityRatio)})`,
      cap: figures.capacityAlertsPerSecond,
      floorCap: figures.floorCapacityAlertsPerSecond,
      capIsLowerBound: figures.capacityIsLowerBound,
      floorIsLowerBound: figures.floorCapacityIsLowerBound,
      why: {
        both: ` (both passed every step, up to ${ramp.at(-1)}/s: neither limit was reached, so the ratio is not known; a higher --ramp would tell)`,
        floor: ' (the floor passed every step: its figure is a lower bound, and the ratio at least this)',
        pipeline: ' (the pipeline passed every step: its figure is a lower bound, and the ratio at most this)',
      },
    }),
  );
  if (figures.drainAlertsPerSecond !== undefined) {
    say(
      capacityGoalLine({
        goalText: `the same goal on the fastest drains: floorDrainAlertsPerSecond ≤ 1.25 × drainAlertsPerSecond (${figures.floorDrainAlertsPerSecond ?? 'none'} vs ${figures.drainAlertsPerSecond ?? 'none'}${ratioText(figures.floorToPipelineDrainRatio)})`,
        cap: figures.drainAlertsPerSecond,
        floorCap: figures.floorDrainAlertsPerSecond,
        capIsLowerBound: figures.drainIsLowerBound,
        floorIsLowerBound: figures.floorDrainIsLowerBound,
        why: { both: ' (both kept pace with the publisher: not decided)', floor: ' (the floor kept pace: the ratio is at least this)', pipeline: ' (the pipeline kept pace: the ratio is at most this)' },
      }),
    );
  }
}
if (!quick && !onlyCapacity) {
  const p95 = figures.alertToFirstPageMsP95;
  say(`  ${goal(typeof p95 === 'number' && p95 <= 3000, `alertToFirstPageMsP95 ≤ 3000 on the emulator (p50 ${figures.alertToFirstPageMsP50} ms, p95 ${p95} ms over ${figures.alertToFirstPageProbes} SEV1 probes: webhook POST → first SMS at the loopback Twilio)`)}`);
}
say(JSON.stringify(figures));
