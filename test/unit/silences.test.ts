import { describe, expect, it } from 'vitest';
import type { MatchSubject } from '../../functions/src/domain/match';
import {
  describeSilence,
  parseSilence,
  parseSilenceArgs,
  parseSilenceCommand,
  type Silence,
  silenceEnd,
  silenceFor,
  silenceFromArgs,
  silenceReminderAt,
  silenceState,
  type StoredSilence,
} from '../../functions/src/domain/silences';
import { parseSlashCommand, USAGE, usageText } from '../../functions/src/domain/slack/command';

const T0 = Date.parse('2026-12-01T12:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

const alert = (over: Partial<MatchSubject> = {}): MatchSubject => ({
  source: 'alertmanager',
  service: 'checkout',
  environment: 'prod',
  severity: 'critical',
  alertName: 'DiskFull',
  labels: {},
  ...over,
});

function silence(id: string, over: Partial<Silence> = {}): StoredSilence {
  return {
    id,
    matchers: { service: 'checkout' },
    startsAt: at(0),
    endsAt: at(120),
    createdBy: 'uid-alice',
    comment: 'database migration',
    createdAt: at(0),
    expiredAt: null,
    expiredBy: null,
    ...over,
  };
}

describe('the silence document', () => {
  const valid = {
    matchers: { service: 'checkout', environment: { notIn: ['staging'] } },
    startsAt: '2026-12-01T12:00:00Z',
    endsAt: '2026-12-01T14:00:00Z',
    createdBy: 'uid-alice',
    comment: '  database migration ',
  };

  it('parses what the console writes: ISO text or Dates, comment trimmed, optional fields null', () => {
    const r = parseSilence(valid);
    expect(r).toEqual({
      ok: true,
      silence: {
        matchers: { service: 'checkout', environment: { notIn: ['staging'] } },
        startsAt: at(0),
        endsAt: at(120),
        createdBy: 'uid-alice',
        comment: 'database migration',
        createdAt: null,
        expiredAt: null,
        expiredBy: null,
      },
    });
    expect(parseSilence({ ...valid, startsAt: at(0), endsAt: at(120), expiredAt: at(30), expiredBy: 'uid-bob' })).toMatchObject({
      ok: true,
      silence: { expiredAt: at(30), expiredBy: 'uid-bob' },
    });
  });

  const bad: [string, Record<string, unknown>, string, string][] = [
    ['no matchers', { matchers: undefined }, 'matchers', 'expected object'],
    ['empty matchers', { matchers: {} }, 'matchers', 'matchers is empty, which would hold every alert'],
    ['an unknown matcher key', { matchers: { servce: 'x' } }, 'matchers', 'servce'],
    ['a bad regex', { matchers: { alertname: { regex: '(' } } }, 'matchers.alertname.regex', 'not a valid regular expression'],
    ['end before start', { endsAt: '2026-12-01T11:00:00Z' }, 'endsAt', 'endsAt must be after startsAt'],
    ['end equal to start', { endsAt: '2026-12-01T12:00:00Z' }, 'endsAt', 'endsAt must be after startsAt'],
    ['31 days', { endsAt: '2027-01-01T12:00:01Z' }, 'endsAt', 'a silence lasts at most 30 days; this one lasts 31d1s'],
    ['no comment', { comment: undefined }, 'comment', 'comment is required: say why'],
    ['a blank comment', { comment: '   ' }, 'comment', 'comment is empty: say why'],
    ['a long comment', { comment: 'x'.repeat(1001) }, 'comment', 'comment is longer than 1000 characters'],
    ['no creator', { createdBy: undefined }, 'createdBy', 'createdBy is required'],
    ['a start that is not a date', { startsAt: 'tomorrow' }, 'startsAt', 'startsAt must be a date (ISO 8601 text), not "tomorrow"'],
    ['no end', { endsAt: undefined }, 'endsAt', 'endsAt is required'],
  ];
  it.each(bad)('refuses %s, naming the field', (_what, change, path, message) => {
    const r = parseSilence({ ...valid, ...change });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path)).toContain(path);
    expect(r.issues.find((i) => i.path === path)?.message).toContain(message);
  });

  it('takes its longest duration from the policy', () => {
    expect(parseSilence({ ...valid, endsAt: '2026-12-03T12:00:00Z' }, { maxDays: 1 })).toMatchObject({
      ok: false,
      issues: [{ path: 'endsAt', message: expect.stringContaining('at most 1 days') }],
    });
    expect(parseSilence({ ...valid, endsAt: '2026-12-31T12:00:00Z' })).toMatchObject({ ok: true });
  });

  it('with now: refuses a new silence that is already over, not one that is upcoming', () => {
    expect(parseSilence(valid, { now: at(120) })).toEqual({ ok: false, issues: [{ path: 'endsAt', message: 'this silence is already over: endsAt is in the past' }] });
    expect(parseSilence(valid, { now: at(-60) })).toMatchObject({ ok: true });
    expect(parseSilence(valid, { now: at(119) })).toMatchObject({ ok: true });
  });
});

