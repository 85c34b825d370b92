// Use cases wired to the in-memory ports (test/support/memoryStore.ts): what a
// trigger runs, without Firestore, Pub/Sub or Cloud Tasks.
import fs from 'node:fs';
import path from 'node:path';
import type { IngestDeps } from '../../functions/src/app/ingestAlerts';
import { EMPTY_HEARTBEATS } from '../../functions/src/domain/heartbeats';
import { EMPTY_MAINTENANCE } from '../../functions/src/domain/maintenance';
import { parseRunbook } from '../../functions/src/domain/runbooks';
import { MemoryStore, MemoryTasks, TestClock } from './memoryStore';
import { projectPolicy, projectRules, projectStatus, ROOT } from './config';
import { T0 } from './factories';

export function projectRunbooks() {
  const dir = path.join(ROOT, 'runbooks');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.md')).map((f) => {
    const r = parseRunbook(fs.readFileSync(path.join(dir, f), 'utf8'), `runbooks/${f}`);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return r.value;
  });
}

/** A fresh world: store, tasks, clock at T0, and the project's own config. */
export function world() {
  const store = new MemoryStore();
  const tasks = new MemoryTasks();
  const clock = new TestClock(T0);
  store.now = () => clock.now();
  const policy = projectPolicy();
  const rejected: { id: string; reason: string }[] = [];
  /** Noise control's log events, in order. */
  const events: Record<string, unknown>[] = [];
  let n = 0;
  const ingest: IngestDeps = {
    store,
    tasks,
    clock,
    config: { rules: projectRules(), policy, links: [], runbooks: projectRunbooks(), project: 'demo-test', maintenance: EMPTY_MAINTENANCE, heartbeats: EMPTY_HEARTBEATS },
    newId: () => `inc-${++n}`,
    poison: async (r) => {
      rejected.push({ id: r.id, reason: r.reason });
    },
    log: { ingested: () => undefined, duplicate: () => undefined, poison: () => undefined, noise: (f) => void events.push(f) },
  };
  const status = projectStatus();
  return { store, tasks, clock, policy, status, ingest, rejected, events, noise: { ...ingest, noise: store }, deps: { store, tasks, clock, policy, status } };
}

/** A Pub/Sub message of the `alerts` topic. */
export function message(messageId: string, body: unknown, attributes: Record<string, string> = { source: 'generic' }) {
  return { messageId, eventId: `ev-${messageId}`, data: Buffer.from(JSON.stringify(body)), attributes };
}
