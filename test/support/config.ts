// The project's real config files, parsed as the functions parse them.
import fs from 'node:fs';
import path from 'node:path';
import { policySchema } from '../../functions/src/domain/policy';
import { severityRulesSchema } from '../../functions/src/domain/severity';
import { slackConfigSchema } from '../../functions/src/domain/slack/slackConfig';
import { statusConfigSchema } from '../../functions/src/domain/statusPage';
import { parseYamlOrThrow } from '../../functions/src/domain/yamlConfig';

export const ROOT = path.resolve(__dirname, '..', '..');

export function projectRules() {
  return parseYamlOrThrow(fs.readFileSync(path.join(ROOT, 'config', 'severity.yaml'), 'utf8'), severityRulesSchema, 'config/severity.yaml');
}

export function projectPolicy() {
  return parseYamlOrThrow(fs.readFileSync(path.join(ROOT, 'config', 'policy.yaml'), 'utf8'), policySchema, 'config/policy.yaml');
}

export function projectStatus() {
  return parseYamlOrThrow(fs.readFileSync(path.join(ROOT, 'config', 'status.yaml'), 'utf8'), statusConfigSchema, 'config/status.yaml');
}

export function projectSlack() {
  return parseYamlOrThrow(fs.readFileSync(path.join(ROOT, 'config', 'slack.yaml'), 'utf8'), slackConfigSchema, 'config/slack.yaml');
}