describe('silenceState and silenceEnd', () => {
  const s = silence('a');
  it.each([
    [-1, 'upcoming'], [0, 'active'], [60, 'active'], [119.99, 'active'], [120, 'expired'], [500, 'expired'],
  ])('at %s min: %s', (minutes, state) => {
    expect(silenceState(s, at(minutes))).toBe(state);
  });

  it('a silence expired early ends at expiredAt; a later expiredAt changes nothing', () => {
    const early = silence('a', { expiredAt: at(30), expiredBy: 'uid-bob' });
    expect([29, 30].map((m) => silenceState(early, at(m)))).toEqual(['active', 'expired']);
    expect(silenceEnd(early)).toEqual(at(30));
    const late = silence('a', { expiredAt: at(300) });
    expect(silenceEnd(late)).toEqual(at(120));
    const upcomingExpired = silence('a', { startsAt: at(60), expiredAt: at(10) });
    expect([0, 60, 90].map((m) => silenceState(upcomingExpired, at(m)))).toEqual(['upcoming', 'expired', 'expired']);
  });
});

describe('silenceFor', () => {
  const silences = [
    silence('s-checkout', { matchers: { service: 'checkout' }, endsAt: at(60) }),
    silence('s-disk', { matchers: { alertname: { regex: '^(?:disk.*)$' } }, endsAt: at(90) }),
    silence('s-later', { matchers: { service: 'search' }, startsAt: at(30), endsAt: at(240) }),
    silence('s-expired', { matchers: { service: 'cart' }, expiredAt: at(5) }),
    silence('s-same-end-b', { matchers: { labels: { team: 'db' } }, endsAt: at(100) }),
    silence('s-same-end-a', { matchers: { labels: { team: 'db' } }, endsAt: at(100) }),
  ];
  const table: [string, Partial<MatchSubject>, number, string | null][] = [
    ['the one whose matchers fit', { alertName: 'HighLatency' }, 10, 's-checkout'],
    ['of two that fit, the one that ends last', {}, 10, 's-disk'],
    ['after the longer one ends, none', {}, 90, null],
    ['after the first ends, the other', {}, 60, 's-disk'],
    ['an upcoming silence holds nothing yet', { service: 'search', alertName: 'X' }, 10, null],
    ['once it starts, it does', { service: 'search', alertName: 'X' }, 30, 's-later'],
    ['an expired one holds nothing', { service: 'cart', alertName: 'X' }, 10, null],
    ['it held before it was expired', { service: 'cart', alertName: 'X' }, 4, 's-expired'],
    ['a tie on the end goes to the smaller id', { service: 'x', alertName: 'X', labels: { team: 'db' } }, 10, 's-same-end-a'],
    ['nothing fits', { service: 'x', alertName: 'X' }, 10, null],
  ];
  it.each(table)('%s', (_what, over, minutes, id) => {
    expect(silenceFor(alert(over), silences, at(minutes))?.id ?? null).toBe(id);
  });
});

describe('silenceReminderAt', () => {
  it.each([
    ['15 min before the end', {}, 15, at(105)],
    ['another lead', {}, 30, at(90)],
    ['none when the silence is no longer than the lead', { endsAt: at(15) }, 15, null],
    ['one minute into a 16-minute silence', { endsAt: at(16) }, 15, at(1)],
    ['none once it was expired early', { expiredAt: at(10) }, 15, null],
  ] as [string, Partial<Silence>, number, Date | null][])('%s', (_what, over, lead, want) => {
    expect(silenceReminderAt(silence('a', over), lead)).toEqual(want);
  });

  it('defaults to 15 minutes', () => {
    expect(silenceReminderAt(silence('a'))).toEqual(at(105));
  });
});

