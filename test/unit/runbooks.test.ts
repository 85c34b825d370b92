import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRunbooks, resetRunbookCache } from '../../functions/src/adapters/runbookFiles';
import {
  checklistFromRunbook,
  matchRunbook,
  parseRunbook,
  type Runbook,
  type RunbookSubject,
  slugify,
} from '../../functions/src/domain/runbooks';
import { ConfigError, type ConfigIssue } from '../../functions/src/domain/yamlConfig';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNBOOKS_DIR = path.join(ROOT, 'runbooks');
const shipped = fs.readdirSync(RUNBOOKS_DIR).filter((f) => f.endsWith('.md')).sort();

function parseOk(text: string, file = 'runbooks/test.md'): Runbook {
  const r = parseRunbook(text, file);
  if (!r.ok) throw new Error(`expected ${file} to parse: ${JSON.stringify(r.issues)}`);
  return r.value;
}

function parseIssues(text: string, file = 'runbooks/broken.md'): ConfigIssue[] {
  const r = parseRunbook(text, file);
  if (r.ok) throw new Error(`expected ${file} not to parse`);
  return r.issues;
}

const md = (front: string, body = '## Triage\n\n- [ ] Check the dashboard\n') => `---\n${front}\n---\n\n${body}`;

/** A runbook built from front matter alone (one step). */
const rb = (id: string, match: string, extra = '') => parseOk(md(`id: ${id}\ntitle: ${id}\nmatch: ${match}${extra ? `\n${extra}` : ''}`), `runbooks/${id}.md`);

const subject = (over: Partial<RunbookSubject> = {}): RunbookSubject => ({
  service: 'checkout',
  environment: 'production',
  source: 'alertmanager',
  alertName: 'HighErrorRate',
  severity: 'SEV2',
  labels: {},
  ...over,
});

