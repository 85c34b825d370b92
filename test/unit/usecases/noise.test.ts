// Noise control's use cases through the in-memory store: silences and
// windows that hold and release, inhibition, the storm breaker, heartbeats,
// the Slack command and the silence's reminder. Each piece's rules are
// table-tested in its domain test (silences, maintenance, inhibition, storm,
// heartbeats, noise); these check the wiring: what is written, once, and
// which Cloud Tasks follow.
import { describe, expect, it } from 'vitest';
import { checkHeartbeat, handleHeartbeatRequest, pingHeartbeat, watchHeartbeats } from '../../../functions/src/app/heartbeats';
import { ingestAlertMessage } from '../../../functions/src/app/ingestAlerts';
import { deliverNotification } from '../../../functions/src/app/outbox';
import { rollupIncident } from '../../../functions/src/app/rollupIncident';
import { deployWindow, releaseHeld, remindSilence, silenceWritten } from '../../../functions/src/app/silences';
import { handleSilenceCommand } from '../../../functions/src/app/slackSilence';
import { stormTick } from '../../../functions/src/app/storm';
import { heartbeatsConfigSchema } from '../../../functions/src/domain/heartbeats';
import { inhibitRulesSchema } from '../../../functions/src/domain/inhibition';
import { maintenanceConfigSchema } from '../../../functions/src/domain/maintenance';
import { DEFAULT_SLACK_CONFIG } from '../../../functions/src/domain/slack/slackConfig';
import type { SlackPort } from '../../../functions/src/adapters/slack';
import { at, T0 } from '../../support/factories';
import { message, world } from '../../support/useCases';

type World = ReturnType<typeof world>;

const checkout = (over: Record<string, unknown> = {}) => ({ title: 'Checkout error rate above 5%', service: 'checkout', environment: 'production', severity: 'critical', labels: { alertname: 'HighErrorRate' }, ...over });

function silence(w: World, id: string, over: Record<string, unknown> = {}) {
  const doc = { matchers: { service: 'checkout' }, startsAt: T0, endsAt: at(3600), createdBy: 'uid-rita', comment: 'database migration', createdAt: T0, ...over };
  w.store.silenceDocs.set(id, doc);
  return doc;
}

const incidents = (w: World) => [...w.store.incidents.values()];
const held = (w: World) => [...w.store.silencedAlerts.values()];
const taskIds = (w: World, fn: string) => w.tasks.of(fn).map((t) => [t.id, t.at?.toISOString() ?? null]);

