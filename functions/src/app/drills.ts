// Use cases: drills. A drill replays a scenario's alerts through the real
// `alerts` topic, marked with the drill id: its incidents are flagged, go to
// the training channel, page only the scenario's participants (or as
// page.drills says when it names none), and stay out of the insights. When the
// drill's first incident resolves (or the time limit passes) it is scored,
// with its pages (incidents/{id}/pages) and escalation (incidents/{id}/paging).
import { randomBytes } from 'node:crypto';
import { safeDocId } from '../domain/deploys';
import { expandDeploy, expandScenario } from '../domain/drills/expand';
import { scenarioFromIncident } from '../domain/drills/replay';
import type { Scenario } from '../domain/drills/scenario';
import { drillReportText, scoreDrill } from '../domain/drills/score';
import type { AlertRecord, Incident, TimelineEntry } from '../domain/types';
import { decode } from '../adapters/firestoreCodec';
import { db } from '../adapters/firebase';
import { log } from '../adapters/logs';
import { publish, TOPICS } from '../adapters/pubsub';
import { queueNotice } from '../adapters/outbox';
import { incidentPaging } from '../adapters/pagingStore';
import { alertsCol, checklistCol, col, timelineCol } from '../adapters/store';

export interface DrillDoc {
  status: 'running' | 'scored';
  scenarioName: string;
  scenario: Scenario;
  service: string;
  startedAt: Date;
  deadlineAt: Date;
  startedBy: string;
  /** Time compression: 10 plays a 3-minute scenario in 18 s (local practice and tests). */
  speed: number;
  steps: number;
  published?: number;
  /**
   * The scenario's participants (uids): the only people its escalation pages
   * (adapters/pagingStore.ts drillParticipants → domain/paging.ts
   * drillPageTargets); null when the scenario names none.
   */
  participants: string[] | null;
}

/** Firestore holds no arrays inside arrays (Sentry's tags are pairs): the scenario is kept as JSON text. */
export type StoredDrill = Omit<DrillDoc, 'scenario'> & { scenarioJson: string };

