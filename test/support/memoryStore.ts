// An in-memory IncidentStore, OutboxStore, task queue and clock: the use
// cases' ports without Firestore or Cloud Tasks, so each use case is a
// millisecond unit test. Transactions run one at a time; their writes apply
// together when the work returns, and a create of an existing document fails
// the whole transaction with ALREADY_EXISTS, as on Firestore.
import type { Decision } from '../../functions/src/domain/decision';
import type { ChecklistStep } from '../../functions/src/domain/incident';
import type { GroupState, InhibitorEntry } from '../../functions/src/domain/ingest';
import type { OpenedWindow } from '../../functions/src/domain/maintenance';
import { parseSilence, type Silence, type StoredSilence } from '../../functions/src/domain/silences';
import type { SilencedAlert } from '../../functions/src/domain/silencedAlerts';
import { EMPTY_STORM_STATE, type StormState } from '../../functions/src/domain/storm';
import { type NotificationDoc, notificationDoc } from '../../functions/src/domain/outbox';
import type { Postmortem } from '../../functions/src/domain/postmortem';
import type { AlertRecord, DeployRef, Incident, TimelineEntry } from '../../functions/src/domain/types';
import { isOpen } from '../../functions/src/domain/types';
import type { EscalationState, PageAckWrite, PageRecord, PagingStore } from '../../functions/src/app/pagingPorts';
import { assignReplyCode } from '../../functions/src/domain/smsReplies';
import { WriteRaced } from '../../functions/src/app/retry';
import type { Clock, HeartbeatDoc, IncidentStore, IncidentTx, MailPort, MessageMarker, NoiseStore, NoticeToSend, OutboxStore, SlackOutage, SlackState, StatusPagePort, StoredUpdate, TaskPort } from '../../functions/src/app/ports';
import { applyPublicUpdate, type ComponentHistory, type PublicIncident, type PublicUpdateInput, type StatusConfig, type StatusDoc, type StatusSummary, statusReadPaths } from '../../functions/src/domain/statusPage';
import type { MailDoc, MailWrite } from '../../functions/src/domain/mail';
import type { Subscriber } from '../../functions/src/domain/statusSubscribers';

const clone = <T>(v: T): T => structuredClone(v);

class AlreadyExists extends Error {
  readonly code = 6;
  constructor(path: string) {
    super(`6 ALREADY_EXISTS: ${path}`);
  }
}


export interface StoredNotification extends NotificationDoc {
  id: string;
  [field: string]: unknown;
}

/** A clock that moves only when told to. */
export class TestClock implements Clock {
  constructor(private t: Date) {}
  now() {
    return new Date(this.t);
  }
  advance(seconds: number) {
    this.t = new Date(this.t.getTime() + seconds * 1000);
  }
  set(t: Date) {
    this.t = new Date(t);
  }
}

export class MemoryTasks implements TaskPort {
  readonly tasks: { fn: string; data: Record<string, unknown>; id: string; at: Date | null }[] = [];
  async enqueue(fn: string, data: Record<string, unknown>, opts: { id: string; at?: Date }) {
    if (this.tasks.some((t) => t.fn === fn && t.id === opts.id)) return false;
    this.tasks.push({ fn, data, id: opts.id, at: opts.at ?? null });
    return true;
  }
  of(fn: string) {
    return this.tasks.filter((t) => t.fn === fn);
  }
}

