// What one change to an incident writes, as a value: the incident as it is
// after the change, its new timeline entries, checklist steps and alert
// documents, and the effects for the outbox. Every id in it is deterministic
// (the change's cause, e.g. the status update's id or the Pub/Sub message id,
// and the item's place), so committing the same decision twice writes nothing
// twice (xstate's stampEffectIds). The shell commits a decision in one
// transaction or batch, through IncidentStore (app/ports.ts).
import type { RunbookChecklistItem } from './runbooks';
import type { AlertRecord, Effect, Incident, TimelineEntry } from './types';

/** A checklist step as stored: incidents/{id}/checklist/{stepId}. */
export type ChecklistStepDoc = RunbookChecklistItem;

/** An effect on its way to the outbox: notifications/{id}. */
export interface StampedEffect {
  id: string;
  effect: Effect;
  /** Not to be delivered before this time (coalesced posts wait for their slot). */
  notBefore: Date | null;
  /** Shared by several decisions on purpose (one post per slot): written only if no decision wrote it yet. */
  coalesced: boolean;
}

export interface Decision {
  incident: Incident;
  /** Whether the incident document itself is written (ingest adds alert documents without touching it). */
  changed: boolean;
  timeline: (TimelineEntry & { id: string })[];
  effects: StampedEffect[];
  checklist: ChecklistStepDoc[];
  alerts: { alertId: string; record: AlertRecord }[];
}

export type DecideResult = Decision | { rejected: string };

export const isRejected = (r: DecideResult): r is { rejected: string } => 'rejected' in r;

/** What a change starts from before any part of it is decided. */
export const noChange = (incident: Incident): Decision => ({ incident, changed: false, timeline: [], effects: [], checklist: [], alerts: [] });

/** Firestore document ids hold no `/`, and stay short. */
const idPart = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 200);

/**
 * Gives the decision's timeline entries and effects their ids: the cause of
 * the change (`update-<id>`, `msg-<messageId>`, `rollup-<second>`…) and the
 * place of each. Ids already given (coalesced slots) are kept.
 */
export function stamp(d: Omit<Decision, 'timeline' | 'effects'> & { timeline: TimelineEntry[]; effects: (Effect | StampedEffect)[] }, cause: string): Decision {
  const c = idPart(cause);
  return {
    ...d,
    timeline: d.timeline.map((e, n) => ({ ...e, id: e.id ?? `${c}-${n}` })),
    effects: d.effects.map((e, n) => ('kind' in e ? { id: `${idPart(d.incident.id)}_${c}_${n}`, effect: e, notBefore: null, coalesced: false } : e)),
  };
}

/** `b` after `a`, for the same incident: one commit for both. Entries keep their ids. */
export function merge(a: Decision, b: Decision): Decision {
  return {
    incident: b.incident,
    changed: a.changed || b.changed,
    timeline: [...a.timeline, ...b.timeline],
    effects: [...a.effects, ...b.effects],
    checklist: [...a.checklist.filter((s) => !b.checklist.some((t) => t.id === s.id)), ...b.checklist],
    alerts: [...a.alerts.filter((x) => !b.alerts.some((y) => y.alertId === x.alertId)), ...b.alerts],
  };
}
