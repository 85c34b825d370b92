// Blameless postmortems (contract §4 `postmortems/{incidentId}`), as pure functions:
//   planPostmortem({ incident, timeline, previous, now, policy }) → { postmortem, changed } | null
//   renderMarkdown(postmortem, { timeZone }) → the document people read
//   sanitizePostmortem(stored) → what the responders' fields hold that can be used, and what could not
// No Firebase, no clock: time comes in as `now`.
import { z } from 'zod';
import type { PostmortemStatus } from './incident';
import { formatDuration } from './duration';
import { localTime } from './timeZones';
import type { Policy } from './policy';
import type { DeployRef, Incident, Severity, TimelineEntry } from './types';
import { SYSTEM } from './types';

export type { PostmortemStatus } from './incident';
export { calendarDaysBetween, isValidTimeZone, type LocalTime, localTime } from './timeZones';

export interface ActionItem {
  title: string;
  owner: string | null;
  dueAt: Date | null;
  done: boolean;
}

/** Seconds from `incident.createdAt`; null when the incident never entered that state. */
export interface PostmortemMetrics {
  timeToAcknowledge: number | null;
  timeToMitigate: number | null;
  timeToResolve: number | null;
}

/**
 * One re-freeze of the timeline (an incident reopened, then resolved again).
 * `timelineEntries` and `resolvedAt` describe the copy that was replaced: its
 * length (that copy is `timeline.slice(0, timelineEntries)`, timelines being
 * append-only) and the resolution it was frozen for. `frozenAt` is when the
 * replacement happened, i.e. when the next copy was frozen. So copy k was
 * frozen at `revisions[k-1].frozenAt` (copy 0 at the postmortem's `createdAt`).
 */
export interface PostmortemRevision {
  resolvedAt: Date;
  frozenAt: Date;
  timelineEntries: number;
}

export const TEXT_SECTION_KEYS = [
  'summary',
  'impact',
  'detection',
  'response',
  'rootCause',
  'contributingFactors',
  'wentWell',
  'wentPoorly',
  'gotLucky',
] as const;
export type TextSectionKey = (typeof TEXT_SECTION_KEYS)[number];
export type TextSections = Record<TextSectionKey, string>;

export interface Postmortem extends TextSections {
  incidentId: string;
  title: string;
  severity: Severity;
  service: string | null;
  environment: string | null;
  status: PostmortemStatus;
  /** The severity is in `policy.postmortem.requiredFor`: the incident cannot close before this is published. */
  required: boolean;
  owner: string | null;
  dueAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** The latest resolution the frozen timeline covers (after a reopen, the second resolution). */
  resolvedAt: Date;
  actionItems: ActionItem[];
  /** A frozen copy of the incident's timeline, oldest first. */
  timeline: TimelineEntry[];
  metrics: PostmortemMetrics;
  deploys: DeployRef[];
  revisions: PostmortemRevision[];
  drill: boolean;
}

export interface TemplateSection {
  key: TextSectionKey | 'actionItems';
  heading: string;
  /** Blameless guidance shown (in italics) while the section is empty. */
  prompt: string;
}

/** The blameless template, in document order. */
export const TEMPLATE_SECTIONS: readonly TemplateSection[] = [
  { key: 'summary', heading: 'Summary', prompt: 'What happened, in two or three sentences a newcomer could follow?' },
  { key: 'impact', heading: 'Impact', prompt: 'Who and what was affected, for how long, and how badly (users, requests, revenue, data)?' },
  { key: 'detection', heading: 'Detection', prompt: 'How did we find out, and could the signal have reached us sooner or more clearly?' },
  {
    key: 'response',
    heading: 'Response',
    prompt: 'What did responders know at each point, and what made sense to them then?',
  },
  {
    key: 'rootCause',
    heading: 'Root cause',
    prompt: 'Which conditions in the system combined to make this possible? Describe mechanisms, not people.',
  },
  {
    key: 'contributingFactors',
    heading: 'Contributing factors',
    prompt: 'What made it more likely, harder to see or slower to fix (tooling, process, load, timing)?',
  },
  { key: 'wentWell', heading: 'What went well', prompt: 'What helped: tools, practices, people working together?' },
  { key: 'wentPoorly', heading: 'What went poorly', prompt: 'Where did the system or our processes make the work harder than it should be?' },
  { key: 'gotLucky', heading: 'Where we got lucky', prompt: 'What could have made this worse, and did not, by chance?' },
  {
    key: 'actionItems',
    heading: 'Action items',
    prompt: 'What will we change so this is less likely or less harmful next time? Each item gets an owner and a due date.',
  },
];