export class MemoryStore implements IncidentStore, OutboxStore, NoiseStore {
  readonly incidents = new Map<string, Incident>();
  readonly versions = new Map<string, number>();
  readonly timelines = new Map<string, (TimelineEntry & { id: string; seq: number })[]>();
  readonly alerts = new Map<string, AlertRecord>(); // incidentId/alertId
  /** When each alert document was last written (Firestore's commit time: `writtenAt`), by `now`. */
  readonly alertsWrittenAt = new Map<string, Date>();
  /** The commit time stamped on writes; world() sets it to the test clock. */
  now: () => Date = () => new Date();
  readonly checklists = new Map<string, Map<string, ChecklistStep & Record<string, unknown>>>();
  readonly groups = new Map<string, GroupState>();
  readonly markers = new Map<string, MessageMarker>();
  readonly updates = new Map<string, Record<string, unknown>>(); // incidentId/updateId
  readonly postmortems = new Map<string, Record<string, unknown>>();
  /** postmortems/{id}/exports/markdown */
  readonly markdowns = new Map<string, { markdown: string; markdownOf: Date }>();
  readonly deploys = new Map<string, DeployRef & { drill?: boolean; incidentIds?: string[] }>();
  readonly notifications = new Map<string, StoredNotification>();
  readonly slack = new Map<string, SlackState & { lease?: { holder: string; until: Date } | null }>();
  readonly channelSeq = new Map<string, number>();
  /** slackResponses/{updateId}: the response_url of an update written from Slack. */
  readonly slackResponses = new Map<string, string>();
  slackOutage: SlackOutage | null = null;
  // -- noise control ---------------------------------------------------------
  /** silences/{id} as written (parseSilence reads them). */
  readonly silenceDocs = new Map<string, Record<string, unknown>>();
  readonly silencedAlerts = new Map<string, SilencedAlert>();
  readonly openedWindowDocs = new Map<string, OpenedWindow>();
  readonly inhibitorDocs = new Map<string, InhibitorEntry>();
  readonly heartbeatDocs = new Map<string, HeartbeatDoc>();
  storm: { state: StormState; version: number } | null = null;
  /** Runs before a transaction's writes apply (a test's stand-in for a concurrent writer). */
  beforeApply: (() => void) | null = null;
  /** How many transactions and optimistic commits ran, and how many conflicted. */
  readonly counts = { transactions: 0, conflicts: 0 };
  private queue: Promise<unknown> = Promise.resolve();

  // -- seeding, for tests ----------------------------------------------------
  putIncident(incident: Incident) {
    this.incidents.set(incident.id, clone(incident));
    this.versions.set(incident.id, (this.versions.get(incident.id) ?? 0) + 1);
  }
  putUpdate(incidentId: string, updateId: string, data: Record<string, unknown>) {
    this.updates.set(`${incidentId}/${updateId}`, clone(data));
  }
  timelineOf(incidentId: string) {
    return [...(this.timelines.get(incidentId) ?? [])];
  }
  /** The incident's alert documents, by `incidentId/alertId`. */
  private alertEntriesOf(incidentId: string) {
    return [...this.alerts.entries()].filter(([k]) => k.startsWith(`${incidentId}/`));
  }
  alertsOf(incidentId: string) {
    return this.alertEntriesOf(incidentId).map(([, v]) => v);
  }
  notificationsOf(incidentId: string) {
    return [...this.notifications.values()].filter((n) => n.incidentId === incidentId);
  }

