// Generated drills: the service context (past incidents and their alerts,
// recent deploys from Firestore, with bounded queries; runbooks, severity
// rules, status page and catalog from the config files), handed to the pure
// generator (domain/drills/generate.ts); and the drill history per service
// and per person.
import { type Catalog, catalogSchema, dependenciesOf } from '../domain/catalog';
import { CONTEXT_LIMITS, type DrillKind, generateScenario, type GeneratedScenario, type PastIncident, type ServiceContext, type ServiceDependency } from '../domain/drills/generate';
import { type DrillRun, drillHistory, HISTORY_LIMIT, type HistorySeries } from '../domain/drills/history';
import type { DrillScore } from '../domain/drills/score';
import type { DeployRecord } from '../domain/deploys';
import type { AlertRecord, Incident } from '../domain/types';
import { pipelineConfig, readConfigFile } from '../adapters/configFiles';
import { decode } from '../adapters/firestoreCodec';
import { loadRunbooks } from '../adapters/runbookFiles';
import { alertsCol, col } from '../adapters/store';

/** Past incidents whose alerts are read (the newest); the others count for timing and the story only. */
const INCIDENTS_WITH_ALERTS = 10;

let catalogCache: Catalog | undefined;
function catalog(): Catalog {
  catalogCache ??= readConfigFile('catalog.yaml', catalogSchema);
  return catalogCache;
}

/** A service name as a request may give it: 1-128 characters, no control characters. */
export function checkServiceName(service: unknown): string {
  const s = typeof service === 'string' ? service.trim() : '';
  if (!s) throw new Error('give the service to generate a drill for (--service NAME, or `service` in the request)');
  if (s.length > 128 || /[\u0000-\u001f]/.test(s)) throw new Error('a service name is 1-128 characters without control characters');
  return s;
}

/** Loads what the pipeline knows about `service` (bounded: 2 × CONTEXT_LIMITS.incidents incidents, 10 × 20 alerts, 2 × 10 deploys). */
export async function loadServiceContext(service: string): Promise<ServiceContext> {
  const [incidentSnap, deploySnap] = await Promise.all([
    col.incidents().where('service', '==', service).orderBy('createdAt', 'desc').limit(CONTEXT_LIMITS.incidents * 2).get(),
    col.deploys().where('service', '==', service).orderBy('deployedAt', 'desc').limit(CONTEXT_LIMITS.deploys * 2).get(),
  ]);
  // Drills are not history: their incidents and deploys are left out.
  const real = incidentSnap.docs
    .map((d) => decode<Incident>({ ...d.data(), id: d.id }))
    .filter((i) => i.drill !== true && !i.drillId)
    .slice(0, CONTEXT_LIMITS.incidents);
  const alertLists = await Promise.all(
    real.slice(0, INCIDENTS_WITH_ALERTS).map(async (i) => (await alertsCol(i.id).limit(CONTEXT_LIMITS.alertsPerIncident).get()).docs.map((d) => decode<AlertRecord>(d.data()))),
  );
  const incidents: PastIncident[] = real.map((i, n) => ({
    id: i.id,
    title: i.title,
    severity: i.severity,
    environment: i.environment ?? null,
    createdAt: i.createdAt,
    acknowledgedAt: i.acknowledgedAt ?? null,
    resolvedAt: i.resolvedAt ?? null,
    alertCount: Number(i.alertCount) || 0,
    runbook: i.runbook ?? null,
    hadDeploy: (i.deploys ?? []).length > 0,
    alerts: (alertLists[n] ?? []).map((a) => ({
      source: a.source,
      alertName: a.alertName,
      title: a.title,
      nativeSeverity: a.nativeSeverity ?? null,
      severity: a.severity,
      environment: a.environment ?? null,
      labels: a.labels ?? {},
    })),
  }));
  const deploys = deploySnap.docs
    .map((d) => decode<DeployRecord>(d.data()))
    .filter((d) => d.drill !== true)
    .slice(0, CONTEXT_LIMITS.deploys)
    .map((d) => ({ version: d.version, deployedAt: d.deployedAt, environment: d.environment ?? null, author: d.author ?? null, commit: d.commit ?? null, url: d.url ?? null }));

  const config = pipelineConfig();
  const lower = service.toLowerCase();
  const components = config.status.components.filter((c) => c.services.some((s) => s.toLowerCase() === lower));
  const dependencies: ServiceDependency[] = dependenciesOf(catalog(), service).map((name) => ({ name, from: 'config/catalog.yaml' }));
  if (dependencies.length === 0) {
    for (const c of components) {
      for (const s of c.services) {
        if (s.toLowerCase() !== lower && !dependencies.some((d) => d.name === s)) dependencies.push({ name: s, from: `status page component ${c.name} (config/status.yaml)` });
      }
    }
  }
  return { service, incidents, deploys, runbooks: loadRunbooks(), rules: config.rules, dependencies, components: components.map((c) => c.name) };
}