export const emptySections = (): TextSections =>
  Object.fromEntries(TEXT_SECTION_KEYS.map((k) => [k, ''])) as TextSections;

// ---------------------------------------------------------------------------
// What responders may write (firestore.rules checks the same limits)

/** Longest text section, in characters. */
export const MAX_SECTION_LENGTH = 20_000;
/**
 * Most action items in one postmortem. The rules check each item by index (no
 * loops) within Firestore's 1,000 expressions per request: 10 is what fits.
 */
export const MAX_ACTION_ITEMS = 10;
export const MAX_ACTION_ITEM_TITLE = 500;

export const actionItemSchema = z.object({
  title: z.string().max(MAX_ACTION_ITEM_TITLE),
  owner: z.string().nullish().transform((v) => v ?? null),
  dueAt: z.date({ error: 'dueAt must be a timestamp or null' }).nullish().transform((v) => v ?? null),
  done: z.boolean({ error: 'done must be true or false' }),
});

export interface SanitizedPostmortem {
  postmortem: Postmortem;
  /** What was left out, e.g. `summary: expected text` or `actionItems.2.dueAt: dueAt must be a timestamp or null`. */
  issues: string[];
}

const issueText = (prefix: string, e: z.ZodError) =>
  e.issues.map((i) => `${[prefix, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');

/**
 * A stored postmortem as the pipeline can use it. The fields responders edit
 * (text sections, action items) are re-validated: a section that is not text
 * counts as empty (one too long is cut), an action item that is not
 * `{title, owner, dueAt, done}` is left out, and each is reported, so one bad
 * write never makes rendering or the reminders throw. The stored document is
 * not changed.
 */
export function sanitizePostmortem(pm: Postmortem): SanitizedPostmortem {
  const issues: string[] = [];
  const raw = pm as unknown as Record<string, unknown>;
  const sections = {} as TextSections;
  for (const key of TEXT_SECTION_KEYS) {
    const value = raw[key];
    if (value === undefined || value === null) {
      sections[key] = '';
      continue;
    }
    if (typeof value !== 'string') {
      sections[key] = '';
      issues.push(`${key}: expected text, not ${Array.isArray(value) ? 'a list' : typeof value}`);
    } else if (value.length > MAX_SECTION_LENGTH) {
      sections[key] = value.slice(0, MAX_SECTION_LENGTH);
      issues.push(`${key}: longer than ${MAX_SECTION_LENGTH} characters (cut)`);
    } else sections[key] = value;
  }
  const items: ActionItem[] = [];
  const rawItems = raw.actionItems;
  if (Array.isArray(rawItems)) {
    rawItems.forEach((item, i) => {
      const parsed = actionItemSchema.safeParse(item);
      if (parsed.success) items.push(parsed.data);
      else issues.push(issueText(`actionItems.${i}`, parsed.error));
    });
  } else if (rawItems !== undefined && rawItems !== null) {
    issues.push('actionItems: expected a list');
  }
  return { postmortem: { ...pm, ...sections, actionItems: items }, issues };
}

// ---------------------------------------------------------------------------
// Status

/** Allowed moves of a postmortem's status (the security rules enforce the same). */
export const POSTMORTEM_TRANSITIONS: Record<PostmortemStatus, readonly PostmortemStatus[]> = {
  draft: ['in_review'],
  in_review: ['draft', 'published'],
  published: [],
};

const label = (s: PostmortemStatus) => s.replace('_', ' ');

/** The status after a requested move, or why it is not allowed. */
export function nextStatus(from: PostmortemStatus, to: PostmortemStatus): { status: PostmortemStatus } | { rejected: string } {
  if (POSTMORTEM_TRANSITIONS[from].includes(to)) return { status: to };
  if (from === to) return { rejected: `the postmortem is already ${label(from)}` };
  if (from === 'published') return { rejected: 'a published postmortem is final' };
  if (from === 'draft' && to === 'published') return { rejected: 'a draft must be reviewed (in review) before it is published' };
  return { rejected: `cannot move a postmortem from ${label(from)} to ${label(to)}` };
}

// ---------------------------------------------------------------------------
// Metrics

const secondsBetween = (from: Date, to: Date | null): number | null => (to ? Math.round((to.getTime() - from.getTime()) / 1000) : null);

export function metricsOf(incident: Incident): PostmortemMetrics {
  return {
    timeToAcknowledge: secondsBetween(incident.createdAt, incident.acknowledgedAt),
    timeToMitigate: secondsBetween(incident.createdAt, incident.mitigatedAt),
    timeToResolve: secondsBetween(incident.createdAt, incident.resolvedAt),
  };
}

// ---------------------------------------------------------------------------
// Planning

const DAY_MS = 86_400_000;

export interface PlanInput {
  incident: Incident;
  /** The incident's timeline as it is now (append-only). */
  timeline: readonly TimelineEntry[];
  /** The stored postmortem, if any. */
  previous: Postmortem | null;
  now: Date;
  policy: Policy;
  /** IANA time zone the markdown shows times in (the REMINDER_TIME_ZONE param); default UTC. */
  timeZone?: string;
}

export interface PlanResult {
  postmortem: Postmortem;
  /** The markdown export of the postmortem as planned (kept beside it, not in it: postmortems/{id}/exports/markdown). */
  markdown: string;
  /** False when nothing needs writing (a trigger that fires twice must not rewrite). */
  changed: boolean;
}

/** The owner a new postmortem gets: the commander, else whoever resolved it (not the pipeline itself). */
export function defaultOwner(incident: Incident): string | null {
  if (incident.commander) return incident.commander;
  if (incident.resolvedBy && incident.resolvedBy !== SYSTEM) return incident.resolvedBy;
  return null;
}

/** The default due date of a new action item: `policy.postmortem.actionItemDueDays` after `from`. */
export function defaultActionItemDueAt(from: Date, policy: Policy): Date {
  return new Date(from.getTime() + policy.postmortem.actionItemDueDays * DAY_MS);
}

/** The time of the last move into `resolved` in the timeline; else the incident's first resolution. */
function latestResolution(incident: Incident, timeline: readonly TimelineEntry[]): Date | null {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const e = timeline[i];
    if (e && e.data && e.data.to === 'resolved') return e.at;
  }
  return incident.resolvedAt;
}

const entryKey = (e: TimelineEntry) => `${e.at.getTime()}|${e.type}|${e.actor}|${e.message}`;

const copyEntry = (e: TimelineEntry): TimelineEntry => ({ ...e, at: new Date(e.at.getTime()), data: structuredClone(e.data ?? {}) });

/**
 * The frozen copy: the current timeline, plus any entry of the old copy that it
 * somehow lacks (so nothing frozen is ever lost), oldest first (stable).
 */
/** A postmortem keeps at most this many timeline entries (a flapping alert must not grow it past Firestore's 1 MiB). */
export const FROZEN_TIMELINE_LIMIT = 300;
/** …the first ones and the latest ones, with one entry saying how many in between were left out. */
const FROZEN_HEAD = 100;
const OMITTED = 'timeline_omitted';
/** At most this many revisions (reopened and resolved again) are recorded. */
export const MAX_REVISIONS = 20;

function bound(entries: TimelineEntry[]): TimelineEntry[] {
  if (entries.length <= FROZEN_TIMELINE_LIMIT) return entries;
  const head = entries.slice(0, FROZEN_HEAD);
  const tail = entries.slice(-(FROZEN_TIMELINE_LIMIT - FROZEN_HEAD - 1));
  const omitted = entries.length - head.length - tail.length;
  const at = tail[0]?.at ?? head.at(-1)?.at ?? new Date(0);
  const marker: TimelineEntry = {
    at,
    type: OMITTED,
    actor: SYSTEM,
    message: `${omitted} entries in between are left out of the postmortem (the incident's own timeline keeps them all)`,
    data: { omitted },
  };
  return [...head, marker, ...tail];
}

