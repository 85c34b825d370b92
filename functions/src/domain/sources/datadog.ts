// Datadog webhooks (contract §3). Datadog has no fixed body: each webhook's
// payload is a template of `$VARIABLES`. One alert per body. What is read, by
// the names that the contract's template, Datadog's default body and the
// templates that receivers publish give it (the first present wins):
//   title        title ($EVENT_TITLE), alert_title, event_title
//   transition   transition, alert_transition ($ALERT_TRANSITION)
//   priority     alert_priority, priority ($ALERT_PRIORITY: P1..P5; $PRIORITY sends "normal"/"low")
//   type         alert_type ($ALERT_TYPE: error, warning, info, success)
//   tags         tags, event_tags ($TAGS: comma-separated text, or a JSON list)
//   scope        alert_scope ($ALERT_SCOPE), else the title's "on {…}"
//   alert id     alert_id ($ALERT_ID, the monitor), or `id` in the contract's template
//   cycle        cycle, alert_cycle_key ($ALERT_CYCLE_KEY)
//   aggregate    aggregate, aggreg_key, aggregation_key ($AGGREG_KEY)
//   body         body, event_msg, text_only_msg ($EVENT_MSG, $TEXT_ONLY_MSG)
//   link         link, url, alert_url, event_url ($LINK)
//   date         date ($DATE), last_updated, date_posix
//   host         host, hostname, host_name ($HOSTNAME)
// https://docs.datadoghq.com/integrations/webhooks/
//
// Choices:
// - `id`: in the contract's template it is `$ALERT_ID`; in Datadog's default
//   body it is `$ID`, the event, new for every notification, so it cannot
//   identify an alert. A body that carries the default body's own fields
//   (`last_updated`, `event_type` or `org`) is read as the default body, whose
//   `id` is the event's; otherwise `id` is the alert id.
// - Fingerprint: what stays the same from a monitor's trigger to its recovery,
//   the first of: `<alert id>:<cycle key>` (one alert cycle; a new cycle is a
//   new alert); `<alert id>:<scope>` (the monitor and its group, for a
//   multi-alert monitor); `aggregate:<key>`; `monitor:<id>:<scope>` with the
//   monitor id found in the links (`/monitors/123`, `/monitors#123`, as in
//   the default body's message); else a hash of the org, the bare title and
//   the scope. The scope is written with its tags sorted, so the same group
//   always reads the same. `event_id` and the default body's `id` are never
//   used.
// - Titles: Datadog prefixes event titles with the transition, its scope and
//   the priority (`[P2] [Triggered on {env:prod,service:checkout}] Checkout 5xx`).
//   The prefix is taken off the title (and so off alertName, which groups), so
//   that `[Triggered]`, `[Re-Triggered]` and `[Recovered]` of one monitor share a
//   title and a group; what it says is used instead (status, priority, scope
//   tags as labels). Unknown bracketed words (`[DB] lag`) are part of the
//   title and stay. The title is scanned by index (no backtracking regular
//   expression) and only within its first MAX_SCAN characters.
// - Tags: split on commas, spaces around each tag ignored; `key:value` splits
//   at the first colon (values may hold colons: `url:https://…`). A bare tag
//   (no colon, or nothing after it) becomes the label `tag:<name>` = "true",
//   so it cannot clash with a `key:value` tag and rules can still match it
//   (`labels: { "tag:critical": "true" }`). A key given twice keeps every value,
//   joined with "," (Datadog allows `role:web,role:api`). Where the tags and the
//   scope both name a key, the tags win; the scope only fills gaps.
// - Status: transition Recovered → resolved, any other (Triggered,
//   Re-Triggered, Warn, No Data, Renotify...) → firing; without a transition,
//   the title's prefix decides, else `alert_type` "success" means resolved.
// - Native severity: the priority when it is P1..P5 (alert_priority first:
//   `$PRIORITY`'s "normal" or "low" never hide it), else a `[Pn]` title
//   prefix, else `alert_type`. P1 is SEV1 through the default rules.
// - The date is when the transition happened: startsAt of a firing alert,
//   endsAt of a resolved one.
import { parseInstant } from '../instant';
import { z } from 'zod';
import { canonicalJson, stableId } from '../hash';
import { defineSource, firstOf, link, MAX_SCAN, nonEmpty, scalarText } from './common';

const text = z.string().nullish();
const id = scalarText.nullish();
const tagList = z.union([z.string(), z.array(scalarText)], { error: 'expected the comma-separated $TAGS text, or a list of tags' }).nullish();

