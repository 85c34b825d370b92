// Google Cloud Monitoring notifications, schema version 1.2 (contract §3), by
// webhook or Pub/Sub: one alert per `incident`.
// https://cloud.google.com/monitoring/support/notification-options#schema-webhooks
//
// Choices:
// - Fingerprint: `incident_id`, which the open and the closed notification share.
// - Labels: resource.labels, metric.labels, metadata.user_labels and
//   policy_user_labels merged without prefixes (so rules and runbooks can say
//   `service_name: checkout` or `team: payments`); on a clash the later one wins,
//   in that order (the policy's own labels last). `resource_type` and
//   `metric_type` are added when the incident names them.
// - Severity: `severity`; "No severity" (any case) is nothing.
// - Title: `summary`, else `policy_name` (else the condition name, else the id).
import { z } from 'zod';
import type { Link } from '../types';
import { defineSource, firstOf, labelMap, link, nonEmpty, optionalLabels, textValue, toDate } from './common';

/** Labels nobody acts on: a malformed map is dropped rather than failing the notification. */
const lenientLabels = labelMap.nullish().catch(null).transform((l) => l ?? {});

const schema = z.object({
  incident: z.object({
    incident_id: z.string({ error: (i) => (i.input === undefined ? 'required' : 'expected text') }).trim().min(1, 'incident_id is required'),
    state: z
      .string({ error: (i) => (i.input === undefined ? 'required' : 'expected "open" or "closed"') })
      .transform((s) => s.trim().toLowerCase())
      .pipe(z.enum(['open', 'closed'], { error: 'expected "open" or "closed"' })),
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
    documentation: z
      .object({
        content: z.string().nullish(),
        links: z.array(z.object({ displayName: z.string().nullish(), url: z.string().nullish() })).nullish(),
      })
      .nullish(),
  }),
  version: z.string().nullish(),
});

export const cloudMonitoring = defineSource({
  name: 'cloud-monitoring',
  schema,
  normalize({ incident: i }) {
    const resourceLabels = i.resource?.labels ?? {};
    // Merged with Object.assign into one object (spreading label maps is slow on the per-alert path).
    const labels: Record<string, string> = Object.assign({}, resourceLabels, i.metric?.labels, i.metadata?.user_labels, i.policy_user_labels);
    const resourceType = nonEmpty(i.resource?.type);
    const metricType = nonEmpty(i.metric?.type);
    if (resourceType !== null) labels.resource_type ??= resourceType;
    if (metricType !== null) labels.metric_type ??= metricType;

    const title = firstOf(i.summary, i.policy_name, i.condition_name) ?? `Cloud Monitoring incident ${i.incident_id}`;
    const severity = nonEmpty(i.severity);
    const docLinks: Link[] = (i.documentation?.links ?? []).flatMap((l) => link(firstOf(l.displayName) ?? 'Documentation', l.url));
    return [
      {
        source: 'cloud-monitoring',
        fingerprint: i.incident_id,
        status: i.state === 'closed' ? 'resolved' : 'firing',
        title,
        service: firstOf(resourceLabels.service_name, i.resource_display_name, i.resource_name),
        environment: firstOf(i.policy_user_labels.env),
        severity: severity !== null && /^no\s+severity$/i.test(severity) ? null : severity,
        alertName: firstOf(i.policy_name) ?? title,
        labels,
        startsAt: toDate(i.started_at),
        endsAt: toDate(i.ended_at),
        links: [...link('Cloud Monitoring incident', i.url), ...docLinks],
        description: nonEmpty(i.documentation?.content),
      },
    ];
  },
});
