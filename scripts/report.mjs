#!/usr/bin/env node
// npm run report -- [--period week|month] [--service NAME] [--svg FILE] [--json] [--project ID]
// Prints the insights (stats/): incidents, MTTA, MTTR, deploys, failed deploys
// and change failure rate per period and scope; --svg also writes a chart of
// incidents and deploys per week; --json prints the rows as JSON.
import './lib/node22.mjs';
import fs from 'node:fs';
import { getFirestore } from 'firebase-admin/firestore';
import { adminTarget, builtModule, builtTool, explain } from './lib/admin.mjs';

const target = adminTarget(process.argv.slice(2));
const args = target.rest;
const { opt } = target;
const period = opt('--period');
const service = opt('--service');
const svg = opt('--svg');
const json = args.includes('--json');
if ((period && !['week', 'month'].includes(period)) || args.includes('--help')) {
  console.error('usage: npm run report -- [--period week|month] [--service NAME] [--svg FILE] [--json] [--project ID]');
  process.exit(2);
}
const stats = builtModule('domain/stats.js', 'report');
const report = builtTool('tools/insightsReport.js', 'report');
try {
  const snap = await getFirestore(target.app).collection('stats').get();
  const buckets = snap.docs.map((d) => ({ id: d.id, ...d.data() }));
  const scope = service ? stats.serviceScope(service) : undefined;
  const opts = { ...(period ? { periodType: period } : {}), ...(scope ? { scopes: [scope] } : {}) };
  if (json) {
    const rows = buckets
      .filter((b) => (!period || b.periodType === period) && (!scope || b.scope === scope))
      .map((b) => ({ scope: b.scope, period: b.period, ...stats.summarize(b) }))
      .sort((a, b) => (a.period + a.scope < b.period + b.scope ? -1 : 1));
    console.log(JSON.stringify(rows, null, 2));
  } else if (buckets.length === 0) {
    console.log(`no insights yet in ${target.projectId}: they fill in as incidents and deploys happen (drills are left out).`);
  } else {
    console.log(report.reportTable(buckets, opts));
  }
  if (svg) {
    fs.writeFileSync(svg, report.reportSvg(buckets, { ...(scope ? { scope } : {}) }));
    console.error(`chart of incidents and deploys per week written to ${svg}`);
  }
  process.exit(0);
} catch (e) {
  console.error(`npm run report: ${explain(e, target)}`);
  process.exit(1);
}
