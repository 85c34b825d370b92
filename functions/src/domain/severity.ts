// Severity rules: an ordered list, kept in config/severity.yaml, that turns a
// normalised alert into a SEV level and routing hints. See README "Severity rules".
import { z } from 'zod';
import { matchBlockSchema, matches as blockMatches } from './match';
import { type AlertSource, type RoutingHints, type Severity, SEVERITIES, severityRank } from './types';

// The `match` grammar lives in ./match (silences, maintenance windows and
// inhibition rules share it); `Matcher` and the per-value `matches` stay
// exported here for the modules that imported them from this file.
export { type Matcher, valueMatches as matches } from './match';

const routeSchema = z
  .object({
    channels: z.array(z.string().min(1)).default([]),
    mentions: z.array(z.string().min(1)).default([]),
    invite: z.array(z.string().min(1)).default([]),
    /** An escalation policy id of config/oncall.yaml (the first matching rule that names one wins). */
    escalation: z.string().trim().min(1, 'escalation names a policy of config/oncall.yaml').optional(),
  })
  .strict();

const ruleSchema = z
  .object({
    name: z.string().optional(),
    match: matchBlockSchema.default({}),
    severity: z.enum(SEVERITIES).optional(),
    maxSeverity: z.enum(SEVERITIES).optional(),
    route: routeSchema.optional(),
    continue: z.boolean().default(false),
  })
  .strict()
  .refine((r) => r.severity ?? r.maxSeverity ?? r.route, 'a rule must set severity, maxSeverity or route');

export const severityRulesSchema = z
  .object({
    defaultSeverity: z.enum(SEVERITIES).default('SEV3'),
    rules: z.array(ruleSchema).default([]),
  })
  .strict();

export type SeverityRules = z.output<typeof severityRulesSchema>;
export type SeverityRule = SeverityRules['rules'][number];

/** What the rules look at. */
export interface SeverityInput {
  source: AlertSource;
  service: string | null;
  environment: string | null;
  severity: string | null;
  alertName: string;
  labels: Record<string, string>;
}

export interface SeverityDecision {
  severity: Severity;
  /** Names (or positions) of the rules that matched, in order. */
  matched: string[];
  route: RoutingHints;
}


/** The more severe of two levels. */
export function moreSevere(a: Severity, b: Severity): Severity {
  return severityRank(a) <= severityRank(b) ? a : b;
}

/** The less severe of two levels (used for caps). */
export function lessSevere(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

function ruleMatches(rule: SeverityRule, input: SeverityInput): boolean {
  return blockMatches(rule.match, input);
}

/**
 * Walks the rules in order. The first matching rule with `severity` sets it;
 * every matching `maxSeverity` caps it; routes add up. A matching rule stops
 * the walk unless it says `continue: true`.
 */
export function evaluateSeverity(rules: SeverityRules, input: SeverityInput): SeverityDecision {
  let severity: Severity | undefined;
  let cap: Severity | undefined;
  const matched: string[] = [];
  const route: RoutingHints = { channels: [], mentions: [], invite: [] };
  for (const [i, rule] of rules.rules.entries()) {
    if (!ruleMatches(rule, input)) continue;
    matched.push(rule.name ?? `rule ${i + 1}`);
    if (rule.severity && !severity) severity = rule.severity;
    if (rule.maxSeverity) cap = cap ? lessSevere(cap, rule.maxSeverity) : rule.maxSeverity;
    if (rule.route) {
      for (const key of ['channels', 'mentions', 'invite'] as const) {
        for (const v of rule.route[key]) if (!route[key].includes(v)) route[key].push(v);
      }
      if (rule.route.escalation && route.escalation === undefined) route.escalation = rule.route.escalation;
    }
    if (!rule.continue) break;
  }
  const chosen = severity ?? rules.defaultSeverity;
  return { severity: cap ? lessSevere(chosen, cap) : chosen, matched, route };
}
