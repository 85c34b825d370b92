// Grafana webhooks (contract §3). Two bodies are accepted:
// - unified alerting: the Alertmanager shape, one alert per `alerts[]` entry,
//   plus Grafana's URLs and values;
//   https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
// - legacy (pre-unified) alerting, still sent by older installations: one
//   alert per body, `ruleId`, `ruleName`, `state` (`alerting`, `ok`,
//   `no_data`, `paused`, `pending`), `evalMatches`, `tags`, `ruleUrl`.
// A body with `alerts` is unified; one with none but `ruleName`, `ruleId`,
// `state` or `evalMatches` is legacy.
//
// Unified: per-alert rules are Alertmanager's (see normalizePromAlert), with
// the top-level `title` (its "[FIRING:1]" prefix taken off) as the last title.
// Fingerprint: Grafana's own alert fingerprint (Alertmanager's fingerprint of
// the labels if an old Grafana leaves it out), except for test notifications.
// Links: dashboard, panel, the alert rule (generatorURL), silence, and a
// `runbook_url` annotation, each where present.
//
// Test notifications ("Test" on a contact point) all carry one fingerprint,
// 57c6d9296de2ad39: Alertmanager's fingerprint of the test's fixed labels
// {alertname="TestAlert", instance="Grafana"} (or of nothing at all, when an
// older Grafana sends the test with empty labels, it still says 57c6d...). As
// it is, every test from every Grafana and contact point would be one and the
// same alert, and a real alert with those labels would be that alert too. So a
// test notification gets the fingerprint `grafana-test:<hash of receiver,
// externalURL and orgId>`: pressing "Test" again on the same contact point
// repeats one alert (its occurrences go up, no second alert), a test from
// another contact point or Grafana is another alert, and no real fingerprint
// (16 hex digits) can ever equal it. It also gets the label
// `test_notification: "true"`, so severity rules can match tests, and the
// alert name TestAlert when its labels have none (as the empty-label test's
// own groupKey says), so all of a contact point's tests group together.
//
// Legacy: status `ok` → resolved, every other state → firing (a paused or
// no-data rule has not recovered); title and alertName = `ruleName`, else the
// title without its "[Alerting]" prefix; labels = `tags` plus `alertname` =
// the rule name; service, environment and severity from the tags as for
// Alertmanager labels; fingerprint `grafana-rule:[<orgId>/]<ruleId>` (the same
// for a rule's alerting and ok notifications), or, for a test without a rule
// (`ruleId` 0), `grafana-rule-test:<hash of rule name and URL>`;
// description = the message and the `evalMatches` (metric = value).
import { z } from 'zod';
import { canonicalJson, stableId } from '../hash';
import type { NormalizedAlert } from '../types';
import { defineSource, firstOf, links, nonEmpty, optionalLabels, pickShape, scalarText, TEST_NOTIFICATION_LABEL } from './common';
import { alertmanagerFingerprint, bodyStatus, normalizePromAlert, promAlertFields, promBodyFields, type PromContext, requireStatus, textIn } from './alertmanager';

/** The fingerprint that every Grafana test notification carries. */
export const GRAFANA_TEST_FINGERPRINT = alertmanagerFingerprint({ alertname: 'TestAlert', instance: 'Grafana' });

const grafanaAlert = z.object({
  ...promAlertFields,
  silenceURL: z.string().nullish(),
  dashboardURL: z.string().nullish(),
  panelURL: z.string().nullish(),
  imageURL: z.string().nullish(),
  valueString: z.string().nullish(),
});

const unified = z
  .object({
    ...promBodyFields,
    orgId: scalarText.nullish(),
    state: z.string().nullish(),
    title: z.string().nullish(),
    message: z.string().nullish(),
    alerts: z.array(grafanaAlert),
  })
  .superRefine(requireStatus);

const number = z.union([z.number(), z.string()]).nullish();
const legacy = z.object({
  ruleId: number,
  ruleName: z.string().nullish(),
  ruleUrl: z.string().nullish(),
  state: z
    .string({ error: 'expected the rule state ("alerting", "ok", "no_data", "paused" or "pending")' })
    .transform((s) => s.trim().toLowerCase()),
  title: z.string().nullish(),
  message: z.string().nullish(),
  imageUrl: z.string().nullish(),
  orgId: number,
  dashboardId: number,
  panelId: number,
  tags: optionalLabels.catch({}),
  evalMatches: z
    .array(z.object({ metric: scalarText.nullish(), value: z.union([z.number(), z.string()]).nullish() }).catch({ metric: null, value: null }))
    .nullish()
    .catch(null),
});

