// The vocabulary of the pipeline. Pure data: no Firebase, no Slack, no clock.
import type { ComponentStatus, PublicPhase } from './statusPage';

export const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** SEV1 = 0 is the most severe: compare severities by rank. */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'mitigated', 'resolved', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const OPEN_STATUSES: readonly IncidentStatus[] = ['triggered', 'acknowledged', 'mitigated'];
/** Someone still has to act on an incident in these states. */
export const isOpen = (s: IncidentStatus): boolean => OPEN_STATUSES.includes(s);

/** The senders (contract §2): `POST /alertWebhook/{source}` and the `alerts` topic take exactly these. */
export const WEBHOOK_SOURCES = ['alertmanager', 'grafana', 'datadog', 'cloud-monitoring', 'sentry', 'generic'] as const;
export type WebhookSource = (typeof WEBHOOK_SOURCES)[number];

/**
 * Every source an alert can carry: the senders, and `heartbeat`, which the
 * pipeline raises itself for a missed ping (contract §11). `heartbeat` has no
 * normaliser, so `isAlertSource` (the webhook's and the topic's check) refuses it.
 */
export const ALERT_SOURCES = [...WEBHOOK_SOURCES, 'heartbeat'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export type AlertStatus = 'firing' | 'resolved';

export interface Link {
  title: string;
  url: string;
}

/** Every source's alert, once normalised (contract §3). */
export interface NormalizedAlert {
  source: AlertSource;
  /** Stable across repeats of the same alert. */
  fingerprint: string;
  status: AlertStatus;
  title: string;
  service: string | null;
  environment: string | null;
  /** The source's own severity word (`critical`, `P2`, `error`...), before the rules. */
  severity: string | null;
  /** The alert name used for grouping: `labels.alertname`, Monitoring's policy name, else the title. */
  alertName: string;
  labels: Record<string, string>;
  startsAt: Date | null;
  endsAt: Date | null;
  links: Link[];
  description: string | null;
}

/** Who did something: the pipeline itself, a signed-in user (uid), or a Slack user. */
export type Actor = string; // 'system' | '<uid>' | 'slack:<userId>'
export const SYSTEM: Actor = 'system';

export interface DeployRef {
  id: string;
  service: string;
  environment: string | null;
  version: string;
  deployedAt: Date;
  url: string | null;
  author: string | null;
  commit: string | null;
}

export interface RoutingHints {
  /** Extra Slack channels to announce in. */
  channels: string[];
  /** Mentions added to the announcement, e.g. `<!subteam^S123>` or `<@U123>`. */
  mentions: string[];
  /** Slack user ids (or emails) to invite into the incident channel. */
  invite: string[];
  /** The escalation policy of config/oncall.yaml that pages for it (the first matching rule's); absent: `page.policy`. */
  escalation?: string;
}

export interface Incident {
  id: string;
  title: string;
  status: IncidentStatus;
  severity: Severity;
  /** `rules` until someone sets the severity by hand; then the rules no longer change it. */
  severitySource: 'rules' | 'manual';
  source: AlertSource;
  service: string | null;
  environment: string | null;
  groupKey: string;
  alertCount: number;
  firingCount: number;
  createdAt: Date;
  updatedAt: Date;
  /** When the status last changed (the reopen window counts from here). */
  statusChangedAt: Date;
  acknowledgedAt: Date | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  commander: string | null;
  /** Who resolved it last (for the postmortem owner when there is no commander). */
  resolvedBy: Actor | null;
  drill: boolean;
  drillId: string | null;
  runbook: string | null;
  /** Slack channel id, once the channel exists. */
  slack: string | null;
  deploys: DeployRef[];
  links: Link[];
  routing: RoutingHints;
  postmortemRequired: boolean;
  reopenCount: number;
  /** The storm breaker's incident (domain/storm.ts): further new groups joined it as its alerts. */
  storm: boolean;
  /** The roll-up second whose counts the incident holds (roll-ups of earlier seconds are stale). */
  rolledUpFor: number;
  /** It reopened `flapReopens` times: it no longer resolves by itself (said once on the timeline and in Slack). */
  flapping: boolean;
  /** What the incident published on the public status page, and a draft awaiting approval (domain/publicUpdates.ts); absent until the first publish_status. */
  statusPage?: IncidentStatusPage;
}

/** A public update as the state machine decided it: what the projection (domain/statusPage.ts) is given. */
export interface PublicUpdate {
  message: string;
  /** The public title; null keeps the one already published (or a default from the components). */
  title: string | null;
  /** Every component the incident affects publicly, with its status as of this update (config/status.yaml ids). */
  componentStatus: Record<string, ComponentStatus>;
  phase: PublicPhase;
}

/** A public update waiting for a second responder (the severity policy's `statusPage.approvalFor`). */
export interface PublicUpdateDraft extends PublicUpdate {
  /** Stable per draft (the cause of the decision that wrote it): an approval names the draft it saw. */
  id: string;
  by: Actor;
  at: Date;
}

/** incidents/{id}.statusPage */
export interface IncidentStatusPage {
  /** The first and the latest public update that went out (null: none yet, only a draft). */
  firstPublishedAt: Date | null;
  lastPublishedAt: Date | null;
  /** How many public updates went out. */
  published: number;
  /** The incident's public state as of the latest update. */
  title: string | null;
  message: string | null;
  phase: PublicPhase | null;
  componentStatus: Record<string, ComponentStatus>;
  /** When the next public update is due (the policy's cadence); null: none expected (resolved, or no cadence for the severity). */
  nextUpdateDueAt: Date | null;
  draft: PublicUpdateDraft | null;
}

export interface TimelineEntry {
  /** Deterministic: the cause of the decision and the entry's place in it, so a retried commit writes nothing twice. */
  id?: string;
  at: Date;
  type: string;
  actor: Actor;
  message: string;
  data: Record<string, unknown>;
}

/** Something the outside world should hear about. The shell turns each into an outbox document. */
export type Effect =
  | { kind: 'incident_opened' }
  | { kind: 'status_changed'; from: IncidentStatus; to: IncidentStatus; actor: Actor; reason: string | null }
  | { kind: 'severity_changed'; from: Severity; to: Severity; actor: Actor }
  | { kind: 'commander_assigned'; commander: string; actor: Actor }
  | { kind: 'note_added'; message: string; actor: Actor }
  | { kind: 'step_checked'; stepId: string; text: string; done: boolean; actor: Actor; progress: { done: number; total: number } }
  | { kind: 'alerts_changed' }
  | { kind: 'deploy_linked'; deploy: DeployRef }
  /** A public update went out: the status page projection, its subscribers' mails, the cadence reminder, a post in the channel. */
  | { kind: 'status_published'; update: PublicUpdate; at: Date; actor: Actor; approvedBy: Actor | null }
  /** A public update waits for a second responder's approval. */
  | { kind: 'status_drafted'; draft: PublicUpdateDraft }
  /** The storm breaker closed: no new group joined this storm incident for the quiet period. */
  | { kind: 'storm_closed'; groups: number; openedAt: Date; lastJoinAt: Date };

/** One distinct alert (fingerprint) inside an incident: incidents/{id}/alerts/{alertId}. */
export interface AlertRecord {
  source: AlertSource;
  fingerprint: string;
  status: AlertStatus;
  title: string;
  alertName: string;
  service: string | null;
  environment: string | null;
  /** The source's own severity word, and the SEV the rules gave it. */
  nativeSeverity: string | null;
  severity: Severity;
  labels: Record<string, string>;
  links: Link[];
  description: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  occurrences: number;
  /**
   * The last few Pub/Sub messages that brought this alert alone to this
   * document: their redelivery is recognised here, so such a message needs no
   * marker of its own (alertMessages/{id}), one write less per storm alert.
   */
  messageIds?: string[];
}

/** Outbox messages that are not incident effects: replies, reminders, reports. */
export type Notice =
  | { kind: 'slack_reply'; responseUrl: string; text: string }
  | { kind: 'reminder'; key: string; level: number; mention: string }
  | { kind: 'overdue'; key: string; itemKind: 'postmortem' | 'action_item'; title: string; owner: string | null; daysOverdue: number }
  | { kind: 'message'; text: string; blocks?: Record<string, unknown>[]; channelOnly?: boolean }
  /** A silence is about to end: to its owner (a Slack DM when Slack knows them, else the announcement channel). Belongs to no incident. */
  | { kind: 'silence_reminder'; silenceId: string; owner: string; text: string };

/** What a notification document in the outbox carries. */
export type OutboxPayload = Effect | Notice;

/**
 * A pipeline document as a client reads it (the console): any field may be
 * missing, and a time is whatever Firestore hands back (a Timestamp).
 */
export type Stored<T> = {
  [K in keyof T]?: T[K] extends Date | null ? unknown : T[K] extends (infer U)[] ? (U extends object ? Stored<U>[] : U[]) : T[K];
};
