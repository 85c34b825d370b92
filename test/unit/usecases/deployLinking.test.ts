// A deploy that lands during open incidents of its service, through the
// in-memory store: linked once to each, with a timeline entry and a post.
import { describe, expect, it } from 'vitest';
import { linkDeployToOpenIncidents } from '../../../functions/src/app/deploys';
import type { DeployRecord } from '../../../functions/src/domain/deploys';
import { at, incident } from '../../support/factories';
import { world } from '../../support/useCases';

const deploy = (over: Partial<DeployRecord> = {}): DeployRecord => ({ id: 'd1', service: 'checkout', environment: 'production', version: 'v2.15.0', deployedAt: at(120), url: null, author: 'alice', commit: 'abc123', source: 'webhook', drill: false, ...over });

describe('linkDeployToOpenIncidents', () => {
  it('links a deploy to the open incidents of its service that it landed during, once', async () => {
    const w = world();
    w.store.putIncident(incident({ id: 'open' }));
    w.store.putIncident(incident({ id: 'resolved', status: 'resolved' }));
    w.store.putIncident(incident({ id: 'other', service: 'payments' }));
    w.store.deploys.set('d1', { ...deploy() });
    expect(await linkDeployToOpenIncidents(deploy(), w.deps)).toEqual(['open']);
    expect(w.store.incidents.get('open')?.deploys.map((d) => d.version)).toEqual(['v2.15.0']);
    expect(w.store.timelineOf('open').map((e) => [e.id, e.message])).toEqual([['deploy-d1-0', 'v2.15.0 deployed during the incident (2 min after it opened)']]);
    expect(w.store.notificationsOf('open').map((n) => n.kind)).toEqual(['deploy_linked']);
    expect(w.store.deploys.get('d1')?.incidentIds).toEqual(['open']);
    expect(await linkDeployToOpenIncidents(deploy(), w.deps)).toEqual([]);
    expect(w.store.timelineOf('open')).toHaveLength(1);
  });

  it('keeps drill deploys and real incidents apart, and ignores deploys from before the incident', async () => {
    const w = world();
    w.store.putIncident(incident({ id: 'open' }));
    expect(await linkDeployToOpenIncidents(deploy({ drill: true }), w.deps)).toEqual([]);
    expect(await linkDeployToOpenIncidents(deploy({ id: 'd0', deployedAt: at(-60) }), w.deps)).toEqual([]);
  });
});
