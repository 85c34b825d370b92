// Delivering the outbox through the in-memory store and a scripted Slack:
// nothing is posted twice, nothing is dropped silently, and one broken
// channel or token does not silence the rest.
import { describe, expect, it } from 'vitest';
import { deliverNotification, type OutboxDeps, redriveStalled } from '../../../functions/src/app/outbox';
import { type SlackPort, SlackCallFailed } from '../../../functions/src/adapters/slack';
import { DEFAULT_SLACK_CONFIG } from '../../../functions/src/domain/slack/slackConfig';
import { notificationDoc, MAX_ATTEMPTS } from '../../../functions/src/domain/outbox';
import { incident, T0 } from '../../support/factories';
import { world } from '../../support/useCases';

/** A Slack that records every call and answers as scripted: `fail[method]` errors are thrown in order, then calls succeed. */
class ScriptedSlack implements SlackPort {
  readonly calls: { method: string; args: Record<string, unknown> }[] = [];
  readonly fail: Record<string, (string | Error)[]> = {};
  private n = 0;
  async call<T>(method: string, args: Record<string, unknown>): Promise<T> {
    this.calls.push({ method, args });
    const next = this.fail[method]?.shift();
    if (next instanceof Error) throw next;
    if (next) throw new SlackCallFailed(method, { kind: 'platform_error', error: next, message: next });
    this.n += 1;
    if (method === 'conversations.create') return { channel: { id: `C${this.n}` } } as T;
    if (method === 'chat.postMessage') return { channel: String(args.channel), ts: `1.${this.n}` } as T;
    if (method === 'conversations.list') return { channels: [] } as T;
    return {} as T;
  }
  posts(channel?: string) {
    return this.calls.filter((c) => c.method === 'chat.postMessage' && (!channel || c.args.channel === channel));
  }
}

function setup() {
  const w = world();
  const slack = new ScriptedSlack();
  const deps: OutboxDeps = {
    outbox: w.store,
    store: w.store,
    tasks: w.tasks,
    clock: w.clock,
    settings: { token: 'xoxb-test', apiUrl: 'http://slack.test/api/', incidentsChannel: '#incidents', trainingChannel: '#drills', consoleUrl: 'https://console.test' },
    slackConfig: DEFAULT_SLACK_CONFIG,
    slack: () => slack,
  };
  w.store.putIncident(incident({ id: 'inc-1', severity: 'SEV3', routing: { channels: [], mentions: [], invite: [] } }));
  const queue = (id: string, kind: 'incident_opened' | 'note_added' = 'incident_opened') =>
    w.store.notifications.set(id, { id, ...notificationDoc('inc-1', kind === 'incident_opened' ? { kind } : { kind, message: 'rolled back', actor: 'uid-a' }, { now: T0, drill: false }) });
  return { w, slack, deps, queue };
}

describe('outbox delivery', () => {
  it('opens the channel, posts the announcement and the intro once, and marks the notification sent', async () => {
    const { w, slack, deps, queue } = setup();
    queue('n1');
    await deliverNotification('n1', deps);
    expect(slack.calls.map((c) => c.method)).toEqual(['conversations.create', 'conversations.setTopic', 'chat.postMessage', 'chat.postMessage']);
    expect(slack.posts('#incidents')).toHaveLength(1);
    expect(w.store.notifications.get('n1')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(w.store.incidents.get('inc-1')?.slack).toBe('C1');
    expect(w.store.timelineOf('inc-1').map((e) => e.type)).toEqual(['channel_created']);
  });

  it('records each Slack step as soon as Slack answers: a delivery that dies after posting does not post again', async () => {
    const { w, slack, deps, queue } = setup();
    queue('n1');
    const update = w.store.update.bind(w.store);
    let crashed = false;
    w.store.update = async (id, patch) => {
      if (!crashed && patch.status === 'sent') {
        crashed = true;
        throw new Error('the instance died before recording the outcome');
      }
      return update(id, patch);
    };
    await deliverNotification('n1', deps);
    expect(w.store.notifications.get('n1')).toMatchObject({ status: 'retrying', attempts: 1 });
    w.clock.advance(2); // the retry's back-off
    await deliverNotification('n1', deps);
    expect(w.store.notifications.get('n1')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(slack.posts()).toHaveLength(2); // the announcement and the intro, each once
    expect(slack.calls.filter((c) => c.method === 'conversations.create')).toHaveLength(1);
  });

  it('a refused bot token holds every notification, spends no attempt, and they go out once it works again', async () => {
    const { w, slack, deps, queue } = setup();
    queue('n1');
    slack.fail['conversations.create'] = ['invalid_auth'];
    await deliverNotification('n1', deps);
    expect(w.store.notifications.get('n1')).toMatchObject({ status: 'retrying', attempts: 0 });
    expect(w.store.slackOutage).toMatchObject({ error: 'invalid_auth' });
    queue('n2', 'note_added');
    await deliverNotification('n2', deps);
    expect(slack.calls).toHaveLength(1); // held: Slack is not asked while the token is refused
    w.clock.advance(5 * 60 + 1);
    await deliverNotification('n1', deps);
    expect(w.store.notifications.get('n1')?.status).toBe('sent');
    expect(w.store.notifications.get('n2')?.status).toBe('sent');
    expect(w.store.slackOutage).toBeNull();
  });

  it('a broken announcement channel does not silence the incident channel', async () => {
    const { w, slack, deps, queue } = setup();
    queue('n1');
    slack.fail['chat.postMessage'] = ['not_in_channel'];
    await deliverNotification('n1', deps);
    expect(w.store.notifications.get('n1')).toMatchObject({ status: 'sent', progress: { announcement: { failed: 'chat.postMessage: not_in_channel' } } });
    expect(slack.posts('C1')).toHaveLength(1);
  });

  it('an archived incident channel gets its posts in the announcement channel instead', async () => {
    const { w, slack, deps, queue } = setup();
    queue('n1');
    await deliverNotification('n1', deps);
    queue('n2', 'note_added');
    slack.fail['chat.postMessage'] = ['is_archived'];
    await deliverNotification('n2', deps);
    expect(w.store.notifications.get('n2')?.status).toBe('sent');
    expect(slack.posts('#incidents').at(-1)?.args.text).toMatch(/^\[Checkout error rate above 5%\] /);
  });

  it('gives up on an error that is not Slack\'s after the attempt cap, with the error kept', async () => {
    const { w, slack, deps, queue } = setup();
    queue('n1');
    slack.fail['conversations.create'] = Array.from({ length: MAX_ATTEMPTS }, () => new Error('socket hang up'));
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      w.clock.advance(600);
      await deliverNotification('n1', deps);
    }
    expect(w.store.notifications.get('n1')).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastError: 'socket hang up' });
    expect(slack.calls.filter((c) => c.method === 'conversations.create')).toHaveLength(MAX_ATTEMPTS);
  });

  it('re-drives notifications that nothing will wake', async () => {
    const { w, deps, queue } = setup();
    queue('n1');
    w.clock.advance(60);
    expect(await redriveStalled(deps)).toBe(0);
    w.clock.advance(120);
    expect(await redriveStalled(deps)).toBe(1);
    expect(w.tasks.of('deliverNotification').map((t) => t.data)).toEqual([{ notificationId: 'n1' }]);
  });
});
