import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { consoleUrl, misconfiguredSecrets, readSecret, SLACK_API_URL, SLACK_BOT_TOKEN } from '../params';

/** A hand-over on an on-call schedule: a Slack DM to the incoming person with the open incidents; enqueues the next hand-over (app/handoff.ts). */
export const announceHandoff = onTaskDispatched<{ schedule: string; at: number; dueAt?: number }>(
  { secrets: [SLACK_BOT_TOKEN], retryConfig: { maxAttempts: 5, minBackoffSeconds: 5, maxBackoffSeconds: 60 } },
  async (req) => {
    const { runHandoff } = await import('../app/handoff.js');
    const { pagingDeps } = await import('../app/compose.js');
    const { slackClient } = await import('../adapters/slack.js');
    const { slackDirectMessages } = await import('../adapters/slackDm.js');
    const { assertDue } = await import('../adapters/tasks.js');
    assertDue(req.data.dueAt);
    const token = misconfiguredSecrets([SLACK_BOT_TOKEN]).length ? null : readSecret(SLACK_BOT_TOKEN);
    const dm = token ? slackDirectMessages(slackClient(token, SLACK_API_URL.value() || 'https://slack.com/api/')) : null;
    await runHandoff(req.data, { ...pagingDeps(), dm, consoleUrl: consoleUrl() });
  },
);