  // -- IncidentStore -----------------------------------------------------------
  run<T>(work: (tx: IncidentTx) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      this.counts.transactions += 1;
      const { tx, apply } = this.tx();
      const result = await work(tx);
      apply();
      return result;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private tx(): { tx: IncidentTx; apply: () => void } {
    const ops: (() => void)[] = [];
    const creates: { path: string; exists: () => boolean }[] = [];
    const stage = (fn: () => void, create?: { path: string; exists: () => boolean }) => {
      if (create) creates.push(create);
      ops.push(fn);
    };
    const preconditions: (() => void)[] = [];
    /** Every create and precondition is checked before anything is written: all or nothing. */
    const apply = () => {
      const hook = self.beforeApply;
      self.beforeApply = null;
      hook?.();
      for (const p of preconditions) p();
      const seen = new Set<string>();
      for (const c of creates) {
        if (c.exists() || seen.has(c.path)) throw new AlreadyExists(c.path);
        seen.add(c.path);
      }
      for (const op of ops) op();
    };
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the transaction's methods read the store they belong to
    const self = this;
    const tx: IncidentTx = {
      async incident(id) {
        const i = self.incidents.get(id);
        return i ? clone(i) : null;
      },
      async peekIncidents(ids) {
        return new Map(ids.flatMap((id) => (self.incidents.has(id) ? [[id, clone(self.incidents.get(id) as Incident)] as const] : [])));
      },
      async ingestReads(messageId, wanted) {
        const marker = self.markers.get(messageId);
        const groups = new Map(wanted.map((w) => [w.groupId, self.groups.has(w.groupId) ? clone(self.groups.get(w.groupId) as GroupState) : null] as const));
        const incidents = new Map<string, Incident>();
        const alerts = new Map<string, AlertRecord>();
        for (const w of wanted) {
          const incidentId = groups.get(w.groupId)?.incidentId;
          if (!incidentId) continue;
          const incident = self.incidents.get(incidentId);
          if (incident) incidents.set(incidentId, clone(incident));
          for (const alertId of w.alertIds) {
            const a = self.alerts.get(`${incidentId}/${alertId}`);
            if (a) alerts.set(`${incidentId}/${alertId}`, clone(a));
          }
        }
        return { marker: marker ? clone(marker) : null, groups, incidents, alerts };
      },
      async deploysOf(service, since) {
        return [...self.deploys.values()].filter((d) => d.service === service && d.deployedAt >= since).sort((a, b) => b.deployedAt.getTime() - a.deployedAt.getTime()).map(clone);
      },
      async statusUpdate(incidentId, updateId): Promise<StoredUpdate | null> {
        const u = self.updates.get(`${incidentId}/${updateId}`);
        const responseUrl = u?.via === 'slack' ? (self.slackResponses.get(updateId) ?? null) : null;
        return u ? { data: clone(u), processed: Boolean(u.processedAt), result: (u.result as StoredUpdate['result']) ?? null, responseUrl } : null;
      },
      async checklist(incidentId) {
        return [...(self.checklists.get(incidentId)?.values() ?? [])].map((s) => ({ id: s.id, text: s.text, order: s.order, done: s.done }));
      },
      async postmortem(incidentId) {
        const p = self.postmortems.get(incidentId);
        return p ? (clone(p) as unknown as Postmortem) : null;
      },
      async timeline(incidentId) {
        return self.timelineOf(incidentId).map(({ seq: _seq, id: _id, ...e }) => e);
      },
      commit(d: Decision, opts = {}) {
        const id = d.incident.id;
        if (opts.create) stage(() => undefined, { path: `incidents/${id}`, exists: () => self.incidents.has(id) });
        for (const e of d.timeline) stage(() => undefined, { path: `incidents/${id}/timeline/${e.id}`, exists: () => self.timelineOf(id).some((x) => x.id === e.id) });
        for (const e of d.effects) if (!e.coalesced) stage(() => undefined, { path: `notifications/${e.id}`, exists: () => self.notifications.has(e.id) });
        stage(() => self.writeDecision(d));
      },
      putGroup(groupId, state, opts) {
        stage(() => self.groups.set(groupId, clone(state)), opts.create ? { path: `groups/${groupId}`, exists: () => self.groups.has(groupId) } : undefined);
      },
      putMarker(messageId, marker) {
        stage(() => self.markers.set(messageId, clone(marker)), { path: `alertMessages/${messageId}`, exists: () => self.markers.has(messageId) });
      },
      answerUpdate(incidentId, updateId, result, at) {
        stage(() => {
          const key = `${incidentId}/${updateId}`;
          self.updates.set(key, { ...(self.updates.get(key) ?? {}), result, processedAt: at });
        });
      },
      putPostmortem(incidentId, pm, markdown) {
        stage(() => {
          self.postmortems.set(incidentId, clone(pm));
          self.markdowns.set(incidentId, clone(markdown));
        });
      },
      linkDeploy(deployId, incidentId) {
        stage(() => {
          const d = self.deploys.get(deployId);
          if (d) d.incidentIds = [...new Set([...(d.incidentIds ?? []), incidentId])];
        });
      },
      async silences(now) {
        return [...self.silenceDocs].flatMap(([id, data]) => {
          if (data.problem) return [];
          const r = parseSilence(data, { maxDays: 3650 });
          return r.ok && r.silence.endsAt > now ? [{ ...r.silence, id } as StoredSilence] : [];
        });
      },
      async openedWindows(now) {
        return [...self.openedWindowDocs.values()].filter((w) => w.endsAt > now).map(clone);
      },
      async inhibitors(limit) {
        return [...self.inhibitorDocs.values()].sort((a, b) => a.since.getTime() - b.since.getTime()).slice(0, limit).map(clone);
      },
      async silencedAlerts(ids) {
        return new Map(ids.map((id) => [id, self.silencedAlerts.has(id) ? clone(self.silencedAlerts.get(id) as SilencedAlert) : null] as const));
      },
      async stormState() {
        return self.storm ? { state: clone(self.storm.state), version: String(self.storm.version) } : { state: clone(EMPTY_STORM_STATE), version: null };
      },
      async heartbeat(name) {
        const h = self.heartbeatDocs.get(name.toLowerCase());
        return h ? clone(h) : null;
      },
      putSilencedAlert(id, record) {
        stage(() => self.silencedAlerts.set(id, clone(record)));
      },
      putStormState(state, version) {
        preconditions.push(() => {
          if ((self.storm ? String(self.storm.version) : null) !== version) throw version === null ? new AlreadyExists('noiseState/storm') : new WriteRaced('noiseState/storm');
        });
        stage(() => (self.storm = { state: clone(state), version: (self.storm?.version ?? 0) + 1 }));
      },
      putInhibitor(id, entry) {
        stage(() => self.inhibitorDocs.set(id, clone(entry)));
      },
      dropInhibitor(id) {
        stage(() => self.inhibitorDocs.delete(id));
      },
      putHeartbeat(name, doc) {
        stage(() => self.heartbeatDocs.set(name.toLowerCase(), clone(doc)));
      },
      notify(n: NoticeToSend, at: Date) {
        const id = n.id ?? `notice-${self.notifications.size}-${Math.random().toString(36).slice(2, 8)}`;
        stage(() => self.notifications.set(id, { id, ...notificationDoc(n.incidentId, n.notice, { now: at, drill: n.drill }) }), { path: `notifications/${id}`, exists: () => self.notifications.has(id) });
      },
    };
    return { tx, apply };
  }

  private writeDecision(d: Decision) {
    const id = d.incident.id;
    if (d.changed) this.putIncident(d.incident);
    const timeline = this.timelines.get(id) ?? [];
    d.timeline.forEach((e, seq) => timeline.push({ ...clone(e), seq }));
    this.timelines.set(id, timeline);
    const steps = this.checklists.get(id) ?? new Map();
    for (const s of d.checklist) steps.set(s.id, clone(s));
    this.checklists.set(id, steps);
    for (const a of d.alerts) {
      this.alerts.set(`${id}/${a.alertId}`, clone(a.record));
      this.alertsWrittenAt.set(`${id}/${a.alertId}`, this.now());
    }
    d.effects.forEach((e, seq) => {
      if (e.coalesced && this.notifications.has(e.id)) return;
      this.notifications.set(e.id, { id: e.id, ...notificationDoc(id, e.effect, { now: d.incident.updatedAt, drill: d.incident.drill }, seq, e.notBefore ?? d.incident.updatedAt) });
    });
  }

  async incident(id: string) {
    const i = this.incidents.get(id);
    return i ? { incident: clone(i), version: String(this.versions.get(id)) } : null;
  }

  async countAlerts(incidentId: string, opts: { firingWrittenAfter?: Date } = {}) {
    const mine = this.alertEntriesOf(incidentId);
    const firing = mine.filter(([, a]) => a.status === 'firing');
    const since = opts.firingWrittenAfter;
    const late = since ? firing.filter(([k]) => (this.alertsWrittenAt.get(k)?.getTime() ?? 0) > since.getTime()).length : 0;
    return { total: mine.length, firing: firing.length, firingWrittenAfter: late };
  }

  commitIfUnchanged(d: Decision, version: string): Promise<boolean> {
    const next = this.queue.then(async () => {
      if (String(this.versions.get(d.incident.id)) !== version) {
        this.counts.conflicts += 1;
        return false;
      }
      this.writeDecision({ ...d, changed: true });
      return true;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async openIncidentsOf(service: string) {
    return [...this.incidents.values()].filter((i) => i.service === service && isOpen(i.status)).map(clone);
  }

  // -- NoiseStore ---------------------------------------------------------------
  async silence(id: string) {
    const s = this.silenceDocs.get(id);
    return s ? clone(s) : null;
  }
  async createSilence(id: string, silence: Silence) {
    if (this.silenceDocs.has(id)) return false;
    this.silenceDocs.set(id, clone(silence) as unknown as Record<string, unknown>);
    return true;
  }
  async markSilence(id: string, problem: string | null) {
    const s = this.silenceDocs.get(id);
    if (s) s.problem = problem;
  }
  async heldBy(holdKey: string, limit: number) {
    return [...this.silencedAlerts].filter(([, r]) => r.holdKey === holdKey && r.status === 'held').slice(0, limit).map(([id, record]) => ({ id, record: clone(record) }));
  }
  async putOpenedWindow(w: OpenedWindow) {
    if (this.openedWindowDocs.has(w.deployId)) return false;
    this.openedWindowDocs.set(w.deployId, clone(w));
    return true;
  }
  async heartbeats() {
    return new Map([...this.heartbeatDocs].map(([k, v]) => [k, clone(v)]));
  }

  // -- OutboxStore -------------------------------------------------------------
  async notification(id: string) {
    const n = this.notifications.get(id);
    return n ? clone(n) : null;
  }
  async pendingOf(incidentId: string) {
    return this.notificationsOf(incidentId)
      .filter((n) => n.status === 'pending' || n.status === 'retrying')
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.seq - b.seq)
      .map((n) => ({ id: n.id, doc: clone(n) }));
  }
  async stalled(before: Date, limit: number) {
    return [...this.notifications.values()]
      .filter((n) => (n.status === 'pending' && n.notBefore <= before) || (n.status === 'retrying' && n.nextAttemptAt && n.nextAttemptAt <= before))
      .slice(0, limit)
      .map((n) => n.id);
  }
  async update(id: string, patch: Record<string, unknown>) {
    const n = this.notifications.get(id);
    if (!n) throw new Error(`5 NOT_FOUND: notifications/${id}`);
    this.notifications.set(id, { ...n, ...clone(patch) });
  }
  async recordStep(id: string, step: string, value: unknown) {
    const n = this.notifications.get(id);
    if (!n) throw new Error(`5 NOT_FOUND: notifications/${id}`);
    n.progress = { ...(n.progress ?? {}), [step]: clone(value) };
  }
  async acquireLease(incidentId: string, holder: string, until: Date, now: Date) {
    const s = this.slack.get(incidentId) ?? {};
    if (s.lease && s.lease.until > now) return false;
    this.slack.set(incidentId, { ...s, lease: { holder, until } });
    return true;
  }
  async releaseLease(incidentId: string, holder: string) {
    const s = this.slack.get(incidentId);
    if (s?.lease?.holder === holder) s.lease = null;
  }
  async slackState(incidentId: string) {
    const { lease: _lease, ...s } = this.slack.get(incidentId) ?? {};
    return clone(s);
  }
  async saveSlackState(incidentId: string, patch: Record<string, unknown>) {
    const s = this.slack.get(incidentId) ?? {};
    const next: Record<string, unknown> = { ...s };
    for (const [k, v] of Object.entries(patch)) next[k] = v === null ? undefined : clone(v);
    this.slack.set(incidentId, next as SlackState);
  }
  async nextChannelNumber(key: string) {
    const n = (this.channelSeq.get(key) ?? 0) + 1;
    this.channelSeq.set(key, n);
    return n;
  }
  async outage() {
    return this.slackOutage ? clone(this.slackOutage) : null;
  }
  async setOutage(o: SlackOutage | null) {
    this.slackOutage = o ? clone(o) : null;
  }
}

// -- Paging ----------------------------------------------------------------------

/** PagingStore in memory (app/pagingPorts.ts): users, overrides, pages, mail, reply codes, acknowledgement keys, hand-overs. */
export class MemoryPaging implements PagingStore {
  readonly users = new Map<string, Record<string, unknown>>();
  readonly overrideDocs = new Map<string, Record<string, unknown>>();
  readonly pages = new Map<string, PageRecord>(); // incidentId/pageId
  readonly escalations = new Map<string, EscalationState>(); // incidentId/c<cycle>
  readonly mail = new Map<string, MailDoc>();
  readonly replyCodes = new Map<string, Record<string, { code: number | null; pageId: string; at: Date }>>();
  readonly acks = new Map<string, Record<string, unknown>>();
  readonly drills = new Map<string, string[]>();
  readonly handoffs = new Map<string, Record<string, unknown>>();
  private seq = 0;

  constructor(private readonly store: MemoryStore) {}

  pagesOfIncident(incidentId: string): PageRecord[] {
    return [...this.pages.entries()].filter(([k]) => k.startsWith(`${incidentId}/`)).map(([, v]) => clone(v));
  }

  async user(uid: string) {
    const u = this.users.get(uid);
    return u ? clone(u) : null;
  }
  async usersByPhone(phone: string) {
    return [...this.users.entries()].filter(([, d]) => d.phone === phone).map(([uid, data]) => ({ uid, data: clone(data) }));
  }
  async names(uids: readonly string[]) {
    const out = new Map<string, string>();
    for (const uid of uids) {
      const name = this.users.get(uid)?.name;
      if (typeof name === 'string' && name.trim()) out.set(uid, name.trim());
    }
    return out;
  }
  async overrides(since: Date) {
    return [...this.overrideDocs.entries()].filter(([, d]) => d.end instanceof Date && d.end > since).map(([id, data]) => ({ id, data: clone(data) }));
  }
  async createOverride(doc: Record<string, unknown>) {
    const id = `override-${++this.seq}`;
    this.overrideDocs.set(id, clone(doc));
    return id;
  }
  async pagesOf(incidentId: string, of: { cycle: number; level: number; round: number; uid: string }) {
    return this.pagesOfIncident(incidentId).filter((p) => p.cycle === of.cycle && p.level === of.level && p.round === of.round && p.uid === of.uid);
  }
  async page(incidentId: string, pageId: string) {
    const p = this.pages.get(`${incidentId}/${pageId}`);
    return p ? clone(p) : null;
  }
  async putPage(incidentId: string, page: PageRecord) {
    this.pages.set(`${incidentId}/${page.pageId}`, clone(page));
  }
  async markPageAcknowledged(incidentId: string, pageId: string, via: string, at: Date) {
    const p = this.pages.get(`${incidentId}/${pageId}`);
    if (p) this.pages.set(`${incidentId}/${pageId}`, { ...p, status: 'acknowledged', acknowledgedAt: at, via });
  }
  async escalation(incidentId: string, cycle: number) {
    const e = this.escalations.get(`${incidentId}/c${cycle}`);
    return e ? clone(e) : null;
  }
  async saveEscalation(incidentId: string, state: EscalationState) {
    this.escalations.set(`${incidentId}/c${state.cycle}`, clone(state));
  }
  async queueMail(id: string, mail: MailDoc) {
    if (this.mail.has(id)) return false;
    this.mail.set(id, clone(mail));
    return true;
  }
  async assignReplyCode(phone: string, page: { incidentId: string; pageId: string; at: Date }, stillWaiting: (ids: string[]) => Promise<Set<string>>) {
    const open = { ...(this.replyCodes.get(phone) ?? {}) };
    const waiting = await stillWaiting(Object.keys(open).filter((id) => id !== page.incidentId));
    for (const id of Object.keys(open)) if (id !== page.incidentId && !waiting.has(id)) delete open[id];
    const inUse = Object.fromEntries(Object.entries(open).filter(([id, e]) => id !== page.incidentId && e.code !== null).map(([id, e]) => [String(e.code), id]));
    const code = open[page.incidentId]?.code ?? assignReplyCode(inUse, page.incidentId);
    open[page.incidentId] = { code, pageId: page.pageId, at: page.at };
    this.replyCodes.set(phone, open);
    return code;
  }
  async smsPages(phone: string) {
    return Object.entries(this.replyCodes.get(phone) ?? {}).map(([incidentId, e]) => ({ incidentId, pageId: e.pageId, replyCode: e.code, at: e.at }));
  }
  async releaseReplyCode(phone: string, incidentId: string) {
    const open = this.replyCodes.get(phone);
    if (open) delete open[incidentId];
  }
  async acknowledgeOnce(w: PageAckWrite) {
    if (this.acks.has(w.claimId) || this.store.updates.has(`${w.incidentId}/${w.updateId}`)) return 'used' as const;
    this.acks.set(w.claimId, { incidentId: w.incidentId, updateId: w.updateId, at: w.at });
    this.store.putUpdate(w.incidentId, w.updateId, w.update);
    return 'written' as const;
  }
  async drillParticipants(drillId: string) {
    return this.drills.get(drillId) ?? null;
  }
  async openIncidents() {
    return [...this.store.incidents.values()].filter((i) => isOpen(i.status)).map(clone);
  }
  async claimHandoff(id: string, data: Record<string, unknown>) {
    if (this.handoffs.has(id)) return false;
    this.handoffs.set(id, clone(data));
    return true;
  }
  async releaseHandoff(id: string) {
    this.handoffs.delete(id);
  }
}

/**
 * The status page's documents (statusPage/…), its subscribers and the `mail`
 * collection in memory: what app/statusPage.ts does on Firestore, with the
 * same pure projection (applyPublicUpdate) and create-never-overwrite mails.
 */
export class MemoryStatusPage implements StatusPagePort, MailPort {
  readonly docs = new Map<string, StatusDoc>();
  readonly mails = new Map<string, MailDoc>();
  subscribersList: Subscriber[] = [];
  constructor(readonly config: StatusConfig) {}

  async publish(input: PublicUpdateInput, now: Date) {
    const paths = statusReadPaths(this.config, input.publicId);
    const state = {
      summary: (this.docs.get(paths.summary) as StatusSummary | undefined) ?? null,
      incident: (this.docs.get(paths.incident) as PublicIncident | undefined) ?? null,
      history: Object.fromEntries(Object.entries(paths.history).flatMap(([id, p]) => (this.docs.has(p) ? [[id, this.docs.get(p) as ComponentHistory]] : []))),
    };
    const r = applyPublicUpdate(clone(state), clone(input), this.config, now);
    if (r.ok) for (const w of r.writes) this.docs.set(w.path, clone(w.data));
    return r;
  }

  async subscribers() {
    return clone(this.subscribersList);
  }

  async create(mails: MailWrite[]) {
    let created = 0;
    for (const m of mails) {
      if (this.mails.has(m.id)) continue;
      this.mails.set(m.id, clone(m.data));
      created++;
    }
    return created;
  }

  incident(publicId: string) {
    return this.docs.get(`statusPage/summary/incidents/${publicId}`) as PublicIncident | undefined;
  }
  summary() {
    return this.docs.get('statusPage/summary') as StatusSummary | undefined;
  }
  mailsTo(to: string) {
    return [...this.mails.entries()].filter(([, m]) => m.to === to).map(([id, m]) => ({ id, ...m }));
  }
}
