// The runDrill callable: validate the request, record the drill, and hand the
// playback to the playDrill task (one short task per second of the drill).
import { DRILL_KINDS, type GeneratedScenario, isDrillKind } from '../domain/drills/generate';
import { parseScenario } from '../domain/drills/scenario';
import { ConfigError, formatIssue } from '../domain/yamlConfig';
import { loadScenarioByName } from '../adapters/scenarioFiles';
import { enqueueTask } from '../adapters/tasks';
import { type PlayStep, playDrillStep, startDrill } from './drills';

export async function startDrillFromRequest(data: { scenario?: string; yaml?: string; service?: string; speed?: number }, uid: string): Promise<{ drillId: string }> {
  let scenario;
  let name: string;
  if (data.yaml) {
    const parsed = parseScenario(data.yaml, 'request.yaml');
    if (!parsed.ok) throw new Error(parsed.issues.map(formatIssue).join('\n'));
    scenario = parsed.value;
    name = scenario.name;
  } else if (typeof data.scenario === 'string' && data.scenario) {
    // Only a shipped scenario, by name: never a path (the name is checked and resolved inside scenarios/).
    try {
      scenario = loadScenarioByName(data.scenario).scenario;
    } catch (e) {
      throw new Error(e instanceof ConfigError ? e.message : (e as Error).message);
    }
    name = data.scenario;
  } else {
    throw new Error('give `scenario` (the name of a shipped scenario) or `yaml` (a scenario file\'s text)');
  }
  const drillId = await startDrill({ scenario, scenarioName: name, startedBy: uid, service: data.service ?? null, speed: data.speed ?? 1 });
  await enqueueTask('playDrill', { drillId, step: { index: 0 } }, { id: `play-${drillId}-0` });
  return { drillId };
}

/** What the generateDrill callable returns: the scenario to preview, and to start with runDrill({ yaml }). */
export interface GeneratedDrillResponse extends Omit<GeneratedScenario, 'scenario'> {
  name: string;
  service: string;
  acknowledgeWithinSeconds: number;
  runbookSteps: string[];
  timeLimitMinutes: number;
}

/** The generateDrill callable: checks the request (service, kind, seed) and generates; nothing is started. */
export async function generateDrillFromRequest(data: { service?: unknown; kind?: unknown; seed?: unknown }): Promise<GeneratedDrillResponse> {
  const { checkSeed, checkServiceName, generateDrill } = await import('./drillContext.js');
  const service = checkServiceName(data.service);
  if (data.kind !== undefined && data.kind !== null && data.kind !== '' && !isDrillKind(data.kind)) {
    throw new Error(`unknown kind ${JSON.stringify(data.kind)}: use one of ${DRILL_KINDS.join(', ')} (or leave kind out to choose from the history)`);
  }
  const kind = isDrillKind(data.kind) ? data.kind : undefined;
  const g = await generateDrill(service, { kind, seed: checkSeed(data.seed) });
  return {
    yaml: g.yaml,
    name: g.scenario.name,
    service: g.scenario.service,
    kind: g.kind,
    kindFrom: g.kindFrom,
    seed: g.seed,
    fallback: g.fallback,
    notes: g.notes,
    timeline: g.timeline,
    acknowledgeWithinSeconds: g.scenario.expect.acknowledgeWithinSeconds,
    runbookSteps: g.scenario.expect.runbookSteps,
    timeLimitMinutes: g.scenario.timeLimitMinutes,
  };
}

/** The playDrill task: plays one step, then enqueues the next at its time (ids are deterministic, so a retry enqueues nothing twice). */
export async function playDrillTask(drillId: string, step: PlayStep): Promise<void> {
  const outcome = await playDrillStep(drillId, step);
  if (!outcome.next) return;
  const { index, deployChecks } = outcome.next.step;
  await enqueueTask('playDrill', { drillId, step: outcome.next.step }, { id: `play-${drillId}-${index}${deployChecks ? `-deploy${deployChecks}` : ''}`, at: outcome.next.at });
}
