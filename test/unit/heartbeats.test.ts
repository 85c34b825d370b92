import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertDocId, groupKey } from '../../functions/src/domain/grouping';
import {
  deadline,
  type Heartbeat,
  heartbeatAlert,
  heartbeatByName,
  heartbeatFingerprint,
  type HeartbeatsConfig,
  heartbeatsConfigSchema,
  type HeartbeatState,
  heartbeatStep,
  initialHeartbeatState,
  watchdogFor,
  watchdogPing,
} from '../../functions/src/domain/heartbeats';
import type { MatchSubject } from '../../functions/src/domain/match';
import { evaluateSeverity } from '../../functions/src/domain/severity';
import type { AlertStatus } from '../../functions/src/domain/types';
import { parseYaml } from '../../functions/src/domain/yamlConfig';
import { projectRules, ROOT } from '../support/config';

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

function config(yaml: string): HeartbeatsConfig {
  const r = parseYaml(yaml, heartbeatsConfigSchema, 'config/heartbeats.yaml');
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.line}: ${i.path}: ${i.message}`).join('\n'));
  return r.value;
}

const cfg = config(`
heartbeats:
  - { name: nightly-backup, interval: 24h, grace: 1h, service: backups, severity: critical }
  - name: billing-export
    interval: 1h
    grace: 15m
    service: billing
    severity: warning
    environment: staging
    title: The hourly billing export did not run
    labels: { team: finance, tier: 1 }
  - { name: am-eu, interval: 5m, grace: 5m, service: monitoring, severity: critical, watchdog: { alertname: Watchdog, labels: { cluster: eu-1 } } }
  - { name: am-any, interval: 5m, grace: 0s, service: monitoring, severity: critical, watchdog: true }