const schema = z
  .object({
    title: text,
    alert_title: text,
    event_title: text,
    transition: text,
    alert_transition: text,
    priority: id,
    alert_priority: id,
    alert_type: text,
    tags: tagList,
    event_tags: tagList,
    alert_scope: tagList,
    id,
    alert_id: id,
    event_id: id,
    cycle: id,
    alert_cycle_key: id,
    aggregate: id,
    aggreg_key: id,
    aggregation_key: id,
    body: text,
    event_msg: text,
    text_only_msg: text,
    link: text,
    url: text,
    alert_url: text,
    event_url: text,
    date: id,
    last_updated: id,
    date_posix: id,
    host: text,
    hostname: text,
    host_name: text,
    event_type: text,
    org: z.object({ id: id, name: text }).nullish().catch(null),
  })
  .superRefine((p, ctx) => {
    if (firstOf(p.title, p.alert_title, p.event_title) === null) {
      ctx.addIssue({ code: 'custom', path: ['title'], message: 'required: the alert has no title (title, alert_title or event_title)' });
    }
  });

const TRANSITION = /^(?:(?:re-?)?(?:triggered|warn|no ?data)|recovered|renotify)$/i;
const PRIORITY = /^p[1-5]$/i;

export interface DatadogTitle {
  title: string;
  transition: string | null;
  scope: string | null;
  priority: string | null;
}

/** Reads one bracketed token: `Pn`, or a transition with an optional ` on {scope}`. */
function readToken(token: string): { priority: string } | { transition: string; scope: string | null } | null {
  if (token.length === 2 && PRIORITY.test(token)) return { priority: token.toUpperCase() };
  // ` on {` is the first "{" preceded by whitespace, "on" and whitespace; the scope runs to a final "}".
  let word = token;
  let scope: string | null = null;
  if (token.endsWith('}')) {
    for (let b = token.indexOf('{'); b > 0; b = token.indexOf('{', b + 1)) {
      let i = b - 1;
      while (i >= 0 && isSpace(token.charCodeAt(i))) i--;
      if (i === b - 1 || i < 1) continue; // no space before "{", or nothing before it
      if ((token.charCodeAt(i) | 0x20) !== 0x6e || (token.charCodeAt(i - 1) | 0x20) !== 0x6f) continue; // "on"
      const j = i - 2;
      if (j < 0 || !isSpace(token.charCodeAt(j))) continue;
      word = token.slice(0, j).trim();
      scope = nonEmpty(token.slice(b + 1, -1));
      break;
    }
  }
  return word.length <= 16 && TRANSITION.test(word) ? { transition: word, scope } : null;
}

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;

/** Takes Datadog's `[Pn]` and `[Transition on {scope}]` prefixes off an event title. */
export function parseDatadogTitle(raw: string): DatadogTitle {
  const full = raw.trim();
  const out: DatadogTitle = { title: full, transition: null, scope: null, priority: null };
  const end = Math.min(full.length, MAX_SCAN);
  let i = 0;
  while (i < end && full.charCodeAt(i) === 0x5b /* [ */) {
    const close = full.indexOf(']', i + 1);
    if (close < 0 || close > end) break;
    const t = readToken(full.slice(i + 1, close).trim());
    if (t === null) break;
    if ('priority' in t) {
      if (out.priority !== null) break;
      out.priority = t.priority;
    } else {
      if (out.transition !== null) break;
      out.transition = t.transition;
      out.scope = t.scope;
    }
    i = close + 1;
    while (i < end && isSpace(full.charCodeAt(i))) i++;
  }
  const rest = full.slice(i);
  if (rest !== '') out.title = rest;
  return out;
}

/** Tags (or an alert scope) as labels; see the choices above. */
export function parseDatadogTags(tags: string | string[] | null | undefined): Record<string, string> {
  return addDatadogTags({}, tags);
}

/**
 * Adds tags to `labels` (one object: spreading label maps is slow on the
 * per-alert path). Linear: values are kept in a set per key, so a key
 * repeated many times costs no more than many keys.
 */
function addDatadogTags(labels: Record<string, string>, tags: string | string[] | null | undefined): Record<string, string> {
  if (tags === null || tags === undefined) return labels;
  const list = Array.isArray(tags) ? tags : tags.length > MAX_SCAN ? tags.slice(0, MAX_SCAN).split(',') : tags.split(',');
  let repeated: Map<string, Set<string>> | null = null;
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
    if (prev === undefined) {
      labels[k] = v;
      continue;
    }
    repeated ??= new Map();
    let seen = repeated.get(k);
    if (!seen) repeated.set(k, (seen = new Set(prev.split(','))));
    if (!seen.has(v)) {
      seen.add(v);
      labels[k] = `${prev},${v}`;
    }
  }
  return labels;
}