describe('the shipped runbooks', () => {
  it('include the five documented ones', () => {
    expect(shipped).toEqual(expect.arrayContaining(['default.md', 'high-error-rate.md', 'latency.md', 'failed-deploy.md', 'firestore-quota.md']));
  });

  it.each(shipped)('%s parses, with 6 to 15 steps under headings', (name) => {
    const text = fs.readFileSync(path.join(RUNBOOKS_DIR, name), 'utf8');
    const runbook = parseOk(text, `runbooks/${name}`);
    expect(runbook.id).toBe(name.replace(/\.md$/, ''));
    expect(runbook.title.length).toBeGreaterThan(0);
    expect(runbook.steps.length).toBeGreaterThanOrEqual(6);
    expect(runbook.steps.length).toBeLessThanOrEqual(15);
    for (const step of runbook.steps) {
      expect(step.section).not.toBeNull();
      expect(step.text).not.toMatch(/```|\n/);
      expect(step.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    }
    expect(runbook.steps.map((s) => s.order)).toEqual(runbook.steps.map((_, i) => i));
  });

  it.each(shipped)('%s has unique step ids that stay the same when parsed again', (name) => {
    const text = fs.readFileSync(path.join(RUNBOOKS_DIR, name), 'utf8');
    const first = parseOk(text, `runbooks/${name}`);
    const second = parseOk(text, `runbooks/${name}`);
    const ids = first.steps.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(second.steps.map((s) => s.id)).toEqual(ids);
  });

  it('load from the project root, with exactly one default', () => {
    resetRunbookCache();
    const all = loadRunbooks();
    expect(all.map((r) => r.id).sort()).toEqual(shipped.map((f) => f.replace(/\.md$/, '')));
    expect(all.filter((r) => r.match.default === true).map((r) => r.id)).toEqual(['default']);
    expect(loadRunbooks()).toBe(all); // cached per process
    resetRunbookCache();
    expect(loadRunbooks()).not.toBe(all);
  });

  it('pick the specific runbook for its alert names and the default otherwise', () => {
    const all = loadRunbooks();
    const pick = (alertName: string) => matchRunbook(all, subject({ alertName }))?.id;
    expect(pick('HighErrorRate')).toBe('high-error-rate');
    expect(pick('higherrorrate')).toBe('high-error-rate');
    expect(pick('HighRequestLatency')).toBe('latency');
    expect(pick('DeployFailed')).toBe('failed-deploy');
    expect(pick('RollbackFailed')).toBe('failed-deploy');
    expect(pick('FirestoreQuotaExceeded')).toBe('firestore-quota');
    expect(pick('DiskAlmostFull')).toBe('default');
  });
});

describe('parseRunbook', () => {
  it('reads the front matter and the steps with their sections', () => {
    const runbook = parseOk(
      [
        '---',
        'title: Checkout down',
        'match:',
        '  service: checkout',
        '  alertname: [HighErrorRate, High5xxRate]',
        '  severity: sev1',
        '  labels: { team: payments }',
        'priority: 5',
        'description: For checkout.',
        '---',
        'Intro paragraph.',
        '',
        '# Checkout',
        '- [ ] Before any heading',
        '## Triage',
        '- [ ] Check the `checkout` dashboard',
        '* [ ] Check [the logs](https://example.com/logs)',
        '  - [x] Nested item, done in the file',
        '```sh',
        '- [ ] not a step: inside a code block',
        '## not a heading either',
        '```',
        '### Mitigate',
        '1. [ ] Roll back',
        '   the last deploy',
        '',
        '<!-- - [ ] commented out -->',
        '#### Deeper heading keeps the section',
        '- [ ] Verify',
        '- not a task item',
      ].join('\n'),
      'runbooks/checkout.md',
    );
    expect(runbook).toMatchObject({
      id: 'checkout',
      title: 'Checkout down',
      file: 'runbooks/checkout.md',
      priority: 5,
      description: 'For checkout.',
      match: { service: ['checkout'], alertname: ['HighErrorRate', 'High5xxRate'], severity: ['SEV1'], labels: { team: ['payments'] } },
    });
    expect(runbook.steps).toEqual([
      { id: 'before-any-heading', text: 'Before any heading', order: 0, section: null },
      { id: 'triage-check-the-checkout-dashboard', text: 'Check the `checkout` dashboard', order: 1, section: 'Triage' },
      { id: 'triage-check-the-logs', text: 'Check [the logs](https://example.com/logs)', order: 2, section: 'Triage' },
      { id: 'triage-nested-item-done-in-the-file', text: 'Nested item, done in the file', order: 3, section: 'Triage' },
      { id: 'mitigate-roll-back-the-last-deploy', text: 'Roll back the last deploy', order: 4, section: 'Mitigate' },
      { id: 'mitigate-verify', text: 'Verify', order: 5, section: 'Mitigate' },
    ]);
  });

  it('defaults id, priority and description', () => {
    const runbook = parseOk(md('title: T\nmatch: { default: true }'), 'some/dir/my-runbook.md');
    expect(runbook).toMatchObject({ id: 'my-runbook', priority: 0, description: null, match: { default: true } });
  });

  it('de-duplicates step ids with a suffix, by position', () => {
    const runbook = parseOk(md('title: T\nmatch: { default: true }', '## Check\n- [ ] Look\n- [ ] Look\n- [ ] Look-2\n- [ ] Look\n'));
    expect(runbook.steps.map((s) => s.id)).toEqual(['check-look', 'check-look-2', 'check-look-2-2', 'check-look-3']);
  });

  it('keeps step ids when other steps are added elsewhere', () => {
    const before = parseOk(md('title: T\nmatch: { default: true }', '## A\n- [ ] One\n## B\n- [ ] Two\n'));
    const after = parseOk(md('title: T\nmatch: { default: true }', '## A\n- [ ] Zero\n- [ ] One\n## B\n- [ ] Two\n- [ ] Three\n'));
    const id = (r: Runbook, text: string) => r.steps.find((s) => s.text === text)?.id;
    expect(id(after, 'One')).toBe(id(before, 'One'));
    expect(id(after, 'Two')).toBe(id(before, 'Two'));
  });

  it('makes short, safe ids from long or unusual text', () => {
    expect(slugify('Ünïcödé & <stuff> — "quoted"')).toBe('unicode-stuff-quoted');
    const long = slugify('a very long step text that goes on and on well past any sensible document id length limit');
    expect(long.length).toBeLessThanOrEqual(48);
    expect(long).not.toMatch(/-$/);
    const runbook = parseOk(md('title: T\nmatch: { default: true }', '- [ ] 🚀🚀\n'));
    expect(runbook.steps[0]?.id).toBe('step');
  });

  it('accepts CRLF line endings and a byte-order mark', () => {
    const runbook = parseOk(`\uFEFF${md('title: T\nmatch: { default: true }')}`.replace(/\n/g, '\r\n'));
    expect(runbook.steps.map((s) => s.text)).toEqual(['Check the dashboard']);
  });
});

