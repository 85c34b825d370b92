// The registry of alert sources and the one entry point that normalises a payload.
import { z } from 'zod';
import { fitAlertForStorage } from '../alertLimits';
import type { AlertSource } from '../types';
import { ALERT_SOURCES } from '../types';
import { type AlertSourceDefinition, type NormalizeResult, zodDetails } from './common';
import { alertmanager } from './alertmanager';
import { cloudMonitoring } from './cloudMonitoring';
import { datadog } from './datadog';
import { generic } from './generic';
import { grafana } from './grafana';
import { sentry } from './sentry';

export type { NormalizeResult, ValidationDetail } from './common';

const SOURCES: Partial<Record<AlertSource, AlertSourceDefinition>> = {
  alertmanager,
  grafana,
  datadog,
  'cloud-monitoring': cloudMonitoring,
  sentry,
  generic,
};

export function isAlertSource(name: string): name is AlertSource {
  return (ALERT_SOURCES as readonly string[]).includes(name) && SOURCES[name as AlertSource] !== undefined;
}

export const knownSources = (): AlertSource[] => ALERT_SOURCES.filter((s) => SOURCES[s] !== undefined);

/**
 * Validates a payload (already parsed JSON) against its source's schema and
 * normalises it. A body is refused only when it holds no alert (or is not that
 * source's shape); every alert returned fits what storage can hold
 * (see alertLimits.ts), so whatever is accepted can be written.
 */
export function normalizePayload(source: AlertSource, payload: unknown): NormalizeResult {
  const def = SOURCES[source];
  if (!def) return { ok: false, error: `unknown source "${source}"`, details: [] };
  const parsed = def.schema.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, error: `the body is not a valid ${source} payload`, details: zodDetails(parsed.error) };
  }
  const alerts = def.normalize(parsed.data).map(fitAlertForStorage);
  if (alerts.length === 0) return { ok: false, error: `the ${source} payload holds no alert`, details: [] };
  return { ok: true, alerts };
}

/** Parses a JSON text; a failure is a value, not an exception. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: `the body is not JSON: ${(e as Error).message}` };
  }
}

/**
 * The source of a message on the `alerts` topic: its `source` attribute, or a
 * Cloud Monitoring notification recognised by `incident.incident_id`.
 */
export function detectSource(attributes: Record<string, string> | undefined, payload: unknown): AlertSource | null {
  const attr = attributes?.source;
  if (attr) return isAlertSource(attr) ? attr : null;
  const incident = z.object({ incident: z.object({ incident_id: z.union([z.string(), z.number()]) }) }).safeParse(payload);
  return incident.success ? 'cloud-monitoring' : null;
}
