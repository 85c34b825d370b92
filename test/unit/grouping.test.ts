// splitByGroup: a huge payload cut into chunks that keep each group together.
import { describe, expect, it } from 'vitest';
import { groupKey, splitByGroup } from '../../functions/src/domain/grouping';

type A = { source: 'alertmanager'; service: string | null; environment: string | null; alertName: string; n: number };
let counter = 0;
const alert = (alertName: string, service: string | null = 'api'): A => ({ source: 'alertmanager', service, environment: 'prod', alertName, n: counter++ });
const names = (chunks: A[][]) => chunks.map((c) => c.map((a) => a.alertName).join(''));

describe('splitByGroup', () => {
  it('keeps one chunk when everything fits, in the order the groups came', () => {
    const alerts = [alert('a'), alert('b'), alert('a'), alert('c')];
    expect(names(splitByGroup(alerts, 10))).toEqual(['aabc']);
  });

  it('packs whole groups, never splitting a group that fits in a chunk', () => {
    const alerts = [alert('a'), alert('b'), alert('a'), alert('c'), alert('b'), alert('c'), alert('c')];
    // groups: a×2, b×2, c×3
    expect(names(splitByGroup(alerts, 4))).toEqual(['aabb', 'ccc']);
    expect(names(splitByGroup(alerts, 3))).toEqual(['aa', 'bb', 'ccc']);
  });

  it('fills whole chunks with a group larger than the limit, and packs its remainder like a group', () => {
    const alerts = [alert('x'), ...Array.from({ length: 7 }, () => alert('a')), alert('b')];
    expect(names(splitByGroup(alerts, 3))).toEqual(['x', 'aaa', 'aaa', 'ab']);
  });

  it('loses, adds and reorders no alert within a group, and respects the limit', () => {
    const alerts = Array.from({ length: 1000 }, (_, i) => alert(`g${(i * 7) % 13}`, i % 2 ? 'api' : 'web'));
    const chunks = splitByGroup(alerts, 50);
    expect(chunks.flat().map((a) => a.n).sort((x, y) => x - y)).toEqual(alerts.map((a) => a.n));
    for (const c of chunks) expect(c.length).toBeGreaterThan(0);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(50);
    const byGroup = new Map<string, number[]>();
    for (const a of chunks.flat()) byGroup.set(groupKey(a), [...(byGroup.get(groupKey(a)) ?? []), a.n]);
    for (const ns of byGroup.values()) expect(ns).toEqual([...ns].sort((x, y) => x - y));
    // groups of at most 50 alerts are each in exactly one chunk
    for (const [key, ns] of byGroup) if (ns.length <= 50) expect(chunks.filter((c) => c.some((a) => groupKey(a) === key))).toHaveLength(1);
  });

  it('groups as ingestion does: by source, service, environment and alert name, drills apart', () => {
    const alerts = [alert('a', 'api'), alert('a', 'web'), alert('a', 'api')];
    expect(splitByGroup(alerts, 2).map((c) => c.map((a) => a.service))).toEqual([['api', 'api'], ['web']]);
    expect(splitByGroup(alerts, 2, { drillId: 'd1' }).map((c) => c.map((a) => a.service))).toEqual([['api', 'api'], ['web']]);
  });

  it('gives no chunk for no alert, and refuses a limit that is not a whole number of at least 1', () => {
    expect(splitByGroup([], 5)).toEqual([]);
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => splitByGroup([alert('a')], bad)).toThrow(/maxPerChunk/);
  });
});
