// The score of a drill run: time to acknowledge against the target, runbook
// steps done, resolution and postmortem, how the page went (time from the
// first page to the acknowledgement, the escalation level reached), and the
// report posted in Slack.
import { formatDuration } from '../duration';
import { clip, escapeMrkdwn } from '../slack/format';
import { type Incident, SYSTEM, type TimelineEntry } from '../types';
import { firstResponseAt } from './replay';
import type { Scenario } from './scenario';

export interface DrillChecklistItem {
  id: string;
  text: string;
  done: boolean;
  doneAt: Date | null;
}

/** One channel attempt of a page of the drill's incident (incidents/{id}/pages/{pageId}; levels 0-based as stored). */
export interface DrillPage {
  uid: string;
  level: number;
  status: 'sent' | 'failed' | 'acknowledged';
  /** When the attempt ended. */
  at: Date;
  acknowledgedAt?: Date | null;
}

/** Where an escalation of the drill's incident stands (incidents/{id}/paging/c{cycle}; level 0-based as stored). */
export interface DrillEscalation {
  status: 'not_paged' | 'paging' | 'stopped' | 'exhausted';
  /** The last level that paged ('paging', 'exhausted'); for 'stopped', the level that stopped before paging. */
  level: number | null;
}

export interface ScoreInput {
  scenario: Scenario;
  /** The drill's incident (its first one), or null if none was opened. */
  incident: Incident | null;
  checklist: DrillChecklistItem[];
  postmortemStarted: boolean;
  timeline: TimelineEntry[];
  startedAt: Date;
  now: Date;
  timedOut: boolean;
  /** The pages of the drill's incident (none when it paged nobody, or before on-call). */
  pages?: readonly DrillPage[];
  /** Its escalation states, one per cycle. */
  escalations?: readonly DrillEscalation[];
}

export interface DrillScore {
  /** From the incident's creation to the first response (see firstResponseAt); null = none. */
  timeToAcknowledgeSeconds: number | null;
  acknowledgeTargetSeconds: number;
  acknowledgedInTime: boolean;
  /** Who responded first (the actor of the first acknowledge, mitigate or resolve by a person); null = nobody, or not on the timeline. */
  acknowledgedBy: string | null;
  /** From the incident's creation to its mitigation by a person (a mitigate, or a person's resolve); null = not mitigated. */
  timeToMitigateSeconds: number | null;
  runbookSteps: { expected: string[]; done: string[]; missing: string[] };
  postmortemExpected: boolean;
  postmortemStarted: boolean;
  resolved: boolean;
  timedOut: boolean;
  /**
   * From the first page sent (a page document sent or acknowledged) to the
   * acknowledgement (the first response, from any channel, or a page's own
   * acknowledgement, whichever is first; 0 if it came before the page);
   * null = nobody was paged, or nobody acknowledged.
   */
  pageAckSeconds: number | null;
  /**
   * The highest escalation level that paged, 1-based as the timeline and
   * config/oncall.yaml count them ("level 1 of 2"): from the pages, the
   * `paged` timeline entries and the escalation state; null = never paged.
   */
  escalationLevelReached: number | null;
  /** Who was paged (a page sent or acknowledged), in the order first paged. */
  pagedUids: string[];
  /** 0-100, see SCORE_WEIGHTS (the page fields do not change it: runs before and after on-call stay comparable). */
  score: number;
  summary: string;
  timeline: { at: Date; offsetSeconds: number; type: string; actor: string; message: string }[];
}

/**
 * The score is the sum of four parts, rounded:
 * - acknowledge (40): in time = 40; late = 40 × target / actual; never = 0;
 * - runbook (30): 30 × expected steps done / expected steps (30 when none is expected);
 * - resolve (20): 20 when the incident is resolved (or closed) and the drill did not time out;
 * - postmortem (10): when `expect.postmortem` is true, 10 if one was started, else 0;
 *   otherwise 10.
 */
export const SCORE_WEIGHTS = { acknowledge: 40, runbook: 30, resolve: 20, postmortem: 10 } as const;

const normText = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * The checklist steps an expected step names: the step whose id or text equals
 * it (case-insensitive, spaces collapsed); when none does, the steps whose text
 * starts with it (so a scenario can name a long step by its first words).
 */
export function findRunbookSteps<T extends { id: string; text: string }>(expected: string, steps: readonly T[]): T[] {
  const e = normText(expected);
  if (e === '') return [];
  const exact = steps.filter((s) => normText(s.id) === e || normText(s.text) === e);
  return exact.length > 0 ? exact : steps.filter((s) => normText(s.text).startsWith(e));
}

