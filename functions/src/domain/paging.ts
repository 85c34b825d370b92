// Paging on the incident's timeline (contract §10). The escalation task and
// the per-person notification task change an incident only through these
// decide() commands, and each leaves its entry on the timeline (so in the
// postmortem, which freezes the timeline):
//   page_level            `escalated` (a level after the first: nobody acknowledged
//                         in time) and `paged` (whom this level pages, and which
//                         targets had nobody on call)
//   page_outcome          `page_sent` / `page_failed`: what each channel of one
//                         person's notification step did
// All three apply only while the incident waits (triggered, same cycle): after
// the acknowledgement the timeline shows no more paging.
//   escalation_exhausted  `escalation_exhausted`: every level of every round paged,
//                         nobody acknowledged
// The acknowledgement itself is the ordinary `acknowledge` command, whose
// entry names its channel in data.via (incident.ts).
//
// Also here: whom a drill may page (drillPageTargets).
import type { Channel } from './notificationRules';
import { durationText } from './duration';
import type { Incident, TimelineEntry } from './types';
import { SYSTEM } from './types';

/** What one escalation level pages, as the escalation task resolved it. */
export interface PageLevelCommand {
  action: 'page_level';
  /** The incident's reopenCount when this escalation started. */
  cycle: number;
  level: number;
  round: number;
  /** How many levels the policy has, and how many rounds it runs (1 + repeat). */
  levels: number;
  rounds: number;
  policyId: string;
  /** For a level after the first: how long it waited for an acknowledgement. */
  waitedSeconds: number | null;
  /** Whom it pages (distinct uids, target order). */
  uids: string[];
  /** Each target as config writes it, and whom it reached (null: nobody on call there). */
  targets: { target: string; uid: string | null }[];
  /** Why some people were not paged (a drill's participants), or null. */
  note: string | null;
  /** Display names of the people paged, where known. */
  names?: Record<string, string>;
}

/** One channel attempt of a person's notification step. */
export interface PageAttemptOutcome {
  channel: Channel;
  status: 'sent' | 'failed';
  error: string | null;
}

export interface PageOutcomeCommand {
  action: 'page_outcome';
  cycle: number;
  level: number;
  round: number;
  uid: string;
  name: string | null;
  attempts: PageAttemptOutcome[];
  /** Every step of this person's rules has been tried and every one failed. */
  unreachable: boolean;
}

export interface EscalationExhaustedCommand {
  action: 'escalation_exhausted';
  cycle: number;
  policyId: string;
  rounds: number;
}

export type PagingCommand = PageLevelCommand | PageOutcomeCommand | EscalationExhaustedCommand;

export const PAGING_ACTIONS: readonly PagingCommand['action'][] = ['page_level', 'page_outcome', 'escalation_exhausted'];

function entry(at: Date, type: string, message: string, data: Record<string, unknown>): TimelineEntry {
  return { at, type, actor: SYSTEM, message, data };
}

const person = (uid: string, name: string | null | undefined) => (name && name !== uid ? `${name} (${uid})` : uid);

function levelWords(c: Pick<PageLevelCommand, 'level' | 'levels' | 'round' | 'rounds' | 'policyId'>): string {
  return `level ${c.level + 1} of ${c.levels}${c.rounds > 1 ? `, round ${c.round + 1} of ${c.rounds}` : ''}, policy ${c.policyId}`;
}

/** Why a paging command no longer applies to the incident, or null when it does. */
function stale(incident: Pick<Incident, 'status' | 'reopenCount'>, cycle: number): string | null {
  if (incident.reopenCount !== cycle) return `this escalation belongs to cycle ${cycle}; the incident is in cycle ${incident.reopenCount}`;
  if (incident.status !== 'triggered') return `the incident is ${incident.status}: paging has stopped`;
  return null;
}

