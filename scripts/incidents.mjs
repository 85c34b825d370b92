#!/usr/bin/env node
// npm run incidents [-- --all] [--project ID]: the latest incidents, newest first.
import './lib/node22.mjs';
import { getFirestore } from 'firebase-admin/firestore';
import { adminTarget, explain } from './lib/admin.mjs';

const target = adminTarget(process.argv.slice(2));
const all = target.rest.includes('--all');
const fmt = (t) => (t?.toDate ? t.toDate().toISOString().replace('T', ' ').slice(0, 19) : '-');
try {
  let q = getFirestore(target.app).collection('incidents').orderBy('createdAt', 'desc').limit(all ? 500 : 20);
  const snap = await q.get();
  if (snap.empty) {
    console.log(`no incidents yet in ${target.projectId}.`);
    process.exit(0);
  }
  const rows = snap.docs.map((d) => {
    const i = d.data();
    return [d.id, i.severity, i.status, i.service ?? '-', i.environment ?? '-', `${i.firingCount}/${i.alertCount}`, fmt(i.createdAt), (i.drill ? '[DRILL] ' : '') + i.title];
  });
  const head = ['id', 'sev', 'status', 'service', 'env', 'firing', 'opened (UTC)', 'title'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (r) => r.map((v, c) => (c === r.length - 1 ? String(v) : String(v).padEnd(widths[c]))).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  process.exit(0);
} catch (e) {
  console.error(`npm run incidents: ${explain(e, target)}`);
  process.exit(1);
}
