import fs from 'node:fs';
import path from 'node:path';
import { RRule } from 'rrule';
import { describe, expect, it } from 'vitest';
import {
  activeWindow,
  activeWindows,
  type MaintenanceConfig,
  maintenanceConfigSchema,
  type MaintenanceWindow,
  nextWindowEnd,
  type OpenedWindow,
  RRULE_ANCHOR,
  windowFromDeploy,
  windowOccurrence,
} from '../../functions/src/domain/maintenance';
import type { MatchSubject } from '../../functions/src/domain/match';
import { instantOf, wallClockMs } from '../../functions/src/domain/wallClock';
import { parseYaml } from '../../functions/src/domain/yamlConfig';
import { ROOT } from '../support/config';

const utc = (iso: string) => new Date(iso.endsWith('Z') ? iso : `${iso}Z`);

const alert = (over: Partial<MatchSubject> = {}): MatchSubject => ({
  source: 'alertmanager',
  service: 'database',
  environment: 'production',
  severity: 'critical',
  alertName: 'ReplicationLag',
  labels: {},
  ...over,
});

function config(yaml: string): MaintenanceConfig {
  const r = parseYaml(yaml, maintenanceConfigSchema, 'config/maintenance.yaml');
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.line}: ${i.path}: ${i.message}`).join('\n'));
  return r.value;
}

function window(over: Partial<MaintenanceWindow>): MaintenanceWindow {
  return { name: 'w', match: { service: 'database' }, rrule: null, cron: null, duration: 2 * 3_600_000, timeZone: 'Etc/UTC', ...over };
}

const occurrence = (w: MaintenanceWindow, at: string) => {
  const o = windowOccurrence(w, utc(at));
  return o ? [o.startsAt.toISOString(), o.endsAt.toISOString()] : null;
};

describe('wall clock ↔ instant', () => {
  const table: [string, string, string][] = [
    ['Europe/Paris', '2026-01-04T02:00:00', '2026-01-04T01:00:00.000Z'],
    ['Europe/Paris', '2026-07-05T02:00:00', '2026-07-05T00:00:00.000Z'],
    ['Europe/Paris', '2026-03-29T02:30:00', '2026-03-29T01:30:00.000Z'], // skipped: the offset from before the gap
    ['Europe/Paris', '2026-03-29T03:00:00', '2026-03-29T01:00:00.000Z'],
    ['Europe/Paris', '2026-10-25T02:30:00', '2026-10-25T00:30:00.000Z'], // repeated: the first
    ['America/New_York', '2026-03-08T02:30:00', '2026-03-08T07:30:00.000Z'],
    ['America/New_York', '2026-11-01T01:30:00', '2026-11-01T05:30:00.000Z'],
    ['Australia/Lord_Howe', '2026-04-05T01:45:00', '2026-04-04T14:45:00.000Z'], // a 30-minute change, repeated hour
    ['Etc/UTC', '2026-06-01T12:00:00', '2026-06-01T12:00:00.000Z'],
  ];
  it.each(table)('%s %s → %s', (tz, local, instant) => {
    expect(instantOf(Date.parse(`${local}Z`), tz).toISOString()).toBe(instant);
  });

  it('wallClockMs reads the local clock, to the millisecond', () => {
    expect(new Date(wallClockMs(utc('2026-07-05T00:00:00.123'), 'Europe/Paris')).toISOString()).toBe('2026-07-05T02:00:00.123Z');
  });
});

describe('every Sunday 02:00 Europe/Paris for 2h: 02:00 local on both sides of DST', () => {
  const rrule = window({ rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', timeZone: 'Europe/Paris' });
  const cron = window({ cron: '0 2 * * SUN', timeZone: 'Europe/Paris' });
  const table: [string, string, [string, string] | null][] = [
    ['winter: just before', '2026-01-04T00:59:59.999', null],
    ['winter: 02:00 CET is 01:00 UTC', '2026-01-04T01:00:00', ['2026-01-04T01:00:00.000Z', '2026-01-04T03:00:00.000Z']],
    ['winter: last millisecond', '2026-01-04T02:59:59.999', ['2026-01-04T01:00:00.000Z', '2026-01-04T03:00:00.000Z']],
    ['winter: the end is exclusive', '2026-01-04T03:00:00', null],
    ['a weekday', '2026-01-07T01:30:00', null],
    ['summer: 02:00 CEST is 00:00 UTC', '2026-07-05T00:00:00', ['2026-07-05T00:00:00.000Z', '2026-07-05T02:00:00.000Z']],
    ['summer: an hour in', '2026-07-05T01:00:00', ['2026-07-05T00:00:00.000Z', '2026-07-05T02:00:00.000Z']],
    ['summer: where winter would start, it is over', '2026-07-05T02:30:00', null],
    ['the night the clocks go forward: 02:00 does not exist', '2026-03-29T00:59:00', null],
    ['… so it starts at 03:00 CEST (01:00 UTC), for 2 hours', '2026-03-29T01:00:00', ['2026-03-29T01:00:00.000Z', '2026-03-29T03:00:00.000Z']],
    ['… and ends at 05:00 CEST', '2026-03-29T03:00:00', null],
    ['the night the clocks go back: the first 02:00 (CEST)', '2026-10-25T00:00:00', ['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z']],
    ['… still on through the repeated hour', '2026-10-25T01:30:00', ['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z']],
    ['… over after 2 elapsed hours', '2026-10-25T02:00:00', null],
    ['the Sunday after, winter again', '2026-11-01T01:00:00', ['2026-11-01T01:00:00.000Z', '2026-11-01T03:00:00.000Z']],
  ];
  it.each(table)('rrule, %s (%s)', (_what, at, want) => {
    expect(occurrence(rrule, at)).toEqual(want);
  });
  it.each(table)('cron, %s (%s)', (_what, at, want) => {
    expect(occurrence(cron, at)).toEqual(want);
  });
});

describe('America/New_York, daily', () => {
  const at0130 = window({ cron: '30 1 * * *', timeZone: 'America/New_York', duration: 30 * 60_000 });
  const at0230 = window({ rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', timeZone: 'America/New_York', duration: 30 * 60_000 });
  it.each([
    [at0130, '2026-03-07T06:45:00', ['2026-03-07T06:30:00.000Z', '2026-03-07T07:00:00.000Z']], // EST
    [at0130, '2026-03-09T05:45:00', ['2026-03-09T05:30:00.000Z', '2026-03-09T06:00:00.000Z']], // EDT
    [at0130, '2026-11-01T05:45:00', ['2026-11-01T05:30:00.000Z', '2026-11-01T06:00:00.000Z']], // the first 01:30 of the repeated hour
    [at0130, '2026-11-01T06:45:00', null], // the second 01:30 opens nothing
    [at0230, '2026-03-08T07:40:00', ['2026-03-08T07:30:00.000Z', '2026-03-08T08:00:00.000Z']], // 02:30 skipped: 03:30 EDT
    [at0230, '2026-03-08T06:40:00', null],
  ] as [MaintenanceWindow, string, [string, string] | null][])('%#: at %s', (w, at, want) => {
    expect(occurrence(w, at)).toEqual(want);
  });
});

describe('an RRULE without DTSTART counts from 2000-01-01 00:00 local', () => {
  // The reference: the same rule evaluated from its anchor the slow way (once per rule).
  function reference(rule: string, probes: Date[], duration: number): ([string, string] | null)[] {
    const all = new RRule({ ...RRule.parseString(rule), dtstart: new Date(RRULE_ANCHOR) }).between(utc('2025-01-01T00:00:00'), utc('2027-12-31T00:00:00'), true);
    return probes.map((at) => {
      const d = all.filter((o) => o.getTime() <= at.getTime()).at(-1);
      if (!d || at.getTime() >= d.getTime() + duration) return null;
      return [d.toISOString(), new Date(d.getTime() + duration).toISOString()];
    });
  }
  const rules = [
    'FREQ=WEEKLY', // Saturdays at 00:00, the anchor's weekday and time
    'FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=22;BYMINUTE=15',
    'FREQ=MONTHLY;BYHOUR=3', // the 1st, as the anchor
    'FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17',
    'FREQ=MONTHLY;BYMONTHDAY=15,-1',
    'FREQ=YEARLY', // 1 January 00:00
    'FREQ=YEARLY;BYMONTH=3', // 1 March
    'FREQ=DAILY;BYHOUR=4,16;BYMINUTE=30',
    'FREQ=DAILY;BYMONTH=2;BYHOUR=1;UNTIL=20270101T000000',
  ];
  const probes = ['2026-01-01T00:30:00', '2026-02-28T16:45:00', '2026-03-01T06:00:00', '2026-05-30T23:59:00', '2026-07-31T18:00:00', '2027-02-02T01:30:00'].map(utc);
  it.each(rules)('%s', (rule) => {
    const w = window({ rrule: rule, duration: 3 * 86_400_000 });
    const got = probes.map((p) => occurrence(w, p.toISOString()));
    expect(got).toEqual(reference(rule, probes, w.duration));
    expect(got.some((g) => g !== null)).toBe(true);
  });
});

describe('activeWindow and nextWindowEnd', () => {
  const cfg = config(`
