// Who is on call: rotations in wall-clock time across DST changes in four
// zones (northern, southern, and none), restrictions, layers and overrides.
// Expected instants are written out in UTC from the zones' published rules:
//   Europe/Paris      2026-03-29 01:00Z clocks 02:00 CET → 03:00 CEST; 2026-10-25 01:00Z 03:00 CEST → 02:00 CET
//   America/New_York  2026-03-08 07:00Z 02:00 EST → 03:00 EDT;          2026-11-01 06:00Z 02:00 EDT → 01:00 EST
//   Australia/Sydney  2026-04-04 16:00Z 03:00 AEDT → 02:00 AEST;        2026-10-03 16:00Z 02:00 AEST → 03:00 AEDT
//   Asia/Kolkata      +05:30 all year
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NO_ONCALL,
  type OncallConfig,
  oncallConfigSchema,
  type OncallOverride,
  onCallLookup,
  parseOncallOverride,
  type Schedule,
  shifts,
  whoIsOnCall,
} from '../../functions/src/domain/oncall';
import { instantOfWallClock, parseWallClock, wallClockOf } from '../../functions/src/domain/timeZones';
import { formatIssue, parseYaml } from '../../functions/src/domain/yamlConfig';
import { ROOT } from '../support/config';

const Z = (iso: string) => new Date(iso.endsWith('Z') ? iso : `${iso}Z`);
const H = 3_600_000;

type RotationYaml = { members: string[]; start: string; shift: string; restrict?: { days?: string[]; from: string; to: string }[] };

function schedule(timeZone: string, ...rotations: RotationYaml[]): Schedule {
  const config = oncallConfigSchema.parse({ schedules: { primary: { timeZone, rotations } } });
  return config.schedules.primary as Schedule;
}

/** Shifts as compact strings, so a table row reads like a calendar. */
const show = (list: ReturnType<typeof shifts>) => list.map((s) => `${s.uid} ${s.start.toISOString().slice(0, 16)} → ${s.end.toISOString().slice(0, 16)}`);

const override = (o: Partial<OncallOverride> & Pick<OncallOverride, 'uid' | 'start' | 'end'>): OncallOverride => ({
  id: `ov-${o.uid}`,
  schedule: 'primary',
  createdBy: 'admin',
  createdAt: null,
  reason: null,
  ...o,
});

describe('wall-clock instants (skipped and repeated times)', () => {
  it.each([
    // zone, wall clock, instant: ordinary, skipped (→ the jump), repeated (→ first time)
    ['Europe/Paris', '2026-03-29T01:59:00', '2026-03-29T00:59:00Z'],
    ['Europe/Paris', '2026-03-29T02:00:00', '2026-03-29T01:00:00Z'],
    ['Europe/Paris', '2026-03-29T02:30:00', '2026-03-29T01:00:00Z'],
    ['Europe/Paris', '2026-03-29T03:00:00', '2026-03-29T01:00:00Z'],
    ['Europe/Paris', '2026-03-29T03:30:00', '2026-03-29T01:30:00Z'],
    ['Europe/Paris', '2026-10-25T02:30:00', '2026-10-25T00:30:00Z'],
    ['Europe/Paris', '2026-10-25T03:00:00', '2026-10-25T02:00:00Z'],
    ['America/New_York', '2026-03-08T02:30:00', '2026-03-08T07:00:00Z'],
    ['America/New_York', '2026-11-01T01:30:00', '2026-11-01T05:30:00Z'],
    ['America/New_York', '2026-11-01T02:00:00', '2026-11-01T07:00:00Z'],
    ['Australia/Sydney', '2026-10-04T02:30:00', '2026-10-03T16:00:00Z'],
    ['Australia/Sydney', '2026-04-05T02:30:00', '2026-04-04T15:30:00Z'],
    ['Asia/Kolkata', '2026-03-29T02:30:00', '2026-03-28T21:00:00Z'],
  ])('%s %s → %s', (tz, wall, utc) => {
    expect(new Date(instantOfWallClock(parseWallClock(wall) as number, tz)).toISOString()).toBe(new Date(utc).toISOString());
  });

  it('reads the repeated hour the same both times', () => {
    const first = wallClockOf(Date.parse('2026-10-25T00:30:00Z'), 'Europe/Paris');
    const second = wallClockOf(Date.parse('2026-10-25T01:30:00Z'), 'Europe/Paris');
    expect(first).toBe(second);
    expect(new Date(first).toISOString()).toBe('2026-10-25T02:30:00.000Z');
  });

  it.each(['2026-02-29T09:00:00', '2026-13-01T09:00:00', '2026-12-01T24:00:00', '2026-12-01T09:60', 'tomorrow'])('%s is not a wall-clock time', (t) => {
    expect(parseWallClock(t)).toBeNull();
  });
});

