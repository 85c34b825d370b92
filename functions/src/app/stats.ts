// Use cases: the insights in `stats/`, kept up to date incrementally and
// idempotently. What each incident and deploy contributed last time is kept
// in `statsContrib/`; a write applies only the difference, so a trigger that
// fires twice (or late) adds nothing twice.
import { bucketMeta, type Contribution, deployContribution, diffContributions, incidentContribution } from '../domain/stats';
import type { DeployRecord } from '../domain/deploys';
import type { Incident } from '../domain/types';
import { decode } from '../adapters/firestoreCodec';
import { db } from '../adapters/firebase';
import { col, increment } from '../adapters/store';

async function applyContribution(key: string, next: Contribution): Promise<number> {
  const ref = col.statsContrib().doc(key);
  return db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const previous = snap.exists ? ((snap.get('contribution') as Contribution | undefined) ?? {}) : {};
    const diff = diffContributions(previous, next);
    const buckets = Object.entries(diff);
    if (buckets.length === 0) return 0;
    for (const [bucketId, deltas] of buckets) {
      const fields = Object.fromEntries(Object.entries(deltas).map(([f, n]) => [f, increment(n ?? 0)]));
      tx.set(col.stats().doc(bucketId), { ...bucketMeta(bucketId), ...fields }, { merge: true });
    }
    tx.set(ref, { contribution: next });
    return buckets.length;
  });
}

/** The projection of an incident that the insights depend on (to skip writes that change none of it). */
export function statsKeyOfIncident(data: Record<string, unknown> | null): string {
  if (!data) return 'none';
  const i = decode<Partial<Incident>>(data);
  return JSON.stringify([i.createdAt, i.acknowledgedAt, i.resolvedAt, i.service, i.severity, i.drill, (i.deploys ?? []).length]);
}

export async function recordIncidentStats(incidentId: string, after: Record<string, unknown> | null): Promise<number> {
  const incident = after ? decode<Partial<Incident>>(after) : null;
  // A document that is not a whole incident (written by hand, or by a test's
  // fixture) counts as nothing rather than crashing the trigger.
  const counted = incident && incident.createdAt instanceof Date && typeof incident.severity === 'string';
  return applyContribution(
    `incident-${incidentId}`,
    counted ? incidentContribution({ ...(incident as Incident), deploys: Array.isArray(incident.deploys) ? incident.deploys : [] }) : {},
  );
}

export async function recordDeployStats(deployId: string, after: Record<string, unknown> | null): Promise<number> {
  const deploy = after ? decode<DeployRecord & { incidentIds?: string[] }>({ ...after, id: deployId }) : null;
  return applyContribution(`deploy-${deployId}`, deploy ? deployContribution(deploy, (deploy.incidentIds ?? []).length) : {});
}
