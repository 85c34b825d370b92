// Use cases: deploy events. Each source (the webhook, the `deploys` topic,
// Cloud Build notifications) stores `deploys/{id}` idempotently; the
// onDeployWritten trigger then links the deploy to open incidents of its
// service that it landed during.
import { deployFromCloudBuild, deployLandsDuring, parseDeployEvent, type DeployRecord, toDeployRef } from '../domain/deploys';
import { headerTokenMatches, queryToken } from '../domain/auth';
import { decide, isRejected } from '../domain/incident';
import { incidentPolicy } from '../domain/lifecycle';
import type { Policy } from '../domain/policy';
import { parseJson } from '../domain/sources';
import { db } from '../adapters/firebase';
import { log } from '../adapters/logs';
import { col } from '../adapters/store';
import type { Deps } from './ports';
import type { HttpRequestLike, HttpResult } from './alertWebhook';
import { storeRejected } from './rejected';

/** Stores a deploy once: a second delivery of the same event changes nothing. */
export async function storeDeploy(deploy: DeployRecord): Promise<'stored' | 'duplicate'> {
  const ref = col.deploys().doc(deploy.id);
  const { id: _id, ...data } = deploy;
  const outcome = await db().runTransaction(async (tx) => {
    if ((await tx.get(ref)).exists) return 'duplicate' as const;
    tx.create(ref, { ...data, incidentIds: [] });
    return 'stored' as const;
  });
  log.info('deploy recorded', { event: 'deploy', deployId: deploy.id, service: deploy.service, version: deploy.version, source: deploy.source, outcome });
  return outcome;
}

/** POST /deployWebhook, with Bearer DEPLOY_WEBHOOK_TOKEN. */
export async function handleDeployWebhook(req: HttpRequestLike, token: string | null, now: Date = new Date()): Promise<HttpResult> {
  if (req.method !== 'POST') return { status: 405, body: { error: `method ${req.method} is not allowed: send deploys with POST` }, headers: { Allow: 'POST' } };
  if (!headerTokenMatches(req.headers, token)) {
    // A token in a URL ends up in logs: deploy senders (CI jobs) can always set a header.
    const why = !token
      ? 'DEPLOY_WEBHOOK_TOKEN is not configured on the server'
      : queryToken(req.query) !== null
        ? '?token= is not accepted by the deploy webhook'
        : 'a missing or wrong credential';
    return { status: 401, body: { error: `unauthorized: ${why}. Send "Authorization: Bearer <DEPLOY_WEBHOOK_TOKEN>"` }, headers: { 'WWW-Authenticate': 'Bearer realm="deploys"' } };
  }
  const raw = req.rawBody.toString('utf8');
  const reject = async (error: string, details: unknown[] = []) => {
    const rejectedId = await storeRejected({ source: 'deploy', reason: error, details, raw, via: 'http', status: 400, now });
    return { status: 400, body: { error, details, rejectedId } };
  };
  if (req.rawBody.length > 1024 * 1024) return reject('the body is larger than 1 MiB');
  const parsed = parseJson(raw);
  if (!parsed.ok) return reject(parsed.error);
  const result = parseDeployEvent(parsed.value, now, 'webhook');
  if (!result.ok) return reject(result.error, result.details);
  const outcome = await storeDeploy(result.deploy);
  return { status: outcome === 'stored' ? 201 : 200, body: { id: result.deploy.id, status: outcome } };
}

/** A message on the `deploys` topic. Poison messages are kept and acknowledged. */
export async function ingestDeployMessage(messageId: string, data: Buffer, publishTime: Date): Promise<void> {
  const raw = data.toString('utf8');
  const parsed = parseJson(raw);
  const result = parsed.ok ? parseDeployEvent(parsed.value, publishTime, 'pubsub') : null;
  if (!result || !result.ok) {
    const reason = !parsed.ok ? parsed.error : result && !result.ok ? result.error : 'invalid';
    await storeRejected({ id: `deploy-${messageId}`, source: 'deploy', reason, details: result && !result.ok ? result.details : [], raw, via: 'pubsub', messageId, now: new Date() });
    return;
  }
  await storeDeploy(result.deploy);
}

/** A Cloud Build notification (`cloud-builds` topic): successful builds naming a service are deploys. */
export async function ingestCloudBuild(messageId: string, data: Buffer, publishTime: Date): Promise<void> {
  const parsed = parseJson(data.toString('utf8'));
  const result = parsed.ok ? deployFromCloudBuild(parsed.value, publishTime) : { ok: false as const, skip: parsed.error };
  if (!result.ok) {
    log.info('cloud build notification skipped', { event: 'cloud_build_skipped', messageId, reason: result.skip });
    return;
  }
  await storeDeploy(result.deploy);
}

/**
 * A new deploy lands during open incidents of its service: the state machine
 * links it to each (`deploy_linked`: their `deploys`, a timeline entry, a
 * Slack post), and the deploy document names them.
 */
export async function linkDeployToOpenIncidents(deploy: DeployRecord, deps: Deps & { policy: Policy }): Promise<string[]> {
  const policy = incidentPolicy(deps.policy);
  const linked: string[] = [];
  for (const candidate of await deps.store.openIncidentsOf(deploy.service)) {
    if (candidate.drill !== deploy.drill || !deployLandsDuring(deploy, candidate, deps.policy)) continue;
    const done = await deps.store.run(async (tx) => {
      const incident = await tx.incident(candidate.id);
      if (!incident) return false;
      const d = decide(incident, { action: 'deploy_linked', deploy: toDeployRef(deploy) }, { now: deps.clock.now(), policy, cause: `deploy-${deploy.id}` });
      if (isRejected(d)) return false;
      tx.commit(d);
      tx.linkDeploy(deploy.id, incident.id);
      return true;
    });
    if (done) linked.push(candidate.id);
  }
  return linked;
}
