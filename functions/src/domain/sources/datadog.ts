// Datadog webhooks (contract §3). Datadog has no fixed body: the contract
// documents this template, one alert per payload:
//   {"id":"$ALERT_ID","cycle":"$ALERT_CYCLE_KEY","transition":"$ALERT_TRANSITION",
//    "title":"$EVENT_TITLE","body":"$EVENT_MSG","priority":"$ALERT_PRIORITY",
//    "alert_type":"$ALERT_TYPE","tags":"$TAGS","host":"$HOSTNAME","link":"$LINK","date":"$DATE"}
// Datadog's default body (no custom payload) is accepted too, as far as it goes:
//   {"body","last_updated","event_type","title","date","org":{"id","name"},"id":"$ID"}
// Both need `id` and `title`; the default body is told apart by having neither
// `transition` nor `cycle`. https://docs.datadoghq.com/integrations/webhooks/
//
// Choices:
// - Titles: Datadog prefixes event titles with the transition, its scope and
//   the priority (`[P2] [Triggered on {env:prod,service:checkout}] Checkout 5xx`).
//   The prefix is taken off the title (and so off alertName, which groups), so
//   that `[Triggered]`, `[Re-Triggered]` and `[Recovered]` of one monitor share a
//   title and a group; what it says is used instead (status for the default
//   body, priority, scope tags as labels). Unknown bracketed words (`[DB] lag`)
//   are part of the title and stay.
// - Tags: `$TAGS` is split on commas, spaces around each tag ignored; `key:value`
//   splits at the first colon (values may hold colons: `url:https://…`). A bare
//   tag (no colon, or nothing after it) becomes the label `tag:<name>` = "true",
//   so it cannot clash with a `key:value` tag and rules can still match it
//   (`labels: { "tag:critical": "true" }`). A key given twice keeps every value,
//   joined with "," (Datadog allows `role:web,role:api`). Where `$TAGS` and the
//   title's scope both name a key, `$TAGS` wins; the scope only fills gaps.
// - Status: `transition` Recovered → resolved, anything else (Triggered,
//   Re-Triggered, Warn, No Data, Renotify...) → firing; the default body reads
//   the transition from the title prefix.
// - Native severity: `priority` when it is P1..P5 (Datadog also sends words such
//   as `normal`/`low`, which do not count), else a `[Pn]` title prefix, else
//   `alert_type` (error, warning, info, success).
// - Fingerprint: `<alert id>:<cycle key>` (the cycle key stays the same from
//   trigger to recovery of one alert cycle, and differs between the groups of a
//   multi-alert monitor); without a cycle key, the alert id. The default body
//   has no alert id (its `id` is the event's, new for every notification), so its
//   fingerprint is a hash of the org id, the bare title and the scope.
// - `$DATE` (epoch milliseconds, as text) is when the transition happened:
//   startsAt of a firing alert, endsAt of a resolved one.
import { z } from 'zod';
import { canonicalJson, stableId } from '../hash';
import { defineSource, firstOf, link, nonEmpty, textValue, toDate } from './common';

const schema = z.object({
  id: textValue.pipe(z.string().trim().min(1, 'id is required')),
  title: z.string({ error: (i) => (i.input === undefined ? 'title is required' : 'expected text') }).trim().min(1, 'title is required'),
  cycle: textValue.nullish(),
  transition: z.string().nullish(),
  body: z.string().nullish(),
  priority: z.string().nullish(),
  alert_type: z.string().nullish(),
  tags: z.union([z.string(), z.array(z.string())], { error: 'expected the comma-separated $TAGS text' }).nullish(),
  host: z.string().nullish(),
  link: z.string().nullish(),
  date: textValue.nullish(),
  // Datadog's default body
  event_type: z.string().nullish(),
  last_updated: textValue.nullish(),
  org: z.object({ id: textValue.nullish(), name: z.string().nullish() }).nullish(),
});

const TRANSITION = /^(?:(?:re-?)?(?:triggered|warn|no ?data)|recovered|renotify)$/i;

export interface DatadogTitle {
  title: string;
  transition: string | null;
  scope: string | null;
  priority: string | null;
}

