// Runbooks (contract §6): markdown files with YAML front matter. The front
// matter says which incidents a runbook is for; its `- [ ]` task items become
// the incident's checklist. Pure: the adapter (adapters/runbookFiles.ts) reads
// the files, this module parses and matches them.
import { z } from 'zod';
import { matches } from './severity';
import { type Actor, ALERT_SOURCES, type Severity, SEVERITIES } from './types';
import { closedObject, type ConfigIssue, type Parsed, parseYaml } from './yamlConfig';

// ---------------------------------------------------------------------------
// Types

/** The incident fields a runbook can match on. */
export const RUNBOOK_MATCH_FIELDS = ['service', 'environment', 'source', 'alertname', 'severity'] as const;
export type RunbookMatchField = (typeof RUNBOOK_MATCH_FIELDS)[number];

/**
 * `{ default: true }`, or equalities: each field lists the words it accepts
 * (any of them, without regard to case); every field and every label must hold.
 */
export type RunbookMatch =
  | { default: true }
  | ({ default?: undefined; labels?: Record<string, string[]> } & Partial<Record<RunbookMatchField, string[]>>);

export interface RunbookStep {
  /** Stable across deploys, unique in its runbook: a slug of the section and the text. */
  id: string;
  text: string;
  /** Position in the runbook, from 0. */
  order: number;
  /** The nearest `##` or `###` heading above the step, if any. */
  section: string | null;
}

export interface Runbook {
  id: string;
  title: string;
  /** Where it came from, as given to parseRunbook (for messages). */
  file: string;
  match: RunbookMatch;
  /** Breaks ties between equally specific runbooks: higher first. */
  priority: number;
  description: string | null;
  steps: RunbookStep[];
}

/** What matchRunbook looks at: the incident, plus the alert name and labels of its first alert. */
export interface RunbookSubject {
  service: string | null;
  environment: string | null;
  source: string;
  alertName: string;
  severity: Severity | string;
  labels: Record<string, string>;
}

/** One document of incidents/{id}/checklist/{stepId}. */
export interface RunbookChecklistItem {
  id: string;
  text: string;
  order: number;
  section: string | null;
  done: boolean;
  doneBy: Actor | null;
  doneAt: Date | null;
}

// ---------------------------------------------------------------------------
// Front matter schema

const word = z
  .union([z.string(), z.number(), z.boolean()], { error: 'expected a word or a list of words' })
  .transform((v) => String(v).trim())
  .refine((v) => v.length > 0, 'an empty value matches nothing');

/** A word or a list of words, always stored as a list. */
const words = z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(word).min(1, 'an empty list matches nothing'));

const oneOf = (allowed: readonly string[], what: string) =>
  words.superRefine((list, ctx) => {
    for (const [i, v] of list.entries()) {
      if (!allowed.some((a) => a.toLowerCase() === v.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: [i], message: `"${v}" is not ${what}; use one of ${allowed.join(', ')}` });
      }
    }
  });

const matchSchema = closedObject(
  {
    default: z.literal(true, { error: 'default can only be true; leave it out to match on fields' }).optional(),
    service: words.optional(),
    environment: words.optional(),
    source: oneOf(ALERT_SOURCES, 'an alert source').optional(),
    alertname: words.optional(),
    severity: oneOf(SEVERITIES, 'a severity level').transform((l) => l.map((s) => s.toUpperCase())).optional(),
    labels: z
      .record(z.string().min(1), words, { error: 'labels is a map of label name to a word or a list of words' })
      .refine((l) => Object.keys(l).length > 0, 'labels is empty; leave it out or name a label')
      .optional(),
  },
  'match',
  'match is required (use { default: true } for the fallback runbook)',
).superRefine((m, ctx) => {
  const conditions = RUNBOOK_MATCH_FIELDS.filter((f) => m[f] !== undefined).length + (m.labels === undefined ? 0 : 1);
  if (m.default === true && conditions > 0) {
    ctx.addIssue({ code: 'custom', path: ['default'], message: 'default: true matches everything; it cannot be combined with other conditions' });
  }
  if (m.default === undefined && conditions === 0) {
    ctx.addIssue({ code: 'custom', path: [], message: `match needs default: true or at least one of ${RUNBOOK_MATCH_FIELDS.join(', ')}, labels` });
  }
});

