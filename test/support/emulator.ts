// Helpers for tests that run against the Emulator Suite (inside emulators:exec).
import { createHmac, randomUUID } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import { db as pipelineDb } from '../../functions/src/adapters/firebase';
import { PubSub } from '@google-cloud/pubsub';
import testConfig from './testConfig.json';

export const PROJECT_ID = process.env.GCLOUD_PROJECT ?? testConfig.projectId;
export const SECRETS = testConfig.secrets;
/** FUNCTIONS_PORT overrides the port for a suite on shifted ports (scripts/sandbox.mjs). */
export const FUNCTIONS = `http://127.0.0.1:${process.env.FUNCTIONS_PORT ?? '5001'}/${PROJECT_ID}/us-central1`;
export const SLACK = `http://127.0.0.1:${process.env.SLACK_TEST_PORT ?? '0'}`;

if (!process.env.FIRESTORE_EMULATOR_HOST) {
  throw new Error('emulator tests run inside `npm test` (firebase emulators:exec); FIRESTORE_EMULATOR_HOST is not set');
}

/** The same Admin SDK Firestore the pipeline's code uses in this process. */
export function db(): Firestore {
  return pipelineDb();
}

let pubsub: PubSub | undefined;
export async function publish(topic: string, data: unknown, attributes: Record<string, string> = {}): Promise<string> {
  pubsub ??= new PubSub({ projectId: PROJECT_ID });
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
  return pubsub.topic(topic).publishMessage({ data: buf, attributes });
}

/** A name that no other test uses, for services and titles. */
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/**
 * Polls `probe` until it returns a value that is not undefined/false, or the
 * deadline passes. The error names what was awaited and the last value seen.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface PostResult {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<PostResult> {
  const res = await fetch(`${FUNCTIONS}/${path.replace(/^\//, '')}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export const bearer = (token = SECRETS.ALERT_WEBHOOK_TOKEN) => ({ Authorization: `Bearer ${token}` });

/** The test project's per-source tokens (ALERT_WEBHOOK_TOKENS): a source listed there takes only its own. */
const SOURCE_TOKENS = JSON.parse(SECRETS.ALERT_WEBHOOK_TOKENS) as Record<string, string>;
export const alertTokenFor = (source: string) => SOURCE_TOKENS[source] ?? SECRETS.ALERT_WEBHOOK_TOKEN;

export function postAlert(source: string, body: unknown, headers: Record<string, string> = bearer(alertTokenFor(source))): Promise<PostResult> {
  return post(`alertWebhook/${source}`, body, headers);
}

/** Incidents whose service is `service` (tests use unique services). */
export async function incidentsOf(service: string) {
  const snap = await db().collection('incidents').where('service', '==', service).get();
  return snap.docs.map((d) => ({ id: d.id, ...d.data() }) as Record<string, unknown> & { id: string });
}

export async function waitForIncident(service: string, predicate: (i: Record<string, unknown>) => boolean = () => true, timeoutMs = 30_000) {
  return waitFor(async () => (await incidentsOf(service)).find(predicate), `an incident for service ${service}`, timeoutMs);
}

export async function timelineOf(incidentId: string) {
  const snap = await db().collection('incidents').doc(incidentId).collection('timeline').orderBy('at').orderBy('seq').get();
  return snap.docs.map((d) => d.data());
}

/** The loopback Slack server's record of calls. */
export const slack = {
  async state(): Promise<{ calls: { method: string; args: Record<string, unknown>; at: number; answer: string }[]; channels: { id: string; name: string; topic: string; members: string[] }[]; messages: { channel: string; ts: string; text: string }[] }> {
    return (await fetch(`${SLACK}/_calls`)).json() as never;
  },
  async faults(plan: Record<string, unknown>) {
    await fetch(`${SLACK}/_faults`, { method: 'POST', body: JSON.stringify(plan) });
  },
  async reset() {
    await fetch(`${SLACK}/_reset`, { method: 'POST' });
  },
  async addUser(u: { id: string; email: string; name: string }) {
    await fetch(`${SLACK}/_users`, { method: 'POST', body: JSON.stringify(u) });
  },
};

export type SlackCallRecord = { method: string; args: Record<string, unknown>; at: number; answer: string };

/** Slack calls that concern one incident: they name its (unique) service or title, or its channel. */
export async function slackCallsFor(marker: string, channelId?: string | null): Promise<SlackCallRecord[]> {
  const { calls } = await slack.state();
  return calls.filter((c) => {
    const text = JSON.stringify(c.args);
    return text.includes(marker) || (channelId ? c.args.channel === channelId : false);
  });
}

/** Signs a Slack request body the way Slack does (v0). */
export function slackHeaders(body: string, timestamp = Math.floor(Date.now() / 1000), secret = SECRETS.SLACK_SIGNING_SECRET): Record<string, string> {
  const sig = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Slack-Request-Timestamp': String(timestamp), 'X-Slack-Signature': sig };
}

/**
 * Calls `send(n)` for n = 0..count-1 at a steady `perSecond` rate (a load
 * generator's pacing, not a wait for a condition) and resolves when all
 * calls have completed.
 */
export async function atRate<T>(count: number, perSecond: number, send: (n: number) => Promise<T>): Promise<T[]> {
  const start = Date.now();
  const pending: Promise<T>[] = [];
  for (let n = 0; n < count; n++) {
    const due = start + (n * 1000) / perSecond;
    const ahead = due - Date.now();
    if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    pending.push(send(n));
  }
  return Promise.all(pending);
}

/**
 * Starts `workers` warm instances of onAlertPublished before a burst: the
 * Functions emulator starts one worker process per concurrent event and a
 * cold start under load takes seconds (production keeps min instances for
 * the same reason). Publishes that many alerts at once and waits for them.
 */
export async function warmAlertWorkers(workers = 4): Promise<void> {
  const service = unique('warmup');
  await Promise.all(
    Array.from({ length: workers }, (_, n) => publish('alerts', { title: 'warm-up', service, environment: 'dev', severity: 'info', fingerprint: `w${n}` }, { source: 'generic' })),
  );
  await waitFor(async () => {
    const [incident] = await incidentsOf(service);
    return incident && (await db().collection(`incidents/${incident.id}/alerts`).count().get()).data().count === workers;
  }, `${workers} warm-up alerts`, 120_000);
}
