import { describe, expect, it } from 'vitest';
import { evaluateSeverity, severityRulesSchema, type SeverityInput } from '../../functions/src/domain/severity';
import { parseYaml } from '../../functions/src/domain/yamlConfig';
import { projectRules } from '../support/config';

const rules = projectRules();
const input = (severity: string | null, environment: string | null = null, extra: Partial<SeverityInput> = {}): SeverityInput => ({
  source: 'generic',
  service: 'checkout',
  environment,
  severity,
  alertName: 'HighErrorRate',
  labels: {},
  ...extra,
});

describe('default severity rules (contract §3)', () => {
  const table: [string | null, string][] = [
    ['critical', 'SEV1'], ['fatal', 'SEV1'], ['P1', 'SEV1'], ['CRITICAL', 'SEV1'], ['p1', 'SEV1'],
    ['error', 'SEV2'], ['high', 'SEV2'], ['major', 'SEV2'], ['P2', 'SEV2'], ['Error', 'SEV2'],
    ['warning', 'SEV3'], ['medium', 'SEV3'], ['minor', 'SEV3'], ['P3', 'SEV3'],
    ['info', 'SEV4'], ['low', 'SEV4'], ['debug', 'SEV4'], ['P4', 'SEV4'], ['P5', 'SEV4'],
    [null, 'SEV3'], ['', 'SEV3'], ['whatever', 'SEV3'], ['P6', 'SEV3'],
  ];
  it.each(table)('%s → %s', (native, sev) => {
    expect(evaluateSeverity(rules, input(native)).severity).toBe(sev);
  });

  it.each([
    ['critical', 'production', 'SEV1'],
    ['critical', 'prod', 'SEV1'],
    ['critical', 'PRD', 'SEV1'],
    ['critical', 'staging', 'SEV3'],
    ['error', 'dev', 'SEV3'],
    ['info', 'staging', 'SEV4'],
    ['critical', null, 'SEV1'],
    ['critical', '', 'SEV1'],
  ])('%s in environment %s → %s', (native, env, sev) => {
    expect(evaluateSeverity(rules, input(native, env)).severity).toBe(sev);
  });
});

describe('the rule language', () => {
  const custom = (yaml: string) => {
    const r = parseYaml(yaml, severityRulesSchema, 'custom.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return r.value;
  };

  it('matches labels, services, regexes and routes, and honours continue', () => {
    const r = custom(`
defaultSeverity: SEV4
rules:
  - name: payments team
    match: { service: [payments, checkout] }
    route: { channels: ["#payments"], invite: [U123] }
    continue: true
  - name: database
    match: { labels: { component: { regex: "^(postgres|firestore)" } } }
    severity: SEV2
  - name: never
    severity: SEV1
`);
    const d = evaluateSeverity(r, input(null, null, { labels: { component: 'postgres-primary' } }));
    expect(d.severity).toBe('SEV2');
    expect(d.matched).toEqual(['payments team', 'database']);
    expect(d.route.channels).toEqual(['#payments']);
    expect(d.route.invite).toEqual(['U123']);
    expect(evaluateSeverity(r, input(null, null, { service: 'search' })).severity).toBe('SEV1');
  });

  it('reports a broken rules file with its line and the reason', () => {
    const r = parseYaml(`rules:\n  - name: ok\n    severity: SEV2\n  - name: bad\n    severity: SEV9\n`, severityRulesSchema, 'config/severity.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]).toMatchObject({ file: 'config/severity.yaml', line: 5, path: 'rules.1.severity' });
    expect(r.issues[0]?.message).toMatch(/SEV1/);
  });

  it('reports YAML syntax errors with their line', () => {
    const r = parseYaml(`rules:\n  - name: ok\n    severity: [SEV2\n`, severityRulesSchema, 'x.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('refuses a rule that sets nothing, and an invalid regex', () => {
    const r = parseYaml(`rules:\n  - match: { service: a }\n  - match: { service: { regex: "(" } }\n    severity: SEV1\n`, severityRulesSchema, 'x.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.line)).toEqual([2, 3]);
  });
});
