// The composition root: the use cases' ports bound to Firestore, Cloud Tasks
// and the clock, for the triggers. Tests pass their own (test/support/memoryStore.ts).
import { randomBytes } from 'node:crypto';
import { pipelineConfig } from '../adapters/configFiles';
import { firestoreIncidentStore } from '../adapters/incidentStore';
import { firestoreNoiseStore } from '../adapters/noiseStore';
import { log } from '../adapters/logs';
import { firestoreOutbox } from '../adapters/outbox';
import { slackClient } from '../adapters/slack';
import { loadRunbooks } from '../adapters/runbookFiles';
import { newId } from '../adapters/store';
import { enqueueTask } from '../adapters/tasks';
import { firestorePaging } from '../adapters/pagingStore';
import { slackDirectMessages } from '../adapters/slackDm';
import { twilioPhone, type TwilioSettings } from '../adapters/twilio';
import type { IngestDeps } from './ingestAlerts';
import type { OutboxDeps } from './outbox';
import type { NotifyDeps, PagingDeps } from './paging';
import type { SlackSettings } from './slackDelivery';
import { type Deps, type NoiseStore, systemClock } from './ports';
import { storeRejected } from './rejected';
import type { StakeholderDeps } from './stakeholderDelivery';
import { firestoreStatusPage } from './statusPage';
import { firestoreMail } from '../adapters/mail';

export function deps(): Deps {
  return { store: firestoreIncidentStore, tasks: { enqueue: enqueueTask }, clock: systemClock };
}

/** The ports, the incident policy (config/policy.yaml) and the status page's components (config/status.yaml). */
export function withPolicy() {
  const { policy, status } = pipelineConfig();
  return { ...deps(), policy, status };
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

/** Paging's ports: the stores, the task queue, config/oncall.yaml and the incident policy. */
export function pagingDeps(): PagingDeps {
  const { oncall, policy } = pipelineConfig();
  return { ...deps(), paging: firestorePaging, oncall, policy };
}

/** What the page channels need, read from params and secrets by the trigger (null: not set, or a placeholder). */
export interface PageChannelSettings {
  slackToken: string | null;
  slackApiUrl: string;
  consoleUrl: string;
  pageLinkSecret: string | null;
  twilio: { accountSid: string | null; authToken: string | null; apiUrl: string; from: string | null };
}

/** Paging's ports and its channels: Slack DMs, Twilio, the one-time links. */
export function notifyDeps(s: PageChannelSettings): NotifyDeps {
  const t = s.twilio;
  const missing = [!t.accountSid ? 'TWILIO_ACCOUNT_SID' : null, !t.authToken ? 'TWILIO_AUTH_TOKEN' : null, !t.from ? 'TWILIO_FROM' : null].filter(Boolean);
  const twilio: TwilioSettings | null = missing.length ? null : { accountSid: t.accountSid as string, authToken: t.authToken as string, apiUrl: t.apiUrl, from: t.from as string };
  return {
    ...pagingDeps(),
    phone: twilio ? twilioPhone(twilio) : null,
    phoneOff: `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: SMS and voice pages are off`,
    dm: s.slackToken ? slackDirectMessages(slackClient(s.slackToken, s.slackApiUrl)) : null,
    dmOff: 'SLACK_BOT_TOKEN is not set: Slack pages are off',
    links: { consoleUrl: s.consoleUrl, secret: s.pageLinkSecret },
    nonce: () => randomBytes(9).toString('base64url'),
  };
}