const isLegacy = (raw: unknown) =>
  typeof raw === 'object' && raw !== null && !('alerts' in raw) && ('ruleName' in raw || 'ruleId' in raw || 'state' in raw || 'evalMatches' in raw);

const schema = pickShape({ unified, legacy }, (raw) => (isLegacy(raw) ? 'legacy' : 'unified'));

/** `[FIRING:1] name (labels)` → `name (labels)`; `[Alerting] CPU alert` → `CPU alert`. */
export function withoutStatePrefix(title: string | null | undefined): string | null {
  const t = nonEmpty(title);
  if (t === null || !t.startsWith('[')) return t;
  const end = t.indexOf(']');
  return end < 0 || end > 32 ? t : nonEmpty(t.slice(end + 1));
}

function normalizeUnified(p: z.output<typeof unified>): NormalizedAlert[] {
  const ctx: PromContext = { status: bodyStatus(p.status), groupLabels: p.groupLabels, commonLabels: p.commonLabels };
  const fallbackTitle = withoutStatePrefix(p.title);
  return p.alerts.map((a) => {
    const alert = normalizePromAlert(
      'grafana',
      a,
      ctx,
      links([
        ['Grafana dashboard', a.dashboardURL],
        ['Grafana panel', a.panelURL],
        ['Grafana alert rule', a.generatorURL],
        ['Silence in Grafana', a.silenceURL],
        ['Runbook', a.annotations.runbook_url],
      ]),
      fallbackTitle,
    );
    if (alert.fingerprint !== GRAFANA_TEST_FINGERPRINT) return alert;
    const contactPoint = { receiver: textIn(p.receiver), externalURL: nonEmpty(p.externalURL), orgId: nonEmpty(p.orgId) };
    return {
      ...alert,
      fingerprint: `grafana-test:${stableId(canonicalJson(contactPoint), 16)}`,
      alertName: alert.labels.alertname === undefined ? 'TestAlert' : alert.alertName,
      labels: { ...alert.labels, [TEST_NOTIFICATION_LABEL]: 'true' },
      description: alert.description ?? nonEmpty(p.message),
    };
  });
}

function normalizeLegacy(p: z.output<typeof legacy>): NormalizedAlert {
  const title = firstOf(p.ruleName, withoutStatePrefix(p.title), p.message) ?? 'Grafana alert';
  const ruleId = nonEmpty(p.ruleId === null || p.ruleId === undefined ? null : String(p.ruleId));
  const isTest = ruleId === null || ruleId === '0';
  const fingerprint = isTest
    ? `grafana-rule-test:${stableId(canonicalJson({ rule: nonEmpty(p.ruleName), url: nonEmpty(p.ruleUrl) }), 16)}`
    : `grafana-rule:${p.orgId === null || p.orgId === undefined ? '' : `${p.orgId}/`}${ruleId}`;
  const tags = p.tags;
  const labels: Record<string, string> = tags.alertname === undefined ? { ...tags, alertname: title } : { ...tags };
  if (isTest) labels[TEST_NOTIFICATION_LABEL] = 'true';
  const matches = (p.evalMatches ?? []).flatMap((m) => (m.metric === null || m.metric === undefined ? [] : [`${m.metric} = ${m.value ?? ''}`]));
  const description = [nonEmpty(p.message), ...matches].filter((x) => x !== null).join('\n');
  return {
    source: 'grafana',
    fingerprint,
    status: p.state === 'ok' ? 'resolved' : 'firing',
    title,
    service: firstOf(tags.service, tags.service_name, tags.job, tags.app),
    environment: firstOf(tags.env, tags.environment, tags.deployment_environment, tags['deployment.environment']),
    severity: firstOf(tags.severity),
    alertName: firstOf(tags.alertname) ?? title,
    labels,
    startsAt: null,
    endsAt: null,
    links: links([
      ['Grafana alert rule', p.ruleUrl],
      ['Grafana panel image', p.imageUrl],
    ]),
    description: description === '' ? null : description,
  };
}

export const grafana = defineSource({
  name: 'grafana',
  schema,
  normalize(p) {
    return p.shape === 'legacy' ? [normalizeLegacy(p.body)] : normalizeUnified(p.body);
  },
});