/** The first status change by a person to one of `states`, up to `now` (earliest; ties: timeline order). */
function firstByPerson(timeline: readonly TimelineEntry[], states: readonly string[], now: Date): TimelineEntry | null {
  let best: TimelineEntry | null = null;
  for (const e of timeline) {
    if (e.type !== 'status_changed' || e.actor === SYSTEM || !states.includes(String(e.data.to))) continue;
    if (e.at.getTime() > now.getTime()) continue;
    if (!best || e.at.getTime() < best.at.getTime()) best = e;
  }
  return best;
}

/** How the page went: see DrillScore.pageAckSeconds, escalationLevelReached and pagedUids. */
export function pageOutcome(input: Pick<ScoreInput, 'pages' | 'escalations' | 'timeline' | 'now'>, response: Date | null): Pick<DrillScore, 'pageAckSeconds' | 'escalationLevelReached' | 'pagedUids'> {
  const upTo = (d: Date | null | undefined): d is Date => d instanceof Date && d.getTime() <= input.now.getTime();
  const pages = (input.pages ?? []).filter((p) => upTo(p.at));
  const sent = pages.filter((p) => p.status === 'sent' || p.status === 'acknowledged').sort((a, b) => a.at.getTime() - b.at.getTime());
  const levels: number[] = pages.map((p) => p.level);
  for (const e of input.timeline) if (e.type === 'paged' && upTo(e.at) && typeof e.data.level === 'number') levels.push(e.data.level);
  for (const s of input.escalations ?? []) if ((s.status === 'paging' || s.status === 'exhausted') && typeof s.level === 'number') levels.push(s.level);
  const reached = levels.filter((l) => Number.isInteger(l) && l >= 0);
  const firstPage = sent[0]?.at ?? null;
  const acks = [response, ...pages.map((p) => p.acknowledgedAt)].filter(upTo).map((d) => d.getTime());
  const ackAt = acks.length > 0 ? Math.min(...acks) : null;
  return {
    pageAckSeconds: firstPage && ackAt !== null ? Math.round(Math.max(0, ackAt - firstPage.getTime()) / 1000) : null,
    escalationLevelReached: reached.length > 0 ? Math.max(...reached) + 1 : null,
    pagedUids: [...new Set(sent.map((p) => p.uid))],
  };
}

/** The page part of the summary and the report, or null when nothing paged. */
function pageWords(s: Pick<DrillScore, 'pageAckSeconds' | 'escalationLevelReached' | 'pagedUids'>): string | null {
  if (s.escalationLevelReached === null && s.pagedUids.length === 0) return null;
  const level = s.escalationLevelReached === null ? '' : ` (escalation level ${s.escalationLevelReached})`;
  if (s.pagedUids.length === 0) return `nobody reached by the page${level}`;
  return s.pageAckSeconds === null ? `page not acknowledged${level}` : `page acknowledged in ${formatDuration(s.pageAckSeconds)}${level}`;
}

