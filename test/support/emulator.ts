// Helpers for tests that run against the Emulator Suite (inside emulators:exec).
import { randomUUID } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import { db as pipelineDb } from '../../functions/src/adapters/firebase';
import { PubSub } from '@google-cloud/pubsub';
import testConfig from './testConfig.json';

export const PROJECT_ID = process.env.GCLOUD_PROJECT ?? testConfig.projectId;
export const SECRETS = testConfig.secrets;
export const FUNCTIONS = `http://127.0.0.1:5001/${PROJECT_ID}/us-central1`;
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

export function postAlert(source: string, body: unknown, headers: Record<string, string> = bearer()): Promise<PostResult> {
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
