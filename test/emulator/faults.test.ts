// Fault injection: each test breaks something for real (a dead Cloud Tasks or
// Pub/Sub address, Slack errors, a broken config file, a redelivery, parallel
// arrivals) and then asserts exact counts.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { handleAlertWebhook } from '../../functions/src/app/alertWebhook';
import { ingestDeps } from '../../functions/src/app/compose';
import { ingestAlertMessage as ingestWith } from '../../functions/src/app/ingestAlerts';

const ingestAlertMessage = async (msg: Parameters<typeof ingestWith>[0]) => ingestWith(msg, ingestDeps());
import { storeRejected } from '../../functions/src/app/rejected';
import { withRetries } from '../../functions/src/app/retry';
import { pipelineConfig, resetConfigCache, validateProjectFiles } from '../../functions/src/adapters/configFiles';
import { publish as adapterPublish, TOPICS } from '../../functions/src/adapters/pubsub';
import { alertDocId } from '../../functions/src/domain/grouping';
import { ConfigError } from '../../functions/src/domain/yamlConfig';
import { bearer, db, incidentsOf, postAlert, slack, slackCallsFor, unique, waitFor, waitForIncident } from '../support/emulator';

const message = (data: unknown, messageId = randomUUID()) => ({
  messageId,
  eventId: randomUUID(),
  data: Buffer.from(JSON.stringify(data)),
  attributes: { source: 'generic' },
});

async function counts(service: string) {
  const incidents = await incidentsOf(service);
  const ids = incidents.map((i) => i.id);
  let alerts = 0;
  let occurrences = 0;
  let notifications = 0;
  for (const id of ids) {
    const a = await db().collection(`incidents/${id}/alerts`).get();
    alerts += a.size;
    occurrences += a.docs.reduce((s, d) => s + Number(d.get('occurrences')), 0);
    notifications += (await db().collection('notifications').where('incidentId', '==', id).where('kind', '==', 'incident_opened').get()).size;
  }
  return { incidents: incidents.length, alerts, occurrences, notifications };
}