describe('silences', () => {
  it('a silenced alert opens no incident, notifies nobody, and is kept and counted until the silence ends', async () => {
    const w = world();
    silence(w, 's1');
    let n = 0;
    for (const [i, seconds] of [0, 60, 120].entries()) {
      w.clock.set(at(seconds));
      await ingestAlertMessage(message(`m${i}`, checkout()), w.ingest);
      n += 1;
    }
    expect(incidents(w)).toEqual([]);
    expect(w.store.notifications.size).toBe(0);
    expect(held(w)).toHaveLength(1);
    expect(held(w)[0]).toMatchObject({ status: 'held', holdKey: 'silence:s1', silenceId: 's1', kind: 'silence', occurrences: n, firstSeenAt: at(0), lastSeenAt: at(120), until: at(3600), title: 'Checkout error rate above 5%', service: 'checkout' });
    expect(w.store.markers.get('m2')).toMatchObject({ incidentIds: [], silenced: 1 });
    // One release task for the silence's end, whatever the number of held alerts.
    expect(taskIds(w, 'releaseSilenced')).toEqual([[`release-silence:s1-${at(3600).getTime()}`, at(3600).toISOString()]]);
  });

  it('at its end, an alert still firing opens its incident through the normal path; one that resolved opens nothing', async () => {
    const w = world();
    silence(w, 's1');
    await ingestAlertMessage(message('m1', checkout()), w.ingest);
    await ingestAlertMessage(message('m2', checkout({ title: 'Checkout latency', labels: { alertname: 'HighLatency' } })), w.ingest);
    await ingestAlertMessage(message('m3', checkout({ title: 'Checkout latency', labels: { alertname: 'HighLatency' }, status: 'resolved' })), w.ingest);
    expect(held(w).map((r) => [r.title, r.status])).toEqual([['Checkout error rate above 5%', 'held'], ['Checkout latency', 'resolved']]);
    w.clock.set(at(3600));
    const out = await releaseHeld('silence:s1', w.noise);
    expect(out).toEqual({ released: 1, stillHeld: 0, done: 0, more: false });
    expect(incidents(w).map((i) => [i.title, i.severity, i.status, i.createdAt])).toEqual([['Checkout error rate above 5%', 'SEV1', 'triggered', at(3600)]]);
    const [inc] = incidents(w);
    expect(w.store.notificationsOf(inc?.id ?? '').map((x) => x.kind)).toEqual(['incident_opened']);
    expect(held(w).find((r) => r.title === 'Checkout error rate above 5%')).toMatchObject({ status: 'released', incidentId: inc?.id, releasedAt: at(3600) });
    // The task again (a retry) releases nothing twice.
    expect(await releaseHeld('silence:s1', w.noise)).toEqual({ released: 0, stillHeld: 0, done: 0, more: false });
    expect(incidents(w)).toHaveLength(1);
  });

  it('expired early, a silence ends then: the trigger schedules its release at expiredAt and its reminder is void', async () => {
    const w = world();
    const doc = silence(w, 's1');
    expect(await silenceWritten('s1', doc, w.noise)).toBe('scheduled');
    expect(taskIds(w, 'remindSilence')).toEqual([[`remind-silence-s1-${at(3600 - 15 * 60).getTime()}`, at(3600 - 15 * 60).toISOString()]]);
    await ingestAlertMessage(message('m1', checkout()), w.ingest);
    w.clock.set(at(600));
    w.store.silenceDocs.set('s1', { ...doc, expiredAt: at(600), expiredBy: 'uid-rita' });
    expect(await silenceWritten('s1', w.store.silenceDocs.get('s1') ?? null, w.noise)).toBe('over');
    expect(taskIds(w, 'releaseSilenced')).toContainEqual([`release-silence:s1-${at(600).getTime()}`, at(600).toISOString()]);
    await releaseHeld('silence:s1', w.noise);
    expect(incidents(w)).toHaveLength(1);
    // The reminder task still comes at its time, and finds the silence changed.
    w.clock.set(at(3600 - 15 * 60));
    expect(await remindSilence('s1', at(3600 - 15 * 60).getTime(), { ...w.noise, consoleUrl: 'https://console.test' })).toBe('changed');
    expect(w.store.notifications.size).toBe(1); // only the incident's opening
  });

  it('an extended silence (or another one) keeps holding at the first end, and is looked at again at the new one', async () => {
    const w = world();
    silence(w, 's1');
    await ingestAlertMessage(message('m1', checkout()), w.ingest);
    silence(w, 's2', { endsAt: at(7200), comment: 'the migration overran' });
    w.clock.set(at(3600));
    expect(await releaseHeld('silence:s1', w.noise)).toMatchObject({ released: 0, stillHeld: 1 });
    expect(held(w)[0]).toMatchObject({ status: 'held', holdKey: 'silence:s2', silenceId: 's2', until: at(7200) });
    expect(taskIds(w, 'releaseSilenced')).toContainEqual([`release-silence:s2-${at(7200).getTime()}`, at(7200).toISOString()]);
    w.clock.set(at(7200));
    expect(await releaseHeld('silence:s2', w.noise)).toMatchObject({ released: 1 });
    expect(incidents(w)).toHaveLength(1);
  });

  it('holds neither drills nor alerts that join an incident already open', async () => {
    const w = world();
    await ingestAlertMessage(message('m1', checkout()), w.ingest);
    silence(w, 's1');
    await ingestAlertMessage(message('m2', checkout({ fingerprint: 'another' })), w.ingest);
    expect(w.store.alertsOf('inc-1')).toHaveLength(2);
    await ingestAlertMessage(message('m3', checkout({ title: 'Drill', labels: { alertname: 'Drill' } }), { source: 'generic', drill: 'drill-1' }), w.ingest);
    expect(incidents(w).map((i) => [i.id, i.drill])).toEqual([['inc-1', false], ['inc-2', true]]);
    expect(held(w)).toEqual([]);
  });

  it('a silence that does not parse is marked with its problem and holds nothing', async () => {
    const w = world();
    const doc = silence(w, 's1', { endsAt: at(-60) });
    expect(await silenceWritten('s1', doc, w.noise)).toBe('invalid');
    expect(w.store.silenceDocs.get('s1')?.problem).toBe('endsAt: endsAt must be after startsAt');
    await ingestAlertMessage(message('m1', checkout()), w.ingest);
    expect(incidents(w)).toHaveLength(1);
  });

  it('reminds its owner before it ends: a DM when Slack knows them, through the outbox', async () => {
    const w = world();
    silence(w, 's1', { createdBy: 'slack:U0RITA' });
    await ingestAlertMessage(message('m1', checkout()), w.ingest);
    const due = at(3600 - 15 * 60);
    w.clock.set(due);
    expect(await remindSilence('s1', due.getTime(), { ...w.noise, consoleUrl: 'https://console.test' })).toBe('reminded');
    expect(await remindSilence('s1', due.getTime(), { ...w.noise, consoleUrl: 'https://console.test' }).catch((e: Error) => e.message)).toMatch(/ALREADY_EXISTS/); // once per silence and time
    const [n] = [...w.store.notifications.values()];
    expect(n).toMatchObject({ id: `remind-silence-s1-${due.getTime()}`, kind: 'silence_reminder', incidentId: 'silence-s1', status: 'pending' });
    expect(String((n?.effect as { text: string }).text)).toMatch(/your silence `service=checkout` \(database migration\) ends in 15 min.*It holds 1 alert; those still firing then open their incidents/);
    const calls: { method: string; args: Record<string, unknown> }[] = [];
    const slack: SlackPort = { call: async <T,>(method: string, args: Record<string, unknown>) => (calls.push({ method, args }), { channel: String(args.channel), ts: '1.1' } as T) };
    const settings = { token: 'xoxb-test', apiUrl: 'http://slack.test/api/', incidentsChannel: '#incidents', trainingChannel: '#drills', consoleUrl: 'https://console.test' };
    await deliverNotification(n?.id ?? '', { outbox: w.store, store: w.store, tasks: w.tasks, clock: w.clock, settings, slackConfig: DEFAULT_SLACK_CONFIG, slack: () => slack });
    expect(calls.map((c) => [c.method, c.args.channel])).toEqual([['chat.postMessage', 'U0RITA']]);
    expect(w.store.notifications.get(n?.id ?? '')?.status).toBe('sent');
  });
});

