// The ports the use cases depend on: plain interfaces, implemented by
// adapters/incidentStore.ts and adapters/tasks.ts on Firestore and Cloud
// Tasks, and by test/support/memoryStore.ts in memory (the use cases' unit
// tests). A use case loads, decides (domain/incident.ts) and commits through
// IncidentStore: the only way incident state is written.
import type { Decision } from '../domain/decision';
import type { ChecklistStep } from '../domain/incident';
import type { HeartbeatState } from '../domain/heartbeats';
import type { GroupState, InhibitorEntry } from '../domain/ingest';
import type { OpenedWindow } from '../domain/maintenance';
import type { Postmortem } from '../domain/postmortem';
import type { PublicUpdateInput, PublicUpdateResult } from '../domain/statusPage';
import type { MailWrite } from '../domain/mail';
import type { Subscriber } from '../domain/statusSubscribers';
import type { Silence, StoredSilence } from '../domain/silences';
import type { SilencedAlert } from '../domain/silencedAlerts';
import type { StormState } from '../domain/storm';
import type { AlertRecord, DeployRef, Incident, Notice, TimelineEntry } from '../domain/types';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Delayed, deduplicated work (Cloud Tasks). */
export interface TaskPort {
  /** Enqueues for the task function `fn`; a second enqueue with the same id is a no-op (false). */
  enqueue(fn: string, data: Record<string, unknown>, opts: { id: string; at?: Date }): Promise<boolean>;
}

/** What is kept of a handled Pub/Sub message (alertMessages/{messageId}), so a redelivery changes nothing. */
export interface MessageMarker {
  source: string;
  eventId: string;
  receivedAt: Date;
  alerts: number;
  incidentIds: string[];
  /** Resolved alerts for groups with no open incident: counted, not listed. */
  ignored: number;
  /** Alerts a silence or a maintenance window held (silencedAlerts). */
  silenced?: number;
  expireAt: Date;
}

/** What IncidentTx.ingestReads returns (the maps are the caller's to change). */
export interface IngestReads {
  marker: MessageMarker | null;
  groups: Map<string, GroupState | null>;
  incidents: Map<string, Incident>;
  /** By `incidentId/alertId`; it may hold more than the groups' incidents' documents (ignore those). */
  alerts: Map<string, AlertRecord>;
}

/** A status update document as a client wrote it, and whether the pipeline answered it. */
export interface StoredUpdate {
  data: Record<string, unknown>;
  processed: boolean;
  result: { ok: boolean; reason?: string } | null;
  /** Where to answer a Slack user about it: kept server-side (slackResponses/{updateId}), never on the update. */
  responseUrl: string | null;
}

/** An outbox message that is not an incident effect (a reply, a reminder, a report). */
export interface NoticeToSend {
  incidentId: string;
  notice: Notice;
  drill: boolean;
  /** A deterministic id makes the notice idempotent (reminders, replies); none: a new id. */
  id?: string;
}

/**
 * Reads and writes inside one transaction. Reads come first; the writes are
 * kept and applied together when the work returns (or not at all).
 */
export interface IncidentTx {
  /** The incident, read so that the commit fails if someone else changes it meanwhile. */
  incident(id: string): Promise<Incident | null>;
  /** Incidents read without holding them: a storm's ingests must not queue on the incident document. */
  peekIncidents(ids: string[]): Promise<Map<string, Incident>>;
  /**
   * What an ingest reads before it plans, in as few round trips as the store
   * can: the message's marker; the groups (an existing one held, a missing one
   * only looked at: its creation carries the precondition); the incidents they
   * point to, read without holding them; and, of those incidents, the
   * documents of the batch's alerts (held), by `incidentId/alertId`.
   */
  ingestReads(messageId: string, groups: { groupId: string; alertIds: string[] }[]): Promise<IngestReads>;
  /** Deploys of `service` since `since`, newest first (the correlation window of a new incident). */
  deploysOf(service: string, since: Date): Promise<(DeployRef & { drill?: boolean })[]>;
  statusUpdate(incidentId: string, updateId: string): Promise<StoredUpdate | null>;
  checklist(incidentId: string): Promise<ChecklistStep[]>;
  postmortem(incidentId: string): Promise<Postmortem | null>;
  /** The incident's timeline, oldest first. */
  timeline(incidentId: string): Promise<TimelineEntry[]>;