export function newDrillId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `drill-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** What drills/{id} holds when a drill starts (status running): the scenario as JSON text, and its participants at the top for paging. */
export function newDrillRecord(opts: { scenario: Scenario; scenarioName: string; startedBy: string; service?: string | null; speed?: number }, drillId: string, now: Date): StoredDrill {
  const speed = Math.max(1, opts.speed ?? 1);
  const service = opts.service?.trim() || opts.scenario.service;
  const steps = expandScenario(opts.scenario, { drillId, service, startedAt: now });
  const doc: DrillDoc = {
    status: 'running',
    scenarioName: opts.scenarioName,
    scenario: opts.scenario,
    service,
    startedAt: now,
    deadlineAt: new Date(now.getTime() + (opts.scenario.timeLimitMinutes * 60_000) / speed),
    startedBy: opts.startedBy,
    speed,
    steps: steps.length,
    participants: opts.scenario.participants ? [...opts.scenario.participants] : null,
  };
  const { scenario, ...rest } = doc;
  return { ...rest, scenarioJson: JSON.stringify(scenario) };
}

/** Records a new drill (status running) and returns its id. */
export async function startDrill(opts: { scenario: Scenario; scenarioName: string; startedBy: string; service?: string | null; speed?: number; now?: Date }): Promise<string> {
  const now = opts.now ?? new Date();
  const drillId = newDrillId(now);
  const stored = newDrillRecord(opts, drillId, now);
  await col.drills().doc(drillId).create(stored);
  log.info('drill started', { event: 'drill_started', drillId, scenario: opts.scenarioName, service: stored.service, steps: stored.steps, speed: stored.speed, participants: stored.participants?.length ?? null });
  return drillId;
}

async function readDrill(drillId: string): Promise<DrillDoc | null> {
  const snap = await col.drills().doc(drillId).get();
  if (!snap.exists) return null;
  const { scenarioJson, ...rest } = decode<StoredDrill>(snap.data());
  return { ...rest, scenario: JSON.parse(scenarioJson) as Scenario };
}

/** A play task publishes the alerts due within this window, paced, then hands over to the next task. */
const PLAY_WINDOW_MS = 1000;
/** Before the first alert, the task looks this many times (a second apart) for the drill's deploy to be recorded. */
const DEPLOY_CHECKS = 15;

export interface PlayStep {
  /** Index of the next alert to publish. */
  index: number;
  /** How many times the deploy was looked for before the first alert. */
  deployChecks?: number;
}

export interface PlayOutcome {
  sent: number;
  total: number;
  /** The next step, and when it is due; null when every alert is published. */
  next: { step: PlayStep; at: Date } | null;
}

/**
 * Plays one step of a drill: the deploy first (its time is already in the
 * past), then the alerts due within the next second, each at its offset
 * (divided by the drill's speed), as the monitoring systems would have sent
 * them. Returns the next step and its time: the playDrill task enqueues it
 * (so no function waits for a drill's minutes), the CLI waits for it.
 * At least once: a retried step publishes its alerts again (a repeat of the
 * same fingerprint only adds an occurrence), never skips one.
 */
export async function playDrillStep(drillId: string, step: PlayStep, now: () => Date = () => new Date()): Promise<PlayOutcome> {
  const drill = await readDrill(drillId);
  if (!drill) throw new Error(`no drill ${drillId}`);
  const opts = { drillId, service: drill.service, startedAt: drill.startedAt };
  const steps = expandScenario(drill.scenario, opts);
  const startMs = drill.startedAt.getTime();
  const dueAt = (i: number) => startMs + (steps[i]?.at ?? 0) / drill.speed;
  const ref = col.drills().doc(drillId);
  const played = ((await ref.get()).get('played') as number | undefined) ?? 0;
  let index = Math.max(step.index, played);

  if (index === 0) {
    const deploy = expandDeploy(drill.scenario, opts);
    if (deploy) {
      const checks = step.deployChecks ?? 0;
      if (checks === 0) await publish(TOPICS.deploys, Buffer.from(JSON.stringify(deploy.event)), { drill: drillId });
      // The deploy precedes the first alert: let it land first, so the incident finds it.
      const landed = (await col.deploys().doc(safeDocId(String(deploy.event.id))).get()).exists;
      if (!landed && checks < DEPLOY_CHECKS) return { sent: 0, total: steps.length, next: { step: { index: 0, deployChecks: checks + 1 }, at: new Date(now().getTime() + 1000) } };
    }
  }

  const windowEnd = Math.max(now().getTime(), dueAt(index)) + PLAY_WINDOW_MS;
  let sent = 0;
  while (index < steps.length && dueAt(index) < windowEnd) {
    const s = steps[index];
    if (!s) break;
    const wait = dueAt(index) - now().getTime();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait)); // pacing within one second, not a timer
    await publish(TOPICS.alerts, Buffer.from(JSON.stringify(s.payload)), { source: s.source, drill: drillId });
    index += 1;
    sent += 1;
  }
  const done = index >= steps.length;
  await db().runTransaction(async (tx) => {
    const current = ((await tx.get(ref)).get('played') as number | undefined) ?? 0;
    if (index > current) tx.update(ref, { played: index, ...(done ? { published: steps.length, publishedAt: now() } : {}) });
  });
  return { sent, total: steps.length, next: done ? null : { step: { index }, at: new Date(dueAt(index)) } };
}

/** The drill's first incident (the one that is scored). */
async function firstIncident(drillId: string): Promise<Incident | null> {
  const snap = await col.incidents().where('drillId', '==', drillId).orderBy('createdAt').limit(1).get();
  const doc = snap.docs[0];
  return doc ? decode<Incident>({ ...doc.data(), id: doc.id }) : null;
}

/** Scores a running drill once (idempotent): writes the report on drills/{id} and posts it in Slack. */
export async function scoreRunningDrill(drillId: string, timedOut: boolean, now: Date = new Date()): Promise<boolean> {
  const drill = await readDrill(drillId);
  if (!drill || drill.status !== 'running') return false;
  const incident = await firstIncident(drillId);
  const [checklist, timeline, postmortem, paging] = incident
    ? await Promise.all([
        checklistCol(incident.id).get(),
        timelineCol(incident.id).orderBy('at').orderBy('seq').get(),
        col.postmortems().doc(incident.id).get(),
        incidentPaging(incident.id),
      ])
    : [null, null, null, null];
  const score = scoreDrill({
    scenario: drill.scenario,
    incident,
    checklist: checklist?.docs.map((d) => ({ ...decode<{ text: string; done: boolean; doneAt: Date | null }>(d.data()), id: d.id })) ?? [],
    postmortemStarted: Boolean(postmortem?.exists),
    timeline: timeline?.docs.map((d) => decode<TimelineEntry>(d.data())) ?? [],
    startedAt: drill.startedAt,
    now,
    timedOut,
    pages: paging?.pages ?? [],
    escalations: paging?.escalations ?? [],
  });
  const text = drillReportText(score, drill.scenarioName);
  const ref = col.drills().doc(drillId);
  const scored = await db().runTransaction(async (tx) => {
    const current = await tx.get(ref);
    if (current.get('status') !== 'running') return false;
    // acknowledgedBy at the top: the drill history per person queries it (app/drillContext.ts).
    tx.update(ref, { status: 'scored', scoredAt: now, timedOut, incidentId: incident?.id ?? null, acknowledgedBy: score.acknowledgedBy, score, report: text });
    if (incident) queueNotice(tx, { incidentId: incident.id, notice: { kind: 'message', text }, drill: true, id: `${drillId}_report` }, now);
    return true;
  });
  if (scored) log.info('drill scored', { event: 'drill_scored', drillId, incidentId: incident?.id ?? null, score: score.score, timedOut });
  return scored;
}

/** A drill incident resolved: score its drill, if this was the drill's first incident. */
export async function drillIncidentResolved(incident: Pick<Incident, 'id' | 'drillId'>): Promise<void> {
  if (!incident.drillId) return;
  const first = await firstIncident(incident.drillId);
  if (first?.id === incident.id) await scoreRunningDrill(incident.drillId, false);
}

/** Scores every running drill whose time limit has passed (a schedule, and the CLI at the end). */
export async function finishOverdueDrills(now: Date = new Date()): Promise<string[]> {
  const snap = await col.drills().where('status', '==', 'running').where('deadlineAt', '<=', now).get();
  const done: string[] = [];
  for (const d of snap.docs) if (await scoreRunningDrill(d.id, true, now)) done.push(d.id);
  return done;
}

/** A scenario regenerated from a stored incident: its alerts, their timing and severity (replay). */
export async function scenarioOfIncident(incidentId: string): Promise<Scenario> {
  const snap = await col.incidents().doc(incidentId).get();
  if (!snap.exists) throw new Error(`no incident ${incidentId}`);
  const incident = decode<Incident>({ ...snap.data(), id: incidentId });
  const [alerts, timeline, checklist] = await Promise.all([
    alertsCol(incidentId).get(),
    timelineCol(incidentId).orderBy('at').orderBy('seq').get(),
    checklistCol(incidentId).get(),
  ]);
  return scenarioFromIncident({
    incident,
    alerts: alerts.docs.map((d) => decode<AlertRecord>(d.data())),
    timeline: timeline.docs.map((d) => decode<TimelineEntry>(d.data())),
    checklist: checklist.docs.map((d) => ({ id: d.id, text: String(d.get('text')), done: Boolean(d.get('done')) })),
  });
}