export function scoreDrill(input: ScoreInput): DrillScore {
  const { scenario, incident, now } = input;
  const target = scenario.expect.acknowledgeWithinSeconds;

  const response = incident ? firstResponseAt(incident, input.timeline, now) : null;
  const rawTta = incident && response ? Math.max(0, (response.getTime() - incident.createdAt.getTime()) / 1000) : null;
  const acknowledgedInTime = rawTta !== null && rawTta <= target;
  const acknowledgedBy = incident ? (firstByPerson(input.timeline, ['acknowledged', 'mitigated', 'resolved'], now)?.actor ?? null) : null;
  const mitigation = incident ? firstByPerson(input.timeline, ['mitigated', 'resolved'], now) : null;
  const mitigatedAt = [mitigation?.at, incident?.mitigatedAt ?? undefined]
    .filter((d): d is Date => d instanceof Date && d.getTime() <= now.getTime())
    .sort((a, b) => a.getTime() - b.getTime())[0];
  const timeToMitigateSeconds = incident && mitigatedAt ? Math.round(Math.max(0, (mitigatedAt.getTime() - incident.createdAt.getTime()) / 1000)) : null;

  const expected = scenario.expect.runbookSteps;
  const isDone = (s: DrillChecklistItem) => s.done && (s.doneAt === null || s.doneAt.getTime() <= now.getTime());
  const done = expected.filter((e) => findRunbookSteps(e, input.checklist).some(isDone));
  const missing = expected.filter((e) => !done.includes(e));

  const resolved = incident !== null && (incident.status === 'resolved' || incident.status === 'closed');
  const postmortemExpected = scenario.expect.postmortem === true;

  const W = SCORE_WEIGHTS;
  const ackPart = rawTta === null ? 0 : acknowledgedInTime ? W.acknowledge : (W.acknowledge * target) / Math.max(rawTta, 1e-9);
  const runbookPart = expected.length === 0 ? W.runbook : (W.runbook * done.length) / expected.length;
  const resolvePart = resolved && !input.timedOut ? W.resolve : 0;
  const postmortemPart = postmortemExpected ? (input.postmortemStarted ? W.postmortem : 0) : W.postmortem;
  const score = Math.max(0, Math.min(100, Math.round(ackPart + runbookPart + resolvePart + postmortemPart)));

  const timeToAcknowledgeSeconds = rawTta === null ? null : Math.round(rawTta);
  const page = pageOutcome(input, incident ? response : null);
  const parts: string[] = [
    timeToAcknowledgeSeconds === null
      ? `not acknowledged (target ${formatDuration(target)})`
      : `acknowledged in ${formatDuration(timeToAcknowledgeSeconds)} (target ${formatDuration(target)})${acknowledgedInTime ? '' : ', late'}`,
  ];
  const paged = pageWords(page);
  if (paged) parts.push(paged);
  if (expected.length > 0) parts.push(`${done.length} of ${expected.length} runbook steps done`);
  parts.push(resolved ? 'resolved' : 'not resolved');
  if (postmortemExpected || input.postmortemStarted) parts.push(input.postmortemStarted ? 'postmortem started' : 'no postmortem started');
  if (input.timedOut) parts.push('timed out');
  const summary = `${parts.join(', ')}; score ${score}/100`;

  const timeline = input.timeline
    .filter((e) => e.at.getTime() <= now.getTime())
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at.getTime() - b.e.at.getTime() || a.i - b.i)
    .map(({ e }) => ({
      at: e.at,
      offsetSeconds: Math.round((e.at.getTime() - input.startedAt.getTime()) / 1000),
      type: e.type,
      actor: e.actor,
      message: e.message,
    }));

  return {
    timeToAcknowledgeSeconds,
    acknowledgeTargetSeconds: target,
    acknowledgedInTime,
    acknowledgedBy,
    timeToMitigateSeconds,
    runbookSteps: { expected: [...expected], done, missing },
    postmortemExpected,
    postmortemStarted: input.postmortemStarted,
    resolved,
    timedOut: input.timedOut,
    ...page,
    score,
    summary,
    timeline,
  };
}

/**
 * One line for Slack, e.g.
 * `[DRILL] Bad deploy: acknowledged in 3 min 10 s (target 5 min) ✓ · page acknowledged in 40 s (escalation level 1) ✓ · runbook 2/3 ✗ (missing: Roll back) · resolved ✓ · postmortem started ✓ · score 80/100`
 */
export function drillReportText(score: DrillScore, scenarioName: string): string {
  const ok = (b: boolean) => (b ? '✓' : '✗');
  const target = formatDuration(score.acknowledgeTargetSeconds);
  const parts: string[] = [
    score.timeToAcknowledgeSeconds === null
      ? `not acknowledged (target ${target}) ✗`
      : `acknowledged in ${formatDuration(score.timeToAcknowledgeSeconds)} (target ${target}) ${ok(score.acknowledgedInTime)}`,
  ];
  // Stored scores from before paging have no page fields.
  const paged = pageWords({ pageAckSeconds: score.pageAckSeconds ?? null, escalationLevelReached: score.escalationLevelReached ?? null, pagedUids: score.pagedUids ?? [] });
  if (paged) parts.push(`${paged} ${ok(score.pageAckSeconds !== null && score.pageAckSeconds !== undefined)}`);
  const rb = score.runbookSteps;
  if (rb.expected.length > 0) {
    const shown = rb.missing.slice(0, 3).map((m) => clip(m, 60));
    const more = rb.missing.length > 3 ? ` and ${rb.missing.length - 3} more` : '';
    const missing = rb.missing.length > 0 ? ` (missing: ${shown.join('; ')}${more})` : '';
    parts.push(`runbook ${rb.done.length}/${rb.expected.length} ${ok(rb.missing.length === 0)}${missing}`);
  }
  parts.push(score.resolved ? 'resolved ✓' : 'not resolved ✗');
  if (score.postmortemExpected || score.postmortemStarted) parts.push(score.postmortemStarted ? 'postmortem started ✓' : 'no postmortem ✗');
  if (score.timedOut) parts.push('timed out ✗');
  parts.push(`score ${score.score}/100`);
  return escapeMrkdwn(`[DRILL] ${scenarioName}: ${parts.join(' · ')}`);
}

