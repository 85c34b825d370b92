// The composition root: the use cases' ports bound to Firestore, Cloud Tasks
// and the clock, for the triggers. Tests pass their own (test/support/memoryStore.ts).
import { pipelineConfig } from '../adapters/configFiles';
import { firestoreIncidentStore } from '../adapters/incidentStore';
import { firestoreNoiseStore } from '../adapters/noiseStore';
import { log } from '../adapters/logs';
import { firestoreOutbox } from '../adapters/outbox';
import { slackClient } from '../adapters/slack';
import { loadRunbooks } from '../adapters/runbookFiles';
import { newId } from '../adapters/store';
import { enqueueTask } from '../adapters/tasks';
import type { IngestDeps } from './ingestAlerts';
import type { OutboxDeps } from './outbox';
import type { SlackSettings } from './slackDelivery';
import { type Deps, type NoiseStore, systemClock } from './ports';
import { storeRejected } from './rejected';

export function deps(): Deps {
  return { store: firestoreIncidentStore, tasks: { enqueue: enqueueTask }, clock: systemClock };
}

/** The ports and the incident policy (config/policy.yaml). */
export function withPolicy() {
  return { ...deps(), policy: pipelineConfig().policy };
}

export function ingestDeps(): IngestDeps {
  const { rules, policy, links, maintenance, heartbeats } = pipelineConfig();
  return {
    ...deps(),
    config: { rules, policy, links: links.links, runbooks: loadRunbooks(), project: process.env.GCLOUD_PROJECT ?? null, maintenance, heartbeats },
    newId,
    poison: async (r) => {
      await storeRejected({ ...r, via: 'pubsub', now: new Date() });
    },
    log: { ingested: (f) => log.messageIngested(f as never), duplicate: log.duplicateMessage, poison: log.poisonMessage, noise: log.noise },
  };
}

/** Ingestion's ports with noise control's own storage (silences, held alerts, heartbeats). */
export function noiseDeps(): IngestDeps & { noise: NoiseStore } {
  return { ...ingestDeps(), noise: firestoreNoiseStore };
}

/** The outbox's ports: Firestore storage, Slack with these settings, Cloud Tasks. */
export function outboxDeps(settings: SlackSettings): OutboxDeps {
  return { ...deps(), outbox: firestoreOutbox, settings, slackConfig: pipelineConfig().slack, slack: (token) => slackClient(token, settings.apiUrl) };
}
