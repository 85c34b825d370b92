// Direct messages through the Slack client (pages and hand-overs): to the
// person's Slack user id, or found by their email (users.lookupByEmail).
// chat.postMessage to a user id opens the app's DM with that user.
import type { DirectMessages } from '../app/pagingPorts';
import { type SlackPort, SlackCallFailed } from './slack';

export function slackDirectMessages(slack: SlackPort): DirectMessages {
  return {
    async send(to, message) {
      let user = to.slackUserId;
      if (!user && to.email) user = (await slack.call<{ user: { id: string } }>('users.lookupByEmail', { email: to.email })).user.id;
      if (!user) throw new SlackCallFailed('chat.postMessage', { kind: 'platform_error', error: 'no_slack_user', message: 'no slackUserId or email to find the person in Slack' });
      const r = await slack.call<{ channel: string; ts: string }>('chat.postMessage', { channel: user, text: message.text, blocks: message.blocks, unfurl_links: false });
      return { channel: r.channel, ts: r.ts, user };
    },
  };
}