describe('rotations hand over at the same wall-clock time across DST', () => {
  const table: { name: string; tz: string; start: string; shift: string; from: string; to: string; expected: string[] }[] = [
    {
      name: 'Paris, daily at 09:00, spring forward (23 h shift)',
      tz: 'Europe/Paris', start: '2026-03-27T09:00:00', shift: '1d', from: '2026-03-27T08:00', to: '2026-03-30T07:00',
      expected: ['a 2026-03-27T08:00 → 2026-03-28T08:00', 'b 2026-03-28T08:00 → 2026-03-29T07:00', 'a 2026-03-29T07:00 → 2026-03-30T07:00'],
    },
    {
      name: 'Paris, daily at 09:00, fall back (25 h shift)',
      tz: 'Europe/Paris', start: '2026-10-23T09:00:00', shift: '1d', from: '2026-10-23T07:00', to: '2026-10-26T08:00',
      expected: ['a 2026-10-23T07:00 → 2026-10-24T07:00', 'b 2026-10-24T07:00 → 2026-10-25T08:00', 'a 2026-10-25T08:00 → 2026-10-26T08:00'],
    },
    {
      name: 'New York, daily at 09:00, spring forward',
      tz: 'America/New_York', start: '2026-03-06T09:00:00', shift: '1d', from: '2026-03-06T14:00', to: '2026-03-09T13:00',
      expected: ['a 2026-03-06T14:00 → 2026-03-07T14:00', 'b 2026-03-07T14:00 → 2026-03-08T13:00', 'a 2026-03-08T13:00 → 2026-03-09T13:00'],
    },
    {
      name: 'New York, daily at 09:00, fall back',
      tz: 'America/New_York', start: '2026-10-30T09:00:00', shift: '1d', from: '2026-10-30T13:00', to: '2026-11-02T14:00',
      expected: ['a 2026-10-30T13:00 → 2026-10-31T13:00', 'b 2026-10-31T13:00 → 2026-11-01T14:00', 'a 2026-11-01T14:00 → 2026-11-02T14:00'],
    },
    {
      name: 'Sydney (southern hemisphere), daily at 09:00, DST ends in April (25 h shift)',
      tz: 'Australia/Sydney', start: '2026-04-03T09:00:00', shift: '1d', from: '2026-04-02T22:00', to: '2026-04-05T23:00',
      expected: ['a 2026-04-02T22:00 → 2026-04-03T22:00', 'b 2026-04-03T22:00 → 2026-04-04T23:00', 'a 2026-04-04T23:00 → 2026-04-05T23:00'],
    },
    {
      name: 'Sydney, daily at 09:00, DST starts in October (23 h shift)',
      tz: 'Australia/Sydney', start: '2026-10-02T09:00:00', shift: '1d', from: '2026-10-01T23:00', to: '2026-10-04T22:00',
      expected: ['a 2026-10-01T23:00 → 2026-10-02T23:00', 'b 2026-10-02T23:00 → 2026-10-03T22:00', 'a 2026-10-03T22:00 → 2026-10-04T22:00'],
    },
    {
      name: 'Kolkata (no DST), daily at 09:00: always 24 h',
      tz: 'Asia/Kolkata', start: '2026-03-28T09:00:00', shift: '1d', from: '2026-03-28T03:30', to: '2026-03-31T03:30',
      expected: ['a 2026-03-28T03:30 → 2026-03-29T03:30', 'b 2026-03-29T03:30 → 2026-03-30T03:30', 'a 2026-03-30T03:30 → 2026-03-31T03:30'],
    },
    {
      name: 'Paris, daily at 02:30: the skipped 02:30 hands over when clocks jump to 03:00',
      tz: 'Europe/Paris', start: '2026-03-28T02:30:00', shift: '1d', from: '2026-03-28T01:30', to: '2026-03-31T00:30',
      expected: ['a 2026-03-28T01:30 → 2026-03-29T01:00', 'b 2026-03-29T01:00 → 2026-03-30T00:30', 'a 2026-03-30T00:30 → 2026-03-31T00:30'],
    },
    {
      name: 'New York, daily at 02:30: skipped on 8 March',
      tz: 'America/New_York', start: '2026-03-07T02:30:00', shift: '1d', from: '2026-03-07T07:30', to: '2026-03-09T06:30',
      expected: ['a 2026-03-07T07:30 → 2026-03-08T07:00', 'b 2026-03-08T07:00 → 2026-03-09T06:30'],
    },
    {
      name: 'Sydney, daily at 02:30: skipped on 4 October',
      tz: 'Australia/Sydney', start: '2026-10-03T02:30:00', shift: '1d', from: '2026-10-02T16:30', to: '2026-10-04T15:30',
      expected: ['a 2026-10-02T16:30 → 2026-10-03T16:00', 'b 2026-10-03T16:00 → 2026-10-04T15:30'],
    },
    {
      name: 'New York, daily at 01:30: the repeated 01:30 hands over the first time',
      tz: 'America/New_York', start: '2026-10-31T01:30:00', shift: '1d', from: '2026-10-31T05:30', to: '2026-11-02T06:30',
      expected: ['a 2026-10-31T05:30 → 2026-11-01T05:30', 'b 2026-11-01T05:30 → 2026-11-02T06:30'],
    },
    {
      name: 'Paris, daily at 02:30: repeated on 25 October',
      tz: 'Europe/Paris', start: '2026-10-24T02:30:00', shift: '1d', from: '2026-10-24T00:30', to: '2026-10-26T01:30',
      expected: ['a 2026-10-24T00:30 → 2026-10-25T00:30', 'b 2026-10-25T00:30 → 2026-10-26T01:30'],
    },
    {
      name: 'Sydney, daily at 02:30: repeated on 5 April',
      tz: 'Australia/Sydney', start: '2026-04-04T02:30:00', shift: '1d', from: '2026-04-03T15:30', to: '2026-04-05T16:30',
      expected: ['a 2026-04-03T15:30 → 2026-04-04T15:30', 'b 2026-04-04T15:30 → 2026-04-05T16:30'],
    },
    {
      name: 'a rotation that starts in the skipped hour starts at the jump',
      tz: 'Europe/Paris', start: '2026-03-29T02:30:00', shift: '1d', from: '2026-03-28T00:00', to: '2026-03-31T00:00',
      expected: ['a 2026-03-29T01:00 → 2026-03-30T00:30', 'b 2026-03-30T00:30 → 2026-03-31T00:00'],
    },
    {
      name: 'Paris, 12 h shifts at 09:00 and 21:00 local: the night of the change is 11 h',
      tz: 'Europe/Paris', start: '2026-03-28T09:00:00', shift: '12h', from: '2026-03-28T08:00', to: '2026-03-29T19:00',
      expected: ['a 2026-03-28T08:00 → 2026-03-28T20:00', 'b 2026-03-28T20:00 → 2026-03-29T07:00', 'a 2026-03-29T07:00 → 2026-03-29T19:00'],
    },
    {
      name: 'New York, weekly on Monday 09:00 across the spring change',
      tz: 'America/New_York', start: '2026-03-02T09:00:00', shift: '1w', from: '2026-03-02T14:00', to: '2026-03-16T13:00',
      expected: ['a 2026-03-02T14:00 → 2026-03-09T13:00', 'b 2026-03-09T13:00 → 2026-03-16T13:00'],
    },
    {
      name: 'clipped to the range asked for',
      tz: 'Europe/Paris', start: '2026-03-27T09:00:00', shift: '1d', from: '2026-03-27T12:00', to: '2026-03-28T12:00',
      expected: ['a 2026-03-27T12:00 → 2026-03-28T08:00', 'b 2026-03-28T08:00 → 2026-03-28T12:00'],
    },
    {
      name: 'nobody before the rotation starts',
      tz: 'Europe/Paris', start: '2026-03-27T09:00:00', shift: '1d', from: '2026-03-26T00:00', to: '2026-03-27T12:00',
      expected: ['a 2026-03-27T08:00 → 2026-03-27T12:00'],
    },
  ];

  it.each(table)('$name', ({ tz, start, shift, from, to, expected }) => {
    expect(show(shifts(schedule(tz, { members: ['a', 'b'], start, shift }), [], Z(from), Z(to)))).toEqual(expected);
  });

  it.each([
    // zone, instant, who: one second either side of each hand-over
    ['Europe/Paris', '2026-03-29T06:59:59', 'b'],
    ['Europe/Paris', '2026-03-29T07:00:00', 'a'],
    ['America/New_York', '2026-11-01T13:59:59', 'b'],
    ['America/New_York', '2026-11-01T14:00:00', 'a'],
    ['Australia/Sydney', '2026-04-04T22:59:59', 'b'],
    ['Australia/Sydney', '2026-04-04T23:00:00', 'a'],
  ])('%s at %s: %s', (tz, at, who) => {
    const starts: Record<string, string> = { 'Europe/Paris': '2026-03-27T09:00:00', 'America/New_York': '2026-10-30T09:00:00', 'Australia/Sydney': '2026-04-03T09:00:00' };
    const s = schedule(tz, { members: ['a', 'b'], start: starts[tz] as string, shift: '1d' });
    expect(whoIsOnCall(s, [], Z(at))).toEqual({ uid: who, layer: 0, source: 'rotation', overrideId: null });
  });

  it('has nobody before the start and cycles through members far ahead', () => {
    const s = schedule('Europe/Paris', { members: ['a', 'b', 'c'], start: '2026-12-01T09:00:00', shift: '1w' });
    expect(whoIsOnCall(s, [], Z('2026-12-01T07:59:59'))).toBeNull();
    expect(whoIsOnCall(s, [], Z('2026-12-01T08:00:00'))?.uid).toBe('a');
    // 2027-06-01 09:00 CEST is 26 weeks after the start: 26 mod 3 = 2 → c; an hour earlier (08:00 CEST) still week 25 → b
    expect(whoIsOnCall(s, [], Z('2027-06-01T07:00:00'))?.uid).toBe('c');
    expect(whoIsOnCall(s, [], Z('2027-06-01T06:59:59'))?.uid).toBe('b');
  });
});