const requiredString = (name: string) =>
  z.string({ error: (i) => (i.input === undefined ? `${name} is required` : `${name} must be text`) }).trim().min(1, `${name} is empty`);

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

const frontMatterSchema = closedObject(
  {
    id: z.string().regex(ID_PATTERN, 'id must be letters, digits, "-" or "_" (it names the runbook in Firestore)').optional(),
    title: requiredString('title'),
    match: matchSchema,
    priority: z.number({ error: 'priority must be a number' }).finite().default(0),
    description: z.string({ error: 'description must be text' }).optional(),
  },
  'the front matter',
  'the front matter is empty; it needs title and match',
);

// ---------------------------------------------------------------------------
// Markdown

const FENCE = /^(`{3,}|~{3,})/; // tested on the line without its indentation (fences inside list items)
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const TASK = /^([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX])\](?:[ \t]+(.*))?$/;
const BLOCK_START = /^[ \t]*(?:[-*+][ \t]|\d{1,9}[.)][ \t]|#{1,6}(?:[ \t]|$)|>|\||```|~~~|<!--)/;

/** Lowercase words joined by dashes, markdown and accents stripped, cut at a word boundary. */
export function slugify(text: string, max = 48): string {
  const plain = text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // [text](url) → text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (plain.length <= max) return plain;
  const cut = plain.slice(0, max + 1);
  const at = cut.lastIndexOf('-');
  return (at > max / 2 ? cut.slice(0, at) : plain.slice(0, max)).replace(/-+$/, '');
}

interface RawStep {
  text: string;
  section: string | null;
}

/** Finds the task items of a markdown body; `firstLine` is the body's line number in the file. */
function extractSteps(lines: string[], firstLine: number, file: string, issues: ConfigIssue[]): RawStep[] {
  const steps: RawStep[] = [];
  let section: string | null = null;
  let fence: string | null = null;
  let inComment = false;
  let current: RawStep | null = null; // the step whose text may continue on the next line
  for (const [i, line] of lines.entries()) {
    const lineNo = firstLine + i;
    if (inComment) {
      if (line.includes('-->')) inComment = false;
      continue;
    }
    if (fence !== null) {
      const close = FENCE.exec(line.trimStart());
      if (close?.[1] && close[1][0] === fence[0] && close[1].length >= fence.length && line.trim() === close[1]) fence = null;
      continue;
    }
    const open = FENCE.exec(line.trimStart());
    if (open?.[1]) {
      fence = open[1];
      current = null;
      continue;
    }
    if (line.trimStart().startsWith('<!--')) {
      if (!line.includes('-->')) inComment = true;
      current = null;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading?.[1]) {
      const level = heading[1].length;
      if (level === 1) section = null;
      else if (level <= 3) section = (heading[2] ?? '').trim() || null;
      current = null;
      continue;
    }
    const task = TASK.exec(line);
    if (task) {
      const text = (task[3] ?? '').trim();
      if (!text) {
        issues.push({ file, line: lineNo, path: '', message: 'a step has no text' });
        current = null;
        continue;
      }
      current = { text, section };
      steps.push(current);
      continue;
    }
    // A paragraph line right after a step continues its text (markdown's lazy continuation).
    if (current && line.trim() !== '' && !BLOCK_START.test(line)) {
      current.text = `${current.text} ${line.trim()}`;
      continue;
    }
    current = null;
  }
  return steps.map((s) => ({ ...s, text: s.text.replace(/\s+/g, ' ') }));
}

/** Stable, unique ids: `<section>-<text>` slugs, with `-2`, `-3`... for repeats. */
function stepIds(steps: RawStep[]): string[] {
  const used = new Set<string>();
  return steps.map((s) => {
    const parts = [s.section ? slugify(s.section, 24) : '', slugify(s.text, 40)].filter(Boolean);
    const base = parts.join('-') || 'step';
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    return id;
  });
}

/** The file's base name without `.md`: the default runbook id. */
function idFromFile(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.md$/i, '');
}

// ---------------------------------------------------------------------------
// Parsing

/**
 * Parses one runbook. `file` is used for the default id and in every issue;
 * issue lines are lines of the .md file (from 1).
 */
