// IncidentStore on Firestore. `writeDecision` below is the only code outside
// the domain that writes incident state: the incident document, its timeline,
// checklist and alert documents, and the outbox documents of its effects.
import type { DocumentData, DocumentReference, Transaction } from 'firebase-admin/firestore';
import type { Decision } from '../domain/decision';
import type { ChecklistStep } from '../domain/incident';
import type { GroupState, InhibitorEntry } from '../domain/ingest';
import type { OpenedWindow } from '../domain/maintenance';
import { notificationDoc } from '../domain/outbox';
import type { Postmortem } from '../domain/postmortem';
import { parseSilence, type StoredSilence } from '../domain/silences';
import type { SilencedAlert } from '../domain/silencedAlerts';
import { EMPTY_STORM_STATE, type StormState, stormStateSchema } from '../domain/storm';
import { type AlertRecord, type DeployRef, type Incident, OPEN_STATUSES, type TimelineEntry } from '../domain/types';
import type { HeartbeatDoc, IncidentStore, IncidentTx, IngestReads, MessageMarker, NoticeToSend, StoredUpdate } from '../app/ports';
import { WriteRaced } from '../app/retry';
import { log } from './logs';
import { db } from './firebase';
import { decode } from './firestoreCodec';
import { queueNotice } from './outbox';
import { alertsCol, arrayUnion, checklistCol, col, incidentRef, markdownRef, serverTime, timelineCol, updatesCol } from './store';

/** What a transaction and a write batch share. */
interface Writer {
  create(ref: DocumentReference, data: DocumentData): unknown;
  set(ref: DocumentReference, data: DocumentData): unknown;
}

/**
 * Groups this instance has read as existing, and the incident each pointed to
 * then (bounded: forgotten all at once past 5,000). In a storm every alert of
 * a group reads it: knowing it exists skips the plain look first, and knowing
 * its incident lets the incident and the alert documents be read in the same
 * round trip as the group. A guess that is out of date costs one more round.
 */
const knownGroups = new Map<string, string>();
function rememberGroup(id: string, incidentId: string): void {
  if (knownGroups.size >= 5_000 && !knownGroups.has(id)) knownGroups.clear();
  knownGroups.set(id, incidentId);
}

const incidentOf = (id: string, data: FirebaseFirestore.DocumentData | undefined) => decode<Incident>({ rolledUpFor: 0, flapping: false, storm: false, ...data, id });

/**
 * Writes one decision: the incident (created with a precondition, or
 * replaced), each new timeline entry (created: an entry id is written once),
 * checklist steps and alert documents, and an outbox document per effect.
 * Coalesced effects whose document already exists are in `skip`.
 */
function writeDecision(w: Writer, d: Decision, opts: { create?: boolean; skip?: Set<string> } = {}): void {
  const { id, ...data } = d.incident;
  if (d.changed) {
    if (opts.create) w.create(incidentRef(id), data);
    else w.set(incidentRef(id), data);
  }
  d.timeline.forEach(({ id: entryId, ...entry }, seq) => w.create(timelineCol(id).doc(entryId), { ...entry, seq }));
  for (const { id: stepId, ...step } of d.checklist) w.set(checklistCol(id).doc(stepId), step);
  // writtenAt: when the commit landed (a roll-up tells an alert that joined after a resolve from one already there).
  for (const a of d.alerts) w.set(alertsCol(id).doc(a.alertId), { ...a.record, writtenAt: serverTime() });
  d.effects.forEach((e, seq) => {
    if (opts.skip?.has(e.id)) return;
    w.create(col.notifications().doc(e.id), notificationDoc(id, e.effect, { now: d.incident.updatedAt, drill: d.incident.drill }, seq, e.notBefore ?? d.incident.updatedAt));
  });
}

const coalescedRefs = (decisions: Decision[]): DocumentReference[] =>
  decisions.flatMap((d) => d.effects.filter((e) => e.coalesced).map((e) => col.notifications().doc(e.id)));

