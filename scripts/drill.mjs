#!/usr/bin/env node
// npm run drill -- <scenario> [--service NAME] [--speed N] [--no-wait] [--project ID]
//   Runs a drill: its alerts go through the real `alerts` topic, marked as a
//   drill, at their times (divided by --speed); then waits until the drill is
//   scored (its first incident resolves, or its time limit passes).
// npm run drill -- --from-incident <incidentId> [--out FILE] [--run ...]
//   Replays a stored incident: writes its alert sequence as a scenario file.
// npm run drill -- --generate --service NAME [--kind bad-deploy|dependency|saturation|storm] [--seed N] [--out FILE] [--run]
//   Generates a scenario from the service's own context (past incidents, deploys,
//   runbook, severity rules, dependencies): the YAML on stdout (or in --out),
//   what it used and what it could not find on stderr. The same seed gives the same file.
// npm run drill -- --history [--service NAME | --person UID] [--limit N]
//   The scored drills per service (or of a person): time to acknowledge, time to mitigate, page acknowledged, escalation level, score.
// npm run drill -- --list
import './lib/node22.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { getFirestore } from 'firebase-admin/firestore';
import { adminTarget, builtModule, explain } from './lib/admin.mjs';
import { ROOT } from './lib/emulators.mjs';

const target = adminTarget(process.argv.slice(2));
const args = target.rest;
const { opt } = target;
const lib = (file) => builtModule(file, 'drill');
const usage = [
  'usage: npm run drill -- <scenario> [--service NAME] [--speed N] [--no-wait]',
  '       npm run drill -- --from-incident <incidentId> [--out FILE] [--run]',
  '       npm run drill -- --generate --service NAME [--kind bad-deploy|dependency|saturation|storm] [--seed N] [--out FILE] [--run [--speed N] [--no-wait]]',
  '       npm run drill -- --history [--service NAME | --person UID] [--limit N]',
  '       npm run drill -- --list',
].join('\n');

const files = lib('adapters/scenarioFiles.js');
const drills = lib('app/drills.js');
const replay = lib('domain/drills/replay.js');
const generation = lib('domain/drills/generate.js');
const { ConfigError } = lib('domain/yamlConfig.js');

async function run(scenario, name) {
  const speed = Number(opt('--speed') ?? 1);
  if (!Number.isFinite(speed) || speed < 1) throw new Error('--speed must be a number ≥ 1');
  const drillId = await drills.startDrill({ scenario, scenarioName: name, startedBy: `cli:${process.env.USER ?? 'local'}`, service: opt('--service') ?? null, speed });
  console.log(`drill ${drillId}: "${scenario.name}" on service ${opt('--service') ?? scenario.service}${speed > 1 ? ` at ${speed}× speed` : ''}`);
  console.log(`  expected: acknowledge within ${scenario.expect.acknowledgeWithinSeconds} s; runbook steps: ${scenario.expect.runbookSteps.length}; time limit ${scenario.timeLimitMinutes} min`);
  // The same steps the playDrill task plays; here this process waits between them.
  let last = -1;
  let sent = 0;
  for (let step = { index: 0 }; step; ) {
    const outcome = await drills.playDrillStep(drillId, step);
    sent += outcome.sent;
    const pct = Math.floor((sent / Math.max(1, outcome.total)) * 10);
    if (pct !== last) {
      last = pct;
      process.stdout.write(`  alerts sent: ${sent}/${outcome.total}\n`);
    }
    step = outcome.next?.step;
    if (outcome.next) await new Promise((r) => setTimeout(r, Math.max(0, outcome.next.at.getTime() - Date.now())));
  }
  console.log(`  all ${sent} alerts published. The incidents are flagged [DRILL] and announced in the training channel.`);
  if (args.includes('--no-wait')) return;
  const ref = getFirestore(target.app).doc(`drills/${drillId}`);
  console.log('  waiting for the drill to be scored (resolve its first incident, or wait for the time limit)...');
  for (;;) {
    const d = (await ref.get()).data();
    if (d?.status === 'scored') {
      console.log(`\n${d.report}`);
      return;
    }
    if (d && d.deadlineAt.toMillis() <= Date.now()) await drills.finishOverdueDrills();
    await new Promise((r) => setTimeout(r, 2000));
  }
}

try {
  if (args.includes('--list')) {
    for (const name of files.scenarioNames()) {
      const { scenario } = files.loadScenario(name);
      console.log(`${name.padEnd(20)} ${scenario.name} (${scenario.service}, ${scenario.alerts.length} alert steps)`);
    }
    process.exit(0);
  }
  if (args.includes('--generate')) {
    const service = opt('--service');
    const kind = opt('--kind');
    if (!service || service.startsWith('--')) {
      console.error(`npm run drill: --generate needs --service NAME (the service whose incidents, runbook and rules the drill is built from)\n${usage}`);
      process.exit(2);
    }
    if (kind !== undefined && !generation.isDrillKind(kind)) {
      console.error(`npm run drill: unknown kind "${kind}": use one of ${generation.DRILL_KINDS.join(', ')} (or leave --kind out to choose from the history)`);
      process.exit(2);
    }
    const context = lib('app/drillContext.js');
    const seed = context.checkSeed(opt('--seed'));
    const g = await context.generateDrill(service, { kind, seed });
    for (const note of g.notes) console.error(`note: ${note}`);
    if (g.fallback) console.error(`note: FALLBACK: ${service} has no past incidents; the drill uses generic alerts, its runbook and the severity rules`);
    const out = opt('--out');
    if (out) {
      fs.writeFileSync(out, g.yaml);
      console.error(`wrote ${path.relative(process.cwd(), out) || out}: ${g.kind} drill on ${service}, seed ${seed}, ${g.scenario.alerts.length} alert steps`);
    } else {
      process.stdout.write(g.yaml);
    }
    if (args.includes('--run')) await run(g.scenario, `generated-${g.kind}-${seed}`);
    process.exit(0);
  }
  if (args.includes('--history')) {
    const limit = opt('--limit') === undefined ? undefined : Number(opt('--limit'));
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new Error('--limit must be a whole number > 0');
    const history = lib('domain/drills/history.js');
    const { by, series } = await lib('app/drillContext.js').loadDrillHistory({ service: opt('--service') ?? null, person: opt('--person') ?? null, limit });
    console.log(history.drillHistoryText(series, by));
    process.exit(0);
  }
  const from = opt('--from-incident');
  if (from) {
    const scenario = await drills.scenarioOfIncident(from);
    const out = opt('--out') ?? path.join(ROOT, 'scenarios', `replay-${from}.yaml`);
    fs.writeFileSync(out, replay.scenarioToYaml(scenario));
    console.log(`wrote ${path.relative(process.cwd(), out)}: ${scenario.alerts.length} alert steps from incident ${from}`);
    if (args.includes('--run')) await run(scenario, path.basename(out, '.yaml'));
    process.exit(0);
  }
  const name = args.find((a, i) => !a.startsWith('--') && !['--service', '--speed', '--out', '--kind', '--seed', '--person', '--limit'].includes(args[i - 1]));
  if (!name) {
    console.error(usage);
    process.exit(2);
  }
  const { scenario } = files.loadScenario(name);
  await run(scenario, path.basename(name, '.yaml'));
  process.exit(0);
} catch (e) {
  console.error(`npm run drill: ${e instanceof ConfigError ? e.message : explain(e, target)}`);
  process.exit(1);
}
