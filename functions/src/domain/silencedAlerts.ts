// Alerts held aside by a silence or a maintenance window (contract §11):
// `silencedAlerts/{id}`, one document per distinct alert (group and
// fingerprint). A held alert opens no incident and notifies nobody, but it is
// never lost: its record keeps the alert as it last came, how often it came,
// and what holds it until when. When the hold ends (a Cloud Task at `until`,
// or the silence's end), a record still `held` and firing is looked at again:
// still held by something (another silence, the next window) → it waits for
// that; otherwise it is released and goes through ingestion again, where it
// opens (or joins) its incident. A resolve of a held alert turns its record
// `resolved`: its hold's end then opens nothing.
import { stableId } from './hash';
import type { Screening } from './noise';
import type { NormalizedAlert } from './types';

/** What holds an alert: a silence (its id), a recurring window (its name) or a window a deploy opened. */
export type Hold =
  | { kind: 'silence'; silenceId: string; until: Date }
  | { kind: 'maintenance'; window: string; deployId: string | null; until: Date };

export type SilencedStatus = 'held' | 'resolved' | 'released';

/** silencedAlerts/{id}. The flat fields are for the console and the release query. */
export interface SilencedAlert {
  status: SilencedStatus;
  /** `silence:<id>`, `window:<name>` or `deploy:<deployId>`: what the release task looks for. */
  holdKey: string;
  kind: Hold['kind'];
  silenceId: string | null;
  window: string | null;
  deployId: string | null;
  /** When the hold is looked at again. */
  until: Date;
  groupKey: string;
  /** The alert as it last came (what is ingested on release). */
  alert: NormalizedAlert;
  source: string;
  fingerprint: string;
  title: string;
  service: string | null;
  environment: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** How many times it came while held (repeats included). */
  occurrences: number;
  resolvedAt: Date | null;
  releasedAt: Date | null;
  /** The incident it opened or joined when released. */
  incidentId: string | null;
}

/** The document id: one per group and alert (drills are never held). */
export const silencedAlertId = (groupKey: string, alert: Pick<NormalizedAlert, 'source' | 'fingerprint'>) => stableId(`held|${groupKey}|${alert.source}|${alert.fingerprint}`);

export function holdKeyOf(h: Hold): string {
  if (h.kind === 'silence') return `silence:${h.silenceId}`;
  return h.deployId ? `deploy:${h.deployId}` : `window:${h.window}`;
}

/** The hold a screening result means, or null (the alert goes on). */
export function holdOf(s: Screening): Hold | null {
  if (s.kind === 'silenced') return { kind: 'silence', silenceId: s.silenceId, until: s.until };
  if (s.kind === 'maintenance') return { kind: 'maintenance', window: s.window, deployId: s.deployId, until: s.until };
  return null;
}

/** A held alert's record: new, or the previous one with this repeat counted and the hold brought up to date. */
export function heldRecord(previous: SilencedAlert | null, alert: NormalizedAlert, hold: Hold, groupKey: string, now: Date): SilencedAlert {
  const again = previous !== null && previous.status === 'held';
  return {
    status: 'held',
    ...holdFields(hold),
    groupKey,
    alert,
    source: alert.source,
    fingerprint: alert.fingerprint,
    title: alert.title,
    service: alert.service,
    environment: alert.environment,
    firstSeenAt: again ? previous.firstSeenAt : now,
    lastSeenAt: now,
    occurrences: again ? previous.occurrences + 1 : 1,
    resolvedAt: null,
    releasedAt: null,
    incidentId: null,
  };
}

/** The alert resolved while held: its hold's end opens nothing. */
export function resolvedRecord(previous: SilencedAlert, alert: NormalizedAlert, now: Date): SilencedAlert {
  return { ...previous, status: 'resolved', alert: { ...previous.alert, status: 'resolved', endsAt: alert.endsAt ?? now }, lastSeenAt: now, resolvedAt: now };
}

/** The alert went on to an incident (released at its hold's end, or it came again once nothing held it). */
export function releasedRecord(previous: SilencedAlert, incidentId: string, now: Date): SilencedAlert {
  return { ...previous, status: 'released', releasedAt: now, incidentId };
}

export type ReleaseStep =
  /** Nothing to do: resolved or released already. */
  | { kind: 'done' }
  /** Something still holds it (the silence was extended, another one or the next window): look again then. */
  | { kind: 'still_held'; record: SilencedAlert; hold: Hold }
  /** Nothing holds it any more: ingest the alert (it opens or joins its incident there). */
  | { kind: 'release'; alert: NormalizedAlert };

/**
 * A held record at its hold's end (or later), with the screening of its alert
 * now. Pure: the release task reads the record and the noise context, and
 * carries the step out in one transaction.
 */
export function releaseStep(record: SilencedAlert, screening: Screening): ReleaseStep {
  if (record.status !== 'held' || record.alert.status !== 'firing') return { kind: 'done' };
  const hold = holdOf(screening);
  if (!hold) return { kind: 'release', alert: record.alert };
  return { kind: 'still_held', record: { ...record, ...holdFields(hold) }, hold };
}

function holdFields(hold: Hold): Pick<SilencedAlert, 'holdKey' | 'kind' | 'silenceId' | 'window' | 'deployId' | 'until'> {
  return {
    holdKey: holdKeyOf(hold),
    kind: hold.kind,
    silenceId: hold.kind === 'silence' ? hold.silenceId : null,
    window: hold.kind === 'maintenance' ? hold.window : null,
    deployId: hold.kind === 'maintenance' ? hold.deployId : null,
    until: hold.until,
  };
}

/** The Cloud Task that looks at a hold's alerts again at its end: one per hold and end time. */
export function releaseTaskId(holdKey: string, until: Date): string {
  return `release-${holdKey}-${until.getTime()}`;
}
