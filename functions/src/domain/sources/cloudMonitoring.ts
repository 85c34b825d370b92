// Google Cloud Monitoring notifications (contract §3), by webhook or Pub/Sub:
// one alert per `incident`. Schema 1.2 is documented; schema 1.1 bodies (no
// resource or metric objects, `version` sometimes the number 1.1) and the
// console's "Send test notification" body (`version` "test", `state` "OPEN",
// `documentation` a plain string, `started_at` 0, no `severity`) are read the
// same way. https://cloud.google.com/monitoring/support/notification-options#schema-webhooks
//
// Choices:
// - Fingerprint: `incident_id`, which the open and the closed notification
//   share. Every test notification has incident_id "12345": it becomes
//   `test-notification:12345`, so a test never shares an alert with a real
//   incident, and it gets the label `test_notification: "true"`.
// - State: any case; `open` (and `acknowledged`, an incident someone has
//   acknowledged in the console) → firing, `closed` → resolved.
// - Labels: resource.labels, metric.labels, metadata.user_labels and
//   policy_user_labels merged without prefixes (so rules and runbooks can say
//   `service_name: checkout` or `team: payments`); on a clash the later one wins,
//   in that order (the policy's own labels last). `resource_type` and
//   `metric_type` are added when the incident names them.
// - Severity: `severity`; "No severity" (any case) is nothing.
// - Title: `summary`, else `policy_name` (else the condition name, else the id).
import { parseInstant } from '../instant';
import { z } from 'zod';
import type { Link } from '../types';
import { defineSource, firstOf, labelMap, link, nonEmpty, optionalLabels, scalarText, TEST_NOTIFICATION_LABEL, textValue } from './common';

/** Labels nobody acts on: a malformed map is dropped rather than failing the notification. */
const lenientLabels = labelMap.nullish().catch(null).transform((l) => l ?? {});

const schema = z.object({
  incident: z.object({
    incident_id: textValue.pipe(z.string().trim().min(1, 'incident_id is required')),
    state: z
      .string({ error: (i) => (i.input === undefined ? 'required' : 'expected "open" or "closed"') })
      .transform((s) => s.trim().toLowerCase())
      .pipe(z.enum(['open', 'acknowledged', 'closed'], { error: 'expected "open" or "closed"' })),
    url: z.string().nullish(),
    started_at: textValue.nullish(),
    ended_at: textValue.nullish(),
    summary: z.string().nullish(),
    policy_name: z.string().nullish(),
    condition_name: z.string().nullish(),
    severity: z.string().nullish(),
    resource_name: z.string().nullish(),
    resource_display_name: z.string().nullish(),
    resource: z.object({ type: z.string().nullish(), labels: optionalLabels }).nullish(),
    metric: z.object({ type: z.string().nullish(), displayName: z.string().nullish(), labels: optionalLabels }).nullish(),
    metadata: z.object({ user_labels: lenientLabels }).nullish().catch(null),
    policy_user_labels: optionalLabels,
    // an object in 1.1 and 1.2, a plain string in the test notification
    documentation: z
      .union([
        z.string().transform((content) => ({ content, links: null })),
        z.object({
          content: z.string().nullish(),
          links: z.array(z.object({ displayName: z.string().nullish(), url: z.string().nullish() })).nullish().catch(null),
        }),
      ])
      .nullish()
      .catch(null),
  }),
  version: scalarText.nullish(),
});

export const cloudMonitoring = defineSource({
  name: 'cloud-monitoring',
  schema,
  normalize({ incident: i, version }) {
    const resourceLabels = i.resource?.labels ?? {};
    // Merged with Object.assign into one object (spreading label maps is slow on the per-alert path).
    const labels: Record<string, string> = Object.assign({}, resourceLabels, i.metric?.labels, i.metadata?.user_labels, i.policy_user_labels);
    const resourceType = nonEmpty(i.resource?.type);
    const metricType = nonEmpty(i.metric?.type);
    if (resourceType !== null) labels.resource_type ??= resourceType;
    if (metricType !== null) labels.metric_type ??= metricType;

    const isTest = version?.trim().toLowerCase() === 'test';
    if (isTest) labels[TEST_NOTIFICATION_LABEL] = 'true';
    const title = firstOf(i.summary, i.policy_name, i.condition_name) ?? `Cloud Monitoring incident ${i.incident_id}`;
    const severity = nonEmpty(i.severity);
    const docLinks: Link[] = (i.documentation?.links ?? []).flatMap((l) => link(firstOf(l.displayName) ?? 'Documentation', l.url));
    return [
      {
        source: 'cloud-monitoring',
        fingerprint: isTest ? `test-notification:${i.incident_id}` : i.incident_id,
        status: i.state === 'closed' ? 'resolved' : 'firing',
        title,
        service: firstOf(resourceLabels.service_name, i.resource_display_name, i.resource_name),
        environment: firstOf(i.policy_user_labels.env, i.policy_user_labels.environment, i.metadata?.user_labels.env, i.metadata?.user_labels.environment),
        severity: severity !== null && /^no\s+severity$/i.test(severity) ? null : severity,
        alertName: firstOf(i.policy_name) ?? title,
        labels,
        startsAt: parseInstant(i.started_at),
        endsAt: parseInstant(i.ended_at),
        links: [...link('Cloud Monitoring incident', i.url), ...docLinks],
        description: nonEmpty(i.documentation?.content),
      },
    ];
  },
});
