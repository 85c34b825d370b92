import { describe, expect, it } from 'vitest';
import {
  formatMatch,
  isEmptyMatch,
  type MatchBlock,
  matchBlockSchema,
  matches,
  type MatchSubject,
  parseMatchPrefix,
  parseMatchText,
  valueMatches,
} from '../../functions/src/domain/match';
import { matches as severityMatches } from '../../functions/src/domain/severity';

const subject = (over: Partial<MatchSubject> = {}): MatchSubject => ({
  source: 'alertmanager',
  service: 'checkout',
  environment: 'production',
  severity: 'critical',
  alertName: 'DiskFull',
  labels: { alertname: 'DiskFull', instance: 'db-1', team: 'payments' },
  ...over,
});

const block = (raw: unknown): MatchBlock => matchBlockSchema.parse(raw);

describe('matches: the grammar of the severity rules', () => {
  const table: [string, unknown, Partial<MatchSubject>, boolean][] = [
    ['empty block matches everything', {}, {}, true],
    ['a word, ignoring case', { service: 'CHECKOUT' }, {}, true],
    ['a different word', { service: 'search' }, {}, false],
    ['a word never matches a missing value', { environment: 'production' }, { environment: null }, false],
    ['a list is any of', { severity: ['error', 'critical'] }, {}, true],
    ['a list that misses', { severity: ['error', 'warning'] }, {}, false],
    ['alertname looks at alertName', { alertname: 'diskfull' }, {}, true],
    ['source', { source: 'grafana' }, {}, false],
    ['labels', { labels: { team: 'payments', instance: 'db-1' } }, {}, true],
    ['a missing label', { labels: { zone: 'eu' } }, {}, false],
    ['numbers are words', { labels: { shard: 3 } }, { labels: { shard: '3' } }, true],
    ['present: true', { environment: { present: true } }, {}, true],
    ['present: false on a missing value', { environment: { present: false } }, { environment: null }, true],
    ['an empty value is missing', { environment: { present: false } }, { environment: '' }, true],
    ['notIn lets a missing value through', { environment: { notIn: ['production'] } }, { environment: null }, true],
    ['notIn', { environment: { notIn: ['production', 'prd'] } }, {}, false],
    ['in and notIn together', { service: { in: ['checkout', 'cart'], notIn: ['cart'] } }, {}, true],
    ['regex, unanchored, ignoring case', { alertname: { regex: 'disk' } }, {}, true],
    ['regex on a missing value', { environment: { regex: '.*' } }, { environment: null }, false],
    ['every key must hold', { service: 'checkout', environment: 'staging' }, {}, false],
  ];
  it.each(table)('%s', (_what, raw, over, want) => {
    expect(matches(block(raw), subject(over))).toBe(want);
  });

  it('keeps the per-value matcher that severity.ts exported (runbooks use it)', () => {
    expect(severityMatches).toBe(valueMatches);
    expect(valueMatches('prod', 'PROD')).toBe(true);
    expect(valueMatches({ present: false }, undefined)).toBe(true);
  });

  it('isEmptyMatch', () => {
    expect([{}, { labels: {} }, { service: 'a' }, { labels: { a: 'b' } }].map((r) => isEmptyMatch(block(r)))).toEqual([true, true, false, false]);
  });
});

