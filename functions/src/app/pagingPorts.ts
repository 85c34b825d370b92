// The ports of paging (contract §10), beside the IncidentStore: what the
// escalation and notification tasks, the acknowledgement endpoints and the
// hand-overs read and write that is not incident state. Implemented on
// Firestore by adapters/pagingStore.ts and in memory by
// test/support/memoryStore.ts (MemoryPaging).
import type { Channel } from '../domain/notificationRules';
import type { MailDoc } from '../domain/mail';
import type { OpenSmsPage } from '../domain/smsReplies';
import type { Incident } from '../domain/types';

/** incidents/{id}/pages/{pageId}: one channel attempt of one person's page. */
export interface PageRecord {
  pageId: string;
  uid: string;
  cycle: number;
  level: number;
  round: number;
  /** The step's index in the person's `notify` list. */
  step: number;
  channel: Channel;
  status: 'sent' | 'failed' | 'acknowledged';
  /** When the attempt ended (sent or failed). */
  at: Date;
  error: string | null;
  /** Where it went: a phone number, an email address, a Slack user id. */
  to?: string | null;
  /** Twilio's SM…/CA… sid, Slack's message ts, the mail document id. */
  ref?: string | null;
  acknowledgedAt?: Date | null;
  via?: string | null;
}

/** incidents/{id}/paging/c{cycle}: where the escalation of one cycle stands (the console shows it; tests wait on it). */
export interface EscalationState {
  cycle: number;
  status: 'not_paged' | 'paging' | 'stopped' | 'exhausted';
  reason: string | null;
  policyId: string | null;
  /** The last level that paged, and its round. */
  level: number | null;
  round: number | null;
  /** When the next level (or the end) is due, while paging. */
  nextAt: Date | null;
  updatedAt: Date;
}

/** What an acknowledgement from a page writes, all or nothing. */
export interface PageAckWrite {
  /** pageAcks/{claimId}: the single-use key (a link's nonce, an SMS's MessageSid). */
  claimId: string;
  incidentId: string;
  /** incidents/{id}/updates/{updateId}: contains a `-`, so no client can take it (firestore.rules). */
  updateId: string;
  update: Record<string, unknown>;
  at: Date;
}

export interface PagingStore {
  /** users/{uid} as stored (null when missing). */
  user(uid: string): Promise<Record<string, unknown> | null>;
  /** Users whose `phone` is this E.164 number. */
  usersByPhone(phone: string): Promise<{ uid: string; data: Record<string, unknown> }[]>;
  /** Display names (users/{uid}.name) of these uids, where set. */
  names(uids: readonly string[]): Promise<Map<string, string>>;
  /** oncallOverrides/{id} documents that end after `since`, raw (the caller validates them). */
  overrides(since: Date): Promise<{ id: string; data: unknown }[]>;
  /** Writes a new oncallOverrides/{id} (from Slack: the console writes its own through the rules); returns its id. */
  createOverride(doc: { schedule: string; uid: string; start: Date; end: Date; createdBy: string; createdAt: Date; reason?: string }): Promise<string>;
  /** The pages of one person at one level of one escalation. */
  pagesOf(incidentId: string, of: { cycle: number; level: number; round: number; uid: string }): Promise<PageRecord[]>;
  page(incidentId: string, pageId: string): Promise<PageRecord | null>;
  putPage(incidentId: string, page: PageRecord): Promise<void>;
  markPageAcknowledged(incidentId: string, pageId: string, via: string, at: Date): Promise<void>;
  escalation(incidentId: string, cycle: number): Promise<EscalationState | null>;
  saveEscalation(incidentId: string, state: EscalationState): Promise<void>;
  /** mail/{id} for the Trigger Email extension, created only if absent (a retry sends nothing twice). */
  queueMail(id: string, mail: MailDoc): Promise<boolean>;
  /**
   * The reply code of `incidentId` on this phone number (smsReplyCodes/{phone},
   * in a transaction): its own, else the smallest free one among incidents
   * `stillWaiting` says are waiting; records `pageId` as its latest page there.
   */
  assignReplyCode(phone: string, page: { incidentId: string; pageId: string; at: Date }, stillWaiting: (incidentIds: string[]) => Promise<Set<string>>): Promise<number | null>;
  /** The pages to this number that kept a reply code (the caller keeps those still waiting). */
  smsPages(phone: string): Promise<OpenSmsPage[]>;
  releaseReplyCode(phone: string, incidentId: string): Promise<void>;
  /** Claims the single-use key and writes the acknowledgement update; 'used' when the key was claimed before. */
  acknowledgeOnce(write: PageAckWrite): Promise<'written' | 'used'>;
  /** drills/{drillId}.participants, when the drill names them. */
  drillParticipants(drillId: string): Promise<string[] | null>;
  openIncidents(): Promise<Incident[]>;
  /** oncallHandoffs/{id}: true the first time (the DM goes out once). */
  claimHandoff(id: string, data: Record<string, unknown>): Promise<boolean>;
  /** Gives the claim back (the DM did not go out). */
  releaseHandoff(id: string): Promise<void>;
}

/** Slack DMs for pages and hand-overs (the Slack client, through adapters/slack). */
export interface DirectMessages {
  /** The user's DM: posts to `slackUserId`, else finds the user by email. Throws SlackCallFailed. */
  send(to: { slackUserId: string | null; email: string | null }, message: { text: string; blocks: Record<string, unknown>[] }): Promise<{ channel: string; ts: string; user: string }>;
}
