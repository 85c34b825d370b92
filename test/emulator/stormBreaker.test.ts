// The storm breaker on the emulators: 25 distinct groups published within a
// second fold into 10 incidents and one storm incident that the other 15
// groups join, with exact counts of incidents, alert documents and Slack
// calls; after the quiet period (45 s in test/config/policy.yaml) the storm
// closes and says so on the timeline and in its channel. The test config's
// breaker counts only alerts labelled storm_test, so no other file's alerts
// fold into a storm.
import { describe, expect, it } from 'vitest';
import { db, incidentsOf, publish, slack, timelineOf, unique, waitFor, warmAlertWorkers } from '../support/emulator';

const GROUPS = 25;

describe('the storm breaker on the emulators', () => {
  it('25 distinct groups within seconds: 10 incidents and 1 storm incident with 15 groups, announced once', { timeout: 300_000 }, async () => {
    await warmAlertWorkers(6);
    const service = unique('storm-breaker');
    const t0 = Date.now();
    // One group per alert name, all at once, as a cluster outage sends them.
    await Promise.all(
      Array.from({ length: GROUPS }, (_, n) =>
        publish('alerts', { title: `Dependency ${n} unreachable`, service, environment: 'production', severity: 'warning', labels: { alertname: `Unreachable${n}`, storm_test: 'true' } }, { source: 'generic' }),
      ),
    );
    const alertsOf = async (id: string) => (await db().collection(`incidents/${id}/alerts`).get()).docs.map((d) => d.data());
    const all = await waitFor(async () => {
      const found = await incidentsOf(service);
      const storm = found.find((i) => i.storm === true);
      return found.length === 11 && storm && (await alertsOf(storm.id)).length === 15 ? found : undefined;
    }, '11 incidents, the storm holding 15 alerts', 90_000);
    const settled = Date.now();
    const storms = all.filter((i) => i.storm === true);
    const plain = all.filter((i) => i.storm === false);
    expect(storms).toHaveLength(1);
    expect(plain).toHaveLength(10);
    const storm = storms[0] as (typeof all)[number];
    expect(storm.title).toBe('Alert storm: 11 new incidents within 5 min');
    for (const i of plain) expect((await alertsOf(i.id)).length).toBe(1);
    const stormAlerts = await alertsOf(storm.id);
    expect(new Set([...plain.map((i) => i.title), ...stormAlerts.map((a) => a.title)]).size).toBe(GROUPS); // every group once, none lost
    const timeline = await timelineOf(storm.id);
    expect(timeline.filter((e) => e.type === 'storm_joined')).toHaveLength(14);
    expect((await db().doc('noiseState/storm').get()).get('storm')).toMatchObject({ incidentId: storm.id, groups: 15 });

    // The storm closes once nothing joined for the quiet period.
    await waitFor(async () => (await timelineOf(storm.id)).some((e) => e.type === 'storm_closed'), 'the storm to close', 120_000);
    const closed = (await timelineOf(storm.id)).find((e) => e.type === 'storm_closed');
    expect(closed).toMatchObject({ data: { groups: 15 } });
    expect((await db().doc('noiseState/storm').get()).get('storm')).toBeNull();

    // Every notification of the 11 incidents delivered, then count the Slack calls.
    const ids = all.map((i) => i.id);
    const notifications = async () => (await Promise.all(ids.map((id) => db().collection('notifications').where('incidentId', '==', id).get()))).flatMap((s) => s.docs.map((d) => d.data()));
    const sent = await waitFor(async () => {
      const n = await notifications();
      return n.length > 0 && n.every((x) => x.status === 'sent') ? n : undefined;
    }, 'every notification sent', 60_000);
    const stormNotes = sent.filter((n) => n.incidentId === storm.id).map((n) => n.kind);
    // The joins' counts reach the announcement through coalesced slots; a slot whose delivery found it already current calls nothing.
    const updates = sent.filter((n) => n.incidentId === storm.id && n.kind === 'alerts_changed' && n.progress?.['announcement-update']).length;
    expect(stormNotes.filter((k) => k !== 'alerts_changed').sort()).toEqual(['incident_opened', 'storm_closed']);
    expect(sent.filter((n) => n.incidentId !== storm.id).map((n) => n.kind)).toEqual(Array(10).fill('incident_opened'));

    const channels = new Set(all.map((i) => i.slack as string | null));
    const fresh = await Promise.all(ids.map(async (id) => (await db().doc(`incidents/${id}`).get()).get('slack') as string));
    const mine = (await slack.state()).calls.filter((c) => JSON.stringify(c.args).includes(service) || fresh.includes(c.args.channel as string) || channels.has(c.args.channel as string));
    const count = (method: string, channel?: string) => mine.filter((c) => c.method === method && (channel === undefined || c.args.channel === channel)).length;
    // Per incident: its channel, its topic, one announcement, one intro post in its channel.
    expect(count('conversations.create')).toBe(11);
    expect(count('conversations.setTopic')).toBe(11);
    expect(count('chat.postMessage', '#incidents')).toBe(11);
    const stormChannel = (await db().doc(`incidents/${storm.id}`).get()).get('slack') as string;
    expect(count('chat.postMessage', stormChannel)).toBe(2); // its intro, and "the storm is over"
    // The joins only update the storm's announcement in place: once per coalescing slot that changed it
    // (none when the announcement went out after the last join, as happens on a loaded machine).
    expect(count('chat.update')).toBe(updates);
    // Either way, the announcement as it stands counts every group that joined.
    const announcementCalls = mine.filter((c) => (c.method === 'chat.update' || (c.method === 'chat.postMessage' && c.args.channel === '#incidents')) && JSON.stringify(c.args).includes('Alert storm'));
    expect(announcementCalls.length).toBe(1 + updates);
    expect(JSON.stringify(announcementCalls.at(-1)?.args)).toContain(JSON.stringify('*Alerts*\n15 (15 firing)').slice(1, -1));
    expect(mine).toHaveLength(11 * 4 + 1 + updates);
    console.log(`storm: ${GROUPS} groups settled in ${settled - t0} ms; ${mine.length} Slack calls (${updates} announcement update${updates === 1 ? '' : 's'})`);
  });
});