describe('parseRunbook errors point at the file and line', () => {
  it('bad YAML in the front matter', () => {
    const issues = parseIssues('---\ntitle: T\nmatch: { default: true\npriority: 1\n---\n- [ ] Step\n');
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({ file: 'runbooks/broken.md' });
    expect(issues[0]?.line).toBeGreaterThanOrEqual(3);
    expect(issues[0]?.line).toBeLessThanOrEqual(5);
  });

  it('a duplicate key', () => {
    const issues = parseIssues('---\ntitle: T\nmatch: { default: true }\ntitle: again\n---\n- [ ] Step\n');
    expect(issues[0]).toMatchObject({ file: 'runbooks/broken.md', line: 4 });
  });

  it('an unknown key, at its own line', () => {
    const issues = parseIssues('---\ntitle: T\nmatch: { default: true }\nowner: sre\n---\n- [ ] Step\n');
    expect(issues).toEqual([{ file: 'runbooks/broken.md', line: 4, path: 'owner', message: expect.stringContaining('unknown key "owner"') }]);
  });

  it('an unknown match key, with a hint for the wrong case', () => {
    const issues = parseIssues('---\ntitle: T\nmatch:\n  service: api\n  alertName: HighErrorRate\n---\n- [ ] Step\n');
    expect(issues).toEqual([{ file: 'runbooks/broken.md', line: 5, path: 'match.alertName', message: expect.stringContaining('did you mean "alertname"') }]);
  });

  it('a missing title', () => {
    const issues = parseIssues('---\nid: x\nmatch: { default: true }\n---\n- [ ] Step\n');
    expect(issues).toEqual([{ file: 'runbooks/broken.md', line: 2, path: 'title', message: 'title is required' }]);
  });

  it('a missing match', () => {
    const issues = parseIssues('---\ntitle: T\n---\n- [ ] Step\n');
    expect(issues).toEqual([{ file: 'runbooks/broken.md', line: 2, path: 'match', message: expect.stringContaining('match is required') }]);
  });

  it('a match with no condition, default: false, or default mixed with conditions', () => {
    expect(parseIssues(md('title: T\nmatch: {}'))[0]).toMatchObject({ line: 3, path: 'match' });
    expect(parseIssues(md('title: T\nmatch:\n  default: false'))[0]).toMatchObject({ line: 4, path: 'match.default' });
    expect(parseIssues(md('title: T\nmatch:\n  service: api\n  default: true'))[0]).toMatchObject({ line: 5, path: 'match.default' });
  });

  it('a wrong severity or source value', () => {
    expect(parseIssues(md('title: T\nmatch:\n  severity: [SEV1, critical]'))[0]).toMatchObject({ line: 4, path: 'match.severity.1' });
    expect(parseIssues(md('title: T\nmatch:\n  source: pagerduty'))[0]).toMatchObject({ line: 4, path: 'match.source.0' });
  });

  it('no steps', () => {
    const issues = parseIssues('---\ntitle: T\nmatch: { default: true }\n---\n\nJust prose.\n\n- a plain list item\n');
    expect(issues).toEqual([{ file: 'runbooks/broken.md', line: 5, path: '', message: expect.stringContaining('at least one step') }]);
  });

  it('a step without text', () => {
    const issues = parseIssues('---\ntitle: T\nmatch: { default: true }\n---\n- [ ] One\n- [ ]\n');
    expect(issues).toEqual([{ file: 'runbooks/broken.md', line: 6, path: '', message: 'a step has no text' }]);
  });

  it('missing front matter', () => {
    const issues = parseIssues('# Just markdown\n\n- [ ] Step\n');
    expect(issues).toEqual([{ file: 'runbooks/broken.md', line: 1, path: '', message: expect.stringContaining('front matter') }]);
  });

  it('front matter that is never closed', () => {
    const issues = parseIssues('---\ntitle: T\nmatch: { default: true }\n- [ ] Step\n');
    expect(issues).toEqual([{ file: 'runbooks/broken.md', line: 1, path: '', message: expect.stringContaining('no closing') }]);
  });

  it('several problems at once, in line order', () => {
    const issues = parseIssues('---\nowner: me\nmatch: { default: true }\n---\nNo steps.\n');
    expect(issues.map((i) => [i.line, i.path])).toEqual([
      [2, 'title'],
      [2, 'owner'],
      [5, ''],
    ]);
  });
});