class FirestoreTx implements IncidentTx {
  private readonly writes: ((tx: Transaction, skip: Set<string>) => void)[] = [];
  private readonly decisions: Decision[] = [];
  /** A write carries a precondition on a document read plainly (the storm state): its failure is a lost race, not a refusal. */
  guarded = false;

  constructor(private readonly tx: Transaction) {}

  async incident(id: string) {
    const snap = await this.tx.get(incidentRef(id));
    return snap.exists ? incidentOf(id, snap.data()) : null;
  }

  async peekIncidents(ids: string[]) {
    const out = new Map<string, Incident>();
    if (ids.length === 0) return out;
    for (const s of await db().getAll(...ids.map((i) => incidentRef(i)))) if (s.exists) out.set(s.id, incidentOf(s.id, s.data()));
    return out;
  }

  async ingestReads(messageId: string, wanted: { groupId: string; alertIds: string[] }[]): Promise<IngestReads> {
    // Round 1, two RPCs at once: in the transaction, the marker, the groups
    // known to exist and the alert documents of the incident each pointed to
    // last time; plainly, those incidents and a look at the other groups. A
    // group that does not exist is only looked at plainly, and then created
    // with a precondition (putGroup's create): the first alerts of a new group
    // must not all hold a lock on the missing document and wait for each other
    // (Firestore breaks that tie quickly; the emulator only by lock timeout).
    // One creation commits; the others fail with ALREADY_EXISTS and run again,
    // joining the winner's incident. A group that is gone after all reads as
    // missing in the transaction, is forgotten, and is created again.
    const known = wanted.filter((w) => knownGroups.has(w.groupId));
    const unknown = wanted.filter((w) => !knownGroups.has(w.groupId));
    const guess = new Map(known.map((w) => [w.groupId, knownGroups.get(w.groupId) as string]));
    const guessedIncidents = [...new Set(guess.values())];
    const alertRefsOf = (ws: typeof wanted, incidentOfGroup: (groupId: string) => string | undefined) =>
      ws.flatMap((w) => {
        const incidentId = incidentOfGroup(w.groupId);
        return incidentId ? w.alertIds.map((alertId) => ({ incidentId, alertId })) : [];
      });
    const guessedAlerts = alertRefsOf(known, (g) => guess.get(g));
    const plainRefs = [...guessedIncidents.map((i) => incidentRef(i)), ...unknown.map((w) => col.groups().doc(w.groupId))];
    const [held, plain] = await Promise.all([
      this.tx.getAll(col.alertMessages().doc(messageId), ...known.map((w) => col.groups().doc(w.groupId)), ...guessedAlerts.map((r) => alertsCol(r.incidentId).doc(r.alertId))),
      plainRefs.length ? db().getAll(...plainRefs) : Promise.resolve([]),
    ]);
    const [markerSnap, ...rest] = held;
    const out: IngestReads = {
      marker: markerSnap?.exists ? decode<MessageMarker>(markerSnap.data()) : null,
      groups: new Map(wanted.map((w) => [w.groupId, null])),
      incidents: new Map(),
      alerts: new Map(),
    };
    const takeGroup = (s: FirebaseFirestore.DocumentSnapshot) => {
      if (!s.exists) return void knownGroups.delete(s.id);
      const state = s.data() as GroupState;
      out.groups.set(s.id, state);
      rememberGroup(s.id, state.incidentId);
    };
    const takeAlerts = (snaps: FirebaseFirestore.DocumentSnapshot[], refs: { incidentId: string; alertId: string }[]) =>
      snaps.forEach((s, i) => {
        const r = refs[i];
        if (s.exists && r) out.alerts.set(`${r.incidentId}/${r.alertId}`, decode<AlertRecord>(s.data()));
      });
    rest.slice(0, known.length).forEach(takeGroup);
    takeAlerts(rest.slice(known.length), guessedAlerts);
    const peeked = new Set(guessedIncidents);
    plain.slice(0, guessedIncidents.length).forEach((s) => s.exists && out.incidents.set(s.id, incidentOf(s.id, s.data())));
    // Round 2: hold the groups that the look found.
    const found = unknown.filter((_, i) => plain[guessedIncidents.length + i]?.exists);
    if (found.length) (await this.tx.getAll(...found.map((w) => col.groups().doc(w.groupId)))).forEach(takeGroup);
    // Round 3, for each group whose guess was missing or out of date: its
    // alert documents under the incident it points to (held) and, unless
    // another group's guess already brought it, that incident (plainly), at once.
    const stale = wanted.filter((w) => {
      const g = out.groups.get(w.groupId);
      return g && guess.get(w.groupId) !== g.incidentId;
    });
    if (stale.length) {
      const incidents = [...new Set(stale.map((w) => (out.groups.get(w.groupId) as GroupState).incidentId))].filter((i) => !peeked.has(i));
      const refs = alertRefsOf(stale, (g) => out.groups.get(g)?.incidentId);
      const [snaps, alertSnaps] = await Promise.all([
        incidents.length ? db().getAll(...incidents.map((i) => incidentRef(i))) : Promise.resolve([]),
        refs.length ? this.tx.getAll(...refs.map((r) => alertsCol(r.incidentId).doc(r.alertId))) : Promise.resolve([]),
      ]);
      snaps.forEach((s) => s.exists && out.incidents.set(s.id, incidentOf(s.id, s.data())));
      takeAlerts(alertSnaps, refs);
    }
    return out;
  }