function freeze(current: readonly TimelineEntry[], old: readonly TimelineEntry[]): TimelineEntry[] {
  const seen = new Set(current.map(entryKey));
  const merged = [...current, ...old.filter((e) => e.type !== OMITTED && !seen.has(entryKey(e)))].map(copyEntry);
  return bound(
    merged
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.at.getTime() - b.e.at.getTime() || a.i - b.i)
      .map(({ e }) => e),
  );
}

const copyDeploy = (d: DeployRef): DeployRef => ({ ...d, deployedAt: new Date(d.deployedAt.getTime()) });

/** The fields planPostmortem compares to decide whether anything changed (`updatedAt` aside). */
const COMPARED_KEYS = [
  'incidentId',
  'title',
  'severity',
  'service',
  'environment',
  'status',
  'required',
  'owner',
  'dueAt',
  'createdAt',
  'resolvedAt',
  ...TEXT_SECTION_KEYS,
  'actionItems',
  'timeline',
  'metrics',
  'deploys',
  'revisions',
  'drill',
] as const satisfies readonly (keyof Postmortem)[];

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/**
 * What the postmortem of a resolved (or closed) incident should be.
 *
 * - null: nothing to write: the incident is not resolved/closed, or it has no
 *   resolution stamp, or (with no postmortem yet) its severity is in neither
 *   `requiredFor` nor `draftFor`. Null never means "delete".
 * - A published postmortem is returned as it is, with changed:false.
 * - A new postmortem starts as an empty draft; owner = commander, else the
 *   resolver unless that is the pipeline ('system'); due `dueDays` after
 *   `incident.resolvedAt` when required.
 * - An existing one keeps its text, action items, status, createdAt and owner
 *   (when set); title/severity/required/dueAt follow the incident; the frozen
 *   timeline, metrics and deploys are replaced only when the timeline grew (a
 *   reopened incident resolved again), recording the old copy in `revisions`.
 *   An existing postmortem whose incident's severity left both lists is kept
 *   (its text is never thrown away) and becomes optional.
 * - The markdown is rendered in `timeZone` (default UTC).
 */