  // -- noise control (contract §11) -------------------------------------------
  /** Silences that have not ended by `now` (valid ones: a document that does not parse is skipped, and logged), read plainly. */
  silences(now: Date): Promise<StoredSilence[]>;
  /** Windows that deploys opened and that have not ended by `now`, read plainly. */
  openedWindows(now: Date): Promise<OpenedWindow[]>;
  /** The index of firing alerts that can inhibit, oldest first, read plainly. */
  inhibitors(limit: number): Promise<InhibitorEntry[]>;
  /** silencedAlerts documents (held in the transaction); null for a missing one. */
  silencedAlerts(ids: string[]): Promise<Map<string, SilencedAlert | null>>;
  /** The storm breaker's state and its version, read plainly; written back with putStormState, which fails if it changed meanwhile. */
  stormState(): Promise<{ state: StormState; version: string | null }>;
  /** A heartbeat's state (held in the transaction), or null before its first ping or watch. */
  heartbeat(name: string): Promise<HeartbeatDoc | null>;

  /** The one write path for incident state: the incident (created, or updated), its timeline, checklist, alerts and outbox documents. */
  commit(decision: Decision, opts?: { create?: boolean }): void;
  putGroup(groupId: string, state: GroupState, opts: { create: boolean }): void;
  putMarker(messageId: string, marker: MessageMarker): void;
  /** Answers a status update on its own document (`result`, `processedAt`). */
  answerUpdate(incidentId: string, updateId: string, result: { ok: true } | { ok: false; reason: string }, at: Date): void;
  /** The postmortem, and its markdown export beside it (postmortems/{id}/exports/markdown), rendered for `markdownOf` (its updatedAt). */
  putPostmortem(incidentId: string, postmortem: Record<string, unknown>, markdown: { markdown: string; markdownOf: Date }): void;
  /** Records on the deploy document that it is linked to the incident. */
  linkDeploy(deployId: string, incidentId: string): void;
  notify(n: NoticeToSend, at: Date): void;
  putSilencedAlert(id: string, record: SilencedAlert): void;
  /** With a precondition on `version` (null: the document must not exist yet): a concurrent change fails the commit, and the work runs again. */
  putStormState(state: StormState, version: string | null): void;
  putInhibitor(id: string, entry: InhibitorEntry): void;
  dropInhibitor(id: string): void;
  putHeartbeat(name: string, doc: HeartbeatDoc): void;
}

/** A heartbeat's state document (heartbeats/{name}): the pure state, and which ping generation its check task belongs to. */
export interface HeartbeatDoc extends HeartbeatState {
  /** Raised by every ping: the check task of an older generation finds nothing to do. */
  generation: number;
  /** The generation whose check raised the open miss (its retry raises the same alert again, harmlessly). */
  missedGeneration: number | null;
  /** Epoch milliseconds of that miss. */
  missedAt: number | null;
}

/** Noise control's documents read and written outside an incident transaction: silences, held alerts, windows deploys opened, heartbeats. */
export interface NoiseStore {
  /** A silence document as stored (parseSilence validates it), or null. */
  silence(id: string): Promise<Record<string, unknown> | null>;
  /** Creates a silence (from Slack); false if that id exists already. */
  createSilence(id: string, silence: Silence): Promise<boolean>;
  /** Records on the silence why it does not parse (null: it does). */
  markSilence(id: string, problem: string | null): Promise<void>;
  /** Records still held by a hold (`silence:<id>`, `window:<name>`, `deploy:<id>`), at most `limit`. */
  heldBy(holdKey: string, limit: number): Promise<{ id: string; record: SilencedAlert }[]>;
  /** Stores a window a deploy opened (openedWindows/{deployId}); false if it was stored already. */
  putOpenedWindow(w: OpenedWindow): Promise<boolean>;
  /** Every heartbeat's state, by name. */
  heartbeats(): Promise<Map<string, HeartbeatDoc>>;
}