  async deploysOf(service: string, since: Date) {
    const snap = await this.tx.get(col.deploys().where('service', '==', service).where('deployedAt', '>=', since).orderBy('deployedAt', 'desc').limit(50));
    return snap.docs.map((d) => decode<DeployRef & { drill?: boolean }>({ ...d.data(), id: d.id }));
  }

  async statusUpdate(incidentId: string, updateId: string): Promise<StoredUpdate | null> {
    const snap = await this.tx.get(updatesCol(incidentId).doc(updateId));
    if (!snap.exists) return null;
    const data = snap.data() ?? {};
    const response = data.via === 'slack' ? await this.tx.get(col.slackResponses().doc(updateId)) : null;
    const url: unknown = response?.get('responseUrl');
    return { data, processed: Boolean(data.processedAt), result: (data.result as StoredUpdate['result']) ?? null, responseUrl: typeof url === 'string' ? url : null };
  }

  async checklist(incidentId: string) {
    const snap = await this.tx.get(checklistCol(incidentId));
    return snap.docs.map((d) => ({ ...decode<Omit<ChecklistStep, 'id'>>(d.data()), id: d.id }));
  }

  async postmortem(incidentId: string) {
    const snap = await this.tx.get(col.postmortems().doc(incidentId));
    return snap.exists ? decode<Postmortem>(snap.data()) : null;
  }

  async timeline(incidentId: string) {
    // Read plainly: the timeline is append-only, and a query in the
    // transaction would lock the whole range against every new entry.
    const snap = await timelineCol(incidentId).orderBy('at').orderBy('seq').get();
    return snap.docs.map((d) => decode<TimelineEntry & { seq?: number }>(d.data())).map(({ seq: _seq, ...e }) => e);
  }

  async silences(now: Date) {
    const snap = await col.silences().where('endsAt', '>', now).limit(500).get();
    return snap.docs.flatMap((d) => {
      if (d.get('problem')) return []; // onSilenceWritten found it invalid, and says why on the document
      // Stored silences are read with a generous limit: lowering silences.maxDays later does not void the ones already written.
      const r = parseSilence(decode(d.data()), { maxDays: STORED_SILENCE_MAX_DAYS });
      if (r.ok) return [{ ...r.silence, id: d.id } as StoredSilence];
      log.warn('silence skipped: it does not parse', { event: 'silence_invalid', silenceId: d.id, issues: r.issues });
      return [];
    });
  }

