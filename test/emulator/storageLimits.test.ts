// Everything answered 202 can be stored (contract §3), on the real write path:
// bodies that break Firestore's limits go through POST /alertWebhook, Pub/Sub
// and onAlertPublished, and their alert documents are read back.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERT_LIMITS, TRUNCATED_LABEL } from '../../functions/src/domain/alertLimits';
import { ROOT } from '../support/config';
import { db, postAlert, unique, waitFor, waitForIncident } from '../support/emulator';

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'alerts', name), 'utf8'));

async function alertDocsOf(service: string) {
  const incident = await waitForIncident(service, () => true, 60_000);
  return waitFor(async () => {
    const snap = await db().collection(`incidents/${incident.id}/alerts`).get();
    return snap.size > 0 ? snap.docs.map((d) => d.data()) : undefined;
  }, `the alert documents of ${service}`, 60_000);
}

describe('alerts that break storage limits are stored, marked', () => {
  it('Firestore refuses what the normaliser now keeps out: an empty field name, a reserved one', async () => {
    const probe = () => db().collection('storageLimitProbe').doc();
    expect(() => probe().set({ labels: { '': 'x' } })).toThrow(/should not be an empty string/);
    await expect(probe().set({ labels: { __name__: 'x' } })).rejects.toThrow();
  });

  it('a body with an empty label name, reserved and dotted names, 5,000 labels, and huge text', async () => {
    const service = unique('limits');
    const labels: Record<string, string> = { '': 'empty name', __name__: 'up', 'app.kubernetes.io/name': 'checkout', severity: 'critical' };
    for (let i = 0; i < 5000; i++) labels[`l${String(i).padStart(4, '0')}`] = i < 20 ? 'v'.repeat(3000) : 'v';
    const body = {
      title: `Disk almost full ${'T'.repeat(200_000)}`,
      service,
      environment: 'production',
      severity: 'critical',
      description: 'D'.repeat(300_000),
      labels,
      links: Array.from({ length: 60 }, (_, i) => ({ title: `link ${i}`, url: `https://example.com/${i}` })),
    };
    // a lone surrogate, as JSON allows it (JSON.stringify would escape it the same way)
    const text = JSON.stringify(body).replace('"up"', '"up\\ud800"');
    expect(Buffer.byteLength(text)).toBeLessThan(1024 * 1024);
    const res = await postAlert('generic', text);
    expect(res.status).toBe(202);

    const [doc] = await alertDocsOf(service);
    const stored = doc!.labels as Record<string, string>;
    expect(Object.keys(stored)).toHaveLength(ALERT_LIMITS.maxLabels);
    expect(stored['']).toBeUndefined();
    expect(stored['reserved:__name__']).toBe('up\ufffd');
    expect(stored['app.kubernetes.io/name']).toBe('checkout');
    expect(stored[TRUNCATED_LABEL]).toMatch(/^title, alertName, description, links:40 dropped, labels:\d+ dropped, label values:\d+ cut$/);
    expect(Buffer.byteLength(String(doc!.title))).toBeLessThanOrEqual(ALERT_LIMITS.maxTitleBytes);
    expect(String(doc!.title)).toMatch(/^Disk almost full T+…$/);
    expect((doc!.links as unknown[]).length).toBe(ALERT_LIMITS.maxLinks);
    expect(doc!.severity).toBe('SEV1');
  });

  it('the real Alertmanager v3 body with a __name__ label (changed field: a unique service)', async () => {
    const body = fixture('alertmanager/v3-numeric-groupkey.json');
    const service = unique('system');
    body.alerts[0].labels.service = service;
    const res = await postAlert('alertmanager', body);
    expect(res.status).toBe(202);
    const [doc] = await alertDocsOf(service);
    expect((doc!.labels as Record<string, string>)['reserved:__name__']).toBe('ping_success');
    expect(doc!.status).toBe('firing');
  });
});
