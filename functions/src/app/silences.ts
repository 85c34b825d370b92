// Use cases: silences (domain/silences.ts) and the alerts they and the
// maintenance windows hold (domain/silencedAlerts.ts).
// - silenceWritten (trigger on silences/{id}): validates the document, and
//   schedules the Cloud Tasks of its end (the release of what it held) and of
//   its owner's reminder. Expiring it early moves its end: a new release task.
// - releaseHeld (task at a hold's end): each alert the hold still keeps is
//   looked at again, in one transaction with its ingestion: still held by
//   something (the silence was extended, another silence, the next window) →
//   it waits for that; otherwise it goes through ingestion, where it opens
//   (or joins) its incident. Nothing polls.
// - remindSilence (task before the end): the owner hears that it ends soon.
// - createSilence: the Slack command's silence.
// - deployWindow: a deploy that config/maintenance.yaml's `deploys:` asks for opens a short window.
import { type DeployForWindow, windowFromDeploy } from '../domain/maintenance';
import { screenAlert } from '../domain/noise';
import { parseSilence, type Silence, silenceEnd, silenceReminderAt, silenceState } from '../domain/silences';
import { holdKeyOf, releasedRecord, releaseStep, releaseTaskId } from '../domain/silencedAlerts';
import { silenceReminderText } from '../domain/slack/silenceMessages';
import { afterIngest, type BatchResult, ingestInTx, type IngestDeps, RELEASE_QUEUE } from './ingestBatch';
import type { NoiseStore } from './ports';

export const REMIND_QUEUE = 'remindSilence';
/** Records looked at by one release task; more are handed to the next task. */
const RELEASE_BATCH = 100;

export type NoiseDeps = IngestDeps & { noise: NoiseStore };

const silenceHold = (id: string) => `silence:${id}`;

export type SilenceWritten = 'scheduled' | 'invalid' | 'deleted' | 'over';

/** A silence was created or changed (expired early), or deleted. */
export async function silenceWritten(id: string, after: Record<string, unknown> | null, deps: NoiseDeps & { consoleUrl?: string }): Promise<SilenceWritten> {
  const now = deps.clock.now();
  const holdKey = silenceHold(id);
  if (!after) {
    // Deleted (by an admin, from the Admin SDK: the rules let nobody): what it held is looked at now.
    await deps.tasks.enqueue(RELEASE_QUEUE, { holdKey, until: now.getTime() }, { id: `release-${holdKey}-deleted` });
    deps.log.noise({ event: 'silence_deleted', silenceId: id });
    return 'deleted';
  }
  const policy = deps.config.policy;
  const parsed = parseSilence(after, { maxDays: policy.silences.maxDays });
  if (!parsed.ok) {
    const problem = parsed.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    await deps.noise.markSilence(id, problem);
    deps.log.noise({ event: 'silence_invalid', silenceId: id, problem });
    return 'invalid';
  }
  if (after.problem) await deps.noise.markSilence(id, null);
  const s = parsed.silence;
  const end = silenceEnd(s);
  await deps.tasks.enqueue(RELEASE_QUEUE, { holdKey, until: end.getTime() }, { id: releaseTaskId(holdKey, end), at: end });
  const remindAt = silenceReminderAt(s, policy.silences.reminderMinutes);
  if (remindAt && remindAt.getTime() > now.getTime()) await deps.tasks.enqueue(REMIND_QUEUE, { silenceId: id, at: remindAt.getTime() }, { id: `remind-silence-${id}-${remindAt.getTime()}`, at: remindAt });
  const state = silenceState(s, now);
  deps.log.noise({ event: 'silence_scheduled', silenceId: id, state, endsAt: end.toISOString(), remindAt: remindAt?.toISOString() ?? null });
  return state === 'expired' ? 'over' : 'scheduled';
}

export interface ReleaseOutcome {
  released: number;
  stillHeld: number;
  /** Alerts that need no release (resolved, or released already). */
  done: number;
  /** More records wait: a next task takes them. */
  more: boolean;
}