windows:
  - name: db-nightly
    match: { service: database }
    cron: "0 2 * * *"
    duration: 2h
  - name: db-overlap
    match: { service: database, environment: production }
    cron: "30 3 * * *"
    duration: 90m
  - name: eu-patch
    match: { labels: { cluster: eu-1 } }
    rrule: FREQ=DAILY;BYHOUR=6
    duration: 1h
`);
  const opened: OpenedWindow[] = [
    { name: 'deploy of database (10m)', match: { service: 'database' }, startsAt: utc('2026-06-01T05:00:00'), endsAt: utc('2026-06-01T05:10:00'), deployId: 'd1' },
  ];
  const table: [string, Partial<MatchSubject>, string, [string, string, string] | null][] = [
    ['outside every window', {}, '2026-06-01T01:59:00', null],
    ['the nightly window', {}, '2026-06-01T02:30:00', ['db-nightly', '2026-06-01T02:00:00.000Z', '2026-06-01T04:00:00.000Z']],
    ['two hold it: the one that ends last', {}, '2026-06-01T03:45:00', ['db-overlap', '2026-06-01T03:30:00.000Z', '2026-06-01T05:00:00.000Z']],
    ['staging: only the nightly one', { environment: 'staging' }, '2026-06-01T03:45:00', ['db-nightly', '2026-06-01T02:00:00.000Z', '2026-06-01T04:00:00.000Z']],
    ['a deploy window', {}, '2026-06-01T05:05:00', ['deploy of database (10m)', '2026-06-01T05:00:00.000Z', '2026-06-01T05:10:00.000Z']],
    ['a deploy window ends exclusively', {}, '2026-06-01T05:10:00', null],
    ['another service', { service: 'search' }, '2026-06-01T02:30:00', null],
    ['a label', { service: 'search', labels: { cluster: 'EU-1' } }, '2026-06-01T06:10:00', ['eu-patch', '2026-06-01T06:00:00.000Z', '2026-06-01T07:00:00.000Z']],
  ];
  it.each(table)('%s', (_what, over, at, want) => {
    const w = activeWindow(alert(over), cfg, utc(at), opened);
    expect(w ? [w.name, w.startsAt.toISOString(), w.endsAt.toISOString()] : null).toEqual(want);
  });

  it('says which kind holds it, and the deploy', () => {
    expect(activeWindows(alert(), cfg, utc('2026-06-01T05:05:00'), opened)).toEqual([
      { name: 'deploy of database (10m)', kind: 'deploy', startsAt: utc('2026-06-01T05:00:00'), endsAt: utc('2026-06-01T05:10:00'), deployId: 'd1' },
    ]);
    expect(activeWindows(alert(), cfg, utc('2026-06-01T03:45:00')).map((w) => [w.name, w.kind, w.deployId])).toEqual([
      ['db-nightly', 'recurring', null],
      ['db-overlap', 'recurring', null],
    ]);
  });

  it.each([
    ['not in a window', {}, '2026-06-01T01:00:00', null],
    ['through overlapping windows and a deploy window that starts as the last ends', {}, '2026-06-01T02:10:00', '2026-06-01T05:10:00.000Z'],
    ['staging: the nightly one alone', { environment: 'staging' }, '2026-06-01T02:10:00', '2026-06-01T04:00:00.000Z'],
    ['a gap ends the chain', { service: 'search', labels: { cluster: 'eu-1' } }, '2026-06-01T06:30:00', '2026-06-01T07:00:00.000Z'],
  ] as [string, Partial<MatchSubject>, string, string | null][])('nextWindowEnd: %s', (_what, over, at, want) => {
    const opensAtFive: OpenedWindow[] = [{ ...(opened[0] as OpenedWindow) }];
    expect(nextWindowEnd(alert(over), cfg, utc(at), opensAtFive)?.toISOString() ?? null).toBe(want);
  });
});

describe('windowFromDeploy', () => {
  const cfg = config(`
