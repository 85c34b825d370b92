// Use case: one message from the `alerts` topic becomes incident decisions.
// Parse and normalise (a message that can never be ingested is kept as
// poison), take out the heartbeats' watchdog alerts (each a ping), and ingest
// the rest (ingestBatch.ts: one transaction with the messageId marker, or the
// id on the alert's document, then the roll-up, release and storm tasks).
import { splitWatchdogs } from '../domain/noise';
import { detectSource, normalizePayload, parseJson } from '../domain/sources';
import { alertsOfEnvelope, ENVELOPE_FORMAT } from '../domain/sources/envelope';
import { pingHeartbeat } from './heartbeats';
import { ingestBatch, type IngestDeps } from './ingestBatch';

export type { IngestConfig, IngestDeps } from './ingestBatch';

export interface AlertMessage {
  /** The Pub/Sub messageId: stable across redeliveries, unlike the CloudEvent id. */
  messageId: string;
  eventId: string;
  data: Buffer;
  attributes: Record<string, string>;
}

export interface IngestOutcome {
  status: 'ingested' | 'duplicate' | 'rejected';
  incidentIds: string[];
  created: string[];
}

export async function ingestAlertMessage(msg: AlertMessage, deps: IngestDeps): Promise<IngestOutcome> {
  const text = msg.data.toString('utf8');
  const parsed = parseJson(text);
  const attrSource = msg.attributes.source ?? null;
  const poison = async (reason: string, details: unknown[] = [], source: string | null = attrSource) => {
    // Stored under the message id, so a redelivery overwrites rather than duplicates.
    await deps.poison({ id: `msg-${msg.messageId}`, source, reason, details, raw: text, messageId: msg.messageId });
    deps.log.poison({ messageId: msg.messageId, eventId: msg.eventId, source, reason });
    return { status: 'rejected' as const, incidentIds: [], created: [] };
  };
  if (!parsed.ok) return poison(parsed.error);
  const source = detectSource(msg.attributes, parsed.value);
  if (!source) return poison(attrSource ? `unknown source "${attrSource}"` : 'no `source` attribute, and the payload is not a Cloud Monitoring notification');
  const normalized = msg.attributes.format === ENVELOPE_FORMAT ? alertsOfEnvelope(parsed.value) : normalizePayload(source, parsed.value);
  if (!normalized.ok) return poison(normalized.error, normalized.details, source);

  const drillId = msg.attributes.drill || null;
  // Alertmanager's Watchdog (or what a heartbeat's `watchdog` names) is a ping, never an incident.
  const { pings, dropped, rest } = splitWatchdogs(normalized.alerts, deps.config.heartbeats, drillId);
  for (const name of pings) await pingHeartbeat(name, deps, 'watchdog');
  if (rest.length === 0) {
    deps.log.ingested({ messageId: msg.messageId, eventId: msg.eventId, source, incidentIds: [], created: [], alerts: normalized.alerts.length, pings, watchdogsDropped: dropped });
    return { status: 'ingested', incidentIds: [], created: [] };
  }

  const t1 = Date.now();
  const result = await ingestBatch({ messageId: msg.messageId, eventId: msg.eventId, source, alerts: rest, drillId, markOnAlert: true }, deps);
  if (result.duplicate) {
    deps.log.duplicate({ messageId: msg.messageId, eventId: msg.eventId });
    return { status: 'duplicate', incidentIds: result.incidentIds, created: [] };
  }
  deps.log.ingested({
    messageId: msg.messageId,
    eventId: msg.eventId,
    source,
    incidentIds: result.incidentIds,
    created: result.created,
    alerts: normalized.alerts.length,
    silenced: result.silenced,
    ...(pings.length ? { pings } : {}),
    txMs: result.txMs,
    txAttempts: result.txAttempts,
    rollupMs: Date.now() - t1 - result.txMs,
  });
  return { status: 'ingested', incidentIds: result.incidentIds, created: result.created };
}