/** At a hold's end: each alert it keeps is held on, or released through ingestion (one transaction each). */
export async function releaseHeld(holdKey: string, deps: NoiseDeps, round = 0): Promise<ReleaseOutcome> {
  const out: ReleaseOutcome = { released: 0, stillHeld: 0, done: 0, more: false };
  const records = await deps.noise.heldBy(holdKey, RELEASE_BATCH);
  for (const { id } of records) {
    const now = deps.clock.now();
    const r = await deps.store.run(async (tx) => {
      const record = (await tx.silencedAlerts([id])).get(id) ?? null;
      if (!record) return { kind: 'done' as const };
      const [silences, openedWindows] = await Promise.all([tx.silences(now), deps.config.maintenance.deploys.length ? tx.openedWindows(now) : Promise.resolve([])]);
      // Only holds matter here: inhibition and the storm apply when the alert is ingested below.
      const screening = screenAlert(record.alert, { heartbeats: { heartbeats: [] }, silences, maintenance: deps.config.maintenance, openedWindows, inhibit: [], firing: [] }, now);
      const step = releaseStep(record, screening);
      if (step.kind === 'done') return { kind: 'done' as const };
      if (step.kind === 'still_held') {
        tx.putSilencedAlert(id, step.record);
        return { kind: 'still_held' as const, holdKey: holdKeyOf(step.hold), until: step.hold.until };
      }
      const batch = { messageId: `release-${id}-${record.until.getTime()}`, eventId: holdKey, source: record.source, alerts: [step.alert], drillId: null };
      const ingested: BatchResult = await ingestInTx(tx, batch, deps, now);
      // The plan wrote the record when it screened the alert (released, or held by something new); otherwise it joined an open incident.
      if (!ingested.duplicate && !ingested.heldIds.includes(id)) tx.putSilencedAlert(id, releasedRecord(record, ingested.incidentIds[0] ?? '', now));
      return { kind: 'released' as const, ingested, incidentId: ingested.incidentIds[0] ?? null, alert: record.fingerprint };
    });
    if (r.kind === 'done') out.done += 1;
    else if (r.kind === 'still_held') {
      out.stillHeld += 1;
      await deps.tasks.enqueue(RELEASE_QUEUE, { holdKey: r.holdKey, until: r.until.getTime() }, { id: releaseTaskId(r.holdKey, r.until), at: r.until });
    } else {
      out.released += 1;
      await afterIngest(r.ingested, deps);
      deps.log.noise({ event: 'alert_released', holdKey, silencedAlertId: id, fingerprint: r.alert, incidentId: r.incidentId });
    }
  }
  // A full batch of records that all moved on: there may be more.
  if (records.length === RELEASE_BATCH && out.stillHeld < records.length) {
    out.more = true;
    await deps.tasks.enqueue(RELEASE_QUEUE, { holdKey, round: round + 1 }, { id: `release-${holdKey}-${deps.clock.now().getTime()}-more-${round + 1}` });
  }
  deps.log.noise({ event: 'hold_ended', holdKey, ...out });
  return out;
}

export type RemindOutcome = 'reminded' | 'gone' | 'changed' | 'over';

/** The reminder task of silence `id`, due at `at` (a task for an earlier plan of the silence finds it changed). */
export async function remindSilence(id: string, at: number, deps: NoiseDeps & { consoleUrl: string }): Promise<RemindOutcome> {
  const data = await deps.noise.silence(id);
  if (!data) return 'gone';
  const parsed = parseSilence(data, { maxDays: 3650 });
  if (!parsed.ok) return 'gone';
  const s = parsed.silence;
  const now = deps.clock.now();
  const due = silenceReminderAt(s, deps.config.policy.silences.reminderMinutes);
  if (!due || due.getTime() !== at) return 'changed';
  if (silenceState(s, now) === 'expired') return 'over';
  const held = (await deps.noise.heldBy(silenceHold(id), 1000)).length;
  await deps.store.run(async (tx) => {
    tx.notify({ incidentId: `silence-${id}`, id: `remind-silence-${id}-${at}`, drill: false, notice: { kind: 'silence_reminder', silenceId: id, owner: s.createdBy, text: silenceReminderText(id, s, held, deps.consoleUrl, now) } }, now);
  });
  deps.log.noise({ event: 'silence_reminded', silenceId: id, owner: s.createdBy, held });
  return 'reminded';
}

/** A silence from Slack, under a pipeline id (it holds a '-': no client can take it). */
export async function createSilence(id: string, silence: Silence, deps: Pick<NoiseDeps, 'noise' | 'log'>): Promise<boolean> {
  const created = await deps.noise.createSilence(id, silence);
  deps.log.noise({ event: 'silence_created', silenceId: id, createdBy: silence.createdBy, via: 'slack', created });
  return created;
}

/** A deploy was stored: the short window config/maintenance.yaml asks for, if any (openedWindows/{deployId}). */
export async function deployWindow(deploy: DeployForWindow, deps: NoiseDeps): Promise<string | null> {
  const w = windowFromDeploy(deploy, deps.config.maintenance);
  if (!w) return null;
  // The alerts it holds schedule their own release (ingest: one task per hold and end).
  await deps.noise.putOpenedWindow(w);
  deps.log.noise({ event: 'deploy_window_opened', deployId: w.deployId, window: w.name, endsAt: w.endsAt.toISOString() });
  return w.name;
}