/** Runs `fn` with an environment variable pointing somewhere else, then puts it back. */
async function withEnv<T>(name: string, value: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

describe('fault injection', () => {
  it('a handler that throws after its transaction committed is retried without a second incident, alert or notification', async () => {
    const service = unique('after-commit');
    const alert = (n: number) => ({ title: 'Queue depth high', service, environment: 'production', severity: 'error', fingerprint: `q-${n}` });
    await ingestAlertMessage(message(alert(1)));
    // A second alert joins; Cloud Tasks is unreachable, so the roll-up request
    // after the commit fails and the handler throws, as a crash would.
    const msg = message(alert(2));
    await expect(withEnv('CLOUD_TASKS_EMULATOR_HOST', '127.0.0.1:1', () => ingestAlertMessage(msg))).rejects.toThrow();
    expect(await counts(service)).toEqual({ incidents: 1, alerts: 2, occurrences: 2, notifications: 1 });
    // One alert for an open incident: the message's id is kept on the alert's document, not on a marker.
    const [incident] = await incidentsOf(service);
    const stored = await db().doc(`incidents/${incident?.id}/alerts/${alertDocId({ source: 'generic', fingerprint: 'q-2' })}`).get();
    expect(stored.get('messageIds')).toEqual([msg.messageId]);
    expect((await db().doc(`alertMessages/${msg.messageId}`).get()).exists).toBe(false);
    // The retry (same Pub/Sub message, new event id) finds its id there and only finishes the post-commit work.
    const retry = await ingestAlertMessage({ ...msg, eventId: randomUUID() });
    expect(retry.status).toBe('duplicate');
    expect(await counts(service)).toEqual({ incidents: 1, alerts: 2, occurrences: 2, notifications: 1 });
    await waitForIncident(service, (i) => i.alertCount === 2);
  });

  it('the same Pub/Sub message delivered twice changes nothing the second time', async () => {
    const service = unique('redelivery');
    const msg = message({ title: 'Disk 91% full', service, environment: 'production', severity: 'warning' });
    expect((await ingestAlertMessage(msg)).status).toBe('ingested');
    expect((await ingestAlertMessage({ ...msg, eventId: randomUUID() })).status).toBe('duplicate');
    expect(await counts(service)).toEqual({ incidents: 1, alerts: 1, occurrences: 1, notifications: 1 });
  });

  it('two alerts of one new group arriving in parallel open exactly one incident', async () => {
    const service = unique('parallel');
    const payload = (n: number) => ({ title: 'Error budget burn', service, environment: 'production', severity: 'error', fingerprint: `fp-${n}`, labels: { alertname: 'ErrorBudgetBurn' } });
    // Called as the Pub/Sub handler calls it (withRetries): under lock contention the emulator may drop a transaction.
    const results = await Promise.all([0, 1, 2, 3].map((n) => withRetries(() => ingestAlertMessage(message(payload(n))))));
    expect(results.filter((r) => r.created.length === 1)).toHaveLength(1);
    expect(await counts(service)).toEqual({ incidents: 1, alerts: 4, occurrences: 4, notifications: 1 });
    const incident = await waitForIncident(service, (i) => i.alertCount === 4);
    expect(incident.firingCount).toBe(4);
  });

  it('Slack answers 429, then 5xx, then ok: the notification is delivered once, after three attempts', async () => {
    const service = unique('flaky-slack');
    await slack.faults({ pattern: ['429', '500', 'ok'], retryAfter: 1, methods: ['conversations.create'], match: service });
    try {
      await postAlert('generic', { title: `Flaky Slack (${service})`, service, environment: 'production', severity: 'warning' });
      const incident = await waitForIncident(service);
      const opened = await waitFor(async () => {
        const n = (await db().collection('notifications').where('incidentId', '==', incident.id).where('kind', '==', 'incident_opened').get()).docs[0];
        return n?.get('status') === 'sent' ? n.data() : undefined;
      }, 'the incident_opened notification to be sent', 60_000);
      expect(opened.attempts).toBe(3);
      const creates = (await slackCallsFor(service)).filter((c) => c.method === 'conversations.create');
      expect(creates.map((c) => c.answer)).toEqual(['429', '500', 'ok']);
      const announcements = (await slackCallsFor(service)).filter((c) => c.method === 'chat.postMessage' && c.args.channel === '#incidents');
      expect(announcements).toHaveLength(1);
    } finally {
      await slack.faults({});
    }
  });

  it('when Pub/Sub is unreachable the webhook answers 503 with a reason and Retry-After, never 202', async () => {
    const service = unique('no-pubsub');
    const body = Buffer.from(JSON.stringify({ title: 'Cannot enqueue', service, severity: 'critical' }));
    // The real publish adapter, pointed at a port where nothing listens.
    const result = await withEnv('PUBSUB_EMULATOR_HOST', '127.0.0.1:1', () =>
      handleAlertWebhook(
        { method: 'POST', path: '/generic', headers: { authorization: bearer().Authorization }, query: {}, rawBody: body },
        {
          token: 'test-alert-token',
          grafanaSecret: null,
          sentrySecret: null,
          publish: (_source, data) => adapterPublish(TOPICS.alerts, data, { source: 'generic' }),
          storeRejected: (r) => storeRejected({ ...r, via: 'http', now: new Date() }),
          log: { accepted: () => undefined, rejected: () => undefined, publishFailed: () => undefined },
        },
      ),
    );
    expect(result.status).toBe(503);
    expect(result.headers?.['Retry-After']).toBe('30');
    expect(String(result.body.error)).toMatch(/could not enqueue.*retry later/);
    expect(result.body.accepted).toBeUndefined();
    expect(await counts(service)).toEqual({ incidents: 0, alerts: 0, occurrences: 0, notifications: 0 });
  }, 60_000);

  it('a broken config file fails validation with its path and line, and an alert meanwhile is not lost', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'broken-config-'));
    const real = path.resolve(__dirname, '..', '..');
    fs.cpSync(path.join(real, 'config'), path.join(root, 'config'), { recursive: true });
    fs.writeFileSync(path.join(root, 'package.json'), '{}');
    fs.appendFileSync(path.join(root, 'config', 'severity.yaml'), '\n  - name: typo\n    severity: SEV7\n');
    const lines = fs.readFileSync(path.join(root, 'config', 'severity.yaml'), 'utf8').split('\n');
    const badLine = lines.findIndex((l) => l.includes('SEV7')) + 1;
    const service = unique('broken-config');
    const msg = message({ title: 'While the config is broken', service, severity: 'critical' });
    try {
      await withEnv('INCIDENT_PIPELINE_ROOT', root, async () => {
        resetConfigCache();
        const { issues } = validateProjectFiles();
        expect(issues.some((i) => i.includes(`config/severity.yaml:${badLine}`) && i.includes('rules.'))).toBe(true);
        expect(() => pipelineConfig()).toThrow(ConfigError);
        // The message is refused before anything is written: Pub/Sub keeps it for the retry.
        await expect(ingestAlertMessage(msg)).rejects.toThrow(ConfigError);
      });
      expect(await counts(service)).toEqual({ incidents: 0, alerts: 0, occurrences: 0, notifications: 0 });
      expect((await db().doc(`alertMessages/${msg.messageId}`).get()).exists).toBe(false);
      // Fixed: the same message goes through.
      resetConfigCache();
      expect((await ingestAlertMessage(msg)).status).toBe('ingested');
      expect(await counts(service)).toEqual({ incidents: 1, alerts: 1, occurrences: 1, notifications: 1 });
    } finally {
      resetConfigCache();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