export function parseRunbook(text: string, file: string): Parsed<Runbook> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const issues: ConfigIssue[] = [];
  if (lines[0]?.trim() !== '---') {
    return {
      ok: false,
      issues: [{ file, line: 1, path: '', message: 'a runbook starts with YAML front matter between "---" lines (title and match)' }],
    };
  }
  let close = -1;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]?.trim();
    if (l === '---' || l === '...') {
      close = i;
      break;
    }
  }
  if (close < 0) {
    return { ok: false, issues: [{ file, line: 1, path: '', message: 'the front matter that starts here has no closing "---" line' }] };
  }

  // Line 1 of the YAML is line 2 of the file.
  const front = parseYaml(lines.slice(1, close).join('\n'), frontMatterSchema, file, 1);
  if (!front.ok) issues.push(...front.issues);

  const bodyFirstLine = close + 2;
  const raw = extractSteps(lines.slice(close + 1), bodyFirstLine, file, issues);
  if (raw.length === 0 && !issues.some((i) => i.message === 'a step has no text')) {
    issues.push({ file, line: Math.min(bodyFirstLine, lines.length), path: '', message: 'a runbook needs at least one step: a "- [ ] ..." task item' });
  }

  let id = idFromFile(file);
  if (front.ok && front.value.id !== undefined) id = front.value.id;
  else if (front.ok && !ID_PATTERN.test(id)) {
    issues.push({ file, line: 1, path: 'id', message: `the file name gives the id "${id}", which is not letters, digits, "-" or "_"; set id: in the front matter` });
  }

  if (!front.ok || issues.length > 0) return { ok: false, issues: issues.sort((a, b) => a.line - b.line) };

  const fm = front.value;
  const ids = stepIds(raw);
  return {
    ok: true,
    value: {
      id,
      title: fm.title,
      file,
      match: normalizeMatch(fm.match),
      priority: fm.priority,
      description: fm.description?.trim() || null,
      steps: raw.map((s, order) => ({ id: ids[order] ?? `step-${order + 1}`, text: s.text, order, section: s.section })),
    },
  };
}

function normalizeMatch(m: z.output<typeof matchSchema>): RunbookMatch {
  if (m.default === true) return { default: true };
  const out: Exclude<RunbookMatch, { default: true }> = {};
  for (const f of RUNBOOK_MATCH_FIELDS) {
    const v = m[f];
    if (v !== undefined) out[f] = v;
  }
  if (m.labels !== undefined) out.labels = m.labels;
  return out;
}

// ---------------------------------------------------------------------------
// Matching

/** The number of conditions (each label counts one), or null when the runbook does not match. */
export function runbookSpecificity(runbook: Runbook, subject: RunbookSubject): number | null {
  const m = runbook.match;
  if (m.default === true) return 0;
  const values: Record<RunbookMatchField, string | null> = {
    service: subject.service,
    environment: subject.environment,
    source: subject.source,
    alertname: subject.alertName,
    severity: subject.severity,
  };
  let count = 0;
  // severity.matches compares with lower-case words (the rules' schema lowers them).
  const lower = (words: string[]) => words.map((w) => w.toLowerCase());
  for (const f of RUNBOOK_MATCH_FIELDS) {
    const want = m[f];
    if (want === undefined) continue;
    if (!matches(lower(want), values[f])) return null;
    count++;
  }
  for (const [label, want] of Object.entries(m.labels ?? {})) {
    if (!matches(lower(want), subject.labels[label])) return null;
    count++;
  }
  return count;
}

/**
 * The most specific matching runbook: most conditions first, then the higher
 * priority, then the smaller id. `default: true` matches with specificity 0.
 */
export function matchRunbook(runbooks: readonly Runbook[], subject: RunbookSubject): Runbook | null {
  let best: { runbook: Runbook; specificity: number } | null = null;
  for (const runbook of runbooks) {
    const specificity = runbookSpecificity(runbook, subject);
    if (specificity === null) continue;
    if (
      best === null ||
      specificity > best.specificity ||
      (specificity === best.specificity &&
        (runbook.priority > best.runbook.priority || (runbook.priority === best.runbook.priority && runbook.id < best.runbook.id)))
    ) {
      best = { runbook, specificity };
    }
  }
  return best?.runbook ?? null;
}

/** The checklist a new incident gets: every step, none done. */
export function checklistFromRunbook(runbook: Runbook): RunbookChecklistItem[] {
  return runbook.steps.map((s) => ({ id: s.id, text: s.text, order: s.order, section: s.section, done: false, doneBy: null, doneAt: null }));
}