describe('maintenance windows', () => {
  const maintenance = maintenanceConfigSchema.parse({
    windows: [{ name: 'morning-batch', match: { service: 'batch' }, cron: '0 10 * * *', duration: '1h', timeZone: 'Etc/UTC' }],
    deploys: [{ match: { service: 'checkout' }, duration: '10m' }],
  });

  it('a recurring window holds its alerts until it ends, then they open their incidents', async () => {
    const w = world();
    w.ingest.config.maintenance = maintenance;
    w.clock.set(at(1800));
    await ingestAlertMessage(message('m1', { title: 'Batch late', service: 'batch', severity: 'warning' }), w.ingest);
    expect(incidents(w)).toEqual([]);
    expect(held(w)[0]).toMatchObject({ kind: 'maintenance', window: 'morning-batch', deployId: null, holdKey: 'window:morning-batch', until: at(3600) });
    w.clock.set(at(3600));
    expect(await releaseHeld('window:morning-batch', w.noise)).toMatchObject({ released: 1 });
    expect(incidents(w).map((i) => i.title)).toEqual(['Batch late']);
  });

  it('a deploy opens a short window for its service when the config asks; a drill deploy opens none', async () => {
    const w = world();
    w.ingest.config.maintenance = maintenance;
    expect(await deployWindow({ id: 'd1', service: 'checkout', environment: 'production', deployedAt: T0 }, w.noise)).toBe('deploy of checkout (10m)');
    expect(await deployWindow({ id: 'd2', service: 'checkout', environment: 'production', deployedAt: T0, drill: true }, w.noise)).toBeNull();
    expect(await deployWindow({ id: 'd3', service: 'search', environment: 'production', deployedAt: T0 }, w.noise)).toBeNull();
    expect([...w.store.openedWindowDocs.keys()]).toEqual(['d1']);
    w.clock.set(at(120));
    await ingestAlertMessage(message('m1', checkout()), w.ingest);
    expect(incidents(w)).toEqual([]);
    expect(held(w)[0]).toMatchObject({ holdKey: 'deploy:d1', deployId: 'd1', until: at(600) });
    w.clock.set(at(600));
    await releaseHeld('deploy:d1', w.noise);
    expect(incidents(w)).toHaveLength(1);
  });
});