export function planPostmortem({ incident, timeline, previous, now, policy, timeZone = 'Etc/UTC' }: PlanInput): PlanResult | null {
  if (previous && previous.status === 'published') return { postmortem: previous, markdown: renderMarkdown(previous, { timeZone }), changed: false };
  if (incident.status !== 'resolved' && incident.status !== 'closed') return null;
  if (!incident.resolvedAt) return null;

  const required = policy.postmortem.requiredFor.includes(incident.severity);
  const wanted = required || policy.postmortem.draftFor.includes(incident.severity);
  if (!wanted && !previous) return null;

  const dueAt = required ? new Date(incident.resolvedAt.getTime() + policy.postmortem.dueDays * DAY_MS) : null;
  const resolvedAt = latestResolution(incident, timeline) ?? incident.resolvedAt;
  const facts = {
    incidentId: incident.id,
    title: incident.title,
    severity: incident.severity,
    service: incident.service,
    environment: incident.environment,
    required,
    dueAt,
    drill: incident.drill,
  };

  let next: Postmortem;
  if (!previous) {
    next = {
      ...facts,
      ...emptySections(),
      status: 'draft',
      owner: defaultOwner(incident),
      createdAt: now,
      updatedAt: now,
      resolvedAt,
      actionItems: [],
      timeline: freeze(timeline, []),
      metrics: metricsOf(incident),
      deploys: incident.deploys.map(copyDeploy),
      revisions: [],
    };
  } else {
    const oldTimeline = previous.timeline ?? [];
    const frozen = freeze(timeline, oldTimeline);
    const grew = frozen.length > oldTimeline.length;
    const sections = Object.fromEntries(TEXT_SECTION_KEYS.map((k) => [k, previous[k] ?? ''])) as TextSections;
    next = {
      ...facts,
      ...sections,
      status: previous.status,
      owner: previous.owner ?? defaultOwner(incident),
      createdAt: previous.createdAt,
      updatedAt: previous.updatedAt,
      actionItems: previous.actionItems ?? [],
      resolvedAt: grew ? resolvedAt : previous.resolvedAt,
      timeline: grew ? frozen : oldTimeline,
      metrics: grew ? metricsOf(incident) : previous.metrics,
      deploys: grew ? incident.deploys.map(copyDeploy) : previous.deploys,
      revisions: grew
        ? [...(previous.revisions ?? []), { resolvedAt: previous.resolvedAt, frozenAt: now, timelineEntries: oldTimeline.length }].slice(-MAX_REVISIONS)
        : (previous.revisions ?? []),
    };
  }

  if (previous && COMPARED_KEYS.every((k) => deepEqual(next[k], previous[k]))) return { postmortem: previous, markdown: renderMarkdown(previous, { timeZone }), changed: false };
  next.updatedAt = now;
  return { postmortem: next, markdown: renderMarkdown(next, { timeZone }), changed: true };
}

