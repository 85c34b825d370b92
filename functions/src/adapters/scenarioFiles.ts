// Reads the drill scenarios (scenarios/*.yaml) shipped with the functions.
import fs from 'node:fs';
import path from 'node:path';
import { parseScenario, type Scenario } from '../domain/drills/scenario';
import { ConfigError } from '../domain/yamlConfig';
import { projectRoot } from './projectRoot';

export const scenariosDir = () => path.join(projectRoot(), 'scenarios');

/** The names of the shipped scenarios (file names without .yaml). */
export function scenarioNames(): string[] {
  try {
    return fs.readdirSync(scenariosDir()).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, '')).sort();
  } catch {
    return [];
  }
}

/** Reads a scenario by name (scenarios/<name>.yaml) or by path; throws ConfigError with file and line. */
export function loadScenario(nameOrPath: string): { scenario: Scenario; file: string } {
  const candidates = [nameOrPath, path.join(scenariosDir(), nameOrPath), path.join(scenariosDir(), `${nameOrPath}.yaml`)];
  const file = candidates.find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
  if (!file) throw new Error(`no scenario "${nameOrPath}": the shipped ones are ${scenarioNames().join(', ')} (or give a path to a .yaml file)`);
  const shown = path.relative(process.cwd(), file) || file;
  const parsed = parseScenario(fs.readFileSync(file, 'utf8'), shown.startsWith('..') ? file : shown);
  if (!parsed.ok) throw new ConfigError(parsed.issues);
  return { scenario: parsed.value, file };
}

/** What a scenario name looks like: the file name in scenarios/ without `.yaml`. */
export const SCENARIO_NAME = /^[a-z0-9-]{1,100}$/;

/**
 * Reads a shipped scenario by name only (the runDrill callable): the name is
 * `[a-z0-9-]+` and the file is `scenarios/<name>.yaml`, resolved inside the
 * scenarios directory, so no other file (package.json, .env) can be read.
 */
export function loadScenarioByName(name: string): { scenario: Scenario; file: string } {
  if (!SCENARIO_NAME.test(name)) {
    throw new Error(`"${name.slice(0, 100)}" is not a scenario name: names are lowercase letters, digits and - (the shipped ones are ${scenarioNames().join(', ')})`);
  }
  const dir = path.resolve(scenariosDir());
  const file = [`${name}.yaml`, `${name}.yml`]
    .map((f) => path.resolve(dir, f))
    .find((f) => path.dirname(f) === dir && fs.existsSync(f) && fs.statSync(f).isFile());
  if (!file) throw new Error(`no scenario "${name}": the shipped ones are ${scenarioNames().join(', ')}`);
  const parsed = parseScenario(fs.readFileSync(file, 'utf8'), `scenarios/${path.basename(file)}`);
  if (!parsed.ok) throw new ConfigError(parsed.issues);
  return { scenario: parsed.value, file };
}

/** Validates every shipped scenario (the build calls this). */
export function readScenarios(): Scenario[] {
  const issues = [];
  const out: Scenario[] = [];
  for (const name of scenarioNames()) {
    try {
      out.push(loadScenario(name).scenario);
    } catch (e) {
      if (e instanceof ConfigError) issues.push(...e.issues);
      else throw e;
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return out;
}
