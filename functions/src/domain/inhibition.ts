// Inhibition (Alertmanager's idea, across every source): config/policy.yaml
//
//   inhibit:
//     - name: a cluster that is down explains its services' alerts
//       source: { alertname: ClusterDown }          # the alert that explains
//       target: { severity: [warning, error] }      # the alerts it explains
//       equal: [labels.cluster]                     # ... when these agree
//
// While an alert that fits `source` fires, a new alert that fits `target` and
// has the same values for the `equal` names is attached to the source's
// incident (as one of its alerts) instead of opening an incident of its own.
//
// Semantics follow Alertmanager's documentation of `<inhibit_rule>`
// (https://prometheus.io/docs/alerting/latest/configuration/#inhibit_rule,
// prometheus/alertmanager docs/configuration.md):
// - "a missing label and a label with an empty value are the same thing.
//   Therefore, if all the label names listed in `equal` are missing from both
//   the source and target alerts, the inhibition rule will apply";
// - "To prevent an alert from inhibiting itself, an alert that matches both
//   the target and the source side of a rule cannot be inhibited by alerts for
//   which the same is true (including itself)";
// - values in `equal` compare exactly, as Alertmanager's label values do
//   (the match blocks themselves ignore case, as everywhere in this project).
// `equal` names are the match fields (`service`, `environment`, `source`,
// `severity`, `alertname`: the normalised values, which is what makes rules
// work across sources) or labels (`labels.cluster`, or a bare `cluster`).
import { z } from 'zod';
import { fieldValue, MATCH_FIELDS, type MatchBlock, type MatchField, type MatchSubject, matches, nonEmptyMatchBlockSchema } from './match';
import type { AlertRecord, AlertStatus } from './types';
import { closedObject } from './yamlConfig';

const equalName = z
  .string({ error: 'each name in equal is text: a field (service, environment, source, severity, alertname) or a label (labels.<name>)' })
  .trim()
  .regex(/^[A-Za-z_][A-Za-z0-9_.\-/]*$/, 'not a field or label name');

const inhibitRuleSchema = closedObject(
  {
    name: z.string({ error: 'name must be text' }).trim().min(1, 'name is empty').optional(),
    source: nonEmptyMatchBlockSchema('source'),
    target: nonEmptyMatchBlockSchema('target'),
    equal: z.array(equalName, { error: 'equal is a list of field or label names, e.g. [service, labels.cluster]' }).default([]),
  },
  'an inhibition rule',
  'an inhibition rule needs source, target (and usually equal)',
).transform((r): InhibitRule => ({ name: r.name ?? null, source: r.source, target: r.target, equal: r.equal }));

/** The `inhibit:` list of config/policy.yaml. */
export const inhibitRulesSchema = z.array(inhibitRuleSchema, { error: 'inhibit is a list of { source, target, equal } rules' });

export interface InhibitRule {
  name: string | null;
  /** The alert that explains (it must be firing). */
  source: MatchBlock;
  /** The alerts it explains. */
  target: MatchBlock;
  /** Field or label names whose values must agree (missing = empty = equal to missing). */
  equal: string[];
}

/** What inhibition looks at in an alert: the match fields, its identity and its status. */
export interface InhibitableAlert extends MatchSubject {
  source: string;
  fingerprint: string;
  status: AlertStatus;
}

/** A firing alert and the incident it belongs to (the one a target would join). */
export interface FiringAlert {
  incidentId: string;
  alert: InhibitableAlert;
}

export interface Inhibition {
  /** The firing alert that inhibits, with its incident. */
  inhibitor: FiringAlert;
  rule: InhibitRule;
  /** Position of the rule in `inhibit:` (0-based), for logs and the timeline. */
  ruleIndex: number;
}

const FIELD_SET: ReadonlySet<string> = new Set(MATCH_FIELDS);

/** The value an `equal` name refers to, with missing and empty both ''. */
export function equalValue(alert: MatchSubject, name: string): string {
  const v = FIELD_SET.has(name) ? fieldValue(alert, name as MatchField) : alert.labels[name.startsWith('labels.') ? name.slice('labels.'.length) : name];
  return v ?? '';
}

function sameOn(names: readonly string[], a: MatchSubject, b: MatchSubject): boolean {
  return names.every((n) => equalValue(a, n) === equalValue(b, n));
}

/**
 * The firing alert that inhibits `alert`, or null. Rules are tried in order;
 * within a rule, `firing` in the caller's order (list the oldest first, so a
 * target joins the first incident that explains it). A resolved alert is never
 * inhibited (it opens nothing), a resolved one never inhibits, and an alert
 * never inhibits itself (same source and fingerprint).
 */
export function inhibitorFor(alert: InhibitableAlert, firing: readonly FiringAlert[], rules: readonly InhibitRule[]): Inhibition | null {
  if (alert.status !== 'firing') return null;
  for (const [ruleIndex, rule] of rules.entries()) {
    if (!matches(rule.target, alert)) continue;
    const alertIsBoth = matches(rule.source, alert);
    for (const candidate of firing) {
      const c = candidate.alert;
      if (c.status !== 'firing') continue;
      if (c.source === alert.source && c.fingerprint === alert.fingerprint) continue;
      if (!matches(rule.source, c)) continue;
      // Alertmanager: an alert on both sides is not inhibited by another alert on both sides.
      if (alertIsBoth && matches(rule.target, c)) continue;
      if (!sameOn(rule.equal, alert, c)) continue;
      return { inhibitor: candidate, rule, ruleIndex };
    }
  }
  return null;
}

/** An alert document of an incident (incidents/{id}/alerts) as a FiringAlert candidate. */
export function firingAlertOf(incidentId: string, record: AlertRecord): FiringAlert {
  return {
    incidentId,
    alert: {
      source: record.source,
      fingerprint: record.fingerprint,
      status: record.status,
      service: record.service,
      environment: record.environment,
      severity: record.nativeSeverity,
      alertName: record.alertName,
      labels: record.labels,
    },
  };
}

/** Whether any rule could use this alert as a source (to keep only those in an index of firing alerts). */
export function canInhibit(alert: MatchSubject, rules: readonly InhibitRule[]): boolean {
  return rules.some((r) => matches(r.source, alert));
}