  async openedWindows(now: Date) {
    const snap = await col.openedWindows().where('endsAt', '>', now).limit(200).get();
    return snap.docs.map((d) => decode<OpenedWindow>(d.data()));
  }

  async inhibitors(limit: number) {
    const snap = await col.inhibitors().orderBy('since').limit(limit).get();
    return snap.docs.map((d) => decode<InhibitorEntry>(d.data()));
  }

  async silencedAlerts(ids: string[]) {
    const out = new Map<string, SilencedAlert | null>(ids.map((i) => [i, null]));
    if (ids.length === 0) return out;
    for (const s of await this.tx.getAll(...ids.map((i) => col.silencedAlerts().doc(i)))) if (s.exists) out.set(s.id, decode<SilencedAlert>(s.data()));
    return out;
  }

  async stormState() {
    // Read plainly and written with a precondition (putStormState): every new group of a storm reads this one document, and
    // holding it would make their transactions wait on each other (the emulator breaks such ties only by timeout).
    const [snap] = await db().getAll(stormRef());
    if (!snap?.exists || !snap.updateTime) return { state: EMPTY_STORM_STATE, version: null };
    const parsed = stormStateSchema.safeParse(snap.data());
    return { state: parsed.success ? parsed.data : EMPTY_STORM_STATE, version: versionOf(snap.updateTime) };
  }

  async heartbeat(name: string) {
    const snap = await this.tx.get(col.heartbeats().doc(name.toLowerCase()));
    return snap.exists ? decode<HeartbeatDoc>(snap.data()) : null;
  }

  putSilencedAlert(id: string, record: SilencedAlert) {
    this.writes.push((tx) => tx.set(col.silencedAlerts().doc(id), record));
  }

  putStormState(state: StormState, version: string | null) {
    this.guarded = true;
    this.writes.push((tx) => (version === null ? tx.create(stormRef(), state) : tx.update(stormRef(), { ...state }, { lastUpdateTime: timestampOf(version) })));
  }

  putInhibitor(id: string, entry: InhibitorEntry) {
    this.writes.push((tx) => tx.set(col.inhibitors().doc(id), entry));
  }

  dropInhibitor(id: string) {
    this.writes.push((tx) => tx.delete(col.inhibitors().doc(id)));
  }

  putHeartbeat(name: string, doc: HeartbeatDoc) {
    this.writes.push((tx) => tx.set(col.heartbeats().doc(name.toLowerCase()), doc));
  }

  commit(decision: Decision, opts: { create?: boolean } = {}) {
    this.decisions.push(decision);
    this.writes.push((tx, skip) => writeDecision(tx, decision, { ...opts, skip }));
  }

  putGroup(groupId: string, state: GroupState, opts: { create: boolean }) {
    this.writes.push((tx) => (opts.create ? tx.create(col.groups().doc(groupId), state) : tx.set(col.groups().doc(groupId), state)));
  }

  putMarker(messageId: string, marker: MessageMarker) {
    this.writes.push((tx) => tx.create(col.alertMessages().doc(messageId), marker));
  }

  answerUpdate(incidentId: string, updateId: string, result: { ok: true } | { ok: false; reason: string }, at: Date) {
    this.writes.push((tx) => tx.update(updatesCol(incidentId).doc(updateId), { result, processedAt: at }));
  }

  putPostmortem(incidentId: string, postmortem: Record<string, unknown>, markdown: { markdown: string; markdownOf: Date }) {
    this.writes.push((tx) => {
      tx.set(col.postmortems().doc(incidentId), postmortem);
      tx.set(markdownRef(incidentId), markdown);
    });
  }

  linkDeploy(deployId: string, incidentId: string) {
    this.writes.push((tx) => tx.update(col.deploys().doc(deployId), { incidentIds: arrayUnion(incidentId) }));
  }

  notify(n: NoticeToSend, at: Date) {
    this.writes.push((tx) => queueNotice(tx, n, at));
  }