deploys:
  - match: { service: checkout }
    duration: 10m
  - name: search restarts
    match: { service: search, environment: { notIn: [production] } }
    duration: 30m
`);
  const deploy = { id: 'dep-1', service: 'Checkout', environment: 'production', deployedAt: utc('2026-06-01T10:00:00') };
  it('opens a window for the deploy\'s service and environment, from the deploy time', () => {
    expect(windowFromDeploy(deploy, cfg)).toEqual({
      name: 'deploy of Checkout (10m)',
      match: { service: 'checkout', environment: 'production' },
      startsAt: utc('2026-06-01T10:00:00'),
      endsAt: utc('2026-06-01T10:10:00'),
      deployId: 'dep-1',
    });
  });
  it.each([
    ['no environment: the whole service', { environment: null }, { service: 'checkout' }, 'deploy of Checkout (10m)'],
    ['the second rule, by name', { service: 'search', environment: 'staging' }, { service: 'search', environment: 'staging' }, 'search restarts'],
  ] as [string, Partial<typeof deploy>, unknown, string][])('%s', (_what, over, match, name) => {
    expect(windowFromDeploy({ ...deploy, ...over }, cfg)).toMatchObject({ match, name });
  });
  it.each([
    ['a service no rule matches', { service: 'cart' }],
    ['an environment the rule leaves out', { service: 'search', environment: 'production' }],
    ['a drill', { drill: true }],
  ] as [string, Partial<typeof deploy & { drill: boolean }>][])('nothing for %s', (_what, over) => {
    expect(windowFromDeploy({ ...deploy, ...over }, cfg)).toBeNull();
  });
  it('the opened window holds the alerts of that service', () => {
    const opened = windowFromDeploy(deploy, cfg) as OpenedWindow;
    const at = utc('2026-06-01T10:05:00');
    expect([alert({ service: 'checkout' }), alert({ service: 'checkout', environment: 'staging' }), alert()].map((a) => activeWindow(a, cfg, at, [opened])?.deployId ?? null)).toEqual([
      'dep-1',
      null,
      null,
    ]);
  });
});

describe('config/maintenance.yaml', () => {
  const text = fs.readFileSync(path.join(ROOT, 'config', 'maintenance.yaml'), 'utf8');

  it('ships with no window and no deploy rule', () => {
    expect(config(text)).toEqual({ windows: [], deploys: [] });
    expect(config('')).toEqual({ windows: [], deploys: [] });
  });

  it('its commented examples are valid once uncommented', () => {
    const lines = text.split('\n');
    const uncommented: string[] = [];
    let inExamples = false;
    for (const line of lines) {
      if (/^(windows|deploys): \[\]$/.test(line)) {
        uncommented.push(line.replace(' []', ''));
        inExamples = true;
      } else if (inExamples && line.startsWith('#  ')) uncommented.push(line.slice(1));
      else {
        inExamples = inExamples && line.startsWith('#');
        uncommented.push(line);
      }
    }
    const cfg = config(uncommented.join('\n'));
    expect(cfg.windows.map((w) => [w.name, w.rrule !== null ? 'rrule' : 'cron', w.duration / 60_000, w.timeZone])).toEqual([
      ['weekly-db-maintenance', 'rrule', 120, 'Europe/Paris'],
      ['nightly-batch', 'cron', 45, 'America/New_York'],
      ['fortnightly-patching', 'rrule', 180, 'Europe/Berlin'],
      ['last-friday-release-freeze', 'rrule', 960, 'Europe/London'],
    ]);
    expect(cfg.deploys.map((d) => [d.name, d.duration / 60_000])).toEqual([
      [null, 10],
      ['rolling restarts of the search cluster', 30],
    ]);
    // and they mean what their comments say
    const fortnightly = cfg.windows[2] as MaintenanceWindow;
    expect(occurrence(fortnightly, '2026-01-06T21:30:00')).toEqual(['2026-01-06T21:00:00.000Z', '2026-01-07T00:00:00.000Z']);
    expect(occurrence(fortnightly, '2026-01-13T21:30:00')).toBeNull();
    expect(occurrence(fortnightly, '2026-01-20T21:30:00')).toEqual(['2026-01-20T21:00:00.000Z', '2026-01-21T00:00:00.000Z']);
    const freeze = cfg.windows[3] as MaintenanceWindow;
    expect(occurrence(freeze, '2026-07-31T20:00:00')).toEqual(['2026-07-31T16:00:00.000Z', '2026-08-01T08:00:00.000Z']);
  });

  const w = (body: string) => `windows:\n  - name: w\n    match: { service: db }\n${body}`;
  const bad: [string, string, number, string, string][] = [
    ['neither rrule nor cron', w('    duration: 1h\n'), 2, 'windows.0', 'window "w" needs rrule or cron'],
    ['both', w('    rrule: FREQ=DAILY\n    cron: "0 2 * * *"\n    duration: 1h\n'), 5, 'windows.0.cron', 'has both rrule and cron'],
    ['an unknown key', w('    cron: "0 2 * * *"\n    duration: 1h\n    timezone: Europe/Paris\n'), 6, 'windows.0.timezone', 'did you mean "timeZone"'],
    ['an unknown time zone', w('    cron: "0 2 * * *"\n    duration: 1h\n    timeZone: Europe/Pariss\n'), 6, 'windows.0.timeZone', 'unknown time zone "Europe/Pariss"'],
    ['no duration', w('    cron: "0 2 * * *"\n'), 2, 'windows.0.duration', 'duration is required'],
    ['a duration over 7 days', w('    cron: "0 2 * * *"\n    duration: 8d\n'), 5, 'windows.0.duration', 'duration must be at most 1w (got 8d)'],
    ['a duration that is not one', w('    cron: "0 2 * * *"\n    duration: two hours\n'), 5, 'windows.0.duration', 'duration must be a duration such as'],
    ['an empty match', 'windows:\n  - name: w\n    match: {}\n    cron: "0 2 * * *"\n    duration: 1h\n', 3, 'windows.0.match', 'match is empty, which would hold every alert'],
    ['a match key that does not exist', 'windows:\n  - name: w\n    match: { servce: db }\n    cron: "0 2 * * *"\n    duration: 1h\n', 3, 'windows.0.match', 'servce'],
    ['a cron of 6 fields', w('    cron: "0 0 2 * * *"\n    duration: 1h\n'), 4, 'windows.0.cron', 'not a cron expression of 5 fields'],
    ['a broken cron', w('    cron: "61 2 * * *"\n    duration: 1h\n'), 4, 'windows.0.cron', 'not a valid cron expression: Constraint error, got value 61'],
    ['@secondly', w('    cron: "@secondly"\n    duration: 1h\n'), 4, 'windows.0.cron', 'not a cron alias this file takes'],
    ['an RRULE without FREQ', w('    rrule: BYDAY=SU\n    duration: 1h\n'), 4, 'windows.0.rrule', 'has no FREQ'],
    ['an unknown RRULE part', w('    rrule: FREQ=DAILY;SOMETIMES=1\n    duration: 1h\n'), 4, 'windows.0.rrule', 'not a valid RRULE (RFC 5545)'],
    ['BYHOUR=25', w('    rrule: FREQ=DAILY;BYHOUR=25\n    duration: 1h\n'), 4, 'windows.0.rrule', 'BYHOUR=25 is out of range (0-23)'],
    ['MINUTELY', w('    rrule: FREQ=MINUTELY\n    duration: 1h\n'), 4, 'windows.0.rrule', 'recurs at most hourly'],
    ['INTERVAL without DTSTART', w('    rrule: FREQ=WEEKLY;INTERVAL=2\n    duration: 1h\n'), 4, 'windows.0.rrule', 'INTERVAL needs a DTSTART'],
    ['COUNT without DTSTART', w('    rrule: FREQ=WEEKLY;COUNT=3\n    duration: 1h\n'), 4, 'windows.0.rrule', 'COUNT needs a DTSTART'],
    ['a DTSTART with TZID', w('    rrule: "DTSTART;TZID=Europe/Paris:20260104T020000\\nRRULE:FREQ=WEEKLY"\n    duration: 1h\n'), 4, 'windows.0.rrule', 'DTSTART takes no TZID'],
    ['a DTSTART in UTC', w('    rrule: "DTSTART:20260104T020000Z\\nFREQ=WEEKLY"\n    duration: 1h\n'), 4, 'windows.0.rrule', 'not a local DTSTART'],
    ['UNTIL in UTC', w('    rrule: FREQ=DAILY;UNTIL=20261231T000000Z\n    duration: 1h\n'), 4, 'windows.0.rrule', 'UNTIL is local time'],
    ['EXDATE', w('    rrule: "FREQ=DAILY\\nEXDATE:20260105T000000"\n    duration: 1h\n'), 4, 'windows.0.rrule', 'EXDATE is not supported'],
    ['a rule that never happens', w('    rrule: FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\n    duration: 1h\n'), 4, 'windows.0.rrule', 'never happens'],
    ['a second window of the same name', `${w('    cron: "0 2 * * *"\n    duration: 1h\n')}  - name: w\n    match: { service: x }\n    cron: "0 3 * * *"\n    duration: 1h\n`, 6, 'windows.1.name', 'a second window named "w" (the first is windows.0)'],
    ['a deploy rule on an alert name', 'deploys:\n  - match: { service: checkout, alertname: X }\n    duration: 10m\n', 2, 'deploys.0.match.alertname', 'a deploy has only a service and an environment to match'],
    ['a deploy window over a day', 'deploys:\n  - match: { service: checkout }\n    duration: 2d\n', 3, 'deploys.0.duration', 'duration must be at most 1d'],
    ['an unknown top-level key', 'window: []\n', 1, 'window', 'did you mean "windows"'],
  ];
  it.each(bad)('refuses %s with its line', (_what, yaml, line, at, message) => {
    const r = parseYaml(yaml, maintenanceConfigSchema, 'config/maintenance.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const issue = r.issues.find((i) => i.path === at);
    expect(issue, JSON.stringify(r.issues)).toBeDefined();
    expect(issue).toMatchObject({ file: 'config/maintenance.yaml', line });
    expect(issue?.message).toContain(message);
  });
});