describe('restrictions', () => {
  const businessHours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' };

  it('keeps a weekly rotation to business hours, across the spring change', () => {
    const s = schedule('Europe/Paris', { members: ['a', 'b'], start: '2026-03-23T09:00:00', shift: '1w', restrict: [businessHours] });
    expect(show(shifts(s, [], Z('2026-03-23T00:00'), Z('2026-03-31T00:00')))).toEqual([
      'a 2026-03-23T08:00 → 2026-03-23T17:00',
      'a 2026-03-24T08:00 → 2026-03-24T17:00',
      'a 2026-03-25T08:00 → 2026-03-25T17:00',
      'a 2026-03-26T08:00 → 2026-03-26T17:00',
      'a 2026-03-27T08:00 → 2026-03-27T17:00',
      'b 2026-03-30T07:00 → 2026-03-30T16:00',
    ]);
  });

  it('masks the shift under it without moving the hand-over', () => {
    // Daily hand-over at 12:00, window 09:00-18:00: each window holds two people.
    const s = schedule('Asia/Kolkata', { members: ['a', 'b'], start: '2026-06-01T12:00:00', shift: '1d', restrict: [{ from: '09:00', to: '18:00' }] });
    expect(show(shifts(s, [], Z('2026-06-02T00:00'), Z('2026-06-03T00:00')))).toEqual([
      'a 2026-06-02T03:30 → 2026-06-02T06:30',
      'b 2026-06-02T06:30 → 2026-06-02T12:30',
    ]);
  });

  it('runs an overnight window into the next day', () => {
    const s = schedule('America/New_York', { members: ['n'], start: '2026-06-01T00:00:00', shift: '1w', restrict: [{ days: ['fri'], from: '18:00', to: '09:00' }] });
    expect(show(shifts(s, [], Z('2026-06-01T00:00'), Z('2026-06-08T00:00')))).toEqual(['n 2026-06-05T22:00 → 2026-06-06T13:00']);
    expect(whoIsOnCall(s, [], Z('2026-06-06T12:59:59'))?.uid).toBe('n');
    expect(whoIsOnCall(s, [], Z('2026-06-06T13:00:00'))).toBeNull();
  });

  it.each([
    // a window over the change: 01:00-04:00 Paris on 29 March is 2 h of real time, on 25 October 4 h
    ['2026-03-29', '2026-03-29T00:00 → 2026-03-29T02:00'],
    ['2026-10-25', '2026-10-24T23:00 → 2026-10-25T03:00'],
  ])('a window across the change on %s: %s', (day, expected) => {
    const s = schedule('Europe/Paris', { members: ['a'], start: '2026-01-01T00:00:00', shift: '1w', restrict: [{ days: ['sun'], from: '01:00', to: '04:00' }] });
    const midnight = Z(`${day}T00:00`).getTime();
    expect(show(shifts(s, [], new Date(midnight - 12 * H), new Date(midnight + 12 * H)))).toEqual([`a ${expected}`]);
  });

  it('starts a window that opens in the skipped hour when the clocks jump', () => {
    const s = schedule('Europe/Paris', { members: ['a'], start: '2026-01-01T00:00:00', shift: '1w', restrict: [{ days: ['sun'], from: '02:30', to: '05:00' }] });
    expect(show(shifts(s, [], Z('2026-03-28T12:00'), Z('2026-03-29T12:00')))).toEqual(['a 2026-03-29T01:00 → 2026-03-29T03:00']);
  });

  it('treats from == to as a whole day from that time, and to: "24:00" as midnight', () => {
    const s = schedule('Etc/UTC', { members: ['a'], start: '2026-06-01T00:00:00', shift: '1w', restrict: [{ days: ['mon'], from: '06:00', to: '06:00' }, { days: ['wed'], from: '20:00', to: '24:00' }] });
    expect(show(shifts(s, [], Z('2026-06-01T00:00'), Z('2026-06-08T00:00')))).toEqual(['a 2026-06-01T06:00 → 2026-06-02T06:00', 'a 2026-06-03T20:00 → 2026-06-04T00:00']);
  });

  it('merges overlapping windows of one rotation', () => {
    const s = schedule('Etc/UTC', { members: ['a'], start: '2026-06-01T00:00:00', shift: '1w', restrict: [{ days: ['mon'], from: '09:00', to: '13:00' }, { days: ['mon'], from: '12:00', to: '18:00' }] });
    expect(show(shifts(s, [], Z('2026-06-01T00:00'), Z('2026-06-02T00:00')))).toEqual(['a 2026-06-01T09:00 → 2026-06-01T18:00']);
  });
});

