// Use cases: heartbeats (config/heartbeats.yaml, domain/heartbeats.ts).
// - A ping (POST /heartbeat/{name}, or a Watchdog alert) records its time,
//   raises the heartbeat's generation and reschedules its one check task at
//   the new deadline (last ping + interval + grace); the task of an older
//   generation finds nothing to do. A ping after a miss resolves it.
// - The check task at the deadline raises the miss: an alert of source
//   `heartbeat` ingested through the normal path, in the same transaction as
//   the heartbeat's state, so a ping racing the deadline either resolves the
//   miss or prevents it.
// - watchHeartbeats (hourly) starts watching heartbeats that were never
//   pinged (the deadline counts from then) and re-arms a check task that
//   was lost. It never decides a miss: the check task does.
import { checkAlertCredential, type SourceTokens } from '../domain/auth';
import { deadline, type Heartbeat, heartbeatByName, heartbeatStep, initialHeartbeatState } from '../domain/heartbeats';
import type { HttpRequestLike, HttpResult } from './alertWebhook';
import { afterIngest, type BatchResult, ingestInTx, type IngestDeps } from './ingestBatch';
import type { HeartbeatDoc, NoiseStore } from './ports';
import { rerunIfRaced } from './retry';

export const HEARTBEAT_QUEUE = 'checkHeartbeat';
/** A ping carries no payload: a larger body is refused. */
export const MAX_PING_BYTES = 64 * 1024;

const keyOf = (hb: Pick<Heartbeat, 'name'>) => hb.name.toLowerCase();

/** The check task of one ping generation: deterministic, so a retried enqueue (or the hourly re-arm) adds nothing. */
export const checkTaskId = (hb: Pick<Heartbeat, 'name'>, generation: number) => `heartbeat-${keyOf(hb)}-${generation}`;

async function scheduleCheck(hb: Heartbeat, generation: number, at: Date, deps: Pick<IngestDeps, 'tasks'>): Promise<boolean> {
  return deps.tasks.enqueue(HEARTBEAT_QUEUE, { name: hb.name, generation }, { id: checkTaskId(hb, generation), at });
}

export interface PingOutcome {
  heartbeat: string;
  generation: number;
  pingedAt: Date;
  nextCheckAt: Date | null;
  /** The ping resolved an open miss. */
  resolved: boolean;
}

/** A ping of the heartbeat `name` (null when config/heartbeats.yaml has none of that name). */
export async function pingHeartbeat(name: string, deps: IngestDeps, via: 'http' | 'watchdog' = 'http'): Promise<PingOutcome | null> {
  const hb = heartbeatByName(deps.config.heartbeats, name);
  if (!hb) return null;
  const now = deps.clock.now();
  const r = await rerunIfRaced(() =>
    deps.store.run(async (tx) => {
      const doc = await tx.heartbeat(hb.name);
      const generation = (doc?.generation ?? 0) + 1;
      const step = heartbeatStep(hb, doc ?? initialHeartbeatState(now), { kind: 'ping' }, now);
      let ingested: BatchResult | null = null;
      if (step.alert) {
        ingested = await ingestInTx(tx, { messageId: `heartbeat-${keyOf(hb)}-ping-${generation}`, eventId: via, source: 'heartbeat', alerts: [step.alert], drillId: null }, deps, now);
      }
      tx.putHeartbeat(hb.name, { ...step.state, generation, missedGeneration: null, missedAt: null });
      return { generation, nextCheckAt: step.nextCheckAt, ingested };
    }),
  );
  if (r.ingested) await afterIngest(r.ingested, deps);
  if (r.nextCheckAt) await scheduleCheck(hb, r.generation, r.nextCheckAt, deps);
  deps.log.noise({ event: 'heartbeat_ping', heartbeat: hb.name, via, generation: r.generation, resolved: r.ingested !== null, nextCheckAt: r.nextCheckAt?.toISOString() ?? null });
  return { heartbeat: hb.name, generation: r.generation, pingedAt: now, nextCheckAt: r.nextCheckAt, resolved: r.ingested !== null };
}

export type CheckOutcome = 'missed' | 'not_due' | 'stale' | 'already_missed' | 'unknown';

