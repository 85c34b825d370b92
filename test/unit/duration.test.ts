// Durations: one parser and one notation for config files, scenarios and
// Slack (domain/duration.ts), and the words people read (formatDuration).
import { describe, expect, it } from 'vitest';
import { durationSchema, durationText, formatDuration, parseDuration } from '../../functions/src/domain/duration';

describe('parseDuration', () => {
  it.each([
    ['30s', 30], ['10m', 600], ['2h', 7200], ['1d', 86_400], ['1w', 604_800], ['1h30m', 5400], ['1d12h', 129_600], ['1m30s', 90],
    ['500ms', 0.5], ['2H', 7200], [' 5m ', 300], ['0s', 0], ['90', 90], [90, 90], ['1.5h', 5400], ['-2m', -120],
    ['', null], ['1y', null], ['soon', null], ['5 minutes', null], [null, null], [Number.NaN, null], ['1'.repeat(70) + 's', null],
  ] as const)('parseDuration(%j) = %j', (text, want) => {
    expect(parseDuration(text)).toBe(want);
  });
});

describe('durationText', () => {
  it.each([[5400, '1h30m'], [604_800 + 3600, '7d1h'], [1_209_600, '2w'], [31 * 86_400, '31d'], [90, '1m30s'], [0, '0s'], [90_000, '1d1h'], [-120, '-2m']])('durationText(%j) = %s', (seconds, text) => {
    expect(durationText(seconds)).toBe(text);
    expect(parseDuration(text)).toBe(seconds);
  });
});

describe('durationSchema (milliseconds)', () => {
  it('durationSchema: text or seconds, with bounds and the field in the error', () => {
    const s = durationSchema('grace', { min: 60_000, max: 3_600_000 });
    expect(s.parse('5m')).toBe(300_000);
    expect(s.parse(120)).toBe(120_000);
    const messages = ['10s', '2h', 'soon', undefined].map((v) => {
      const r = s.safeParse(v);
      return r.success ? 'ok' : r.error.issues[0]?.message;
    });
    expect(messages).toEqual([
      'grace must be at least 1m (got 10s)',
      'grace must be at most 1h (got 2h)',
      'grace must be a duration such as 30s, 10m, 2h, 1d, 1w or 1h30m, not "soon"',
      'grace is required',
    ]);
  });
});

describe('formatDuration', () => {
  it.each([[252, '4 min 12 s'], [3720, '1 h 2 min'], [7200, '2 h'], [0, '0 s'], [90_061, '1 d 1 h'], [-30, '-30 s']])('formatDuration(%j) = %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
});