`);
const [backup, billing] = cfg.heartbeats as [Heartbeat, Heartbeat, Heartbeat, Heartbeat];

describe('config/heartbeats.yaml', () => {
  it('parses the fields, durations in milliseconds', () => {
    expect(backup).toEqual({
      name: 'nightly-backup', interval: 86_400_000, grace: 3_600_000, service: 'backups', severity: 'critical',
      title: null, environment: null, labels: {}, watchdog: null,
    });
    expect(billing).toMatchObject({ environment: 'staging', title: 'The hourly billing export did not run', labels: { team: 'finance', tier: '1' } });
    expect(cfg.heartbeats.map((h) => h.watchdog)).toEqual([null, null, { alertname: 'watchdog', labels: { cluster: 'eu-1' } }, { alertname: 'watchdog' }]);
  });

  it('ships watching nothing, and its commented examples are valid once uncommented', () => {
    const text = fs.readFileSync(path.join(ROOT, 'config', 'heartbeats.yaml'), 'utf8');
    expect(config(text)).toEqual({ heartbeats: [] });
    const start = text.indexOf('heartbeats: []');
    const examples = text
      .slice(start)
      .split('\n')
      .map((l) => (l === 'heartbeats: []' ? 'heartbeats:' : l.startsWith('#  ') ? l.slice(1) : l))
      .join('\n');
    expect(config(examples).heartbeats.map((h) => [h.name, h.interval / 60_000, h.grace / 60_000, h.watchdog !== null])).toEqual([
      ['nightly-backup', 1440, 60, false],
      ['billing-export', 60, 15, false],
      ['alertmanager-eu-1', 5, 5, true],
    ]);
  });

  const hb = (body: string) => `heartbeats:\n  - name: job\n${body}`;
  const bad: [string, string, number, string, string][] = [
    ['no interval', hb('    grace: 1m\n    service: s\n    severity: critical\n'), 2, 'heartbeats.0.interval', 'interval is required'],
    ['no grace', hb('    interval: 1h\n    service: s\n    severity: critical\n'), 2, 'heartbeats.0.grace', 'grace is required'],
    ['an interval under 5 seconds', hb('    interval: 2s\n    grace: 0s\n    service: s\n    severity: critical\n'), 3, 'heartbeats.0.interval', 'interval must be at least 5s (got 2s)'],
    ['a duration that is not one', hb('    interval: daily\n    grace: 0s\n    service: s\n    severity: critical\n'), 3, 'heartbeats.0.interval', 'interval must be a duration such as'],
    ['no service', hb('    interval: 1h\n    grace: 0s\n    severity: critical\n'), 2, 'heartbeats.0.service', 'service is required'],
    ['a SEV for a severity', hb('    interval: 1h\n    grace: 0s\n    service: s\n    severity: SEV1\n'), 6, 'heartbeats.0.severity', 'write critical rather than SEV1'],
    ['a name that cannot be in a URL', 'heartbeats:\n  - { name: "nightly backup", interval: 1h, grace: 0s, service: s, severity: critical }\n', 2, 'heartbeats.0.name', 'letters, digits'],
    ['an unknown key', hb('    interval: 1h\n    grace: 0s\n    service: s\n    severity: critical\n    servce: x\n'), 7, 'heartbeats.0.servce', 'did you mean "service"'],
    ['an empty watchdog match', hb('    interval: 1h\n    grace: 0s\n    service: s\n    severity: critical\n    watchdog: {}\n'), 7, 'heartbeats.0.watchdog', 'watchdog is empty'],
    ['two of one name (ignoring case)', `${hb('    interval: 1h\n    grace: 0s\n    service: s\n    severity: critical\n')}  - { name: JOB, interval: 1h, grace: 0s, service: s, severity: critical }\n`, 7, 'heartbeats.1.name', 'a second heartbeat named "JOB" (the first is heartbeats.0)'],
  ];
  it.each(bad)('refuses %s with its line', (_what, yaml, line, at_, message) => {
    const r = parseYaml(yaml, heartbeatsConfigSchema, 'config/heartbeats.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const issue = r.issues.find((i) => i.path === at_);
    expect(issue, JSON.stringify(r.issues)).toMatchObject({ file: 'config/heartbeats.yaml', line });
    expect(issue?.message).toContain(message);
  });

  it('heartbeatByName ignores case and spaces', () => {
    expect([' Nightly-Backup', 'billing-export', 'nope'].map((n) => heartbeatByName(cfg, n)?.name ?? null)).toEqual(['nightly-backup', 'billing-export', null]);
  });
});

describe('heartbeatAlert', () => {
  it('a miss: a firing alert of source heartbeat with the incident fields', () => {
    expect(heartbeatAlert(billing, 'firing', at(75), at(0))).toEqual({
      source: 'heartbeat',
      fingerprint: 'heartbeat:billing-export',
      status: 'firing',
      title: 'The hourly billing export did not run',
      service: 'billing',
      environment: 'staging',
      severity: 'warning',
      alertName: 'billing-export',
      labels: { team: 'finance', tier: '1', heartbeat: 'billing-export' },
      startsAt: at(75),
      endsAt: null,
      links: [],
      description: 'No ping of heartbeat billing-export (POST /heartbeat/billing-export), expected every 1h (with 15m of grace); the last ping was at 2026-12-01T00:00:00.000Z.',
    });
    expect(heartbeatAlert(backup, 'firing', at(1500)).description).toBe(
      'No ping of heartbeat nightly-backup (POST /heartbeat/nightly-backup), expected every 1d (with 1h of grace); no ping has come yet.',
    );
    expect(heartbeatAlert(backup, 'firing', at(1500)).title).toBe('Heartbeat nightly-backup missed');
  });

  it('the ping that resolves it has the same fingerprint, group and alert document', () => {
    const miss = heartbeatAlert(backup, 'firing', at(1500));
    const ping = heartbeatAlert(backup, 'resolved', at(1600), at(1600));
    expect(ping).toMatchObject({ status: 'resolved', startsAt: null, endsAt: at(1600), description: 'Heartbeat nightly-backup pinged again at 2026-12-02T02:40:00.000Z.' });
    expect(ping.fingerprint).toBe(miss.fingerprint);
    expect(groupKey(ping)).toBe(groupKey(miss));
    expect(alertDocId(ping)).toBe(alertDocId(miss));
    expect(heartbeatFingerprint({ name: 'Nightly-Backup' })).toBe(miss.fingerprint);
    // another heartbeat of the same service is another group
    expect(groupKey(heartbeatAlert({ ...backup, name: 'weekly-backup' }, 'firing', at(0)))).not.toBe(groupKey(miss));
  });

  it('goes through the severity rules like any alert', () => {
    const rules = projectRules();
    expect(evaluateSeverity(rules, heartbeatAlert(backup, 'firing', at(0))).severity).toBe('SEV1');
    expect(evaluateSeverity(rules, heartbeatAlert(billing, 'firing', at(0))).severity).toBe('SEV3');
  });
});

describe('deadline and heartbeatStep', () => {
  it('deadline = last ping + interval + grace', () => {
    expect(deadline(backup, at(0))).toEqual(at(24 * 60 + 60));
    expect(deadline(billing, at(10))).toEqual(at(10 + 60 + 15));
  });

  // billing-export: every 1h with 15m of grace.
  type Row = [string, 'ping' | 'check', number, AlertStatus | null, Partial<HeartbeatState>, number | null];
  const script: Row[] = [
    ['first watched at 0: due at 75', 'check', 30, null, { lastPingAt: null, missed: false }, 75],
    ['a ping at 50 moves the deadline to 125', 'ping', 50, null, { lastPingAt: T0 + 50 * 60_000, missed: false }, 125],
    ['a check before the deadline: nothing', 'check', 124, null, { missed: false }, 125],
    ['at the deadline: the miss fires once', 'check', 125, 'firing', { missed: true }, null],
    ['a later check raises nothing more', 'check', 200, null, { missed: true }, null],
    ['the next ping resolves it', 'ping', 210, 'resolved', { lastPingAt: T0 + 210 * 60_000, missed: false }, 285],
    ['a ping from the past (late delivery) does not move the clock back', 'ping', 205, null, { lastPingAt: T0 + 210 * 60_000, missed: false }, 285],
    ['pings while fine raise nothing', 'ping', 260, null, { lastPingAt: T0 + 260 * 60_000 }, 335],
    ['missed again', 'check', 340, 'firing', { missed: true }, null],
  ];
  it('follows a heartbeat through pings and misses', () => {
    let state = initialHeartbeatState(at(0));
    const got: unknown[] = [];
    const want: unknown[] = [];
    for (const [what, kind, minutes, status, expectState, next] of script) {
      const step = heartbeatStep(billing, state, { kind }, at(minutes));
      state = step.state;
      got.push([what, step.alert?.status ?? null, step.alert?.fingerprint ?? null, step.nextCheckAt?.getTime() ?? null, { ...state, ...expectState }]);
      want.push([what, status, status ? 'heartbeat:billing-export' : null, next === null ? null : at(next).getTime(), state]);
    }
    expect(got).toEqual(want);
  });

  it('the miss says when the last ping was', () => {
    const s: HeartbeatState = { lastPingAt: at(0).getTime(), since: at(-100).getTime(), missed: false };
    expect(heartbeatStep(billing, s, { kind: 'check' }, at(75)).alert?.description).toContain('the last ping was at 2026-12-01T00:00:00.000Z');
  });
});

describe('the Watchdog as a ping', () => {
  const a = (over: Partial<MatchSubject & { status: AlertStatus }>) => ({
    source: 'alertmanager', service: null, environment: null, severity: 'none', alertName: 'Watchdog', labels: { alertname: 'Watchdog' }, status: 'firing' as AlertStatus, ...over,
  });
  it.each([
    ['the eu-1 Watchdog pings its own heartbeat', { labels: { alertname: 'Watchdog', cluster: 'eu-1' } }, 'am-eu'],
    ['another cluster\'s: the catch-all one', { labels: { alertname: 'Watchdog', cluster: 'us-1' } }, 'am-any'],
    ['a Watchdog from Grafana too', { source: 'grafana' }, 'am-any'],
    ['a resolved Watchdog is not a ping', { status: 'resolved' as AlertStatus }, null],
    ['any other alert', { alertName: 'DiskFull' }, null],
  ])('%s', (_what, over, name) => {
    expect(watchdogPing(a(over), cfg)).toBe(name);
  });

  it('watchdogFor names the heartbeat whatever the status, so a resolved Watchdog opens no incident either', () => {
    expect(watchdogFor(a({ status: 'resolved' }), cfg)).toBe('am-any');
    expect(watchdogFor(a({ alertName: 'DiskFull' }), cfg)).toBeNull();
    expect(watchdogPing(a({}), { heartbeats: [] })).toBeNull();
  });
});
