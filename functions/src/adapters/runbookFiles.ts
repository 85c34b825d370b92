// Reads the runbooks (runbooks/*.md, contract §6) shipped with the functions.
// Validated at build time, at start, and on first use; a broken file fails
// with its path and line.
import fs from 'node:fs';
import path from 'node:path';
import { parseRunbook, type Runbook } from '../domain/runbooks';
import { type ConfigIssue, ConfigError } from '../domain/yamlConfig';
import { projectRoot } from './projectRoot';

/** The directory of the project's runbooks. */
export function runbooksDir(): string {
  return path.join(projectRoot(), 'runbooks');
}

/** A path for messages: relative to the working directory when it is below it. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** The line of the first front-matter line matching `re` (0 when there is none). */
function frontMatterLine(text: string, re: RegExp): number {
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l.trim() === '---' || l.trim() === '...') break;
    if (re.test(l)) return i + 1;
  }
  return 0;
}

/**
 * Reads and validates every `*.md` in `dir` (default: the project's runbooks/),
 * except README.md. Throws a ConfigError with every issue of every file.
 * A missing directory means no runbooks.
 */
export function readRunbooks(dir: string = runbooksDir()): Runbook[] {
  if (!fs.existsSync(dir)) return [];
  const names = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.md$/i.test(e.name) && e.name.toLowerCase() !== 'readme.md')
    .map((e) => e.name)
    .sort();
  const issues: ConfigIssue[] = [];
  const runbooks: Runbook[] = [];
  const byId = new Map<string, Runbook>();
  let fallback: Runbook | undefined;
  for (const name of names) {
    const abs = path.join(dir, name);
    const file = displayPath(abs);
    const text = fs.readFileSync(abs, 'utf8');
    const parsed = parseRunbook(text, file);
    if (!parsed.ok) {
      issues.push(...parsed.issues);
      continue;
    }
    const runbook = parsed.value;
    const same = byId.get(runbook.id);
    if (same) {
      issues.push({
        file,
        line: frontMatterLine(text, /^id\s*:/) || 1,
        path: 'id',
        message: `runbook id "${runbook.id}" is already used by ${same.file}; ids must be unique`,
      });
      continue;
    }
    if (runbook.match.default === true) {
      if (fallback) {
        issues.push({
          file,
          line: frontMatterLine(text, /^\s*default\s*:|\bdefault\s*:\s*true\b/) || frontMatterLine(text, /^match\s*:/) || 1,
          path: 'match.default',
          message: `only one runbook may have match: { default: true }; ${fallback.file} already does`,
        });
        continue;
      }
      fallback = runbook;
    }
    byId.set(runbook.id, runbook);
    runbooks.push(runbook);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return runbooks;
}

let cached: Runbook[] | undefined;

/**
 * The runbooks in `dir`, or the project's runbooks (read once per instance)
 * when `dir` is left out. Throws a ConfigError when any file is broken.
 */
export function loadRunbooks(dir?: string): Runbook[] {
  if (dir !== undefined) return readRunbooks(dir);
  cached ??= readRunbooks();
  return cached;
}

/** For tests: forget the cached runbooks. */
export function resetRunbookCache(): void {
  cached = undefined;
}