describe('/incident silence', () => {
  const ok: [string, unknown, number, string][] = [
    ['service=checkout 2h database migration', { service: 'checkout' }, 7_200_000, 'database migration'],
    ['silence service=checkout env=prod 30m  rolling  restart', { service: 'checkout', environment: 'prod' }, 1_800_000, 'rolling  restart'],
    ['alertname=~"Disk.*" instance=db-1 for 1d12h disk swap, see CHG-12', { alertname: { regex: '^(?:Disk.*)$' }, labels: { instance: 'db-1' } }, 129_600_000, 'disk swap, see CHG-12'],
    ['{service="checkout",env!=staging} 1w freeze', { service: 'checkout', environment: { notIn: ['staging'] } }, 604_800_000, 'freeze'],
    ['service=checkout 30d quarter close', { service: 'checkout' }, 30 * 86_400_000, 'quarter close'],
  ];
  it.each(ok)('%s', (text, matchers, durationMs, comment) => {
    expect(parseSilenceArgs(text)).toEqual({ ok: true, args: { matchers, durationMs, comment } });
  });

  const bad: [string, string][] = [
    ['', 'Say what to silence, for how long and why, e.g. `/incident silence service=checkout 2h database migration`.'],
    ['checkout 2h migration', '“checkout” is not a matcher: start with what to silence, as name=value (e.g. service=checkout or alertname=~"Disk.*").'],
    ['2h service=checkout migration', '“2h” is not a matcher: start with what to silence, as name=value (e.g. service=checkout or alertname=~"Disk.*").'],
    ['service=checkout', 'For how long? Add a duration after the matchers, e.g. `2h`, `30m` or `1d`, then why.'],
    ['service=checkout database migration', '“database” is not a duration: after the matchers say how long, e.g. `2h`, `30m`, `1d` or `1h30m`.'],
    ['service=checkout 2h', 'Say why after the duration (a comment is required), e.g. `/incident silence service=checkout 2h database migration`.'],
    ['service=checkout 0m why', 'The duration must be more than 0, e.g. `2h`.'],
    ['service=checkout 31d why', 'A silence lasts at most 30 days (`30d`); for something that comes back, use a maintenance window (config/maintenance.yaml).'],
    ['service=a service=b 2h why', 'service is given twice (service=a, service=b): every matcher must hold, so this would match nothing; for either value write service=~"a|b".'],
    ['service="checkout 2h why', 'the quote after service= is never closed.'],
    [`service=checkout 2h ${'x'.repeat(1001)}`, 'The comment is too long (1001 characters; at most 1000).'],
  ];
  it.each(bad)('%j → an error a responder understands', (text, error) => {
    expect(parseSilenceArgs(text)).toEqual({ ok: false, error });
  });

  it('parseSilenceCommand: from now, for the duration', () => {
    expect(parseSilenceCommand('service=checkout 2h database migration', at(0))).toEqual({
      ok: true,
      silence: { matchers: { service: 'checkout' }, startsAt: at(0), endsAt: at(120), comment: 'database migration', createdAt: at(0), expiredAt: null, expiredBy: null },
    });
    expect(parseSilenceCommand('service=checkout 2d x', at(0), { maxDays: 1 })).toMatchObject({ ok: false, error: expect.stringContaining('at most 1 days') });
  });

  it('silenceFromArgs makes a document that parseSilence accepts as it is', () => {
    const r = parseSilenceArgs('service=checkout alertname=~"Disk.*" 2h database migration');
    if (!r.ok) throw new Error(r.error);
    const doc = silenceFromArgs(r.args, at(0), 'slack:U123');
    expect(parseSilence(doc, { now: at(0) })).toEqual({ ok: true, silence: doc });
    expect(describeSilence(doc)).toBe('service=checkout alertname=~"Disk.*" for 2h, until 2026-12-01T14:00:00.000Z: database migration');
  });

  it('Slack: parsed only with { silences: true }; Slack escapes decoded; errors escaped with the usage', () => {
    const off = parseSlashCommand('silence service=checkout 2h x');
    expect(off).toEqual({ kind: 'error', message: `Unknown command “silence”.\n\n${USAGE}` });
    expect(parseSlashCommand('silence service=checkout 2h latency &lt; 200ms &amp; <https://x.example/CHG-1|CHG-1>', { silences: true })).toEqual({
      kind: 'silence',
      matchers: { service: 'checkout' },
      durationMs: 7_200_000,
      comment: 'latency < 200ms & CHG-1 (https://x.example/CHG-1)',
    });
    expect(parseSlashCommand('SILENCE alertname=~“Disk.*” 1h disks', { silences: true })).toMatchObject({ kind: 'silence', matchers: { alertname: { regex: '^(?:Disk.*)$' } } });
    const err = parseSlashCommand('silence <b> 2h x', { silences: true });
    expect(err.kind).toBe('error');
    if (err.kind !== 'error') return;
    expect(err.message).toContain('“&lt;b&gt;” is not a matcher');
    expect(err.message).toContain(usageText({ silences: true }));
    expect(parseSlashCommand('silence service=checkout 3d x', { silences: true, maxSilenceDays: 2 })).toMatchObject({ kind: 'error', message: expect.stringContaining('at most 2 days') });
  });

  it('the usage lists silence only when it is parsed', () => {
    expect(usageText()).toBe(USAGE);
    expect(USAGE).not.toContain('/incident silence');
    const withSilence = usageText({ silences: true });
    expect(withSilence).toContain('/incident silence &lt;matchers&gt; &lt;duration&gt; &lt;why&gt;');
    expect(withSilence.split('\n').length).toBe(USAGE.split('\n').length + 1);
    expect(withSilence.split('\n').at(-1)).toBe(USAGE.split('\n').at(-1));
    expect(withSilence).not.toMatch(/<|>/);
  });
});
