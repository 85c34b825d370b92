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