export interface IncidentStore {
  /** Runs `work` in one transaction; run again (from the start) when it conflicts with another. */
  run<T>(work: (tx: IncidentTx) => Promise<T>): Promise<T>;
  /** The incident and its version (for commitIfUnchanged), read without a transaction. */
  incident(id: string): Promise<{ incident: Incident; version: string } | null>;
  /**
   * The counts of the incident's alert documents, from one consistent snapshot;
   * with `firingWrittenAfter`, also how many firing ones were written (committed) after it (else 0).
   */
  countAlerts(incidentId: string, opts?: { firingWrittenAfter?: Date }): Promise<{ total: number; firing: number; firingWrittenAfter: number }>;
  /** Commits a decision outside a transaction if the incident is still at `version`; false when it changed (read again). */
  commitIfUnchanged(decision: Decision, version: string): Promise<boolean>;
  /** Open incidents of a service. */
  openIncidentsOf(service: string): Promise<Incident[]>;
}

/** What every use case gets from the composition root (app/compose.ts) or from a test. */
export interface Deps {
  store: IncidentStore;
  tasks: TaskPort;
  clock: Clock;
}

/** Per-incident Slack state (what already exists in Slack for it). */
export interface SlackState {
  channelId?: string;
  channelName?: string | null;
  createAttempted?: string | null;
  topic?: string;
  invited?: string[];
  announcement?: { channel: string; ts: string };
  /** A digest of the announcement as last sent, to skip updates that change nothing. */
  announced?: string;
}

/** Slack as a whole is out (the token does not work): every delivery waits until it works again. */
export interface SlackOutage {
  since: Date;
  error: string;
  /** When one delivery may try Slack again. */
  probeAt: Date;
}

/** The outbox's storage (adapters/outbox.ts; test/support/memoryStore.ts). */
export interface OutboxStore {
  notification(id: string): Promise<import('../domain/outbox').NotificationDoc | null>;
  /** The incident's notifications still to deliver, oldest first. */
  pendingOf(incidentId: string): Promise<{ id: string; doc: import('../domain/outbox').NotificationDoc }[]>;
  /** Notifications still to deliver whose time passed before `before` (nothing will wake them: re-drive). */
  stalled(before: Date, limit: number): Promise<string[]>;
  update(id: string, patch: Partial<import('../domain/outbox').NotificationDoc> & Record<string, unknown>): Promise<void>;
  /** Records one Slack step of a notification as soon as Slack answered it. */
  recordStep(id: string, step: string, value: unknown): Promise<void>;
  /** One delivery at a time per incident: true when this holder got the lease. */
  acquireLease(incidentId: string, holder: string, until: Date, now: Date): Promise<boolean>;
  releaseLease(incidentId: string, holder: string): Promise<void>;
  slackState(incidentId: string): Promise<SlackState>;
  saveSlackState(incidentId: string, patch: Partial<Record<keyof SlackState, unknown>>): Promise<void>;
  /** The next channel number of a day and service (inc-20261130-checkout-<n>). */
  nextChannelNumber(key: string): Promise<number>;
  outage(): Promise<SlackOutage | null>;
  setOutage(outage: SlackOutage | null): Promise<void>;
}

/** The public status page's documents (statusPage/…) and its subscribers (app/statusPage.ts on Firestore; test/support/memoryStore.ts). */
export interface StatusPagePort {
  /** Applies one public update to the statusPage/ documents in one transaction; a repeated `updateId` changes nothing. */
  publish(input: PublicUpdateInput, now: Date): Promise<PublicUpdateResult>;
  /** The confirmed subscribers. */
  subscribers(): Promise<Subscriber[]>;
}

/** The `mail` collection of the Trigger Email extension. */
export interface MailPort {
  /** Creates the mails that do not exist yet, never overwriting one (it would be sent again); returns how many were new. */
  create(mails: MailWrite[]): Promise<number>;
}