describe('parseMatchText: the compact form', () => {
  const ok: [string, unknown][] = [
    ['service=checkout', { service: 'checkout' }],
    ['service=Checkout env=prod', { service: 'checkout', environment: 'prod' }],
    ['environment=prod', { environment: 'prod' }],
    ['alertname=~"Disk.*"', { alertname: { regex: '^(?:Disk.*)$' } }],
    ['{service="checkout", env="prod"}', { service: 'checkout', environment: 'prod' }],
    ['service = checkout , severity=critical', { service: 'checkout', severity: 'critical' }],
    ['env!=prod', { environment: { notIn: ['prod'] } }],
    ['env!=prod env!=prd', { environment: { notIn: ['prod', 'prd'] } }],
    ['service=checkout service!=cart', { service: { in: ['checkout'], notIn: ['cart'] } }],
    ['env=""', { environment: { present: false } }],
    ['env!=""', { environment: { present: true } }],
    ['instance=db-1 labels.service=api', { labels: { instance: 'db-1', service: 'api' } }],
    ['app.kubernetes.io/name=web', { labels: { 'app.kubernetes.io/name': 'web' } }],
    ['summary="disk, almost \\"full\\""', { labels: { summary: 'disk, almost "full"' } }],
    ['service=“checkout”', { service: 'checkout' }],
    ['source=sentry SEVERITY=P1', { source: 'sentry', severity: 'p1' }],
    ['service=checkout service=CHECKOUT', { service: 'checkout' }],
  ];
  it.each(ok)('%s', (text, want) => {
    expect(parseMatchText(text)).toEqual({ ok: true, match: want });
  });

  const bad: [string, RegExp][] = [
    ['', /no matcher/],
    ['checkout', /"checkout" is not a matcher/],
    ['service=checkout 2h', /"2h" is not a matcher/],
    ['service=a service=b', /service is given twice \(service=a, service=b\).*service=~"a\|b"/],
    ['env="prod', /quote after env= is never closed/],
    ['service=', /service= needs a value/],
    ['service!= env=x', /service!= needs a value/],
    ['alertname=~"("', /"\(" is not a valid regular expression/],
    ['alertname=~""', /regular expression is empty/],
    ['alertname!~"Disk.*"', /"!~".*not supported/],
    ['alertname=~a alertname=~b', /alertname is given twice/],
    ['{service=checkout', /never closed with "}"/],
    ['labels.=x', /name the label/],
    ['env="" env!=""', /environment is given twice/],
  ];
  it.each(bad)('%j → %s', (text, reason) => {
    const r = parseMatchText(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });

  it('anchors regexes as Alertmanager does', () => {
    const r = parseMatchText('alertname=~"Disk.*"');
    if (!r.ok) throw new Error(r.error);
    const names = ['DiskFull', 'diskpressure', 'HighDiskUsage', 'Disk'];
    expect(names.map((alertName) => matches(r.match, subject({ alertName })))).toEqual([true, true, false, true]);
  });

  it('reads the matchers at the start and leaves the rest', () => {
    expect(parseMatchPrefix('service=checkout env=prod 2h db  migration')).toEqual({
      ok: true,
      value: { match: { service: 'checkout', environment: 'prod' }, count: 2, rest: '2h db  migration' },
    });
    expect(parseMatchPrefix('2h x')).toEqual({ ok: true, value: { match: {}, count: 0, rest: '2h x' } });
  });

  it('produces blocks that the YAML schema accepts as they are', () => {
    for (const [text] of ok) {
      const r = parseMatchText(text);
      if (!r.ok) throw new Error(r.error);
      expect(matchBlockSchema.parse(r.match)).toEqual(r.match);
    }
  });
});

describe('formatMatch', () => {
  const table: [unknown, string][] = [
    [{ service: 'checkout', environment: 'prod' }, 'service=checkout environment=prod'],
    [{ alertname: { regex: '^(?:Disk.*)$' } }, 'alertname=~"Disk.*"'],
    [{ alertname: { regex: 'disk' } }, 'alertname=~".*(?:disk).*"'],
    [{ severity: ['critical', 'p1'] }, 'severity=~"critical|p1"'],
    [{ environment: { present: true, notIn: ['prod', 'prd'] } }, 'environment!="" environment!=prod environment!=prd'],
    [{ environment: { present: false } }, 'environment=""'],
    [{ labels: { service: 'api', summary: 'a b' } }, 'labels.service=api summary="a b"'],
    [{ service: { in: ['a.b', 'c'] } }, 'service=~"a\\.b|c"'],
    [{ labels: { path: 'C:\\my dir\\', quote: 'say "hi"' } }, 'path="c:\\my dir\\\\" quote="say \\"hi\\""'],
  ];
  it.each(table)('%j → %s', (raw, text) => {
    expect(formatMatch(block(raw))).toBe(text);
  });

  const subjects = [
    subject(),
    subject({ environment: null, alertName: 'HighDiskUsage' }),
    subject({ service: 'a.b', severity: 'P1', labels: { service: 'api', summary: 'a b' } }),
    subject({ environment: 'prd', alertName: 'diskfull', service: 'c', labels: {} }),
    subject({ labels: { path: 'C:\\My Dir\\', quote: 'say "HI"' } }),
  ];
  it.each(table)('reads %j back to a block that matches the same alerts', (raw) => {
    const b = block(raw);
    const back = parseMatchText(formatMatch(b));
    if (!back.ok) throw new Error(back.error);
    expect(subjects.map((s) => matches(back.match, s))).toEqual(subjects.map((s) => matches(b, s)));
  });
});
