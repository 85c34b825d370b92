import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pipelineConfig, resetConfigCache, validateProjectFiles } from '../../functions/src/adapters/configFiles';
import { heartbeatsConfigSchema } from '../../functions/src/domain/heartbeats';
import { maintenanceConfigSchema, type OpenedWindow } from '../../functions/src/domain/maintenance';
import { type NoiseContext, screenAlert } from '../../functions/src/domain/noise';
import { DEFAULT_POLICY, policySchema } from '../../functions/src/domain/policy';
import type { StoredSilence } from '../../functions/src/domain/silences';
import type { NormalizedAlert } from '../../functions/src/domain/types';
import { parseYamlOrThrow } from '../../functions/src/domain/yamlConfig';
import { projectPolicy, ROOT } from '../support/config';

const utc = (iso: string) => new Date(`${iso}Z`);

const alert = (over: Partial<NormalizedAlert> = {}): NormalizedAlert => ({
  source: 'alertmanager',
  fingerprint: 'fp-1',
  status: 'firing',
  title: 'Replication lag',
  service: 'database',
  environment: 'production',
  severity: 'warning',
  alertName: 'ReplicationLag',
  labels: { cluster: 'eu-1' },
  startsAt: null,
  endsAt: null,
  links: [],
  description: null,
  ...over,
});

const silence: StoredSilence = {
  id: 'sil-1', matchers: { alertname: 'replicationlag' }, startsAt: utc('2026-06-01T00:00:00'), endsAt: utc('2026-06-01T12:00:00'),
  createdBy: 'uid-a', comment: 'resync', createdAt: null, expiredAt: null, expiredBy: null,
};
const opened: OpenedWindow = { name: 'deploy of search (10m)', match: { service: 'search' }, startsAt: utc('2026-06-01T10:00:00'), endsAt: utc('2026-06-01T10:10:00'), deployId: 'dep-9' };

const ctx: NoiseContext = {
  heartbeats: parseYamlOrThrow('heartbeats:\n  - { name: am, interval: 5m, grace: 5m, service: monitoring, severity: critical, watchdog: true }\n', heartbeatsConfigSchema, 'h.yaml'),
  silences: [silence],
  maintenance: parseYamlOrThrow(
    'windows:\n  - { name: db-nightly, match: { service: database }, cron: "0 2 * * *", duration: 2h }\n  - { name: db-late, match: { service: database }, cron: "0 4 * * *", duration: 1h }\n',
    maintenanceConfigSchema,
    'm.yaml',
  ),
  openedWindows: [opened],
  inhibit: policySchema.parse({ inhibit: [{ name: 'cluster down', source: { alertname: 'ClusterDown' }, target: { severity: 'warning' }, equal: ['labels.cluster'] }] }).inhibit,
  firing: [{ incidentId: 'inc-cluster', alert: { ...alert({ fingerprint: 'cd', alertName: 'ClusterDown', severity: 'critical', service: 'platform' }) } }],
};

describe('screenAlert: the order noise control applies in', () => {
  const table: [string, Partial<NormalizedAlert>, string, unknown][] = [
    ['a Watchdog is a ping, even inside a silence', { alertName: 'Watchdog' }, '2026-06-01T03:00:00', { kind: 'watchdog', heartbeat: 'am', ping: true }],
    ['a resolved Watchdog is dropped, not a ping', { alertName: 'Watchdog', status: 'resolved' }, '2026-06-01T03:00:00', { kind: 'watchdog', heartbeat: 'am', ping: false }],
    ['a resolved alert always passes', { status: 'resolved' }, '2026-06-01T03:00:00', { kind: 'pass' }],
    ['a silence before a window', {}, '2026-06-01T03:00:00', { kind: 'silenced', silenceId: 'sil-1', until: utc('2026-06-01T12:00:00') }],
    ['a window, held until the chained windows end', { alertName: 'DiskFull' }, '2026-06-01T03:00:00', { kind: 'maintenance', window: 'db-nightly', deployId: null, until: utc('2026-06-01T05:00:00') }],
    ['a deploy window', { service: 'search', alertName: 'DiskFull' }, '2026-06-01T10:05:00', { kind: 'maintenance', window: 'deploy of search (10m)', deployId: 'dep-9', until: utc('2026-06-01T10:10:00') }],
    ['inhibited outside silences and windows', { alertName: 'DiskFull' }, '2026-06-01T08:00:00', { kind: 'inhibited', incidentId: 'inc-cluster', inhibitor: 'cd', rule: 'cluster down' }],
    ['after the silence ends, the window-free hours inhibit', {}, '2026-06-01T13:00:00', { kind: 'inhibited', incidentId: 'inc-cluster', inhibitor: 'cd', rule: 'cluster down' }],
    ['nothing applies: it passes (to the storm breaker)', { alertName: 'DiskFull', severity: 'critical' }, '2026-06-01T08:00:00', { kind: 'pass' }],
  ];
  it.each(table)('%s', (_what, over, at, want) => {
    expect(screenAlert(alert(over), ctx, utc(at))).toEqual(want);
  });

  it('at the end of its hold, the same call says the alert now opens its incident', () => {
    const held = screenAlert(alert({ alertName: 'DiskFull', severity: 'critical' }), ctx, utc('2026-06-01T02:30:00'));
    expect(held).toMatchObject({ kind: 'maintenance', until: utc('2026-06-01T05:00:00') });
    if (held.kind !== 'maintenance') return;
    expect(screenAlert(alert({ alertName: 'DiskFull', severity: 'critical' }), ctx, held.until)).toEqual({ kind: 'pass' });
  });
});

