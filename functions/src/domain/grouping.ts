// Which alerts share an incident (contract §3: source + service + environment + alert name).
import { stableId } from './hash';
import type { NormalizedAlert } from './types';

export interface GroupingOptions {
  /** Drill alerts are grouped apart from real ones, per drill run. */
  drillId?: string | null;
}

export function groupKey(alert: Pick<NormalizedAlert, 'source' | 'service' | 'environment' | 'alertName'>, opts: GroupingOptions = {}): string {
  const parts = [alert.source, alert.service ?? '', alert.environment ?? '', alert.alertName];
  const key = parts.map((p) => p.replaceAll('|', '/')).join('|');
  return opts.drillId ? `drill:${opts.drillId}|${key}` : key;
}

/** Document id of the group (Firestore ids may not contain '/'). */
export const groupDocId = (key: string) => stableId(key);

/** Document id of an alert inside its incident. */
export const alertDocId = (alert: Pick<NormalizedAlert, 'source' | 'fingerprint'>) => stableId(`${alert.source}|${alert.fingerprint}`);

/**
 * Splits a batch of alerts into chunks of at most `maxPerChunk` alerts, for a
 * payload too large to ingest as one message (thousands of alerts in one
 * Alertmanager body). A group's alerts stay together, in their order, as far
 * as the limit allows: each chunk holds whole groups, packed in the order
 * their first alert came; a group larger than the limit fills whole chunks of
 * its own and its remainder is packed like a group. So ingesting the chunks one by one touches each incident in as
 * few transactions as possible, and two chunks never race to open the same
 * group's incident unless that group alone exceeds the limit.
 */
export function splitByGroup<A extends Pick<NormalizedAlert, 'source' | 'service' | 'environment' | 'alertName'>>(
  alerts: readonly A[],
  maxPerChunk: number,
  opts: GroupingOptions = {},
): A[][] {
  if (!Number.isInteger(maxPerChunk) || maxPerChunk < 1) throw new RangeError(`maxPerChunk must be a whole number of at least 1, not ${maxPerChunk}`);
  const groups = new Map<string, A[]>();
  for (const a of alerts) {
    const key = groupKey(a, opts);
    const g = groups.get(key);
    if (g) g.push(a);
    else groups.set(key, [a]);
  }
  const chunks: A[][] = [];
  let current: A[] = [];
  for (const g of groups.values()) {
    if (g.length > maxPerChunk) {
      // a group of its own, in full chunks; its last part can share with the next groups
      let i = 0;
      for (; g.length - i > maxPerChunk; i += maxPerChunk) {
        if (current.length > 0) chunks.push(current);
        current = [];
        chunks.push(g.slice(i, i + maxPerChunk));
      }
      const tail = g.slice(i);
      if (current.length + tail.length > maxPerChunk) {
        chunks.push(current);
        current = [];
      }
      current.push(...tail);
      continue;
    }
    if (current.length + g.length > maxPerChunk) {
      chunks.push(current);
      current = [];
    }
    current.push(...g);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
