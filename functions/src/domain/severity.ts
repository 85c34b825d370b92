// Severity rules: an ordered list, kept in config/severity.yaml, that turns a
// normalised alert into a SEV level and routing hints. See README "Severity rules".
import { z } from 'zod';
import { type AlertSource, type RoutingHints, type Severity, SEVERITIES, severityRank } from './types';

/** A word to compare; kept lower-case, since every comparison ignores case. */
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v).toLowerCase());

const condition = z
  .object({
    in: z.array(scalar).min(1).optional(),
    notIn: z.array(scalar).min(1).optional(),
    present: z.boolean().optional(),
    regex: z
      .string()
      .refine((s) => {
        try {
          new RegExp(s, 'i');
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, 'an empty condition matches nothing; use in, notIn, present or regex');

/** A value to match: one word, a list of words (any of), or a condition. */
const matcher = z.union([scalar, z.array(scalar).min(1), condition]);
export type Matcher = z.infer<typeof matcher>;

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
    match: z
      .object({
        source: matcher.optional(),
        service: matcher.optional(),
        environment: matcher.optional(),
        severity: matcher.optional(),
        alertname: matcher.optional(),
        labels: z.record(z.string(), matcher).optional(),
      })
      .strict()
      .default({}),
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

/** Whether `value` is one of `words` (already lower-case: see `scalar`). */
function oneOf(words: readonly string[], v: string | null): boolean {
  if (v === null) return false;
  for (const w of words) if (w === v) return true;
  return false;
}

const regexes = new Map<string, RegExp>();

export function matches(m: Matcher, value: string | null | undefined): boolean {
  const v = value === null || value === undefined || value === '' ? null : value.toLowerCase();
  if (typeof m === 'string') return v !== null && m === v;
  if (Array.isArray(m)) return oneOf(m, v);
  if (m.present !== undefined && (v !== null) !== m.present) return false;
  if (m.in && !oneOf(m.in, v)) return false;
  if (m.notIn && oneOf(m.notIn, v)) return false;
  if (m.regex !== undefined) {
    let re = regexes.get(m.regex);
    if (!re) regexes.set(m.regex, (re = new RegExp(m.regex, 'i')));
    if (v === null || !re.test(value ?? '')) return false;
  }
  return true;
}

function ruleMatches(rule: SeverityRule, input: SeverityInput): boolean {
  const m = rule.match;
  if (m.source !== undefined && !matches(m.source, input.source)) return false;
  if (m.service !== undefined && !matches(m.service, input.service)) return false;
  if (m.environment !== undefined && !matches(m.environment, input.environment)) return false;
  if (m.severity !== undefined && !matches(m.severity, input.severity)) return false;
  if (m.alertname !== undefined && !matches(m.alertname, input.alertName)) return false;
  for (const [label, lm] of Object.entries(m.labels ?? {})) {
    if (!matches(lm, input.labels[label])) return false;
  }
  return true;
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
