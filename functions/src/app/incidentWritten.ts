// What follows from a write to an incident, a postmortem or a deploy (Firestore triggers).
// Incident documents are written up to once a second during a storm, so the
// common case must return at once.
import type { DocumentData } from 'firebase-admin/firestore';
import type { Postmortem } from '../domain/postmortem';
import type { DeployRecord } from '../domain/deploys';
import type { Incident } from '../domain/types';
import { decode } from '../adapters/firestoreCodec';
import { log } from '../adapters/logs';
import { noiseDeps, withPolicy } from './compose';
import { postmortemEdited, resolvedNow, syncPostmortem } from './postmortems';
import { linkDeployToOpenIncidents } from './deploys';
import { drillIncidentResolved } from './drills';
import { deployWindow } from './silences';
import { recordDeployStats, recordIncidentStats, statsKeyOfIncident } from './stats';
import { reminderTimeZone } from './timeZone';

export async function incidentWritten(incidentId: string, before: DocumentData | null, after: DocumentData | null): Promise<void> {
  await pageIfNeeded(incidentId, before, after);
  if (resolvedNow(before as { status: never } | null, after as { status: never } | null)) {
    const outcome = await syncPostmortem(incidentId, reminderTimeZone(), withPolicy());
    log.info('postmortem sync', { event: 'postmortem_sync', incidentId, outcome });
    if (after?.drill) await drillIncidentResolved({ id: incidentId, drillId: (after.drillId as string | null) ?? null });
  }
  if (statsKeyOfIncident(before) !== statsKeyOfIncident(after)) await recordIncidentStats(incidentId, after);
}

/** A deploy was stored or changed: link a new one to the open incidents it landed during; keep the insights. */
export async function deployWritten(deployId: string, before: DocumentData | null, after: DocumentData | null): Promise<void> {
  if (!before && after) {
    const deploy = decode<DeployRecord>({ ...after, id: deployId });
    const linked = await linkDeployToOpenIncidents(deploy, withPolicy());
    if (linked.length) log.info('deploy linked to open incidents', { event: 'deploy_linked', deployId, incidentIds: linked });
    await deployWindow(deploy, noiseDeps()); // a short maintenance window, when config/maintenance.yaml asks for one
  }
  await recordDeployStats(deployId, after);
}

/** Fields the pipeline derives on a postmortem: a change to only these is its own echo. */
const DERIVED = new Set(['reminderDueAt', 'markdown', 'markdownOf']); // markdown and markdownOf: left by documents from before the export moved beside them

export async function postmortemWritten(incidentId: string, before: DocumentData | null, after: DocumentData | null): Promise<void> {
  // Deleted: postmortemEdited sees it gone and deletes its markdown export.
  if (!after) {
    if (before) await postmortemEdited(incidentId, decode<Postmortem>(before), reminderTimeZone());
    return;
  }
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  const edited = [...keys].some((k) => !DERIVED.has(k) && JSON.stringify(before?.[k]) !== JSON.stringify(after[k]));
  if (!edited) return;
  await postmortemEdited(incidentId, before ? decode<Postmortem>(before) : null, reminderTimeZone());
}

/** Paging starts when an incident opens, reopens, or rises to a paged severity unacknowledged (app/paging.ts). */
async function pageIfNeeded(incidentId: string, before: DocumentData | null, after: DocumentData | null): Promise<void> {
  if (!after || after.status !== 'triggered') return;
  const { startPaging } = await import('./paging.js');
  const { pagingDeps } = await import('./compose.js');
  const of = (d: DocumentData | null) => (d ? decode<Incident>({ rolledUpFor: 0, ...d, id: incidentId }) : null);
  const deps = pagingDeps();
  await startPaging(of(before), of(after), deps);
  if (!before) {
    // Hand-over chains start with the first incident after a deploy (then each hand-over enqueues the next).
    const { ensureHandoffs } = await import('./handoff.js');
    await ensureHandoffs(deps, { throttled: true });
  }
}
