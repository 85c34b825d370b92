import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  deployFromCloudBuild,
  deployId,
  deployLandsDuring,
  deploysBefore,
  deployTimelineMessage,
  mergeDeploys,
  parseDeployEvent,
  safeDocId,
} from '../../functions/src/domain/deploys';
import { DEFAULT_POLICY, type Policy } from '../../functions/src/domain/policy';
import type { DeployRef } from '../../functions/src/domain/types';
import { ROOT } from '../support/config';

const NOW = new Date('2026-11-24T15:00:00.000Z');
const at = (iso: string) => new Date(iso);
const minutesBefore = (d: Date, m: number) => new Date(d.getTime() - m * 60_000);

function deploy(id: string, deployedAt: Date, extra: Partial<DeployRef> = {}): DeployRef {
  return {
    id,
    service: 'checkout',
    environment: 'prod',
    version: id,
    deployedAt,
    url: null,
    author: null,
    commit: null,
    ...extra,
  };
}

const policy = (deploys: Partial<Policy['deploys']> = {}): Pick<Policy, 'deploys'> => ({
  deploys: { ...DEFAULT_POLICY.deploys, ...deploys },
});

describe('parseDeployEvent', () => {
  it('turns a full event into a record', () => {
    const r = parseDeployEvent(
      {
        service: 'checkout',
        environment: 'prod',
        version: 'v2.14.0',
        deployedAt: '2026-11-24T14:37:00Z',
        url: 'https://github.com/acme/checkout/releases/tag/v2.14.0',
        author: 'ada',
        commit: '4f2a9c1',
      },
      NOW,
    );
    expect(r).toEqual({
      ok: true,
      deploy: {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        service: 'checkout',
        environment: 'prod',
        version: 'v2.14.0',
        deployedAt: at('2026-11-24T14:37:00Z'),
        url: 'https://github.com/acme/checkout/releases/tag/v2.14.0',
        author: 'ada',
        commit: '4f2a9c1',
        source: 'webhook',
        drill: false,
        receivedAt: NOW,
      },
    });
  });

  it('fills the optional fields: deployedAt = now, the rest null; the source comes from the caller', () => {
    const r = parseDeployEvent({ service: ' checkout ', version: 'abc1234' }, NOW, 'pubsub');
    expect(r.ok && r.deploy).toMatchObject({
      service: 'checkout',
      environment: null,
      version: 'abc1234',
      deployedAt: NOW,
      url: null,
      author: null,
      commit: null,
      source: 'pubsub',
      drill: false,
    });
  });

  it('reads deployedAt as ISO text, epoch seconds or epoch milliseconds', () => {
    const expected = at('2026-11-24T14:37:00Z');
    for (const deployedAt of ['2026-11-24T14:37:00Z', '2026-11-24T15:37:00+01:00', 1795531020, 1795531020000, '1795531020']) {
      const r = parseDeployEvent({ service: 'checkout', version: 'v1', deployedAt }, NOW);
      expect(r.ok && r.deploy.deployedAt.toISOString(), String(deployedAt)).toBe(expected.toISOString());
    }
  });

  it('names the failing field: a missing service', () => {
    const r = parseDeployEvent({ version: 'v1' }, NOW);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.details).toEqual([{ path: 'service', message: 'service is required' }]);
    expect(r.error).toContain('service');
  });

  it('names each failing field: blank service, missing version, bad date, bad url, bad drill', () => {
    const r = parseDeployEvent({ service: '  ', deployedAt: 'yesterday', url: 'javascript:alert(1)', drill: 'yes' }, NOW);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.details.map((d) => d.path).sort()).toEqual(['deployedAt', 'drill', 'service', 'url', 'version']);
    expect(r.details.find((d) => d.path === 'service')?.message).toBe('service must not be empty');
    expect(r.details.find((d) => d.path === 'version')?.message).toBe('version is required');
  });

  it('rejects a body that is not an object', () => {
    for (const body of [null, 'checkout v1', [], 42]) {
      const r = parseDeployEvent(body, NOW);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.details[0]?.path).toBe('(root)');
    }
  });

  it('keeps drill deploys apart', () => {
    const r = parseDeployEvent({ service: 'checkout', version: 'v1', drill: true }, NOW);
    expect(r.ok && r.deploy.drill).toBe(true);
  });

  it('accepts a numeric version and id', () => {
    const r = parseDeployEvent({ service: 'checkout', version: 1234, id: 987 }, NOW);
    expect(r.ok && [r.deploy.version, r.deploy.id]).toEqual(['1234', '987']);
  });
});

