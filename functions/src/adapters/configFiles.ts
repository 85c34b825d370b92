// Reads the declarative config (config/*.yaml) shipped with the functions.
// Validated by zod at build time (npm run build), at start, and on first use.
import fs from 'node:fs';
import path from 'node:path';
import { catalogSchema } from '../domain/catalog';
import { escalationRouteIssues } from '../domain/escalation';
import { type HeartbeatsConfig, heartbeatsConfigSchema } from '../domain/heartbeats';
import { type LinksConfig, linksConfigSchema } from '../domain/links';
import { type OncallConfig, oncallConfigSchema } from '../domain/oncall';
import { type MaintenanceConfig, maintenanceConfigSchema } from '../domain/maintenance';
import { type Policy, policySchema } from '../domain/policy';
import { type SeverityRules, severityRulesSchema } from '../domain/severity';
import { type SlackConfig, slackConfigSchema } from '../domain/slack/slackConfig';
import { type StatusConfig, statusConfigSchema } from '../domain/statusPage';
import { ConfigError, formatIssue, issueAt, parseYamlOrThrow } from '../domain/yamlConfig';
import { projectRoot } from './projectRoot';
import { readRunbooks } from './runbookFiles';
import { readScenarios } from './scenarioFiles';

/** A config file's text ('' when it does not exist) and the name its errors use. */
function configText(name: string): { text: string; label: string } {
  const file = path.join(projectRoot(), 'config', name);
  const rel = path.relative(process.cwd(), file) || file;
  return { text: fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '', label: rel.startsWith('..') ? file : rel };
}

export function readConfigFile<T>(name: string, schema: import('zod').ZodType<T>): T {
  const { text, label } = configText(name);
  return parseYamlOrThrow(text, schema, label) as T;
}

export interface PipelineConfig {
  rules: SeverityRules;
  policy: Policy;
  links: LinksConfig;
  slack: SlackConfig;
  /** Schedules, escalation policies and paging (no file: paging off). */
  oncall: OncallConfig;
  maintenance: MaintenanceConfig;
  heartbeats: HeartbeatsConfig;
  status: StatusConfig;
}

let cached: PipelineConfig | undefined;

/** Loads and validates every config file once per instance. */
export function pipelineConfig(): PipelineConfig {
  cached ??= {
    rules: readConfigFile('severity.yaml', severityRulesSchema),
    policy: readConfigFile('policy.yaml', policySchema),
    links: readConfigFile('links.yaml', linksConfigSchema),
    slack: readConfigFile('slack.yaml', slackConfigSchema),
    oncall: readConfigFile('oncall.yaml', oncallConfigSchema),
    maintenance: readConfigFile('maintenance.yaml', maintenanceConfigSchema),
    heartbeats: readConfigFile('heartbeats.yaml', heartbeatsConfigSchema),
    status: readConfigFile('status.yaml', statusConfigSchema),
  };
  return cached;
}

/** For tests: forget the cached config. */
export function resetConfigCache(): void {
  cached = undefined;
}

/**
 * Validates every config file the pipeline ships (build and start call this).
 * Returns the problems as "file:line: path: reason" lines.
 */
export function validateProjectFiles(): { issues: string[]; summary: string } {
  const issues: string[] = [];
  const counts: string[] = [];
  const attempt = (label: string, fn: () => number) => {
    try {
      counts.push(`${fn()} ${label}`);
    } catch (e) {
      if (e instanceof ConfigError) issues.push(...e.issues.map(formatIssue));
      else issues.push(`${label}: ${(e as Error).message}`);
    }
  };
  attempt('severity rules', () => readConfigFile('severity.yaml', severityRulesSchema).rules.length);
  attempt('policy file', () => (readConfigFile('policy.yaml', policySchema), 1));
  attempt('link templates', () => readConfigFile('links.yaml', linksConfigSchema).links.length);
  attempt('Slack config', () => (readConfigFile('slack.yaml', slackConfigSchema), 1));
  attempt('on-call schedules', () => {
    const oncall = readConfigFile('oncall.yaml', oncallConfigSchema);
    // Every rule's route.escalation must name one of its policies (a broken severity.yaml is reported above).
    const severity = configText('severity.yaml');
    const rules = (() => {
      try {
        return readConfigFile('severity.yaml', severityRulesSchema);
      } catch {
        return null;
      }
    })();
    const routes = rules ? escalationRouteIssues(rules, oncall) : [];
    if (routes.length) throw new ConfigError(routes.map((r) => issueAt(severity.text, severity.label, r.path, r.message)));
    return Object.keys(oncall.schedules).length;
  });
  attempt('maintenance windows', () => {
    const m = readConfigFile('maintenance.yaml', maintenanceConfigSchema);
    return m.windows.length + m.deploys.length;
  });
  attempt('heartbeats', () => readConfigFile('heartbeats.yaml', heartbeatsConfigSchema).heartbeats.length);
  attempt('status page components', () => readConfigFile('status.yaml', statusConfigSchema).components.length);
  attempt('catalog services', () => Object.keys(readConfigFile('catalog.yaml', catalogSchema).services).length);
  attempt('runbooks', () => readRunbooks().length);
  attempt('drill scenarios', () => readScenarios().length);
  return { issues, summary: counts.join(', ') };
}
