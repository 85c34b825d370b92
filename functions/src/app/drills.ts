// Use cases: drills. A drill replays a scenario's alerts through the real
// `alerts` topic, marked with the drill id: its incidents are flagged, go to
// the training channel, page nobody, and stay out of the insights. When the
// drill's first incident resolves (or the time limit passes) it is scored.
import { randomBytes } from 'node:crypto';
import { safeDocId } from '../domain/deploys';
import { drillReportText, expandDeploy, expandScenario, type Scenario, scenarioFromIncident, scoreDrill } from '../domain/drills';
import type { AlertRecord, Incident, TimelineEntry } from '../domain/types';
import { decode } from '../adapters/firestoreCodec';
import { db } from '../adapters/firebase';
import { log } from '../adapters/logs';
import { publish, TOPICS } from '../adapters/pubsub';
import { alertsCol, checklistCol, col, outboxDoc, timelineCol } from '../adapters/store';

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
}

/** Firestore holds no arrays inside arrays (Sentry's tags are pairs): the scenario is kept as JSON text. */
type StoredDrill = Omit<DrillDoc, 'scenario'> & { scenarioJson: string };

export function newDrillId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `drill-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Records a new drill (status running) and returns its id. */
export async function startDrill(opts: { scenario: Scenario; scenarioName: string; startedBy: string; service?: string | null; speed?: number; now?: Date }): Promise<string> {
  const now = opts.now ?? new Date();
  const speed = Math.max(1, opts.speed ?? 1);
  const drillId = newDrillId(now);
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
  };
  const { scenario, ...rest } = doc;
  const stored: StoredDrill = { ...rest, scenarioJson: JSON.stringify(scenario) };
  await col.drills().doc(drillId).create(stored);
  log.info('drill started', { event: 'drill_started', drillId, scenario: opts.scenarioName, service, steps: steps.length, speed });
  return drillId;
}

async function readDrill(drillId: string): Promise<DrillDoc | null> {
  const snap = await col.drills().doc(drillId).get();
  if (!snap.exists) return null;
  const { scenarioJson, ...rest } = decode<StoredDrill>(snap.data());
  return { ...rest, scenario: JSON.parse(scenarioJson) as Scenario };
}

/**
 * Publishes the drill's deploy at once (its time is already in the past) and
 * each alert at its offset (divided by the drill's speed), as the monitoring
 * systems would have sent them. Resolves when the last one is published.
 */
export async function playDrill(drillId: string, onStep: (i: number, total: number) => void = () => undefined): Promise<number> {
  const drill = await readDrill(drillId);
  if (!drill) throw new Error(`no drill ${drillId}`);
  const opts = { drillId, service: drill.service, startedAt: drill.startedAt };
  const deploy = expandDeploy(drill.scenario, opts);
  if (deploy) {
    await publish(TOPICS.deploys, Buffer.from(JSON.stringify(deploy.event)), { drill: drillId });
    // The deploy precedes the first alert: let it land first, so the incident finds it.
    const deadline = Date.now() + 15_000;
    const ref = col.deploys().doc(safeDocId(String(deploy.event.id)));
    while (Date.now() < deadline && !(await ref.get()).exists) {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const steps = expandScenario(drill.scenario, opts);
  const start = Date.now();
  let sent = 0;
  for (const [i, step] of steps.entries()) {
    const wait = start + step.at / drill.speed - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await publish(TOPICS.alerts, Buffer.from(JSON.stringify(step.payload)), { source: step.source, drill: drillId });
    sent += 1;
    onStep(i + 1, steps.length);
  }
  await col.drills().doc(drillId).update({ published: sent, publishedAt: new Date() });
  return sent;
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
  const [checklist, timeline, postmortem] = incident
    ? await Promise.all([
        checklistCol(incident.id).get(),
        timelineCol(incident.id).orderBy('at').orderBy('seq').get(),
        col.postmortems().doc(incident.id).get(),
      ])
    : [null, null, null];
  const score = scoreDrill({
    scenario: drill.scenario,
    incident,
    checklist: checklist?.docs.map((d) => ({ ...decode<{ text: string; done: boolean; doneAt: Date | null }>(d.data()), id: d.id })) ?? [],
    postmortemStarted: Boolean(postmortem?.exists),
    timeline: timeline?.docs.map((d) => decode<TimelineEntry>(d.data())) ?? [],
    startedAt: drill.startedAt,
    now,
    timedOut,
  });
  const text = drillReportText(score, drill.scenarioName);
  const ref = col.drills().doc(drillId);
  const scored = await db().runTransaction(async (tx) => {
    const current = await tx.get(ref);
    if (current.get('status') !== 'running') return false;
    tx.update(ref, { status: 'scored', scoredAt: now, timedOut, incidentId: incident?.id ?? null, score, report: text });
    if (incident) tx.create(col.notifications().doc(), outboxDoc(incident.id, { kind: 'message', text }, { now, drill: true }));
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