/** A scope (`env:prod,service:checkout`) written with its tags sorted, or null. */
function canonicalScope(scope: string | string[] | null | undefined): string | null {
  const parts = (Array.isArray(scope) ? scope : (scope ?? '').slice(0, MAX_SCAN).split(',')).map((s) => s.trim()).filter((s) => s !== '');
  return parts.length === 0 ? null : parts.sort().join(',');
}

/** The monitor id in a Datadog link (`/monitors/123`, `/monitors#123`), or null. */
export function monitorIdIn(...texts: (string | null | undefined)[]): string | null {
  for (const t of texts) {
    if (!t) continue;
    const s = t.length > MAX_SCAN ? t.slice(0, MAX_SCAN) : t;
    for (let i = s.indexOf('/monitors'); i >= 0; i = s.indexOf('/monitors', i + 1)) {
      const sep = s.charCodeAt(i + 9);
      if (sep !== 0x2f /* / */ && sep !== 0x23 /* # */) continue;
      let j = i + 10;
      while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
      if (j > i + 10) return s.slice(i + 10, j);
    }
  }
  return null;
}

/** `$EVENT_MSG` comes wrapped in Datadog's `%%%` markdown fences. */
function stripFences(body: string | null | undefined): string | null {
  let s = nonEmpty(body);
  if (s === null) return null;
  if (s.startsWith('%%%')) s = s.slice(3);
  if (s.endsWith('%%%')) s = s.slice(0, -3);
  return nonEmpty(s);
}

export const datadog = defineSource({
  name: 'datadog',
  schema,
  normalize(p) {
    const parsed = parseDatadogTitle(firstOf(p.title, p.alert_title, p.event_title) ?? '');
    const transition = firstOf(p.transition, p.alert_transition) ?? parsed.transition;
    const alertType = nonEmpty(p.alert_type);
    const status =
      transition !== null ? (/^recovered$/i.test(transition) ? 'resolved' : 'firing') : alertType !== null && alertType.toLowerCase() === 'success' ? 'resolved' : 'firing';

    // The tags are the monitor's; the scope (alert_scope, else the title's) only fills what they lack.
    const labels = addDatadogTags(addDatadogTags({}, p.tags), p.event_tags);
    const scopeTags = p.alert_scope ?? parsed.scope;
    const scopeLabels = parseDatadogTags(scopeTags);
    for (const k in scopeLabels) labels[k] ??= scopeLabels[k] as string;
    const host = firstOf(p.host, p.hostname, p.host_name);
    if (host !== null && labels.host === undefined) labels.host = host;

    const priority = [p.alert_priority, p.priority].map(nonEmpty).find((x) => x !== null && PRIORITY.test(x)) ?? null;
    const severity = priority?.toUpperCase() ?? parsed.priority ?? alertType;

    const defaultBody = p.last_updated != null || p.event_type != null || p.org != null;
    const alertId = firstOf(p.alert_id, defaultBody ? null : p.id);
    const cycle = firstOf(p.cycle, p.alert_cycle_key);
    const aggregate = firstOf(p.aggregate, p.aggreg_key, p.aggregation_key);
    const scope = canonicalScope(scopeTags);
    const body = firstOf(p.body, p.event_msg, p.text_only_msg);
    const linkUrl = firstOf(p.link, p.url, p.alert_url, p.event_url);
    const monitorId = alertId === null && aggregate === null ? monitorIdIn(linkUrl, body) : null;
    const fingerprint =
      alertId !== null && cycle !== null
        ? `${alertId}:${cycle}`
        : alertId !== null
          ? scope !== null ? `${alertId}:${scope}` : alertId
          : aggregate !== null
            ? `aggregate:${aggregate}`
            : monitorId !== null
              ? `monitor:${monitorId}${scope !== null ? `:${scope}` : ''}`
              : stableId(canonicalJson({ org: nonEmpty(p.org?.id), title: parsed.title, scope: parsed.scope }), 16);
    const at = parseInstant(p.date) ?? parseInstant(p.last_updated) ?? parseInstant(p.date_posix);

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
        links: link('Datadog', linkUrl),
        description: stripFences(body),
      },
    ];
  },
});
