// Starts the loopback Slack and Twilio servers for the emulator tests, on the
// ports that the test project's SLACK_API_URL and TWILIO_API_URL name
// (scripts/test.mjs and scripts/sandbox.mjs chose them).
import { FakeSlack } from './slackServer';
import { FakeTwilio } from './twilioServer';

export default async function setup() {
  const slack = new FakeSlack();
  await slack.listen(Number(process.env.SLACK_TEST_PORT ?? 0));
  const twilio = new FakeTwilio();
  await twilio.listen(Number(process.env.TWILIO_TEST_PORT ?? 0));
  return async () => {
    await slack.close();
    await twilio.close();
  };
}
