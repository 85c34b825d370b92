// The on-call calendar feed, built from real shifts across a DST change and
// parsed back with node-ical (an independent iCalendar parser).
import ical from 'node-ical';
import { describe, expect, it } from 'vitest';
import { oncallCalendar, shiftEventId } from '../../functions/src/adapters/calendarFeed';
import { oncallConfigSchema, type OncallOverride, type Schedule, shifts } from '../../functions/src/domain/oncall';

const schedule = oncallConfigSchema.parse({
  schedules: { primary: { name: 'Primary', timeZone: 'Europe/Paris', rotations: [{ members: ['uid-a', 'uid-b'], start: '2026-03-27T09:00:00', shift: '1d' }] } },
}).schedules.primary as Schedule;

const override: OncallOverride = { id: 'ov1', schedule: 'primary', uid: 'uid-c', start: new Date('2026-03-30T12:00:00Z'), end: new Date('2026-03-30T14:00:00Z'), createdBy: 'uid-a', createdAt: null, reason: null };
const list = shifts(schedule, [override], new Date('2026-03-27T08:00:00Z'), new Date('2026-03-31T07:00:00Z'));
const generatedAt = new Date('2026-03-20T00:00:00Z');
const names: Record<string, string> = { 'uid-a': 'Alice; "A", <ops>', 'uid-b': 'Bob', 'uid-c': 'Carol' };
const text = oncallCalendar('primary', list, { name: 'Primary on-call', generatedAt, timeZone: 'Europe/Paris', display: (uid) => names[uid] ?? uid, url: 'https://console.example/#/oncall' });
const events = Object.values(ical.sync.parseICS(text)).filter((c): c is ical.VEvent => c?.type === 'VEVENT');

describe('oncallCalendar', () => {
  it('has one event per shift, in UTC, with the DST hand-over at 09:00 local on both sides', () => {
    expect(events.map((e) => [String(e.summary), e.start.toISOString(), e.end?.toISOString()])).toEqual([
      ['On call: Alice; "A", <ops>', '2026-03-27T08:00:00.000Z', '2026-03-28T08:00:00.000Z'],
      ['On call: Bob', '2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z'],
      ['On call: Alice; "A", <ops>', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z'],
      ['On call: Bob', '2026-03-30T07:00:00.000Z', '2026-03-30T12:00:00.000Z'],
      ['On call: Carol (override)', '2026-03-30T12:00:00.000Z', '2026-03-30T14:00:00.000Z'],
      ['On call: Bob', '2026-03-30T14:00:00.000Z', '2026-03-31T07:00:00.000Z'],
    ]);
    // written as UTC date-times, not floating local times
    expect(text).toMatch(/^DTSTART:20260329T070000Z\r?$/m);
    // the 23-hour shift over the spring change
    expect((events[1]?.end?.getTime() ?? 0) - (events[1]?.start.getTime() ?? 0)).toBe(23 * 3_600_000);
  });

  it('gives events stable ids, the stamp it was told, and the calendar its name and zone hint', () => {
    expect(events.map((e) => e.uid)).toEqual(list.map((s) => shiftEventId('primary', s)));
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
    expect(events[0]?.uid).toBe(`oncall-primary-${Date.parse('2026-03-27T08:00:00Z')}-uid-a@incident-pipeline`);
    expect(events[4]?.uid).toBe('oncall-primary-override-ov1@incident-pipeline');
    expect(events.every((e) => e.dtstamp?.toISOString() === generatedAt.toISOString())).toBe(true);
    expect(events[0]?.url).toMatchObject({ val: 'https://console.example/#/oncall' });
    expect(text).toMatch(/^X-WR-CALNAME:Primary on-call\r?$/m);
    expect(text).toMatch(/^X-WR-TIMEZONE:Europe\/Paris\r?$/m);
  });

  it('is the same text for the same input', () => {
    expect(oncallCalendar('primary', list, { name: 'Primary on-call', generatedAt, timeZone: 'Europe/Paris', display: (uid) => names[uid] ?? uid, url: 'https://console.example/#/oncall' })).toBe(text);
  });

  it('is a valid empty calendar with no shifts', () => {
    const empty = oncallCalendar('primary', [], { name: 'Empty', generatedAt });
    expect(empty).toMatch(/^BEGIN:VCALENDAR\r?\n/);
    expect(Object.values(ical.sync.parseICS(empty)).filter((c) => c?.type === 'VEVENT')).toEqual([]);
  });
});