describe('inhibition', () => {
  const inhibit = inhibitRulesSchema.parse([{ name: 'a cluster down explains its services', source: { alertname: 'ClusterDown' }, target: { alertname: { notIn: ['ClusterDown'] } }, equal: ['labels.cluster'] }]);
  const down = (status = 'firing') => ({ title: 'Cluster eu-1 down', service: 'platform', environment: 'production', severity: 'critical', status, labels: { alertname: 'ClusterDown', cluster: 'eu-1' } });
  const symptom = (name: string, cluster = 'eu-1') => ({ title: `${name} failing`, service: name, environment: 'production', severity: 'error', labels: { alertname: 'HighErrorRate', cluster } });

  it('while the cause fires, a new alert it explains joins its incident; once it resolved, a new one opens its own', async () => {
    const w = world();
    w.ingest.config.policy = { ...w.policy, inhibit };
    await ingestAlertMessage(message('m1', down()), w.ingest);
    expect([...w.store.inhibitorDocs.values()].map((e) => [e.incidentId, e.alert.alertName])).toEqual([['inc-1', 'ClusterDown']]);
    await ingestAlertMessage(message('m2', symptom('checkout')), w.ingest);
    await ingestAlertMessage(message('m3', symptom('search', 'us-1')), w.ingest);
    expect(incidents(w).map((i) => i.service)).toEqual(['platform', 'search']); // us-1 is not explained by eu-1
    expect(w.store.alertsOf('inc-1').map((a) => a.service)).toEqual(['platform', 'checkout']);
    expect(w.store.timelineOf('inc-1').map((e) => e.message)).toContain('alert attached: checkout failing (explained by Cluster eu-1 down, rule "a cluster down explains its services")');
    expect(w.store.groups.get([...w.store.groups.keys()][1] ?? '')).toMatchObject({ incidentId: 'inc-1' }); // the symptom's group follows: its resolve finds its alert
    expect(w.store.notificationsOf('inc-1').map((n) => n.kind)).toEqual(['incident_opened']); // attached quietly; the roll-up counts it
    await ingestAlertMessage(message('m4', down('resolved')), w.ingest);
    expect(w.store.inhibitorDocs.size).toBe(0);
    await ingestAlertMessage(message('m5', symptom('payments')), w.ingest);
    expect(incidents(w).map((i) => i.service)).toEqual(['platform', 'search', 'payments']);
  });

  it('a batch holding the cause and its symptoms folds them into the cause\'s incident, whatever their order', async () => {
    const w = world();
    w.ingest.config.policy = { ...w.policy, inhibit };
    await ingestAlertMessage(message('m1', { version: '4', status: 'firing', alerts: [
      { status: 'firing', labels: { alertname: 'HighErrorRate', service: 'checkout', env: 'production', cluster: 'eu-1' }, annotations: { summary: 'checkout failing' } },
      { status: 'firing', labels: { alertname: 'ClusterDown', service: 'platform', env: 'production', cluster: 'eu-1' }, annotations: { summary: 'Cluster eu-1 down' } },
    ] }, { source: 'alertmanager' }), w.ingest);
    expect(incidents(w).map((i) => i.title)).toEqual(['Cluster eu-1 down']);
    expect(w.store.alertsOf('inc-1').map((a) => a.alertName).sort()).toEqual(['ClusterDown', 'HighErrorRate']);
  });
});

