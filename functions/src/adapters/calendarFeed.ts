// An on-call schedule as an iCalendar feed (contract §10:
// `GET /oncallCalendar/{schedule}.ics?token=…`), built with ical-generator
// from the shifts the domain computed (oncall.shifts).
//
// Times are written in UTC (`DTSTART:20260329T070000Z`): exact on both sides
// of every DST change, and every calendar client shows them in its own zone.
// The schedule's zone travels as X-WR-TIMEZONE, a display hint only.
// Event UIDs are stable (schedule, start, person), so a client that refreshes
// the feed updates its events rather than duplicating them. The DTSTAMP is the
// `generatedAt` given, so the same input gives the same text.
import type { Shift } from '../domain/oncall';

export interface CalendarFeedOptions {
  /** The calendar's name (X-WR-CALNAME), e.g. "Primary on-call". */
  name: string;
  /** When the feed was built (each event's DTSTAMP). */
  generatedAt: Date;
  /** The schedule's IANA zone, as a display hint. */
  timeZone?: string;
  /** A person's name for the event title; default: the uid. */
  display?: (uid: string) => string;
  /** Link put on each event (the console's on-call page). */
  url?: string;
  /** How often clients should refresh, in seconds (REFRESH-INTERVAL / X-PUBLISHED-TTL); default 1 h. */
  refreshSeconds?: number;
}

type IcalModule = typeof import('ical-generator');
let ical: IcalModule | undefined;

/** The UID of a shift's event: stable across refreshes of the feed. */
export function shiftEventId(scheduleId: string, shift: Pick<Shift, 'uid' | 'start' | 'source' | 'overrideId'>): string {
  const key = shift.source === 'override' ? `override-${shift.overrideId ?? ''}` : `${shift.start.getTime()}-${shift.uid}`;
  return `oncall-${scheduleId}-${key}`.replace(/[^A-Za-z0-9_.-]/g, '_') + '@incident-pipeline';
}

/** iCalendar text: one VEVENT per shift, in UTC. */
export function oncallCalendar(scheduleId: string, shifts: readonly Shift[], opts: CalendarFeedOptions): string {
  ical ??= require('ical-generator') as IcalModule;
  const display = opts.display ?? ((uid: string) => uid);
  const refresh = opts.refreshSeconds ?? 3_600;
  const calendar = ical.default({
    name: opts.name,
    prodId: { company: 'incident-pipeline', product: 'oncall', language: 'EN' },
    ttl: refresh,
    ...(opts.timeZone ? { x: { 'X-WR-TIMEZONE': opts.timeZone } } : {}),
  });
  for (const s of shifts) {
    calendar.createEvent({
      id: shiftEventId(scheduleId, s),
      start: s.start,
      end: s.end,
      stamp: opts.generatedAt,
      summary: `On call: ${display(s.uid)}${s.source === 'override' ? ' (override)' : ''}`,
      description: `${opts.name}: ${display(s.uid)} is on call${s.source === 'override' ? ' (override)' : ` (layer ${s.layer + 1})`}.`,
      ...(opts.url ? { url: opts.url } : {}),
      x: { 'X-ONCALL-UID': s.uid, 'X-ONCALL-SOURCE': s.source },
    });
  }
  return calendar.toString();
}
