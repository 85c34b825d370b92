// Use case: one message from the `alerts` topic becomes incident decisions.
// Load → planIngest (pure) → one transaction (with the messageId marker) →
// roll-up tasks for the incidents whose counts moved.
import { alertDocId } from '../domain/grouping';
import { type GroupSnapshot, groupsOf, planIngest } from '../domain/ingest';
import type { LinkTemplate } from '../domain/links';
import type { Policy } from '../domain/policy';
import type { Runbook } from '../domain/runbooks';
import type { SeverityRules } from '../domain/severity';
import { detectSource, normalizePayload, parseJson } from '../domain/sources';
import { alertsOfEnvelope, ENVELOPE_FORMAT } from '../domain/sources/envelope';
import type { DeployRef } from '../domain/types';
import type { Deps } from './ports';
import { rerunIfAlreadyExists } from './retry';
import { scheduleRollups } from './rollupIncident';

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

export interface IngestConfig {
  rules: SeverityRules;
  policy: Policy;
  links: readonly LinkTemplate[];
  runbooks: readonly Runbook[];
  project: string | null;
}

export interface IngestDeps extends Deps {
  config: IngestConfig;
  newId(): string;
  /** Keeps a message that can never be ingested (rejectedAlerts), under an id of its own. */
  poison(r: { id: string; source: string | null; reason: string; details: unknown[]; raw: string; messageId: string }): Promise<void>;
  log: {
    ingested(f: Record<string, unknown>): void;
    duplicate(f: { messageId: string; eventId: string }): void;
    poison(f: { messageId: string; eventId: string; source: string | null; reason: string }): void;
  };
}

/** Markers of handled messages are kept this long (Firestore TTL on `expireAt`). */
const MARKER_TTL_DAYS = 7;

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

  const { rules, policy } = deps.config;
  const drillId = msg.attributes.drill || null;
  const groups = groupsOf(normalized.alerts, drillId);
  const groupIds = [...groups.keys()];
  const t0 = Date.now();
  let attempts = 0;

  // A new group's document is created with a precondition: the loser of a race for it runs again and joins the winner's incident.
  const result = await rerunIfAlreadyExists(() => deps.store.run(async (tx) => {
    attempts += 1;
    const marker = await tx.marker(msg.messageId);
    if (marker) return { duplicate: true as const, incidentIds: marker.incidentIds, created: [] as string[], rollup: marker.incidentIds };
    const groupStates = await tx.groups(groupIds);
    // The incidents the groups point to are read WITHOUT holding them: every
    // alert of a storm reads its incident, and holding it would starve the
    // roll-up and the people writing to it. An incident this message changes
    // is read again, held, below.
    const incidents = await tx.peekIncidents([...new Set([...groupStates.values()].flatMap((g) => (g ? [g.incidentId] : [])))]);
    const refs = groupIds.flatMap((groupId) => {
      const incidentId = groupStates.get(groupId)?.incidentId;
      return incidentId && incidents.has(incidentId) ? (groups.get(groupId)?.alerts ?? []).map((a) => ({ groupId, incidentId, alertId: alertDocId(a) })) : [];
    });
    const alertDocs = await tx.alerts(refs);
    const snapshots = () => {
      const out = new Map<string, GroupSnapshot>();
      for (const groupId of groupIds) {
        const group = groupStates.get(groupId) ?? null;
        out.set(groupId, { group, incident: group ? (incidents.get(group.incidentId) ?? null) : null, alerts: new Map() });
      }
      for (const r of refs) {
        const doc = alertDocs.get(`${r.incidentId}/${r.alertId}`);
        if (doc) out.get(r.groupId)?.alerts.set(r.alertId, doc);
      }
      return out;
    };

    const now = deps.clock.now();
    const deploys = new Map<string, DeployRef[]>();
    // Both planning passes of an attempt name a new incident alike.
    const ids: string[] = [];
    const sameIds = () => {
      let n = 0;
      return () => (ids[n++] ??= deps.newId());
    };
    const ctx = {
      now,
      rules,
      policy,
      drillId,
      newIncidentId: sameIds(),
      cause: `msg-${msg.messageId}`,
      enrich: { runbooks: deps.config.runbooks, linkTemplates: deps.config.links, project: deps.config.project, policy },
      deploysOf: (service: string) => deploys.get(service),
    };
    let plan = planIngest(normalized.alerts, snapshots(), ctx);
    // Reopen, escalation, "it came back": hold those incidents and plan again, with the deploys new incidents want.
    const toHold = plan.decisions.filter((p) => !p.created && p.decision.changed).map((p) => p.decision.incident.id);
    if (toHold.length || plan.needsDeploys.length) {
      for (const id of toHold) {
        const held = await tx.incident(id);
        if (held) incidents.set(id, held);
      }
      const since = new Date(now.getTime() - policy.deploys.windowMinutes * 60_000);
      for (const service of plan.needsDeploys) deploys.set(service, (await tx.deploysOf(service, since)).filter((d) => Boolean(d.drill) === (drillId !== null)));
      plan = planIngest(normalized.alerts, snapshots(), { ...ctx, newIncidentId: sameIds() });
    }

    for (const g of plan.groups) tx.putGroup(g.groupId, g.state, { create: g.create });
    for (const { decision, created } of plan.decisions) {
      tx.commit(decision, { create: created });
      if (created) for (const d of decision.incident.deploys) tx.linkDeploy(d.id, decision.incident.id);
    }
    const touched = [...new Set(plan.decisions.map((p) => p.decision.incident.id))];
    tx.putMarker(msg.messageId, {
      source,
      eventId: msg.eventId,
      receivedAt: now,
      alerts: normalized.alerts.length,
      incidentIds: touched,
      ignored: plan.ignored,
      expireAt: new Date(now.getTime() + MARKER_TTL_DAYS * 86_400_000),
    });
    return { duplicate: false as const, incidentIds: touched, created: plan.decisions.filter((p) => p.created).map((p) => p.decision.incident.id), rollup: plan.rollup };
  }));

  const t1 = Date.now();
  // After the commit, and again on a duplicate (the first delivery may have died here).
  await scheduleRollups(result.rollup, deps);
  if (result.duplicate) {
    deps.log.duplicate({ messageId: msg.messageId, eventId: msg.eventId });
    return { status: 'duplicate', incidentIds: result.incidentIds, created: [] };
  }
  deps.log.ingested({ messageId: msg.messageId, eventId: msg.eventId, source, incidentIds: result.incidentIds, created: result.created, alerts: normalized.alerts.length, txMs: t1 - t0, txAttempts: attempts, rollupMs: Date.now() - t1 });
  return { status: 'ingested', incidentIds: result.incidentIds, created: result.created };
}