describe('the storm breaker', () => {
  const group = (n: number) => ({ title: `Service ${n} down`, service: `svc-${n}`, environment: 'production', severity: 'warning', labels: { alertname: `Down${n}` } });

  it('25 new groups within seconds: 10 incidents, then one storm incident that the other 15 groups join, announced once', async () => {
    const w = world();
    for (let n = 0; n < 25; n++) {
      w.clock.set(at(n));
      await ingestAlertMessage(message(`m${n}`, group(n)), w.ingest);
    }
    const all = incidents(w);
    expect(all).toHaveLength(11);
    const storm = all.filter((i) => i.storm);
    expect(storm.map((i) => [i.title, i.service, i.createdAt])).toEqual([['Alert storm: 11 new incidents within 5 min', 'svc-10', at(10)]]);
    const id = storm[0]?.id ?? '';
    expect(w.store.alertsOf(id).map((a) => a.service)).toEqual(Array.from({ length: 15 }, (_, i) => `svc-${i + 10}`));
    expect(w.store.timelineOf(id).map((e) => e.type)).toEqual(['incident_opened', 'storm_opened', 'runbook_attached', ...Array(14).fill('storm_joined')]);
    expect(w.store.notificationsOf(id).map((n) => n.kind)).toEqual(['incident_opened']);
    expect(w.store.storm?.state.storm).toMatchObject({ incidentId: id, groups: 15, openedAt: at(10).getTime(), lastJoinAt: at(24).getTime() });
    // A later alert of a joined group goes to the storm incident too.
    await ingestAlertMessage(message('again', { ...group(20), fingerprint: 'second' }), w.ingest);
    expect(w.store.alertsOf(id)).toHaveLength(16);
    // Each join moved the close: the tick due after the last join closes it.
    const ticks = w.tasks.of('stormTick');
    expect(ticks.at(-1)).toMatchObject({ id: `storm-${id}-${at(24 + 600).getTime()}`, at: at(24 + 600) });
    w.clock.set(at(23 + 600));
    expect(await stormTick(w.ingest)).toBe('open');
    // A tick that came early schedules the next check under an id of its own (the close time's id is already used).
    expect(w.tasks.of('stormTick').at(-1)).toMatchObject({ id: `storm-${id}-${at(24 + 600).getTime()}-after-${at(23 + 600).getTime()}`, at: at(24 + 600) });
    w.clock.set(at(24 + 600));
    expect(await stormTick(w.ingest)).toBe('closed');
    expect(w.store.timelineOf(id).at(-1)).toMatchObject({ type: 'storm_closed', data: { groups: 15 } });
    expect(w.store.notificationsOf(id).map((n) => n.kind)).toEqual(['incident_opened', 'storm_closed']);
    expect(await stormTick(w.ingest)).toBe('none');
    // Counting starts afresh: the next new group opens its own incident.
    await ingestAlertMessage(message('after', group(99)), w.ingest);
    expect(incidents(w).filter((i) => i.service === 'svc-99').map((i) => i.storm)).toEqual([false]);
  });

  it('a transaction that lost the race for the breaker\'s state runs again and counts its group once', async () => {
    const w = world();
    for (let n = 0; n < 3; n++) await ingestAlertMessage(message(`m${n}`, group(n)), w.ingest);
    // Another instance opens a group between this one's read and its commit.
    w.store.beforeApply = () => {
      const s = w.store.storm;
      if (s) w.store.storm = { state: { ...s.state, recent: [...s.state.recent, at(0).getTime()] }, version: s.version + 1 };
    };
    await ingestAlertMessage(message('m3', group(3)), w.ingest);
    expect(w.store.storm?.state.recent).toHaveLength(5); // 3, the other instance's, and this one's: once
    expect(incidents(w)).toHaveLength(4);
    expect(w.store.counts.transactions).toBe(5);
  });

  it('drills stay out of it, and a storm policy with `match` counts only what fits', async () => {
    const w = world();
    w.ingest.config.policy = { ...w.policy, storm: { ...w.policy.storm, match: { environment: 'production' } } };
    for (let n = 0; n < 15; n++) await ingestAlertMessage(message(`d${n}`, group(n), { source: 'generic', drill: 'drill-1' }), w.ingest);
    for (let n = 0; n < 15; n++) await ingestAlertMessage(message(`s${n}`, { ...group(n), environment: 'staging' }), w.ingest);
    expect(incidents(w)).toHaveLength(30);
    expect(incidents(w).some((i) => i.storm)).toBe(false);
    expect(w.store.storm).toBeNull();
  });
});