/** The check task of generation `generation`: at the deadline with no newer ping, the miss is raised. */
export async function checkHeartbeat(name: string, generation: number, deps: IngestDeps): Promise<CheckOutcome> {
  const hb = heartbeatByName(deps.config.heartbeats, name);
  if (!hb) return 'unknown'; // removed from the config: nothing watches it any more
  const now = deps.clock.now();
  const r = await rerunIfRaced(() =>
    deps.store.run(async (tx): Promise<{ outcome: CheckOutcome; ingested?: BatchResult; nextCheckAt?: Date | null }> => {
      const doc = await tx.heartbeat(hb.name);
      if (!doc || doc.generation !== generation) return { outcome: 'stale' }; // a later ping rescheduled it
      if (doc.missed) return { outcome: 'already_missed' };
      const step = heartbeatStep(hb, doc, { kind: 'check' }, now);
      if (!step.alert) return { outcome: 'not_due', nextCheckAt: step.nextCheckAt };
      const ingested = await ingestInTx(tx, { messageId: `heartbeat-${keyOf(hb)}-miss-${generation}`, eventId: 'check', source: 'heartbeat', alerts: [step.alert], drillId: null }, deps, now);
      tx.putHeartbeat(hb.name, { ...doc, ...step.state, generation, missedGeneration: generation, missedAt: now.getTime() });
      return { outcome: 'missed', ingested };
    }),
  );
  if (r.ingested) await afterIngest(r.ingested, deps);
  // Dispatched a little before the deadline (within the queue's tolerance): look again at the deadline itself.
  if (r.outcome === 'not_due' && r.nextCheckAt) await deps.tasks.enqueue(HEARTBEAT_QUEUE, { name: hb.name, generation }, { id: `${checkTaskId(hb, generation)}-at-${r.nextCheckAt.getTime()}`, at: r.nextCheckAt });
  deps.log.noise({ event: 'heartbeat_check', heartbeat: hb.name, generation, outcome: r.outcome, incidentIds: r.ingested?.incidentIds ?? [] });
  return r.outcome;
}

/**
 * The hourly safety net: a heartbeat with no state yet starts being watched
 * now (its first deadline is now + interval + grace); one that is waiting for
 * a ping gets its current check task enqueued again (the same id: a no-op
 * when it is still there).
 */
export async function watchHeartbeats(deps: IngestDeps & { noise: NoiseStore }): Promise<{ started: string[]; rearmed: string[] }> {
  const states = await deps.noise.heartbeats();
  const started: string[] = [];
  const rearmed: string[] = [];
  for (const hb of deps.config.heartbeats.heartbeats) {
    const doc = states.get(keyOf(hb));
    if (doc?.missed) continue; // the next ping resolves it and schedules again
    let state: HeartbeatDoc | null = doc ?? null;
    if (!state) {
      const now = deps.clock.now();
      state = await deps.store.run(async (tx) => {
        const current = await tx.heartbeat(hb.name);
        if (current) return current;
        const fresh: HeartbeatDoc = { ...initialHeartbeatState(now), generation: 0, missedGeneration: null, missedAt: null };
        tx.putHeartbeat(hb.name, fresh);
        started.push(hb.name);
        return fresh;
      });
    }
    if (state.missed) continue;
    if (await scheduleCheck(hb, state.generation, deadline(hb, new Date(state.lastPingAt ?? state.since)), deps)) rearmed.push(hb.name);
  }
  if (started.length || rearmed.length) deps.log.noise({ event: 'heartbeats_watched', started, rearmed });
  return { started, rearmed };
}

// ---------------------------------------------------------------------------
// POST /heartbeat/{name}

export interface HeartbeatHttpDeps {
  token: string | null;
  sourceTokens: SourceTokens;
  ingest: IngestDeps;
}

/** Answers a ping: 200 with the next deadline, 401 without the alert token, 404 for a name the config does not hold. */
export async function handleHeartbeatRequest(req: HttpRequestLike, deps: HeartbeatHttpDeps): Promise<HttpResult> {
  if (req.method !== 'POST') return { status: 405, body: { error: `method ${req.method} is not allowed: ping with POST /heartbeat/<name>` }, headers: { Allow: 'POST' } };
  const now = deps.ingest.clock.now();
  const credential = checkAlertCredential({ source: 'heartbeat', headers: req.headers, query: req.query, rawBody: req.rawBody, now, sharedToken: deps.token, sourceTokens: deps.sourceTokens, grafanaSecret: null, sentrySecret: null });
  if (!credential.ok) return { status: 401, body: { error: credential.error }, headers: { 'WWW-Authenticate': 'Bearer realm="heartbeats", Basic realm="heartbeats"' } };
  const name = req.path.replace(/^\/+|\/+$/g, '');
  if (!name || name.includes('/')) return { status: 404, body: { error: 'say which heartbeat: POST /heartbeat/<name>, a name from config/heartbeats.yaml' } };
  if (req.rawBody.length > MAX_PING_BYTES) return { status: 413, body: { error: `a ping needs no body; this one is ${req.rawBody.length} bytes (at most ${MAX_PING_BYTES})` } };
  const ping = await pingHeartbeat(name, deps.ingest, 'http');
  if (!ping) return { status: 404, body: { error: `no heartbeat named "${name}" in config/heartbeats.yaml` } };
  return {
    status: 200,
    body: { heartbeat: ping.heartbeat, pingedAt: ping.pingedAt.toISOString(), nextCheckAt: ping.nextCheckAt?.toISOString() ?? null, resolved: ping.resolved },
  };
}
