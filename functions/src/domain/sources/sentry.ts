// Sentry alerts (contract §3). Four bodies are accepted, one alert each:
// - the integration platform's issue alert (`Sentry-Hook-Resource: event_alert`):
//   {"action":"triggered","data":{"event":{…},"triggered_rule":"…"},"installation":{…},"actor":{…}}
//   https://docs.sentry.io/organization/integrations/integration-platform/webhooks/issue-alerts/
// - the legacy "Send a notification via webhook" plugin body, which carries the event:
//   {"id":"<issue id>","project":"<slug>","project_name","culprit","level","url":"<issue web url>",
//    "message","triggering_rules":[…],"event":{…}}
// - the integration platform's metric alert (`metric_alert`):
//   {"action":"critical"|"warning"|"resolved","data":{"metric_alert":{…},"description_text","description_title","web_url"}}
//   https://docs.sentry.io/organization/integrations/integration-platform/webhooks/metric-alerts/
// - the integration platform's issue webhook (`Sentry-Hook-Resource: issue`):
//   {"action":"created"|"resolved"|"ignored"|"archived"|"unresolved"|"assigned","data":{"issue":{…}},…}
//   https://docs.sentry.io/organization/integrations/integration-platform/webhooks/issues/
//   The normaliser sees only the body, not the header: the shape is told by
//   `data.issue` (and no `data.event` or `data.metric_alert`).
//
// Issue alerts (both bodies) are always firing: Sentry sends no resolve for them.
// Title = event `title`; service = event tag `service`, else the project slug
// (from the event's API `url`, `/api/0/projects/{org}/{project}/events/…`; the
// legacy body names it in `project`); environment = event `environment` (else its
// `environment` tag); native severity = event `level`; alertName = the triggered
// rule, else the title. Fingerprint: `issue:<issue id>` (`issue_id`, else parsed
// from `issue_url`/`web_url`/the legacy `url`), the same for both bodies; an event
// with no issue at all falls back to a hash of project and title.
// Labels: the event's tags, plus `project` when it is known.
//
// Issue webhooks: fingerprint `issue:<issue id>`, the same as the issue
// alerts of that issue. Status: `resolved` resolves; `unresolved` and
// `created` fire; `ignored` (`archived` in newer Sentry) resolves too, since
// Sentry will not alert on that issue again until it comes back (`unresolved`)
// and an incident left open for it would wait for someone to close it by
// hand; `assigned` and other actions follow the issue's own `status`. Title =
// issue `title`; service = the project slug; native severity = issue
// `level`; no environment (an issue spans environments); labels: `project`.
// Note that an issue webhook joins the incident that an issue alert of the
// same issue opened only when both land in the same group (source, service,
// environment, alert name): an issue alert names its rule and environment,
// which the issue webhook cannot know.
//
// Metric alerts: action resolved → resolved, critical/warning → firing with
// that word as native severity; title and alertName = the alert rule's name;
// service = the rule's first project; environment = the rule's environment;
// fingerprint `metric_alert:<metric_alert.id>` (the Sentry incident, shared by
// its critical, warning and resolved notifications).
import { parseInstant } from '../instant';
import { z } from 'zod';
import { canonicalJson, stableId } from '../hash';
import type { Link, NormalizedAlert } from '../types';
import { defineSource, firstOf, link, MAX_SCAN, nonEmpty, textValue } from './common';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const tag = z.union(
  [z.tuple([z.string(), scalar.nullable()]), z.object({ key: z.string(), value: scalar.nullable() })],
  { error: 'expected a [key, value] pair' },
);

const eventSchema = z.object({
  event_id: z.string().nullish(),
  title: z.string().nullish(),
  message: z.string().nullish(),
  culprit: z.string().nullish(),
  level: z.string().nullish(),
  environment: z.string().nullish(),
  tags: z.array(tag).nullish(),
  url: z.string().nullish(),
  web_url: z.string().nullish(),
  issue_url: z.string().nullish(),
  issue_id: textValue.nullish(),
  datetime: z.string().nullish(),
  timestamp: z.number().nullish(),
});
type SentryEvent = z.output<typeof eventSchema>;

const metricAlertSchema = z.object({
  id: textValue.pipe(z.string().trim().min(1, 'id is required')),
  title: z.string().nullish(),
  date_started: z.string().nullish(),
  date_detected: z.string().nullish(),
  date_closed: z.string().nullish(),
  projects: z.array(z.string()).nullish(),
  alert_rule: z
    .object({
      name: z.string().nullish(),
      environment: z.string().nullish(),
      projects: z.array(z.string()).nullish(),
    })
    .nullish(),
});