describe('heartbeats', () => {
  const heartbeats = heartbeatsConfigSchema.parse({
    heartbeats: [
      { name: 'nightly-backup', interval: '1h', grace: '10m', service: 'backups', severity: 'critical' },
      { name: 'alertmanager', interval: '5m', grace: '0s', service: 'monitoring', severity: 'critical', watchdog: true },
    ],
  });
  const withHeartbeats = () => {
    const w = world();
    w.ingest.config.heartbeats = heartbeats;
    return w;
  };

  it('a missed ping raises a heartbeat alert through the normal path; the next ping resolves it; each ping reschedules one check', async () => {
    const w = withHeartbeats();
    expect(await pingHeartbeat('Nightly-Backup', w.ingest)).toMatchObject({ heartbeat: 'nightly-backup', generation: 1, nextCheckAt: at(4200), resolved: false });
    w.clock.set(at(600));
    await pingHeartbeat('nightly-backup', w.ingest);
    expect(taskIds(w, 'checkHeartbeat')).toEqual([
      ['heartbeat-nightly-backup-1', at(4200).toISOString()],
      ['heartbeat-nightly-backup-2', at(4800).toISOString()],
    ]);
    w.clock.set(at(4200));
    expect(await checkHeartbeat('nightly-backup', 1, w.ingest)).toBe('stale');
    expect(incidents(w)).toEqual([]);
    w.clock.set(at(4800));
    expect(await checkHeartbeat('nightly-backup', 2, w.ingest)).toBe('missed');
    expect(await checkHeartbeat('nightly-backup', 2, w.ingest)).toBe('already_missed');
    const [inc] = incidents(w);
    expect(inc).toMatchObject({ source: 'heartbeat', service: 'backups', severity: 'SEV1', title: 'Heartbeat nightly-backup missed', status: 'triggered' });
    expect(w.store.alertsOf(inc?.id ?? '')).toMatchObject([{ fingerprint: 'heartbeat:nightly-backup', status: 'firing', labels: { heartbeat: 'nightly-backup' } }]);
    expect(w.store.notificationsOf(inc?.id ?? '').map((n) => n.kind)).toEqual(['incident_opened']);
    w.clock.set(at(5000));
    expect(await pingHeartbeat('nightly-backup', w.ingest)).toMatchObject({ generation: 3, resolved: true, nextCheckAt: at(5000 + 4200) });
    expect(w.store.alertsOf(inc?.id ?? '')[0]?.status).toBe('resolved');
    await rollupIncident(inc?.id ?? '', 5001, w.deps);
    expect(w.store.incidents.get(inc?.id ?? '')?.status).toBe('resolved');
  });

  it('Alertmanager\'s Watchdog is a ping, never an incident', async () => {
    const w = withHeartbeats();
    const watchdog = (status: string) => ({ version: '4', status, alerts: [{ status, labels: { alertname: 'Watchdog', severity: 'none' }, annotations: { summary: 'always firing' } }] });
    expect(await ingestAlertMessage(message('w1', watchdog('firing'), { source: 'alertmanager' }), w.ingest)).toEqual({ status: 'ingested', incidentIds: [], created: [] });
    expect(w.store.heartbeatDocs.get('alertmanager')).toMatchObject({ generation: 1, lastPingAt: T0.getTime(), missed: false });
    await ingestAlertMessage(message('w2', watchdog('resolved'), { source: 'alertmanager' }), w.ingest);
    expect(w.store.heartbeatDocs.get('alertmanager')?.generation).toBe(1); // a resolved Watchdog is no ping
    expect(incidents(w)).toEqual([]);
  });

  it('the hourly watch starts heartbeats never pinged, and re-arms the current check without deciding a miss', async () => {
    const w = withHeartbeats();
    await pingHeartbeat('alertmanager', w.ingest);
    const first = await watchHeartbeats(w.noise);
    expect(first).toEqual({ started: ['nightly-backup'], rearmed: ['nightly-backup'] }); // the ping already enqueued alertmanager's check
    expect(taskIds(w, 'checkHeartbeat')).toEqual([
      ['heartbeat-alertmanager-1', at(300).toISOString()],
      ['heartbeat-nightly-backup-0', at(4200).toISOString()],
    ]);
    expect(await watchHeartbeats(w.noise)).toEqual({ started: [], rearmed: [] });
    w.clock.set(at(4200));
    expect(await checkHeartbeat('nightly-backup', 0, w.ingest)).toBe('missed');
    expect(incidents(w).map((i) => i.title)).toEqual(['Heartbeat nightly-backup missed']);
  });

  it('POST /heartbeat/{name}: 401 without the alert token, 404 for an unknown name, 405 for GET, 200 with the next deadline', async () => {
    const w = withHeartbeats();
    const req = (over: Record<string, unknown> = {}) => ({ method: 'POST', path: '/nightly-backup', headers: { authorization: 'Bearer t0ken' } as Record<string, string>, query: {}, rawBody: Buffer.alloc(0), ...over });
    const deps = { token: 't0ken', sourceTokens: {}, ingest: w.ingest };
    expect((await handleHeartbeatRequest(req({ headers: {} }), deps)).status).toBe(401);
    expect((await handleHeartbeatRequest(req({ headers: {}, query: { token: 't0ken' } }), deps)).body.error).toMatch(/\?token= is not accepted for heartbeat/);
    expect(await handleHeartbeatRequest(req({ path: '/nope' }), deps)).toEqual({ status: 404, body: { error: 'no heartbeat named "nope" in config/heartbeats.yaml' } });
    expect((await handleHeartbeatRequest(req({ method: 'GET' }), deps)).status).toBe(405);
    expect(await handleHeartbeatRequest(req(), deps)).toEqual({ status: 200, body: { heartbeat: 'nightly-backup', pingedAt: T0.toISOString(), nextCheckAt: at(4200).toISOString(), resolved: false } });
  });
});