describe('matchRunbook', () => {
  const fallback = rb('default', '{ default: true }');
  const byAlert = rb('errors', '{ alertname: HighErrorRate }');
  const byServiceAndAlert = rb('checkout-errors', '{ service: checkout, alertname: [HighErrorRate, High5xxRate] }');
  const byLabels = rb('payments-errors', '{ alertname: HighErrorRate, labels: { team: payments, tier: 1 } }');

  it('prefers the most specific match: service + alertname beats alertname beats default', () => {
    const all = [fallback, byAlert, byServiceAndAlert];
    expect(matchRunbook(all, subject())?.id).toBe('checkout-errors');
    expect(matchRunbook(all, subject({ service: 'search' }))?.id).toBe('errors');
    expect(matchRunbook(all, subject({ service: 'search', alertName: 'Other' }))?.id).toBe('default');
    expect(matchRunbook(all, subject({ service: null, alertName: 'High5xxRate' }))?.id).toBe('default');
  });

  it('counts each label as one condition; every label must hold', () => {
    const all = [fallback, byAlert, byServiceAndAlert, byLabels];
    expect(matchRunbook(all, subject({ labels: { team: 'Payments', tier: '1' } }))?.id).toBe('payments-errors');
    expect(matchRunbook(all, subject({ labels: { team: 'payments' } }))?.id).toBe('checkout-errors');
  });

  it('compares values without regard to case', () => {
    expect(matchRunbook([byServiceAndAlert], subject({ service: 'CHECKOUT', alertName: 'high5xxrate' }))?.id).toBe('checkout-errors');
    const sev = rb('sev1', '{ severity: sev1, environment: [prod, production] }');
    expect(matchRunbook([sev], subject({ severity: 'SEV1', environment: 'Production' }))?.id).toBe('sev1');
    expect(matchRunbook([sev], subject({ severity: 'SEV2' }))).toBeNull();
  });

  it('breaks ties by priority, then by id', () => {
    const a = rb('a-errors', '{ alertname: HighErrorRate }');
    const a2 = rb('a2-errors', '{ alertname: HighErrorRate }');
    const b = rb('b-errors', '{ alertname: HighErrorRate }', 'priority: 10');
    const bySource = rb('by-source', '{ source: alertmanager }', 'priority: 100');
    expect(matchRunbook([a, b, a2], subject())?.id).toBe('b-errors');
    expect(matchRunbook([a2, a], subject())?.id).toBe('a-errors');
    expect(matchRunbook([a, b, bySource], subject())?.id).toBe('by-source');
    // Priority never beats specificity.
    expect(matchRunbook([bySource, byServiceAndAlert], subject())?.id).toBe('checkout-errors');
  });

  it('returns null when nothing matches and there is no default', () => {
    expect(matchRunbook([byAlert], subject({ alertName: 'Other' }))).toBeNull();
    expect(matchRunbook([], subject())).toBeNull();
  });
});

describe('checklistFromRunbook', () => {
  it('gives every step, none done', () => {
    const runbook = parseOk(md('title: T\nmatch: { default: true }', '## A\n- [x] One\n- [ ] Two\n'));
    expect(checklistFromRunbook(runbook)).toEqual([
      { id: 'a-one', text: 'One', order: 0, section: 'A', done: false, doneBy: null, doneAt: null },
      { id: 'a-two', text: 'Two', order: 1, section: 'A', done: false, doneBy: null, doneAt: null },
    ]);
  });
});

describe('loadRunbooks on a directory', () => {
  const dirs: string[] = [];
  const tempDir = (files: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbooks-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  const good = md('title: Good\nmatch: { default: true }');

  it('throws a ConfigError naming each broken file and line', () => {
    const dir = tempDir({
      'good.md': good,
      'broken.md': '---\ntitle: Broken\nmatch: { alertname: [a, b }\n---\n- [ ] Step\n',
      'no-steps.md': md('title: Empty\nmatch: { service: api }', 'Nothing to do.\n'),
      'README.md': '# Not a runbook\n',
    });
    let error: unknown;
    try {
      loadRunbooks(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect([...new Set(issues.map((i) => path.basename(i.file)))].sort()).toEqual(['broken.md', 'no-steps.md']);
    const broken = issues.find((i) => i.file.endsWith('broken.md'));
    expect(broken?.line).toBe(3);
    expect((error as ConfigError).message).toMatch(/broken\.md:3: /);
    expect((error as ConfigError).message).toMatch(/no-steps\.md:5: /);
  });

  it('rejects duplicate ids and a second default', () => {
    const dir = tempDir({
      'a.md': good,
      'b.md': md('id: a\ntitle: Other\nmatch: { service: api }'),
      'c.md': md('title: Another default\nmatch:\n  default: true'),
    });
    expect(() => loadRunbooks(dir)).toThrow(ConfigError);
    try {
      loadRunbooks(dir);
    } catch (e) {
      const issues = (e as ConfigError).issues;
      expect(issues).toEqual([
        expect.objectContaining({ line: 2, path: 'id', message: expect.stringContaining('already used') }),
        expect.objectContaining({ line: 4, path: 'match.default', message: expect.stringContaining('only one runbook') }),
      ]);
      expect(path.basename(issues[0]?.file ?? '')).toBe('b.md');
      expect(path.basename(issues[1]?.file ?? '')).toBe('c.md');
    }
  });

  it('loads a good directory, skipping README.md, and treats a missing one as empty', () => {
    const dir = tempDir({ 'good.md': good, 'README.md': 'no front matter' });
    expect(loadRunbooks(dir).map((r) => r.id)).toEqual(['good']);
    expect(loadRunbooks(path.join(dir, 'missing'))).toEqual([]);
  });
});