/** Takes Datadog's `[Pn]` and `[Transition on {scope}]` prefixes off an event title. */
export function parseDatadogTitle(raw: string): DatadogTitle {
  const out: DatadogTitle = { title: raw.trim(), transition: null, scope: null, priority: null };
  let rest = out.title;
  for (;;) {
    const m = /^\[([^\]]*)\]\s*/.exec(rest);
    if (!m) break;
    const token = (m[1] ?? '').trim();
    const p = /^p([1-5])$/i.exec(token);
    const t = /^(.*?)(?:\s+on\s+\{(.*)\})?$/i.exec(token);
    if (p && out.priority === null) out.priority = `P${p[1]}`;
    else if (t && out.transition === null && TRANSITION.test((t[1] ?? '').trim())) {
      out.transition = (t[1] ?? '').trim();
      out.scope = nonEmpty(t[2]);
    } else break;
    rest = rest.slice(m[0].length);
  }
  if (rest !== '') out.title = rest;
  return out;
}

/** `$TAGS` (or an alert scope) as labels; see the choices above. */
export function parseDatadogTags(tags: string | string[] | null | undefined): Record<string, string> {
  return addDatadogTags({}, tags);
}

/** Adds `$TAGS` to `labels` (one object: spreading label maps is slow on the per-alert path). */
function addDatadogTags(labels: Record<string, string>, tags: string | string[] | null | undefined): Record<string, string> {
  const list = Array.isArray(tags) ? tags : (tags ?? '').split(',');
  for (const raw of list) {
    const tag = raw.trim();
    if (tag === '') continue;
    const i = tag.indexOf(':');
    const key = i > 0 ? tag.slice(0, i).trim() : '';
    const value = i > 0 ? tag.slice(i + 1).trim() : '';
    const bare = key === '' || value === '';
    const k = bare ? `tag:${i > 0 ? key : tag}` : key;
    const v = bare ? 'true' : value;
    const prev = labels[k];
    if (prev === undefined) labels[k] = v;
    else if (!prev.split(',').includes(v)) labels[k] = `${prev},${v}`;
  }
  return labels;
}

/** `$EVENT_MSG` comes wrapped in Datadog's `%%%` markdown fences. */
const stripFences = (body: string | null | undefined) => nonEmpty(nonEmpty(body)?.replace(/^%%%\s*/, '').replace(/\s*%%%$/, ''));

export const datadog = defineSource({
  name: 'datadog',
  schema,
  normalize(p) {
    const parsed = parseDatadogTitle(p.title);
    const cycle = nonEmpty(p.cycle);
    const transition = nonEmpty(p.transition);
    const isDefaultBody = transition === null && cycle === null;
    const status = /^recovered$/i.test(transition ?? parsed.transition ?? '') ? 'resolved' : 'firing';

    // $TAGS are the monitor's tags; the title's scope only fills what they lack.
    const labels = addDatadogTags({}, p.tags);
    const scope = parseDatadogTags(parsed.scope);
    for (const k in scope) labels[k] ??= scope[k] as string;
    const host = nonEmpty(p.host);
    if (host !== null && labels.host === undefined) labels.host = host;

    const priority = nonEmpty(p.priority);
    const severity = (priority && /^p[1-5]$/i.test(priority) ? priority.toUpperCase() : null) ?? parsed.priority ?? nonEmpty(p.alert_type);

    const fingerprint = isDefaultBody
      ? stableId(canonicalJson({ org: nonEmpty(p.org?.id), title: parsed.title, scope: parsed.scope }), 16)
      : cycle !== null
        ? `${p.id}:${cycle}`
        : p.id;
    const at = toDate(p.date);

    return [
      {
        source: 'datadog',
        fingerprint,
        status,
        title: parsed.title,
        service: firstOf(labels.service),
        environment: firstOf(labels.env),
        severity,
        alertName: parsed.title,
        labels,
        startsAt: status === 'firing' ? at : null,
        endsAt: status === 'resolved' ? at : null,
        links: link('Datadog', p.link),
        description: stripFences(p.body),
      },
    ];
  },
});
