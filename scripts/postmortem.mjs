#!/usr/bin/env node
// npm run postmortem -- <incidentId> [--project ID]: prints the postmortem's markdown.
import './lib/node22.mjs';
import { getFirestore } from 'firebase-admin/firestore';
import { adminTarget, explain } from './lib/admin.mjs';

const target = adminTarget(process.argv.slice(2));
const [incidentId] = target.rest;
if (!incidentId) {
  console.error('usage: npm run postmortem -- <incidentId> [--project ID]   (npm run incidents lists the ids)');
  process.exit(2);
}
try {
  const snap = await getFirestore(target.app).doc(`postmortems/${incidentId}`).get();
  if (!snap.exists) {
    console.error(`no postmortem for incident ${incidentId} in ${target.projectId}: one is drafted when the incident resolves (SEV1/SEV2, and SEV3/SEV4 as config/policy.yaml says).`);
    process.exit(1);
  }
  // The markdown export is kept beside the postmortem (its own document keeps the postmortem small).
  const exported = await getFirestore(target.app).doc(`postmortems/${incidentId}/exports/markdown`).get();
  const markdown = String(exported.get('markdown') ?? '');
  process.stdout.write(markdown);
  if (!markdown.endsWith('\n')) process.stdout.write('\n');
  process.exit(0);
} catch (e) {
  console.error(`npm run postmortem: ${explain(e, target)}`);
  process.exit(1);
}
