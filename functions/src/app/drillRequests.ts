// The runDrill callable: validate the request, record the drill, and hand the
// playback to the playDrill task (one short task per second of the drill).
import { parseScenario } from '../domain/drills';
import { ConfigError, formatIssue } from '../domain/yamlConfig';
import { loadScenario } from '../adapters/scenarioFiles';
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
  } else if (data.scenario && /^[\w.-]+$/.test(data.scenario)) {
    try {
      scenario = loadScenario(data.scenario).scenario;
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

/** The playDrill task: plays one step, then enqueues the next at its time (ids are deterministic, so a retry enqueues nothing twice). */
export async function playDrillTask(drillId: string, step: PlayStep): Promise<void> {
  const outcome = await playDrillStep(drillId, step);
  if (!outcome.next) return;
  const { index, deployChecks } = outcome.next.step;
  await enqueueTask('playDrill', { drillId, step: outcome.next.step }, { id: `play-${drillId}-${index}${deployChecks ? `-deploy${deployChecks}` : ''}`, at: outcome.next.at });
}
