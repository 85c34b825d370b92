// Starts the loopback Slack server for the emulator tests, on the port that
// the test project's SLACK_API_URL names (scripts/test.mjs chose it).
import { FakeSlack } from './slackServer';

export default async function setup() {
  const port = Number(process.env.SLACK_TEST_PORT ?? 0);
  const slack = new FakeSlack();
  await slack.listen(port);
  return async () => slack.close();
}