describe('deploy ids', () => {
  const event = { service: 'checkout', environment: 'prod', version: 'v2.14.0', deployedAt: '2026-11-24T14:37:00Z' };

  it('the same event delivered twice gets the same id, whenever it arrives', () => {
    const a = parseDeployEvent(event, NOW);
    const b = parseDeployEvent({ ...event }, at('2026-11-24T15:05:00Z'), 'pubsub');
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(a.deploy.id).toBe(b.deploy.id);
  });

  it('a different version, environment or time is a different deploy', () => {
    const id = (e: object) => {
      const r = parseDeployEvent({ ...event, ...e }, NOW);
      return r.ok ? r.deploy.id : null;
    };
    const ids = new Set([id({}), id({ version: 'v2.14.1' }), id({ environment: 'staging' }), id({ deployedAt: '2026-11-24T14:38:00Z' })]);
    expect(ids.size).toBe(4);
  });

  it('without deployedAt, the id follows `now` (a Pub/Sub caller passes publishTime)', () => {
    const a = parseDeployEvent({ service: 'checkout', version: 'v1' }, NOW);
    const b = parseDeployEvent({ service: 'checkout', version: 'v1' }, NOW);
    expect(a.ok && b.ok && a.deploy.id === b.deploy.id).toBe(true);
  });

  it("the sender's id wins, kept as it is when Firestore-safe", () => {
    const r = parseDeployEvent({ ...event, id: 'gh-deployment-123456' }, NOW);
    expect(r.ok && r.deploy.id).toBe('gh-deployment-123456');
    expect(deployId({ id: 'gh-deployment-123456', service: 'x', environment: null, version: 'y', deployedAt: NOW })).toBe('gh-deployment-123456');
  });

  it("an unsafe sender id is made safe: no '/', not '.'/'..'/'__x__', at most 1500 bytes; distinct ids stay distinct", () => {
    const a = safeDocId('acme/checkout/123');
    const b = safeDocId('acme_checkout_123');
    expect(a).not.toContain('/');
    expect(a).toMatch(/^acme_checkout_123~[0-9a-f]{24}$/);
    expect(b).toBe('acme_checkout_123');
    expect(a).not.toBe(b);
    expect(safeDocId('acme/checkout/123')).toBe(a);
    expect(safeDocId('..')).not.toBe('..');
    expect(safeDocId('__name__')).not.toMatch(/^__.*__$/);
    const long = safeDocId('x'.repeat(5000));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(1500);
    expect(long).not.toBe(safeDocId('x'.repeat(4999)));
    expect(Buffer.byteLength(safeDocId('déploiement 🚀/'.repeat(200)))).toBeLessThanOrEqual(1500);
  });
});

