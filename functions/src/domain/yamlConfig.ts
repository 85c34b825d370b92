// Parses a YAML text and validates it with a zod schema. Errors carry the file,
// the line and the reason, so a broken config points at its own mistake.
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

export interface ConfigIssue {
  file: string;
  line: number;
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
}

type YamlDocument = ReturnType<typeof parseDocument>;

/** The line of the deepest node that exists along `path` in a parsed YAML document (1 when none does). */
export function lineOfPath(doc: YamlDocument, lineCounter: LineCounter, path: readonly (string | number)[]): number {
  let node: unknown;
  for (let n = path.length; n >= 0 && !isNode(node); n--) node = doc.getIn(path.slice(0, n), true);
  const offset = isNode(node) ? node.range?.[0] : undefined;
  return offset === undefined ? 1 : lineCounter.linePos(offset).line;
}

/**
 * Parses `text` (YAML) and validates it against `schema`.
 * `lineOffset` is added to every line number, for YAML embedded after other lines.
 */
export function parseYaml<S extends z.ZodType>(text: string, schema: S, file: string, lineOffset = 0): Parsed<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined) => (offset === undefined ? 1 : lineCounter.linePos(offset).line) + lineOffset;
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({ file, line: lineAt(e.pos[0]), path: '', message: e.message.split('\n')[0] ?? e.message })),
    };
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => {
      const path = issue.path.map(String);
      return { file, line: lineOfPath(doc, lineCounter, path) + lineOffset, path: path.join('.'), message: issue.message };
    }),
  };
}

/**
 * An issue at `path` inside a YAML text, at the line of the deepest node that
 * exists along it: for checks that look across files (a severity rule naming
 * an escalation policy of another file).
 */
export function issueAt(text: string, file: string, path: (string | number)[], message: string): ConfigIssue {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  return { file, line: lineOfPath(doc, lineCounter, path), path: path.map(String).join('.'), message };
}

/** Like parseYaml, but throws a ConfigError. */
export function parseYamlOrThrow<S extends z.ZodType>(text: string, schema: S, file: string, lineOffset = 0): z.output<S> {
  const r = parseYaml(text, schema, file, lineOffset);
  if (!r.ok) throw new ConfigError(r.issues);
  return r.value;
}

// ---------------------------------------------------------------------------
// Strict objects with helpful errors (runbook front matter, drill scenarios)

/** Levenshtein distance, for "did you mean" hints on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * An object schema that reports each unknown key at that key (so the issue
 * gets the key's own line), with a hint for a near miss.
 */
export function closedObject<T extends z.core.$ZodLooseShape>(shape: T, where: string, missing: string) {
  const known = Object.keys(shape);
  const error = (i: { input: unknown }) => (i.input === undefined || i.input === null ? missing : `${where} must be a map of keys to values`);
  return z.looseObject(shape, { error }).superRefine(
    (value, ctx) => {
      for (const key of Object.keys(value)) {
        if (known.includes(key)) continue;
        const hint = known.find((k) => k.toLowerCase() === key.toLowerCase()) ?? known.find((k) => distance(k.toLowerCase(), key.toLowerCase()) <= 2);
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: hint ? `unknown key "${key}" in ${where} (did you mean "${hint}"?)` : `unknown key "${key}" in ${where}; allowed: ${known.join(', ')}`,
        });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  );
}