// ---------------------------------------------------------------------------
// Markdown

export interface RenderOptions {
  /** IANA time zone for every date and time; default UTC. */
  timeZone?: string;
}

const oneLine = (s: string) => s.replace(/\s*\r?\n\s*/g, ' ').trim();
/** A value inside a markdown table cell. */
const cell = (s: string) => oneLine(s).replace(/\|/g, '\\|') || '—';

const STATUS_LABEL: Record<PostmortemStatus, string> = { draft: 'Draft', in_review: 'In review', published: 'Published' };

/**
 * The postmortem as a markdown document. Deterministic for a given input.
 * An empty section shows its blameless prompt in italics (`_…_`) as a hint.
 */
export function renderMarkdown(pm: Postmortem, opts: RenderOptions = {}): string {
  const tz = opts.timeZone ?? 'Etc/UTC';
  const isUtc = tz === 'UTC' || tz === 'Etc/UTC';
  const when = (d: Date | null, seconds = false) => {
    if (!d) return '—';
    const t = localTime(d, tz);
    return `${t.date} ${seconds ? t.time : t.time.slice(0, 5)}${isUtc ? ' UTC' : ''}`;
  };
  const day = (d: Date | null) => (d ? localTime(d, tz).date : '—');

  const out: string[] = [];
  out.push(`# Postmortem: ${oneLine(pm.title)}`, '');
  if (pm.drill) out.push('> This incident was a drill.', '');
  out.push(
    '> This is a blameless postmortem: it looks for how the system and our ways of working made this possible, not for who to blame.',
    '',
  );

  out.push('| | |', '|---|---|');
  out.push(`| Severity | ${pm.severity} |`);
  out.push(`| Service | ${cell(pm.service ?? '')} |`);
  out.push(`| Environment | ${cell(pm.environment ?? '')} |`);
  out.push(`| Status | ${STATUS_LABEL[pm.status] ?? cell(String(pm.status))} |`);
  out.push(`| Required | ${pm.required ? 'yes' : 'no (optional)'} |`);
  out.push(`| Owner | ${pm.owner ? cell(pm.owner) : 'unassigned'} |`);
  out.push(`| Due | ${pm.dueAt ? when(pm.dueAt) : '—'} |`);
  out.push(`| Resolved | ${when(pm.resolvedAt)} |`);
  out.push(`| Drill | ${pm.drill ? 'yes' : 'no'} |`);
  out.push(`| Incident | ${cell(pm.incidentId)} |`);
  if (!isUtc) out.push(`| Time zone | ${cell(tz)} |`);
  out.push('');

  const metric = (s: number | null) => (s === null || s === undefined ? 'not reached' : formatDuration(s));
  out.push('## Metrics', '', '| Metric | Value |', '|---|---|');
  out.push(`| Time to acknowledge | ${metric(pm.metrics?.timeToAcknowledge ?? null)} |`);
  out.push(`| Time to mitigate | ${metric(pm.metrics?.timeToMitigate ?? null)} |`);
  out.push(`| Time to resolve | ${metric(pm.metrics?.timeToResolve ?? null)} |`);
  out.push('', '_Measured from when the incident was opened._', '');

  for (const section of TEMPLATE_SECTIONS) {
    out.push(`## ${section.heading}`, '');
    if (section.key === 'actionItems') {
      const items = pm.actionItems ?? [];
      if (items.length === 0) out.push(`_${section.prompt}_`);
      for (const item of items) {
        const owner = item.owner ? `owner ${oneLine(item.owner)}` : 'no owner yet';
        const due = item.dueAt ? `due ${day(item.dueAt)}` : 'no due date';
        out.push(`- [${item.done ? 'x' : ' '}] ${oneLine(item.title) || '(untitled)'} — ${owner}, ${due}`);
      }
    } else {
      const text = (pm[section.key] ?? '').trim();
      out.push(text || `_${section.prompt}_`);
    }
    out.push('');
  }

  out.push('## Linked deploys', '');
  const deploys = pm.deploys ?? [];
  if (deploys.length === 0) out.push('_No deploys were linked to this incident._');
  else {
    out.push('| Version | Service | Environment | When | Author | Link |', '|---|---|---|---|---|---|');
    for (const d of deploys) {
      const link = d.url ? `[${d.commit ? cell(d.commit.slice(0, 12)) : 'link'}](${d.url.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)})` : '—';
      out.push(`| ${cell(d.version)} | ${cell(d.service)} | ${cell(d.environment ?? '')} | ${when(d.deployedAt)} | ${cell(d.author ?? '')} | ${link} |`);
    }
  }
  out.push('');

  out.push('## Timeline', '');
  const entries = pm.timeline ?? [];
  if (entries.length === 0) out.push('_The timeline is empty._');
  else {
    out.push(`_Times in ${isUtc ? 'UTC' : tz}._`, '');
    let lastDate = '';
    for (const e of entries) {
      const t = localTime(e.at, tz);
      if (t.date !== lastDate) {
        if (lastDate) out.push('');
        out.push(`**${t.date}**`, '');
        lastDate = t.date;
      }
      const message = e.message.trim().split(/\r?\n/).join('\n  ');
      out.push(`- ${t.time} — ${oneLine(e.actor)} — ${message}`);
    }
  }
  if ((pm.revisions ?? []).length > 0) {
    out.push('');
    for (const r of pm.revisions) {
      out.push(
        `_The incident was reopened after its resolution at ${when(r.resolvedAt)}; the timeline (then ${r.timelineEntries} entries) was frozen again at ${when(r.frozenAt)}._`,
      );
    }
  }
  out.push('');
  return out.join('\n');
}