const issueSchema = z.object({
  id: textValue.pipe(z.string().trim().min(1, 'id is required')),
  title: z.string().nullish(),
  culprit: z.string().nullish(),
  level: z.string().nullish(),
  status: z.string().nullish(),
  permalink: z.string().nullish(),
  firstSeen: z.string().nullish(),
  lastSeen: z.string().nullish(),
  project: z.object({ slug: z.string().nullish(), name: z.string().nullish() }).nullish().catch(null),
  metadata: z.object({ value: z.string().nullish(), title: z.string().nullish() }).nullish().catch(null),
});

const METRIC_ACTIONS = ['critical', 'warning', 'resolved'] as const;

const schema = z
  .object({
    action: z.string().nullish(),
    data: z
      .object({
        event: eventSchema.nullish(),
        triggered_rule: z.string().nullish(),
        issue_alert: z.object({ title: z.string().nullish() }).nullish(),
        metric_alert: metricAlertSchema.nullish(),
        issue: issueSchema.nullish(),
        description_title: z.string().nullish(),
        description_text: z.string().nullish(),
        web_url: z.string().nullish(),
      })
      .nullish(),
    // the legacy plugin body
    id: textValue.nullish(),
    project: z.string().nullish(),
    project_slug: z.string().nullish(),
    culprit: z.string().nullish(),
    level: z.string().nullish(),
    url: z.string().nullish(),
    message: z.string().nullish(),
    triggering_rules: z.array(z.string()).nullish(),
    event: eventSchema.nullish(),
  })
  .superRefine((p, ctx) => {
    const event = p.data?.event ?? p.event;
    if (event) {
      const at = p.data?.event ? ['data', 'event', 'title'] : ['event', 'title'];
      if (firstOf(event.title, event.message, p.message, event.culprit, p.culprit) === null) {
        ctx.addIssue({ code: 'custom', path: at, message: 'the event has no title' });
      }
    } else if (p.data?.metric_alert) {
      if (!(METRIC_ACTIONS as readonly string[]).includes(p.action ?? '')) {
        ctx.addIssue({ code: 'custom', path: ['action'], message: `a metric alert's action is one of ${METRIC_ACTIONS.join(', ')}` });
      }
    } else if (!p.data?.issue) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'event'],
        message: 'expected an issue alert (data.event), a metric alert (data.metric_alert), an issue webhook (data.issue) or the legacy webhook body (event)',
      });
    }
  });
type SentryPayload = z.output<typeof schema>;

// URLs are read by index, within their first MAX_SCAN characters.
const scanned = (url: string | null | undefined) => (url ? (url.length > MAX_SCAN ? url.slice(0, MAX_SCAN) : url) : '');
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Where the digits of the first `/issues/<digits>` (followed by `/`, `?` or the end) end, with where they start. */
function issueDigits(url: string): [number, number] | null {
  for (let i = url.indexOf('/issues/'); i >= 0; i = url.indexOf('/issues/', i + 1)) {
    const start = i + 8;
    let end = start;
    while (end < url.length && isDigit(url.charCodeAt(end))) end++;
    if (end > start && (end === url.length || url[end] === '/' || url[end] === '?')) return [start, end];
  }
  return null;
}

/** The issue id in `…/issues/123/…`. */
export function issueIdIn(url: string | null | undefined): string | null {
  const s = scanned(url);
  const d = issueDigits(s);
  return d ? s.slice(d[0], d[1]) : null;
}

/** The project slug in an event's API URL, `…/api/0/projects/{org}/{project}/…`. */
export function projectSlugIn(url: string | null | undefined): string | null {
  const s = scanned(url);
  const at = s.indexOf('/api/0/projects/');
  if (at < 0) return null;
  const org = at + 16;
  const slash = s.indexOf('/', org);
  if (slash <= org) return null;
  const end = s.indexOf('/', slash + 1);
  return end > slash + 1 ? s.slice(slash + 1, end) : null;
}

/** `…/issues/123/events/abc/` → `…/issues/123/` */
export function issueWebUrl(webUrl: string | null | undefined): string | null {
  const s = scanned(webUrl);
  if (!/^https?:\/\//.test(s)) return null;
  const d = issueDigits(s);
  return d ? s.slice(0, s[d[1]] === '/' ? d[1] + 1 : d[1]) : null;
}

function tagMap(event: SentryEvent): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const t of event.tags ?? []) {
    const [k, v] = Array.isArray(t) ? t : [t.key, t.value];
    if (v !== null && labels[k] === undefined) labels[k] = v;
  }
  return labels;
}