describe('layers', () => {
  // Layer 0: x around the clock. Layer 1: a and b in business hours, weekly.
  const s = schedule(
    'Europe/Paris',
    { members: ['x'], start: '2026-03-01T00:00:00', shift: '1w' },
    { members: ['a', 'b'], start: '2026-03-23T09:00:00', shift: '1w', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' }] },
  );

  it.each([
    ['Saturday afternoon: only layer 0 has someone', '2026-03-28T14:00', { uid: 'x', layer: 0 }],
    ['Monday 10:00: layer 1 wins', '2026-03-23T09:00', { uid: 'a', layer: 1 }],
    ['Monday 18:00: layer 1 is done, layer 0 shows through', '2026-03-23T17:00', { uid: 'x', layer: 0 }],
    ['the next Monday 09:00 CEST: b', '2026-03-30T07:00', { uid: 'b', layer: 1 }],
  ])('%s', (_name, at, expected) => {
    expect(whoIsOnCall(s, [], Z(at))).toEqual({ ...expected, source: 'rotation', overrideId: null });
  });

  it('lists a day as layer 0, then layer 1, then layer 0 again', () => {
    expect(shifts(s, [], Z('2026-03-24T00:00'), Z('2026-03-25T00:00')).map((x) => [x.uid, x.layer, x.start.toISOString().slice(11, 16), x.end.toISOString().slice(11, 16)])).toEqual([
      ['x', 0, '00:00', '08:00'],
      ['a', 1, '08:00', '17:00'],
      ['x', 0, '17:00', '00:00'],
    ]);
  });
});

describe('overrides', () => {
  const s = schedule('Europe/Paris', { members: ['a', 'b'], start: '2026-03-23T09:00:00', shift: '1w', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' }] });

  it('wins over the rotation for its period and says so', () => {
    const o = override({ id: 'ov1', uid: 'c', start: Z('2026-03-24T10:00'), end: Z('2026-03-24T12:00') });
    expect(show(shifts(s, [o], Z('2026-03-24T00:00'), Z('2026-03-25T00:00')))).toEqual([
      'a 2026-03-24T08:00 → 2026-03-24T10:00',
      'c 2026-03-24T10:00 → 2026-03-24T12:00',
      'a 2026-03-24T12:00 → 2026-03-24T17:00',
    ]);
    expect(whoIsOnCall(s, [o], Z('2026-03-24T11:00'))).toEqual({ uid: 'c', layer: 1, source: 'override', overrideId: 'ov1' });
    expect(whoIsOnCall(s, [o], Z('2026-03-24T12:00'))).toEqual({ uid: 'a', layer: 0, source: 'rotation', overrideId: null });
  });

  it('fills a gap where no rotation has anyone', () => {
    const o = override({ uid: 'w', start: Z('2026-03-28T00:00'), end: Z('2026-03-29T00:00') });
    expect(whoIsOnCall(s, [], Z('2026-03-28T12:00'))).toBeNull();
    expect(whoIsOnCall(s, [o], Z('2026-03-28T12:00'))?.uid).toBe('w');
  });

  it('lets the newer of two overlapping overrides win (then the id, for equal times)', () => {
    const older = override({ id: 'old', uid: 'd', start: Z('2026-03-24T10:00'), end: Z('2026-03-24T14:00'), createdAt: Z('2026-03-20T00:00') });
    const newer = override({ id: 'new', uid: 'e', start: Z('2026-03-24T11:00'), end: Z('2026-03-24T12:00'), createdAt: Z('2026-03-21T00:00') });
    const expected = ['a 2026-03-24T08:00 → 2026-03-24T10:00', 'd 2026-03-24T10:00 → 2026-03-24T11:00', 'e 2026-03-24T11:00 → 2026-03-24T12:00', 'd 2026-03-24T12:00 → 2026-03-24T14:00', 'a 2026-03-24T14:00 → 2026-03-24T17:00'];
    expect(show(shifts(s, [newer, older], Z('2026-03-24T00:00'), Z('2026-03-25T00:00')))).toEqual(expected);
    expect(show(shifts(s, [older, newer], Z('2026-03-24T00:00'), Z('2026-03-25T00:00')))).toEqual(expected);
    const sameTime = [override({ id: 'b-2', uid: 'q', start: Z('2026-03-24T10:00'), end: Z('2026-03-24T11:00') }), override({ id: 'b-1', uid: 'p', start: Z('2026-03-24T10:00'), end: Z('2026-03-24T11:00') })];
    expect(whoIsOnCall(s, sameTime, Z('2026-03-24T10:30'))?.overrideId).toBe('b-2');
  });

  it('ignores overrides of other schedules and empty ones', () => {
    const other = override({ schedule: 'secondary', uid: 'z', start: Z('2026-03-24T10:00'), end: Z('2026-03-24T12:00') });
    const empty = override({ uid: 'y', start: Z('2026-03-24T10:00'), end: Z('2026-03-24T10:00') });
    expect(whoIsOnCall(s, [other, empty], Z('2026-03-24T10:00'))?.uid).toBe('a');
  });

  it('is looked up through onCallLookup by schedule id; an unknown schedule has nobody', () => {
    const config: OncallConfig = { ...NO_ONCALL, schedules: { primary: s } };
    const lookup = onCallLookup(config, [override({ uid: 'c', start: Z('2026-03-24T10:00'), end: Z('2026-03-24T12:00') })]);
    expect(lookup('primary', Z('2026-03-24T10:30'))?.uid).toBe('c');
    expect(lookup('primary', Z('2026-03-24T09:30'))?.uid).toBe('a');
    expect(lookup('nope', Z('2026-03-24T10:30'))).toBeNull();
  });
});

describe('oncallOverrides/{id} documents', () => {
  const valid = { schedule: 'primary', uid: 'uid-c', start: Z('2026-03-24T10:00'), end: Z('2026-03-24T12:00'), createdBy: 'uid-a' };

  it('accepts a valid document (Dates or ISO text) and names it', () => {
    expect(parseOncallOverride('o1', valid)).toEqual({ ok: true, override: { id: 'o1', ...valid, createdAt: null, reason: null } });
    const iso = parseOncallOverride('o2', { ...valid, start: '2026-03-24T11:00:00+01:00', end: '2026-03-24T12:00:00Z', reason: ' swap ' });
    expect(iso.ok && [iso.override.start.toISOString(), iso.override.reason]).toEqual(['2026-03-24T10:00:00.000Z', 'swap']);
  });

  it.each([
    [{ ...valid, end: valid.start }, 'end: end must be after start'],
    [{ ...valid, end: Z('2026-05-24T12:00') }, 'end: an override lasts at most 31d'],
    [{ ...valid, uid: undefined }, 'uid: uid is required'],
    [{ ...valid, uid: 'a/b' }, 'uid: uid must not contain "/"'],
    [{ ...valid, start: 'tomorrow' }, 'start: start must be a timestamp'],
    [{ ...valid, schedule: 'bad id!' }, 'schedule: schedule must be a schedule id: letters, digits, - and _ (at most 63), starting with a letter or digit'],
    [{ ...valid, createdBy: '' }, 'createdBy: createdBy is empty'],
  ])('refuses %j: %s', (doc, reason) => {
    expect(parseOncallOverride('o', doc)).toEqual({ ok: false, reason });
  });

  it('refuses a schedule that config does not have, when told which exist', () => {
    expect(parseOncallOverride('o', valid, ['secondary'])).toEqual({ ok: false, reason: 'schedule: unknown schedule "primary" (schedules: secondary)' });
  });
});

describe('config/oncall.yaml', () => {
  const parse = (text: string) => parseYaml(text, oncallConfigSchema, 'config/oncall.yaml');
  const errors = (text: string) => {
    const r = parse(text);
    return r.ok ? [] : r.issues.map(formatIssue);
  };

  it('an empty or missing file means no schedules and paging off', () => {
    expect(parse('')).toEqual({ ok: true, value: NO_ONCALL });
    expect(parse('# nothing yet\n')).toEqual({ ok: true, value: NO_ONCALL });
    expect(parse('schedules:\n  # primary: …\nescalationPolicies:\n')).toEqual({ ok: true, value: NO_ONCALL });
    expect(errors('schedules: [primary]\n')).toEqual(['config/oncall.yaml:1: schedules: schedules must be a map of id to schedule']);
    expect(errors('schedules:\n  "bad id":\n    timeZone: Etc/UTC\n    rotations: [{ members: [a], start: 2026-12-01, shift: 1d }]\n')).toEqual([
      'config/oncall.yaml:3: schedules.bad id: "bad id" is not a schedule id: use letters, digits, - and _ (at most 63), starting with a letter or digit',
    ]);
  });

  it('ships a config that validates, with each policy target known', () => {
    const text = fs.readFileSync(path.join(ROOT, 'config', 'oncall.yaml'), 'utf8');
    const r = parse(text);
    expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([]);
    if (!r.ok) return;
    expect(Object.keys(r.value.schedules).length).toBeGreaterThan(0);
    expect(r.value.page?.policy && r.value.escalationPolicies[r.value.page.policy]).toBeTruthy();
  });

  it('parses the contract example', () => {
    const r = parse(`schedules:
  primary:
    timeZone: Europe/Paris
    rotations:
      - members: [uid-a, uid-b]
        start: 2026-12-01T09:00:00
        shift: 1w
        restrict: [{ days: [mon, tue, wed, thu, fri], from: "09:00", to: "18:00" }]
escalationPolicies:
  default:
    levels:
      - { targets: [schedule:primary], after: 5m }
      - { targets: [user:uid-c], after: 10m }
    repeat: 1
page:
  severities: [SEV1, SEV2]
  policy: default
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.schedules.primary?.rotations[0]).toEqual({
      members: ['uid-a', 'uid-b'],
      start: '2026-12-01T09:00:00',
      startWall: Date.UTC(2026, 11, 1, 9),
      shiftSeconds: 604_800,
      restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromMinute: 540, toMinute: 1080 }],
    });
    expect(r.value.escalationPolicies.default).toEqual({
      id: 'default',
      name: null,
      levels: [
        { targets: [{ kind: 'schedule', id: 'primary' }], afterSeconds: 300 },
        { targets: [{ kind: 'user', id: 'uid-c' }], afterSeconds: 600 },
      ],
      repeat: 1,
    });
    expect(r.value.page).toEqual({ severities: ['SEV1', 'SEV2'], policy: 'default', drills: true });
  });

  const base = (rotation: string, extra = '') => `schedules:
  primary:
    timeZone: Europe/Paris
    rotations:
      - members: [a]
${rotation}
${extra}`;

  it.each([
    ['an unknown key, at its line, with a hint', base('        start: 2026-12-01T09:00:00\n        shfit: 1w'), ['config/oncall.yaml:5: schedules.primary.rotations.0.shift: shift is required', 'config/oncall.yaml:7: schedules.primary.rotations.0.shfit: unknown key "shfit" in a rotation (did you mean "shift"?)']],
    ['a duration in another grammar', base('        start: 2026-12-01T09:00:00\n        shift: 1 week'), ['config/oncall.yaml:7: schedules.primary.rotations.0.shift: shift must be a duration such as 30s, 10m, 2h, 1d, 1w or 1h30m, not "1 week"']],
    ['a shift under an hour', base('        start: 2026-12-01T09:00:00\n        shift: 30m'), ['config/oncall.yaml:7: schedules.primary.rotations.0.shift: shift must be at least 1h (got 30m)']],
    ['a start with an offset', base('        start: 2026-12-01T09:00:00Z\n        shift: 1d'), ["config/oncall.yaml:6: schedules.primary.rotations.0.start: start is wall-clock time in the schedule's timeZone: leave out the offset (\"2026-12-01T09:00:00Z\")"]],
    ['a date that does not exist', base('        start: 2026-02-30T09:00:00\n        shift: 1d'), ['config/oncall.yaml:6: schedules.primary.rotations.0.start: start must be a date and time such as 2026-12-01T09:00:00, not "2026-02-30T09:00:00"']],
    ['a bad time of day and day', base('        start: 2026-12-01T09:00:00\n        shift: 1d\n        restrict: [{ days: [funday], from: "25:00", to: "18:00" }]'), ['config/oncall.yaml:8: schedules.primary.rotations.0.restrict.0.days.0: a day is one of mon, tue, wed, thu, fri, sat, sun', 'config/oncall.yaml:8: schedules.primary.rotations.0.restrict.0.from: from must be a time of day from 00:00 to 23:59, not "25:00"']],
  ])('%s', (_name, text, expected) => {
    expect(errors(text)).toEqual(expected);
  });

  it('reports an unknown time zone at its line', () => {
    expect(errors('schedules:\n  p:\n    timeZone: Europe/Pariss\n    rotations: [{ members: [a], start: 2026-12-01, shift: 1d }]\n')).toEqual([
      'config/oncall.yaml:3: schedules.p.timeZone: timeZone must be an IANA time zone such as Europe/Paris, America/New_York or Etc/UTC',
    ]);
  });

  it('reports a level that targets an unknown schedule at that target, and an unknown page.policy at its line', () => {
    const text = `schedules:
  primary:
    timeZone: Etc/UTC
    rotations: [{ members: [a], start: 2026-12-01, shift: 1d }]
escalationPolicies:
  default:
    levels:
      - targets:
          - schedule:primary
          - schedule:secondary
        after: 5m
page:
  policy: defualt
`;
    expect(errors(text)).toEqual([
      'config/oncall.yaml:10: escalationPolicies.default.levels.0.targets.1: unknown schedule "secondary" (schedules: primary)',
      'config/oncall.yaml:13: page.policy: unknown escalation policy "defualt" (policies: default)',
    ]);
  });

  it.each([
    ['a target without a kind', 'escalationPolicies:\n  p:\n    levels: [{ targets: [primary], after: 5m }]\n', 'config/oncall.yaml:3: escalationPolicies.p.levels.0.targets.0: a target is schedule:<id> or user:<uid>, not "primary"'],
    ['a level without after', 'escalationPolicies:\n  p:\n    levels: [{ targets: ["user:u"] }]\n', 'config/oncall.yaml:3: escalationPolicies.p.levels.0.after: after is required'],
    ['a repeat that is not a count', 'escalationPolicies:\n  p:\n    levels: [{ targets: ["user:u"], after: 1m }]\n    repeat: forever\n', 'config/oncall.yaml:4: escalationPolicies.p.repeat: repeat must be a whole number of extra rounds (0 for one pass)'],
    ['page without a policy', 'page:\n  severities: [SEV1]\n', 'config/oncall.yaml:2: page.policy: policy is required'],
    ['a bad severity', 'escalationPolicies:\n  p:\n    levels: [{ targets: ["user:u"], after: 1m }]\npage:\n  severities: [SEV5]\n  policy: p\n', 'config/oncall.yaml:5: page.severities.0: a severity is SEV1, SEV2, SEV3 or SEV4'],
    ['a top-level typo', 'schedule: {}\n', 'config/oncall.yaml:1: schedule: unknown key "schedule" in config/oncall.yaml (did you mean "schedules"?)'],
  ])('%s', (_name, text, expected) => {
    expect(errors(text)).toEqual([expected]);
  });
});

describe('against an independent reference', () => {
  /** The local date and time of an instant, by Intl alone: ['2026-03-29', '08:59']. */
  const local = (t: number, tz: string) => {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(t).map((x) => [x.type, x.value]));
    return [`${p.year}-${p.month}-${p.day}`, `${p.hour}:${p.minute}`] as const;
  };
  const days = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 86_400_000;

  it.each([
    ['Europe/Paris', '2026-03-26', '2026-04-01'],
    ['Europe/Paris', '2026-10-22', '2026-10-28'],
    ['America/New_York', '2026-03-05', '2026-03-11'],
    ['America/New_York', '2026-10-29', '2026-11-04'],
    ['Australia/Sydney', '2026-04-02', '2026-04-08'],
    ['Australia/Sydney', '2026-10-01', '2026-10-07'],
    ['Asia/Kolkata', '2026-03-26', '2026-04-01'],
  ])('a daily 09:00 rotation in %s from %s: whoever the local calendar says, every 15 minutes', (tz, from, to) => {
    const members = ['a', 'b', 'c'];
    const s = schedule(tz, { members, start: `${from}T09:00:00`, shift: '1d' });
    for (let t = Date.parse(`${from}T12:00:00Z`); t < Date.parse(`${to}T00:00:00Z`); t += 15 * 60_000) {
      const [date, time] = local(t, tz);
      const k = days(from, date) - (time < '09:00' ? 1 : 0);
      expect(whoIsOnCall(s, [], new Date(t))?.uid ?? null, `${new Date(t).toISOString()} = ${date} ${time} ${tz}`).toBe(k >= 0 ? members[k % 3] : null);
    }
  });

  it.each(['Europe/Paris', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'])('%s over a whole year: shifts are ordered, disjoint, and agree with whoIsOnCall at both ends', (tz) => {
    const s = schedule(
      tz,
      { members: ['n1', 'n2'], start: '2026-01-05T02:30:00', shift: '1w' },
      { members: ['d1', 'd2', 'd3'], start: '2026-01-05T08:00:00', shift: '12h', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:30', to: '17:30' }, { days: ['sat'], from: '22:00', to: '02:30' }] },
    );
    const ovs = [override({ id: 'o1', uid: 'x', start: Z('2026-03-29T00:15'), end: Z('2026-03-29T03:45') }), override({ id: 'o2', uid: 'y', start: Z('2026-11-01T05:00'), end: Z('2026-11-01T08:00') })];
    const list = shifts(s, ovs, Z('2026-01-01T00:00'), Z('2027-01-01T00:00'));
    expect(list.length).toBeGreaterThan(500);
    for (const [i, sh] of list.entries()) {
      expect(sh.end.getTime()).toBeGreaterThan(sh.start.getTime());
      const prev = list[i - 1];
      if (prev) expect(sh.start.getTime()).toBeGreaterThanOrEqual(prev.end.getTime());
      const { uid, layer, source, overrideId } = sh;
      expect(whoIsOnCall(s, ovs, sh.start)).toEqual({ uid, layer, source, overrideId });
      expect(whoIsOnCall(s, ovs, new Date(sh.end.getTime() - 1))).toEqual({ uid, layer, source, overrideId });
      if (prev && prev.end.getTime() < sh.start.getTime()) expect(whoIsOnCall(s, ovs, prev.end)).toBeNull();
    }
  });
});
