// The webhook use case with in-memory publishing: a payload of many groups is
// split per group into messages that each fit one transaction, and the parts
// are ingested like the whole.
import { describe, expect, it } from 'vitest';
import { type AlertWebhookDeps, handleAlertWebhook } from '../../../functions/src/app/alertWebhook';
import { ingestAlertMessage } from '../../../functions/src/app/ingestAlerts';
import { isStorageRefusal } from '../../../functions/src/app/retry';
import { MAX_ALERTS_PER_MESSAGE } from '../../../functions/src/domain/sources/envelope';
import { world } from '../../support/useCases';

function webhook() {
  const published: { data: Buffer; attributes: Record<string, string> }[] = [];
  const deps: AlertWebhookDeps = {
    token: 'k3J9x-QmT2vW8pLr5ZsY',
    grafanaSecret: null,
    sentrySecret: null,
    publish: async (source, data, attributes = {}) => {
      published.push({ data, attributes: { ...attributes, source } });
      return `m${published.length}`;
    },
    storeRejected: async () => 'r1',
    log: { accepted: () => undefined, rejected: () => undefined, publishFailed: () => undefined },
  };
  const post = (body: unknown) =>
    handleAlertWebhook({ method: 'POST', path: '/alertmanager', headers: { authorization: 'Bearer k3J9x-QmT2vW8pLr5ZsY' }, query: {}, rawBody: Buffer.from(JSON.stringify(body)) }, deps);
  return { published, post };
}

const alertmanager = (n: number) => ({
  version: '4',
  status: 'firing',
  alerts: Array.from({ length: n }, (_, i) => ({ status: 'firing', fingerprint: `fp${i}`, labels: { alertname: `Rule${i}`, service: 'web', env: 'production', severity: 'warning' }, annotations: { summary: `Rule ${i} fired` } })),
});

describe('the alert webhook', () => {
  it('publishes a small payload as it came', async () => {
    const { published, post } = webhook();
    const r = await post(alertmanager(3));
    expect(r).toMatchObject({ status: 202, body: { accepted: 3, messageId: 'm1' } });
    expect(published).toHaveLength(1);
    expect(published[0]?.attributes).toEqual({ source: 'alertmanager' });
  });

  it('splits a payload of many groups into parts that each fit a transaction, and every alert is ingested', async () => {
    const { published, post } = webhook();
    const n = MAX_ALERTS_PER_MESSAGE * 2 + 5;
    const r = await post(alertmanager(n));
    expect(r).toMatchObject({ status: 202, body: { accepted: n, messageIds: ['m1', 'm2', 'm3'] } });
    expect(published.map((p) => p.attributes)).toEqual([1, 2, 3].map(() => ({ source: 'alertmanager', format: 'alerts-v1' })));
    const w = world();
    // One incident per group: the storm breaker (which would fold the 11th group on) is off here; storm.test.ts has it.
    w.ingest.config.policy = { ...w.policy, storm: { ...w.policy.storm, enabled: false } };
    for (const [i, p] of published.entries()) {
      const out = await ingestAlertMessage({ messageId: `m${i + 1}`, eventId: `e${i}`, data: p.data, attributes: p.attributes }, w.ingest);
      expect(out.status).toBe('ingested');
    }
    expect(w.store.incidents.size).toBe(n); // one group per rule name
    expect([...w.store.incidents.values()].every((i) => i.alertCount === 1 && i.service === 'web')).toBe(true);
  });
});

describe('isStorageRefusal', () => {
  it('tells a write Firestore refuses for good from a passing fault', () => {
    expect(isStorageRefusal(Object.assign(new Error('3 INVALID_ARGUMENT: too many index entries'), { code: 3 }))).toBe(true);
    expect(isStorageRefusal(Object.assign(new Error('3 INVALID_ARGUMENT: Transaction is invalid or closed'), { code: 3 }))).toBe(false);
    expect(isStorageRefusal(Object.assign(new Error('14 UNAVAILABLE'), { code: 14 }))).toBe(false);
    expect(isStorageRefusal(Object.assign(new Error('6 ALREADY_EXISTS'), { code: 6 }))).toBe(false);
    expect(isStorageRefusal(new TypeError('a bug'))).toBe(false);
  });
});