describe('deployFromCloudBuild', () => {
  const fixture = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/deploys/cloud-build-success.json'), 'utf8')) as Record<string, unknown>;
  const build = (extra: Record<string, unknown>) => ({ ...fixture, ...extra });

  it('a SUCCESS build with _SERVICE is a deploy', () => {
    expect(deployFromCloudBuild(fixture, NOW)).toEqual({
      ok: true,
      deploy: {
        id: 'cloud-build-9e3f7c2a-5b1d-4c8e-a6f0-2d4b8e1c7a93',
        service: 'checkout',
        environment: 'prod',
        version: '4f2a9c1',
        deployedAt: at('2026-11-24T14:07:03.880Z'),
        url: 'https://console.cloud.google.com/cloud-build/builds/9e3f7c2a-5b1d-4c8e-a6f0-2d4b8e1c7a93?project=123456789012',
        author: null,
        commit: '4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39',
        source: 'cloud-build',
        drill: false,
        receivedAt: NOW,
      },
    });
  });

  it('also reads the message data as JSON text', () => {
    const r = deployFromCloudBuild(JSON.stringify(fixture));
    expect(r.ok && r.deploy.id).toBe('cloud-build-9e3f7c2a-5b1d-4c8e-a6f0-2d4b8e1c7a93');
  });

  it('TAG_NAME is the version when there is one', () => {
    const r = deployFromCloudBuild(build({ substitutions: { ...(fixture.substitutions as object), TAG_NAME: 'v2.14.0' } }));
    expect(r.ok && r.deploy.version).toBe('v2.14.0');
  });

  it('without TAG_NAME or SHORT_SHA, the version is the build id prefix', () => {
    const r = deployFromCloudBuild(build({ substitutions: { _SERVICE_NAME: 'checkout' } }));
    expect(r.ok && r.deploy).toMatchObject({ service: 'checkout', version: '9e3f7c2a', environment: null });
    // The commit then comes from sourceProvenance.
    expect(r.ok && r.deploy.commit).toBe('4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39');
  });

  it('reads the service and environment from tags', () => {
    const r = deployFromCloudBuild(build({ substitutions: { SHORT_SHA: 'abc1234' }, tags: ['trigger-x', 'service-payments', 'env-staging'] }));
    expect(r.ok && r.deploy).toMatchObject({ service: 'payments', environment: 'staging', version: 'abc1234' });
    const r2 = deployFromCloudBuild(build({ substitutions: {}, tags: ['service=payments'] }));
    expect(r2.ok && r2.deploy.service).toBe('payments');
  });

  it('SERVICE and _ENVIRONMENT substitutions work too', () => {
    const r = deployFromCloudBuild(build({ substitutions: { SERVICE: 'search', _ENVIRONMENT: 'production' } }));
    expect(r.ok && r.deploy).toMatchObject({ service: 'search', environment: 'production' });
  });

  it('a FAILURE (or any non-SUCCESS) build is skipped with a reason', () => {
    for (const status of ['FAILURE', 'WORKING', 'QUEUED', 'TIMEOUT', 'CANCELLED', 'INTERNAL_ERROR']) {
      const r = deployFromCloudBuild(build({ status }));
      expect(r).toEqual({ ok: false, skip: expect.stringContaining(status) });
    }
  });

  it('a build that names no service is skipped', () => {
    const r = deployFromCloudBuild(build({ substitutions: { SHORT_SHA: 'abc1234', REPO_NAME: 'checkout' }, tags: ['trigger-x'] }));
    expect(r).toEqual({ ok: false, skip: expect.stringContaining('names no service') });
  });

  it('something that is not a build is skipped, not thrown', () => {
    expect(deployFromCloudBuild(null).ok).toBe(false);
    expect(deployFromCloudBuild('not json').ok).toBe(false);
    expect(deployFromCloudBuild({ status: 'SUCCESS' }).ok).toBe(false);
  });

  it('the same build notification gives the same id (Cloud Build publishes several per build)', () => {
    const a = deployFromCloudBuild(fixture, NOW);
    const b = deployFromCloudBuild(fixture, at('2026-11-24T16:00:00Z'));
    expect(a.ok && b.ok && a.deploy.id === b.deploy.id).toBe(true);
  });
});

describe('deploysBefore', () => {
  const createdAt = at('2026-11-24T15:00:00Z');
  const incident = { service: 'checkout', environment: 'prod', createdAt };

  it('window edges: exactly 120 min before is in, 121 min before is out, after createdAt is out, at createdAt is in', () => {
    const candidates = [
      deploy('d120', minutesBefore(createdAt, 120)),
      deploy('d121', minutesBefore(createdAt, 121)),
      deploy('d119', minutesBefore(createdAt, 119.99)),
      deploy('after', new Date(createdAt.getTime() + 1000)),
      deploy('at', createdAt),
    ];
    expect(deploysBefore(incident, candidates, policy()).map((d) => d.id)).toEqual(['at', 'd119', 'd120']);
  });

  it('follows policy.deploys.windowMinutes', () => {
    const candidates = [deploy('d30', minutesBefore(createdAt, 30)), deploy('d31', minutesBefore(createdAt, 31))];
    expect(deploysBefore(incident, candidates, policy({ windowMinutes: 30 })).map((d) => d.id)).toEqual(['d30']);
  });

  it('newest first, at most 10, one per id', () => {
    const candidates = Array.from({ length: 14 }, (_, i) => deploy(`d${String(i).padStart(2, '0')}`, minutesBefore(createdAt, 5 + i * 7)));
    candidates.push(deploy('d00', minutesBefore(createdAt, 5)));
    const got = deploysBefore(incident, candidates.reverse(), policy());
    expect(got.map((d) => d.id)).toEqual(['d00', 'd01', 'd02', 'd03', 'd04', 'd05', 'd06', 'd07', 'd08', 'd09']);
  });

  it('only the same service (without regard to case); an incident without a service gets none', () => {
    const candidates = [deploy('other', minutesBefore(createdAt, 5), { service: 'payments' }), deploy('same', minutesBefore(createdAt, 6), { service: 'Checkout' })];
    expect(deploysBefore(incident, candidates, policy()).map((d) => d.id)).toEqual(['same']);
    expect(deploysBefore({ ...incident, service: null }, candidates, policy())).toEqual([]);
  });

  it('environment matching: same environment; a side without one matches any; off by policy', () => {
    const candidates = [
      deploy('prod', minutesBefore(createdAt, 1)),
      deploy('staging', minutesBefore(createdAt, 2), { environment: 'staging' }),
      deploy('none', minutesBefore(createdAt, 3), { environment: null }),
      deploy('production', minutesBefore(createdAt, 4), { environment: 'production' }),
    ];
    expect(deploysBefore(incident, candidates, policy()).map((d) => d.id)).toEqual(['prod', 'none', 'production']);
    expect(deploysBefore({ ...incident, environment: 'staging' }, candidates, policy()).map((d) => d.id)).toEqual(['staging', 'none']);
    expect(deploysBefore({ ...incident, environment: null }, candidates, policy()).map((d) => d.id)).toEqual(['prod', 'staging', 'none', 'production']);
    expect(deploysBefore(incident, candidates, policy({ matchEnvironment: false })).map((d) => d.id)).toEqual(['prod', 'staging', 'none', 'production']);
  });
});