function issueAlert(p: SentryPayload, event: SentryEvent, legacy: boolean): NormalizedAlert {
  const tags = tagMap(event);
  const title = firstOf(event.title, event.message, p.message, event.culprit, p.culprit) ?? 'Sentry event';
  const project = legacy ? firstOf(p.project, p.project_slug, projectSlugIn(event.url)) : firstOf(projectSlugIn(event.url));
  const issueId = firstOf(event.issue_id, issueIdIn(event.issue_url), issueIdIn(event.web_url), legacy ? p.id : null, legacy ? issueIdIn(p.url) : null);
  const fingerprint = issueId !== null ? `issue:${issueId}` : `event:${stableId(canonicalJson({ project, title }), 16)}`;
  const rule = legacy ? ((p.triggering_rules ?? []).map(nonEmpty).find((r) => r !== null) ?? null) : firstOf(p.data?.triggered_rule, p.data?.issue_alert?.title);
  const labels = project !== null && tags.project === undefined ? { ...tags, project } : tags;
  const links: Link[] = legacy
    ? [...link('Sentry issue', p.url), ...link('Sentry event', event.web_url)]
    : [...link('Sentry issue', issueWebUrl(event.web_url)), ...link('Sentry event', event.web_url)];
  return {
    source: 'sentry',
    fingerprint,
    status: 'firing',
    title,
    service: firstOf(tags.service, project),
    environment: firstOf(event.environment, tags.environment),
    severity: firstOf(event.level, legacy ? p.level : null, tags.level),
    alertName: rule ?? title,
    labels,
    startsAt: parseInstant(event.datetime) ?? parseInstant(event.timestamp),
    endsAt: null,
    links,
    description: firstOf(event.message, legacy ? p.message : null, event.culprit, legacy ? p.culprit : null),
  };
}

function metricAlert(p: SentryPayload, m: NonNullable<NonNullable<SentryPayload['data']>['metric_alert']>): NormalizedAlert {
  const resolved = p.action === 'resolved';
  const title = firstOf(m.alert_rule?.name, m.title, p.data?.description_title) ?? `Sentry metric alert ${m.id}`;
  const project = firstOf(m.alert_rule?.projects?.[0], m.projects?.[0]);
  return {
    source: 'sentry',
    fingerprint: `metric_alert:${m.id}`,
    status: resolved ? 'resolved' : 'firing',
    title,
    service: project,
    environment: firstOf(m.alert_rule?.environment),
    severity: resolved ? null : firstOf(p.action),
    alertName: firstOf(m.alert_rule?.name) ?? title,
    labels: project !== null ? { project } : {},
    startsAt: parseInstant(m.date_started) ?? parseInstant(m.date_detected),
    endsAt: resolved ? parseInstant(m.date_closed) : null,
    links: link('Sentry metric alert', p.data?.web_url),
    description: nonEmpty(p.data?.description_text),
  };
}

type SentryIssue = z.output<typeof issueSchema>;

const ISSUE_STATUS: Record<string, 'firing' | 'resolved'> = { unresolved: 'firing', resolved: 'resolved', ignored: 'resolved', archived: 'resolved' };
const ACTION_STATUS: Record<string, 'firing' | 'resolved'> = { created: 'firing', unresolved: 'firing', resolved: 'resolved', ignored: 'resolved', archived: 'resolved' };

function issueWebhook(p: SentryPayload, issue: SentryIssue): NormalizedAlert {
  const action = (p.action ?? '').trim().toLowerCase();
  const status = ACTION_STATUS[action] ?? ISSUE_STATUS[(issue.status ?? '').trim().toLowerCase()] ?? 'firing';
  const title = firstOf(issue.title, issue.metadata?.title, issue.culprit) ?? `Sentry issue ${issue.id}`;
  const project = firstOf(issue.project?.slug);
  return {
    source: 'sentry',
    fingerprint: `issue:${issue.id}`,
    status,
    title,
    service: project,
    environment: null,
    severity: firstOf(issue.level),
    alertName: title,
    labels: project !== null ? { project } : {},
    startsAt: parseInstant(issue.firstSeen),
    endsAt: null,
    links: link('Sentry issue', issue.permalink),
    description: firstOf(issue.metadata?.value, issue.culprit),
  };
}

export const sentry = defineSource({
  name: 'sentry',
  schema,
  normalize(p) {
    if (p.data?.event) return [issueAlert(p, p.data.event, false)];
    if (p.data?.metric_alert) return [metricAlert(p, p.data.metric_alert)];
    if (p.event) return [issueAlert(p, p.event, true)];
    if (p.data?.issue) return [issueWebhook(p, p.data.issue)];
    return [];
  },
});