describe('/incident silence', () => {
  const who = (role: 'viewer' | 'responder' | null) => async (u: string) => ({ slackUserId: u, uid: 'uid-rita', actor: 'uid-rita', role });

  it('a responder silences from Slack: the silence is written and the channel told what, until when and why', async () => {
    const w = world();
    const r = await handleSilenceCommand('silence service=checkout env=prod 2h database migration', 'U0RITA', 'req-1', { ...w.noise, consoleUrl: 'https://console.test', whoIs: who('responder') });
    expect(r.body.response_type).toBe('in_channel');
    expect(String(r.body.text)).toMatch(/^:mute: uid-rita silenced `service=checkout environment=prod` for 2 h, until <!date\^\d+\^[^|]+\|2026-11-30 12:00 UTC>: database migration/);
    const [id, doc] = [...w.store.silenceDocs][0] ?? [];
    expect(id).toMatch(/^slack-[0-9a-f]{20}$/);
    expect(doc).toMatchObject({ matchers: { service: 'checkout', environment: 'prod' }, startsAt: T0, endsAt: at(7200), createdBy: 'uid-rita', comment: 'database migration' });
    expect(await silenceWritten(id ?? '', doc ?? null, w.noise)).toBe('scheduled');
  });

  it('a viewer is refused, and a mistake is answered privately with what is wrong', async () => {
    const w = world();
    const deps = (role: 'viewer' | 'responder') => ({ ...w.noise, consoleUrl: 'https://console.test', whoIs: who(role) });
    expect((await handleSilenceCommand('silence service=checkout 2h db', 'U1', 'req-1', deps('viewer'))).body).toEqual({ response_type: 'ephemeral', text: 'You cannot silence alerts: that needs the responder role, and yours is viewer.' });
    expect(String((await handleSilenceCommand('silence service=checkout 2h', 'U1', 'req-2', deps('responder'))).body.text)).toMatch(/^Say why after the duration/);
    expect(w.store.silenceDocs.size).toBe(0);
  });
});