/** Loads the context of `service` and generates a drill of `kind` (default: from its history) with `seed` (default 1). */
export async function generateDrill(service: string, opts: { kind?: DrillKind; seed?: number } = {}): Promise<GeneratedScenario> {
  const ctx = await loadServiceContext(checkServiceName(service));
  return generateScenario(ctx, { kind: opts.kind, seed: opts.seed ?? 1 });
}

/** A seed as the CLI or a request gives it: a whole number (default 1). */
export function checkSeed(seed: unknown): number {
  if (seed === undefined || seed === null || seed === '') return 1;
  const n = typeof seed === 'number' ? seed : Number(seed);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`the seed must be a whole number ≥ 0, not ${JSON.stringify(seed)}`);
  return n;
}

interface StoredRun {
  service?: string;
  scenarioName?: string;
  startedAt?: Date;
  acknowledgedBy?: string | null;
  timedOut?: boolean;
  score?: Partial<DrillScore>;
}

function runOf(id: string, d: StoredRun): DrillRun | null {
  if (!d.startedAt || typeof d.score?.score !== 'number') return null;
  return {
    drillId: id,
    service: d.service ?? 'unknown',
    scenarioName: d.scenarioName ?? id,
    startedAt: d.startedAt,
    acknowledgedBy: d.score.acknowledgedBy ?? d.acknowledgedBy ?? null,
    timeToAcknowledgeSeconds: d.score.timeToAcknowledgeSeconds ?? null,
    timeToMitigateSeconds: d.score.timeToMitigateSeconds ?? null,
    pageAckSeconds: d.score.pageAckSeconds ?? null,
    escalationLevelReached: d.score.escalationLevelReached ?? null,
    score: d.score.score,
    timedOut: d.timedOut === true,
  };
}

/**
 * The scored drills of a service, of a person (who responded first), or the
 * latest of all: at most `limit` (≤ HISTORY_LIMIT) documents, newest first,
 * grouped by service or person (oldest run first in each series).
 */
export async function loadDrillHistory(opts: { service?: string | null; person?: string | null; limit?: number }): Promise<{ by: 'service' | 'person'; series: HistorySeries[] }> {
  const limit = Math.min(HISTORY_LIMIT, Math.max(1, Math.floor(opts.limit ?? HISTORY_LIMIT)));
  let q = col.drills().orderBy('scoredAt', 'desc').limit(limit);
  if (opts.service) q = col.drills().where('service', '==', opts.service).orderBy('scoredAt', 'desc').limit(limit);
  if (opts.person) q = col.drills().where('acknowledgedBy', '==', opts.person).orderBy('scoredAt', 'desc').limit(limit);
  const snap = await q.get();
  const runs = snap.docs.map((d) => runOf(d.id, decode<StoredRun>(d.data()))).filter((r): r is DrillRun => r !== null);
  const by = opts.person ? 'person' : 'service';
  return { by, series: drillHistory(runs, by) };
}