describe('mergeDeploys', () => {
  const t = at('2026-11-24T15:00:00Z');
  it('keeps at most 10, newest first, one per id (the added copy wins)', () => {
    const existing = Array.from({ length: 10 }, (_, i) => deploy(`old${i}`, minutesBefore(t, 10 + i)));
    const added = [deploy('new', minutesBefore(t, 1)), deploy('old3', minutesBefore(t, 13), { version: 'v-updated' })];
    const merged = mergeDeploys(existing, added);
    expect(merged).toHaveLength(10);
    expect(merged.map((d) => d.id)).toEqual(['new', 'old0', 'old1', 'old2', 'old3', 'old4', 'old5', 'old6', 'old7', 'old8']);
    expect(merged.find((d) => d.id === 'old3')?.version).toBe('v-updated');
  });

  it('merging the same deploys again changes nothing', () => {
    const a = [deploy('a', minutesBefore(t, 1)), deploy('b', minutesBefore(t, 2))];
    expect(mergeDeploys(a, a)).toEqual(a);
  });
});

describe('deployTimelineMessage', () => {
  const createdAt = at('2026-11-24T15:00:00Z');
  it.each([
    [23, 'v2.14.0 deployed 23 min before'],
    [23.9, 'v2.14.0 deployed 23 min before'],
    [65, 'v2.14.0 deployed 1 h 5 min before'],
    [120, 'v2.14.0 deployed 2 h before'],
    [0.5, 'v2.14.0 deployed just before'],
    [0, 'v2.14.0 deployed just before'],
  ])('%s min before → %s', (m, text) => {
    expect(deployTimelineMessage({ version: 'v2.14.0', deployedAt: minutesBefore(createdAt, m) }, createdAt)).toBe(text);
  });

  it('a deploy after the incident opened', () => {
    expect(deployTimelineMessage({ version: 'v2.14.1', deployedAt: minutesBefore(createdAt, -12) }, createdAt)).toBe(
      'v2.14.1 deployed during the incident (12 min after it opened)',
    );
    expect(deployTimelineMessage({ version: 'v2.14.1', deployedAt: minutesBefore(createdAt, -0.2) }, createdAt)).toBe(
      'v2.14.1 deployed during the incident (just after it opened)',
    );
  });
});

describe('deployLandsDuring', () => {
  const createdAt = at('2026-11-24T15:00:00Z');
  const open = { status: 'acknowledged' as const, service: 'checkout', environment: 'prod', createdAt };
  const later = deploy('fix', minutesBefore(createdAt, -12));

  it('true for a deploy of the service during an open incident', () => {
    for (const status of ['triggered', 'acknowledged', 'mitigated'] as const) expect(deployLandsDuring(later, { ...open, status })).toBe(true);
    expect(deployLandsDuring(deploy('at', createdAt), open)).toBe(true);
  });

  it('false when the incident is resolved or closed, for another service or environment, or for an earlier deploy', () => {
    expect(deployLandsDuring(later, { ...open, status: 'resolved' })).toBe(false);
    expect(deployLandsDuring(later, { ...open, status: 'closed' })).toBe(false);
    expect(deployLandsDuring({ ...later, service: 'payments' }, open)).toBe(false);
    expect(deployLandsDuring({ ...later, environment: 'staging' }, open)).toBe(false);
    expect(deployLandsDuring({ ...later, environment: 'staging' }, open, policy({ matchEnvironment: false }))).toBe(true);
    expect(deployLandsDuring({ ...later, environment: null }, open)).toBe(true);
    expect(deployLandsDuring(deploy('before', minutesBefore(createdAt, 1)), open)).toBe(false);
  });
});
