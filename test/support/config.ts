// The project's real config files, parsed as the functions parse them.
import fs from 'node:fs';
import path from 'node:path';
import { policySchema } from '../../functions/src/domain/policy';
import { severityRulesSchema } from '../../functions/src/domain/severity';
import { parseYamlOrThrow } from '../../functions/src/domain/yamlConfig';

export const ROOT = path.resolve(__dirname, '..', '..');

export function projectRules() {
  return parseYamlOrThrow(fs.readFileSync(path.join(ROOT, 'config', 'severity.yaml'), 'utf8'), severityRulesSchema, 'config/severity.yaml');
}

export function projectPolicy() {
  return parseYamlOrThrow(fs.readFileSync(path.join(ROOT, 'config', 'policy.yaml'), 'utf8'), policySchema, 'config/policy.yaml');
}
