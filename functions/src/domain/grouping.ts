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
