// Parses a YAML text and validates it with a zod schema. Errors carry the file,
// the line and the reason, so a broken config points at its own mistake.
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

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
      // The deepest node that exists along the path gives the line.
      let node: unknown;
      for (let n = path.length; n >= 0 && !isNode(node); n--) node = doc.getIn(path.slice(0, n), true);
      const range = isNode(node) ? node.range : undefined;
      return { file, line: lineAt(range?.[0]), path: path.join('.'), message: issue.message };
    }),
  };
}

/** Like parseYaml, but throws a ConfigError. */
export function parseYamlOrThrow<S extends z.ZodType>(text: string, schema: S, file: string, lineOffset = 0): z.output<S> {
  const r = parseYaml(text, schema, file, lineOffset);
  if (!r.ok) throw new ConfigError(r.issues);
  return r.value;
}