describe('the policy keeps every existing key and default', () => {
  it('the defaults, old and new', () => {
    expect(DEFAULT_POLICY).toEqual({
      reopenWindowMinutes: 30,
      autoResolve: true,
      flapReopens: 3,
      postmortem: { requiredFor: ['SEV1', 'SEV2'], draftFor: ['SEV3', 'SEV4'], dueDays: 5, actionItemDueDays: 14 },
      deploys: { windowMinutes: 120, matchEnvironment: true },
      reminders: { unacknowledged: { severities: ['SEV1', 'SEV2'], everyMinutes: 5, escalation: ['', '<!here>', '<!channel>'] } },
      storm: { enabled: true, maxNewIncidents: 10, windowMinutes: 5, quietMinutes: 10 },
      inhibit: [],
      silences: { maxDays: 30, reminderMinutes: 15 },
      statusPage: { approvalFor: [], cadenceMinutes: { SEV1: 30, SEV2: 30 } },
    });
  });

  it('config/policy.yaml says the defaults', () => {
    expect(projectPolicy()).toEqual(DEFAULT_POLICY);
  });
});

describe('the new config files are validated with the others (build and start)', () => {
  let root: string | null = null;
  afterEach(() => {
    delete process.env.INCIDENT_PIPELINE_ROOT;
    resetConfigCache();
    if (root) fs.rmSync(root, { recursive: true, force: true });
    root = null;
  });

  it('the shipped files: no window, no heartbeat', () => {
    process.env.INCIDENT_PIPELINE_ROOT = ROOT;
    resetConfigCache();
    const r = validateProjectFiles();
    expect(r.issues).toEqual([]);
    expect(r.summary).toContain('0 maintenance windows');
    expect(r.summary).toContain('0 heartbeats');
    expect(pipelineConfig()).toMatchObject({ maintenance: { windows: [], deploys: [] }, heartbeats: { heartbeats: [] } });
  });

  it('a broken maintenance.yaml or heartbeats.yaml fails with file:line', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'noise-config-'));
    fs.cpSync(path.join(ROOT, 'config'), path.join(root, 'config'), { recursive: true });
    fs.writeFileSync(path.join(root, 'package.json'), '{}');
    fs.writeFileSync(path.join(root, 'config', 'maintenance.yaml'), 'windows:\n  - name: w\n    match: { service: db }\n    cron: "0 2 * * *"\n    duration: 2h\n    timeZone: Mars/Olympus\n');
    fs.writeFileSync(path.join(root, 'config', 'heartbeats.yaml'), 'heartbeats:\n  - { name: job, interval: 1h, grace: 0s, service: s, severity: SEV2 }\n');
    process.env.INCIDENT_PIPELINE_ROOT = root;
    resetConfigCache();
    const { issues } = validateProjectFiles();
    expect(issues.filter((i) => /maintenance|heartbeats/.test(i))).toEqual([
      expect.stringMatching(/config\/maintenance\.yaml:6: windows\.0\.timeZone: unknown time zone "Mars\/Olympus"/),
      expect.stringMatching(/config\/heartbeats\.yaml:2: heartbeats\.0\.severity: severity is the alert's own word/),
    ]);
    expect(() => pipelineConfig()).toThrow(/maintenance\.yaml:6/);
  });
});