  /** Applies the kept writes: after the last read (Firestore wants reads first), coalesced outbox slots already taken are left out. */
  async flush() {
    const refs = coalescedRefs(this.decisions);
    const skip = new Set<string>();
    if (refs.length) for (const s of await this.tx.getAll(...refs)) if (s.exists) skip.add(s.id);
    for (const w of this.writes) w(this.tx, skip);
  }
}

/** Silences already stored are read with this limit, whatever silences.maxDays says now. */
const STORED_SILENCE_MAX_DAYS = 3650;
const stormRef = () => col.noiseState().doc('storm');

const versionOf = (t: FirebaseFirestore.Timestamp) => `${t.seconds}.${String(t.nanoseconds).padStart(9, '0')}`;

function timestampOf(version: string): FirebaseFirestore.Timestamp {
  const { Timestamp } = require('firebase-admin/firestore') as typeof import('firebase-admin/firestore');
  const [s, n] = version.split('.');
  return new Timestamp(Number(s), Number(n));
}

export const firestoreIncidentStore: IncidentStore = {
  async run(work) {
    let uow: FirestoreTx | null = null;
    try {
      return await db().runTransaction(async (tx) => {
        uow = new FirestoreTx(tx);
        const result = await work(uow);
        await uow.flush();
        return result;
      });
    } catch (e) {
      // FAILED_PRECONDITION at commit: the storm state changed since it was read (ALREADY_EXISTS: it was created meanwhile).
      if ((uow as FirestoreTx | null)?.guarded && (e as { code?: unknown }).code === 9) throw new WriteRaced('noiseState/storm');
      throw e;
    }
  },

  async incident(id) {
    const snap = await incidentRef(id).get();
    return snap.exists && snap.updateTime ? { incident: incidentOf(id, snap.data()), version: versionOf(snap.updateTime) } : null;
  },

  async countAlerts(incidentId, opts = {}) {
    // Counted outside any write: a read-write transaction counting would lock
    // the whole alerts collection and stall every concurrent ingest. The
    // counts come from one consistent snapshot (a read-only transaction takes no locks).
    const firing = alertsCol(incidentId).where('status', '==', 'firing');
    const since = opts.firingWrittenAfter;
    const [total, firingCount, late] = await db().runTransaction(
      (tx) => Promise.all([tx.get(alertsCol(incidentId).count()), tx.get(firing.count()), since ? tx.get(firing.where('writtenAt', '>', since).count()) : null]),
      { readOnly: true },
    );
    return { total: total.data().count, firing: firingCount.data().count, firingWrittenAfter: late ? late.data().count : 0 };
  },

  async commitIfUnchanged(decision, version) {
    const refs = coalescedRefs([decision]);
    const skip = new Set<string>();
    if (refs.length) for (const s of await db().getAll(...refs)) if (s.exists) skip.add(s.id);
    const batch = db().batch();
    const { id, ...data } = decision.incident;
    // Written with a precondition on the version that was read, so concurrent roll-ups never deadlock: one commits, the others read again.
    const guarded: Writer = {
      create: (ref, d) => batch.create(ref, d),
      set: (ref, d) => (ref.path === incidentRef(id).path ? batch.update(ref, d as FirebaseFirestore.UpdateData<DocumentData>, { lastUpdateTime: timestampOf(version) }) : batch.set(ref, d)),
    };
    writeDecision(guarded, { ...decision, changed: true, incident: { ...data, id } as Incident }, { skip });
    try {
      await batch.commit();
      return true;
    } catch (e) {
      // The incident changed since it was read (FAILED_PRECONDITION), or another roll-up took the slot first (ALREADY_EXISTS).
      const code = (e as { code?: number }).code;
      if (code === 9 || code === 6 || code === 10) return false;
      throw e;
    }
  },

  async openIncidentsOf(service) {
    const snap = await col.incidents().where('service', '==', service).where('status', 'in', [...OPEN_STATUSES]).get();
    return snap.docs.map((d) => incidentOf(d.id, d.data()));
  },
};
