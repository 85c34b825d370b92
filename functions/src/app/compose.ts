// The composition root: the use cases' ports bound to Firestore, Cloud Tasks
// and the clock, for the triggers. Tests pass their own (test/support/memoryStore.ts).
import { pipelineConfig } from '../adapters/configFiles';
import { firestoreIncidentStore } from '../adapters/incidentStore';
import { log } from '../adapters/logs';
import { firestoreOutbox } from '../adapters/outbox';
import { slackClient } from '../adapters/slack';
import { loadRunbooks } from '../adapters/runbookFiles';
import { newId } from '../adapters/store';
import { enqueueTask } from '../adapters/tasks';
import type { IngestDeps } from './ingestAlerts';
import type { OutboxDeps } from './outbox';
import type { SlackSettings } from './slackDelivery';
import { type Deps, systemClock } from './ports';
import { storeRejected } from './rejected';
import type { StakeholderDeps } from './stakeholderDelivery';
import { firestoreMail, firestoreStatusPage } from './statusPage';

export function deps(): Deps {
  return { store: firestoreIncidentStore, tasks: { enqueue: enqueueTask }, clock: systemClock };
}

/** The ports, the incident policy (config/policy.yaml) and the status page's components (config/status.yaml). */
export function withPolicy() {
  const { policy, status } = pipelineConfig();
  return { ...deps(), policy, status };
}

export function ingestDeps(): IngestDeps {
  const { rules, policy, links } = pipelineConfig();
  return {
    ...deps(),
    config: { rules, policy, links: links.links, runbooks: loadRunbooks(), project: process.env.GCLOUD_PROJECT ?? null },
    newId,
    poison: async (r) => {
      await storeRejected({ ...r, via: 'pubsub', now: new Date() });
    },
    log: { ingested: (f) => log.messageIngested(f as never), duplicate: log.duplicateMessage, poison: log.poisonMessage },
  };
}

/** What the part of a notification beyond Slack needs besides its ports (app/stakeholderSettings.ts reads it). */
export type StakeholderSettings = Pick<StakeholderDeps, 'secret' | 'consoleUrl' | 'statusPageUrl'>;

/** The outbox's ports: Firestore storage, Slack with these settings, Cloud Tasks; the status page and the mail collection. */
export function outboxDeps(settings: SlackSettings, stakeholders?: StakeholderSettings): OutboxDeps {
  const { slack, status } = pipelineConfig();
  const base = deps();
  return {
    ...base,
    outbox: firestoreOutbox,
    settings,
    slackConfig: slack,
    slack: (token) => slackClient(token, settings.apiUrl),
    ...(stakeholders ? { stakeholders: { ...stakeholders, statusPage: firestoreStatusPage, mail: firestoreMail, tasks: base.tasks, clock: base.clock, statusConfig: status, slackConfig: slack } } : {}),
  };
}
