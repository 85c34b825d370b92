// The compact text form of the `match` grammar (Alertmanager's matcher
// syntax: `service=checkout env!=staging alertname=~"Disk.*"`), for Slack's
// `/incident silence` and the console's silence form. Apart from match.ts
// (which holds the zod schemas) so that the console can parse and format
// matchers without bundling zod.
import type { Matcher, MatchBlock } from './match';

/** The fields a match block can name besides `labels`. */
export const MATCH_FIELDS = ['source', 'service', 'environment', 'severity', 'alertname'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

/** Names people write for the fields; any other name is a label (as in Alertmanager). */
const FIELD_NAMES: Record<string, MatchField> = {
  source: 'source',
  service: 'service',
  environment: 'environment',
  env: 'environment',
  severity: 'severity',
  alertname: 'alertname',
};

export type ParsedMatch = { ok: true; match: MatchBlock } | { ok: false; error: string };

type Op = '=' | '!=' | '=~' | '!~';

interface MatcherToken {
  name: string;
  op: Op;
  value: string;
  /** The matcher as written, for error messages. */
  text: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.\-/]*/;
/** Straight and typographic double quotes (Slack clients "smarten" quotes). */
const OPEN_QUOTES = new Set(['"', '\u201c', '\u201e']);
const CLOSE_QUOTES = new Set(['"', '\u201d', '\u201c']);

/**
 * Reads one `name op value` matcher at `pos` (spaces allowed around the
 * operator). Returns null when the text there does not start like a matcher
 * (no name followed by an operator), an error when it starts like one but is
 * broken.
 */
function readMatcher(text: string, pos: number): { token: MatcherToken; end: number } | { error: string } | null {
  const nm = NAME.exec(text.slice(pos));
  if (!nm) return null;
  const name = nm[0];
  let i = pos + name.length;
  while (text[i] === ' ' || text[i] === '\t') i++;
  const op = (['!~', '=~', '!=', '='] as const).find((o) => text.startsWith(o, i));
  if (!op) return null;
  i += op.length;
  const gap = i;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (i > gap) {
    // `service= env=prod`: the next word is another matcher, not this one's value.
    const next = NAME.exec(text.slice(i));
    if (next && /^\s*(?:!~|=~|!=|=)/.test(text.slice(i + next[0].length))) {
      return { error: `${name}${op} needs a value (an empty value is written "", e.g. ${name}${op}"")` };
    }
  }
  let value = '';
  const c = text[i] ?? '';
  if (OPEN_QUOTES.has(c)) {
    i++;
    let closed = false;
    while (i < text.length) {
      const ch = text[i] as string;
      if (ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
        value += text[i + 1];
        i += 2;
        continue;
      }
      if (CLOSE_QUOTES.has(ch)) {
        closed = true;
        i++;
        break;
      }
      value += ch;
      i++;
    }
    if (!closed) return { error: `the quote after ${name}${op} is never closed` };
  } else {
    while (i < text.length && !/[\s,{}]/.test(text[i] as string)) value += text[i++];
    if (value === '') return { error: `${name}${op} needs a value (an empty value is written "", e.g. ${name}${op}"")` };
  }
  return { token: { name, op, value, text: text.slice(pos, i).trim() }, end: i };
}

/** Where each field/label's conditions accumulate before becoming a matcher. */
interface Pending {
  eq?: string;
  notIn: string[];
  regex?: string;
  present?: boolean;
  written: string[];
}

/** `Disk.*` → `^(?:Disk.*)$`: Alertmanager anchors its regexes on both ends. */
export const anchorRegex = (r: string) => `^(?:${r})$`;
const ANCHORED = /^\^\(\?:([\s\S]*)\)\$$/;

function validRegex(r: string): boolean {
  try {
    new RegExp(r, 'i');
    return true;
  } catch {
    return false;
  }
}

function addToken(p: Pending, t: MatcherToken, what: string): string | null {
  const again = () =>
    `${what} is given twice (${p.written.join(', ')}): every matcher must hold, so this would match nothing; for either value write ${t.name}=~"a|b"`;
  p.written.push(t.text);
  switch (t.op) {
    case '=':
      if (t.value === '') {
        if (p.present === true) return again();
        p.present = false;
        return null;
      }
      if (p.eq !== undefined && p.eq !== t.value.toLowerCase()) return again();
      p.eq = t.value.toLowerCase();
      return null;
    case '!=':
      if (t.value === '') {
        if (p.present === false) return again();
        p.present = true;
        return null;
      }
      p.notIn.push(t.value.toLowerCase());
      return null;
    case '=~':
      if (t.value === '') return `${t.text}: the regular expression is empty`;
      if (!validRegex(t.value)) return `${t.text}: "${t.value}" is not a valid regular expression`;
      if (p.regex !== undefined) return again();
      p.regex = anchorRegex(t.value);
      return null;
    case '!~':
      return `${t.text}: "!~" (does not match a regex) is not supported; use != for each value to leave out`;
  }
}

function toMatcher(p: Pending): Matcher {
  if (p.eq !== undefined && p.notIn.length === 0 && p.regex === undefined && p.present === undefined) return p.eq;
  const c: Exclude<Matcher, string | string[]> = {};
  if (p.eq !== undefined) c.in = [p.eq];
  if (p.notIn.length > 0) c.notIn = [...new Set(p.notIn)];
  if (p.present !== undefined) c.present = p.present;
  if (p.regex !== undefined) c.regex = p.regex;
  return c;
}

export interface MatchTextPrefix {
  /** The match block of the leading matchers (empty when there were none). */
  match: MatchBlock;
  /** How many matchers were read. */
  count: number;
  /** The text after the last matcher, trimmed at the start. */
  rest: string;
}

/**
 * Reads the matchers at the start of `text` and stops at the first word that
 * is not one (`service=checkout env=prod 2h db migration` → the two matchers,
 * rest `2h db migration`). Errors name the matcher that is wrong.
 */
export function parseMatchPrefix(text: string): { ok: true; value: MatchTextPrefix } | { ok: false; error: string } {
  const pending = new Map<string, Pending>();
  let pos = 0;
  let count = 0;
  let braced = false;
  const skip = () => {
    while (pos < text.length && /[\s,]/.test(text[pos] as string)) pos++;
  };
  skip();
  if (text[pos] === '{') {
    braced = true;
    pos++;
  }
  for (;;) {
    skip();
    if (braced && text[pos] === '}') {
      pos++;
      braced = false;
      break;
    }
    const r = readMatcher(text, pos);
    if (r === null) break;
    if ('error' in r) return { ok: false, error: r.error };
    const { token } = r;
    const field = FIELD_NAMES[token.name.toLowerCase()];
    const label = token.name.startsWith('labels.') ? token.name.slice('labels.'.length) : token.name;
    if (label === '') return { ok: false, error: `${token.text}: name the label after "labels."` };
    const key = field ?? `labels.${label}`;
    const p = pending.get(key) ?? { notIn: [], written: [] };
    const problem = addToken(p, token, field ?? `label ${label}`);
    if (problem) return { ok: false, error: problem };
    pending.set(key, p);
    count++;
    pos = r.end;
  }
  if (braced) return { ok: false, error: 'the "{" is never closed with "}"' };

  const match: MatchBlock = {};
  for (const [key, p] of pending) {
    const m = toMatcher(p);
    if (key.startsWith('labels.')) (match.labels ??= {})[key.slice('labels.'.length)] = m;
    else match[key as MatchField] = m;
  }
  return { ok: true, value: { match, count, rest: text.slice(pos).replace(/^[\s,]+/, '') } };
}

/**
 * The compact text form → a match block. Names: `source`, `service`,
 * `environment` (or `env`), `severity`, `alertname`, `labels.<name>`, and any
 * other name is a label. Operators: `=` (equals, ignoring case; `=""` means
 * the value is missing), `!=` (differs, or is missing; `!=""` means present),
 * `=~` (a regular expression, anchored on both ends as in Alertmanager, so
 * `alertname=~"Disk.*"` matches `DiskFull` and not `HighDiskUsage`). Values
 * with spaces or commas go in double quotes; `\"` and `\\` escape inside them.
 */
export function parseMatchText(text: string): ParsedMatch {
  const r = parseMatchPrefix(text);
  if (!r.ok) return r;
  const { match, count, rest } = r.value;
  if (rest !== '') {
    const word = rest.split(/\s+/)[0] ?? rest;
    return { ok: false, error: `"${word}" is not a matcher: write name=value, name!=value or name=~"regex" (e.g. service=checkout)` };
  }
  if (count === 0) return { ok: false, error: 'no matcher: write name=value, name!=value or name=~"regex" (e.g. service=checkout)' };
  return { ok: true, match };
}

/** In double quotes; a backslash is doubled only where the parser would read it as an escape. */
const quoted = (v: string) => `"${v.replace(/\\(?=["\\]|$)/g, '\\\\').replaceAll('"', '\\"')}"`;

/** A word as it is, or in quotes when it holds a space, a comma, a brace, a quote or an operator. */
function quote(v: string): string {
  return /^[^\s,{}"=!~\u201c\u201d\u201e]+$/.test(v) ? v : quoted(v);
}

function formatOne(name: string, m: Matcher): string[] {
  if (typeof m === 'string') return [`${name}=${quote(m)}`];
  if (Array.isArray(m)) return [`${name}=~${quoted(m.map(escapeRegex).join('|'))}`];
  const out: string[] = [];
  if (m.present === false) out.push(`${name}=""`);
  if (m.present === true) out.push(`${name}!=""`);
  if (m.in) out.push(m.in.length === 1 ? `${name}=${quote(m.in[0] as string)}` : `${name}=~${quoted(m.in.map(escapeRegex).join('|'))}`);
  for (const v of m.notIn ?? []) out.push(`${name}!=${quote(v)}`);
  if (m.regex !== undefined) {
    const inner = ANCHORED.exec(m.regex)?.[1];
    out.push(`${name}=~${quoted(inner ?? `.*(?:${m.regex}).*`)}`);
  }
  return out;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A match block in the compact text form, for Slack and the console
 * (`service=checkout environment=prod alertname=~"Disk.*"`). parseMatchText
 * reads it back to a block that matches the same alerts.
 */
export function formatMatch(block: MatchBlock): string {
  const parts: string[] = [];
  for (const f of MATCH_FIELDS) {
    const m = block[f];
    if (m !== undefined) parts.push(...formatOne(f, m));
  }
  for (const [label, m] of Object.entries(block.labels ?? {})) {
    const name = FIELD_NAMES[label.toLowerCase()] || label.startsWith('labels.') ? `labels.${label}` : label;
    parts.push(...formatOne(name, m));
  }
  return parts.join(' ');
}