/** The timeline entries of a paging command, or why it is refused (the incident is no longer waiting). */
export function pagingEntries(incident: Pick<Incident, 'status' | 'reopenCount'>, c: PagingCommand, now: Date): TimelineEntry[] | string {
  switch (c.action) {
    case 'page_level': {
      const why = stale(incident, c.cycle);
      if (why) return why;
      const base = { cycle: c.cycle, level: c.level, round: c.round, policyId: c.policyId };
      const out: TimelineEntry[] = [];
      if (c.level > 0 || c.round > 0) {
        const waited = c.waitedSeconds !== null ? ` after ${durationText(c.waitedSeconds)}` : '';
        out.push(entry(now, 'escalated', `not acknowledged${waited}: escalated to ${levelWords(c)}`, { ...base, ...(c.waitedSeconds !== null ? { waitedSeconds: c.waitedSeconds } : {}) }));
      }
      const unresolved = c.targets.filter((t) => t.uid === null).map((t) => t.target);
      const nobody = unresolved.length ? `nobody is on call on ${unresolved.join(', ')}` : null;
      const who = c.uids.map((u) => person(u, c.names?.[u])).join(', ');
      const parts = [c.uids.length ? `paged ${who} (${levelWords(c)})` : `${levelWords(c)} paged nobody`, nobody, c.note].filter((p): p is string => !!p);
      out.push(entry(now, 'paged', parts.join('; '), { ...base, uids: c.uids, targets: c.targets, unresolved, ...(c.note ? { note: c.note } : {}) }));
      return out;
    }
    case 'page_outcome': {
      // Once acknowledged, the timeline shows no more paging (the pages/ documents keep every attempt).
      const why = stale(incident, c.cycle);
      if (why) return why;
      if (c.attempts.length === 0) return 'no channel was tried';
      const sent = c.attempts.filter((a) => a.status === 'sent');
      const words = c.attempts.map((a) => (a.status === 'sent' ? `${a.channel} sent` : `${a.channel} failed${a.error ? ` (${a.error.slice(0, 200)})` : ''}`));
      const tail = c.unreachable ? `; every channel failed: ${person(c.uid, c.name)} could not be reached` : '';
      return [
        entry(now, sent.length ? 'page_sent' : 'page_failed', `${person(c.uid, c.name)}, level ${c.level + 1}: ${words.join(', ')}${tail}`, {
          cycle: c.cycle,
          level: c.level,
          round: c.round,
          uid: c.uid,
          attempts: c.attempts,
          channels: sent.map((a) => a.channel),
          ...(c.unreachable ? { unreachable: true } : {}),
        }),
      ];
    }
    case 'escalation_exhausted': {
      const why = stale(incident, c.cycle);
      if (why) return why;
      return [entry(now, 'escalation_exhausted', `nobody acknowledged after ${c.rounds === 1 ? 'every level' : `${c.rounds} rounds`} of policy ${c.policyId}: escalation ended`, { cycle: c.cycle, policyId: c.policyId, rounds: c.rounds })];
    }
  }
}

// ---------------------------------------------------------------------------
// Drills

/**
 * Whom a drill's escalation level may page. Without a participant list (the
 * scenario gives none) a drill pages like any incident, per `page.drills`.
 * With one, it pages those participants, and nobody else, at the first level
 * of the first round; later levels page nobody (they would wake people who
 * are not in the drill).
 */
export function drillPageTargets(stepUids: readonly string[], position: { level: number; round: number }, participants: readonly string[] | null): { uids: string[]; note: string | null } {
  if (participants === null) return { uids: [...stepUids], note: null };
  const list = [...new Set(participants.filter((p) => typeof p === 'string' && p.trim()).map((p) => p.trim()))];
  if (list.length === 0) return { uids: [], note: 'a drill with no participants pages nobody' };
  if (position.level > 0 || position.round > 0) return { uids: [], note: 'a drill pages only its participants, at the first level' };
  const skipped = stepUids.filter((u) => !list.includes(u));
  return { uids: list, note: skipped.length ? `a drill pages only its participants (not ${skipped.join(', ')})` : null };
}
