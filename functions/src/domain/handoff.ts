// On-call hand-overs: when the pager passes to someone else, the incoming
// person is told (a Slack DM with the open incidents). Each hand-over is a
// Cloud Task at its own time, computed from the schedule (shifts()), and each
// task enqueues the next one: no polling. Pure: the time comes in.
import { type OncallOverride, type Schedule, type Shift, shifts } from './oncall';
import { consoleLink } from './slack/messages';
import { clip, escapeMrkdwn, slackDate } from './slack/format';
import type { Incident } from './types';

/** How far ahead a hand-over is looked for; with none in sight, the chain looks again then. */
export const HANDOFF_HORIZON_MS = 35 * 86_400_000;

/** Who takes the pager at `at`, or null when nobody does (nobody on call then, or the same person stays on). */
export function handoffAt(schedule: Schedule, overrides: readonly OncallOverride[], at: Date): Shift | null {
  const [current] = shifts(schedule, overrides, at, new Date(at.getTime() + HANDOFF_HORIZON_MS));
  if (!current || current.start.getTime() !== at.getTime()) return null;
  const [before] = shifts(schedule, overrides, new Date(at.getTime() - 1), at);
  return before && before.uid === current.uid ? null : current;
}

export type NextHandoff = { kind: 'handoff'; at: Date; shift: Shift } | { kind: 'recheck'; at: Date };

/**
 * The next hand-over strictly after `after`: a shift whose person differs
 * from whoever was on call just before it (or who follows a gap). None within
 * the horizon: look again at its end.
 */
export function nextHandoff(schedule: Schedule, overrides: readonly OncallOverride[], after: Date): NextHandoff {
  const from = after.getTime();
  const list = shifts(schedule, overrides, new Date(from - 1), new Date(from + HANDOFF_HORIZON_MS));
  for (let i = 0; i < list.length; i++) {
    const s = list[i] as Shift;
    if (s.start.getTime() <= from) continue;
    const prev = list[i - 1];
    const touching = prev && prev.end.getTime() === s.start.getTime();
    if (!touching || prev.uid !== s.uid) return { kind: 'handoff', at: s.start, shift: s };
  }
  return { kind: 'recheck', at: new Date(from + HANDOFF_HORIZON_MS) };
}

/** The Cloud Tasks id of a schedule's hand-over (or re-check) at `at`: one task per schedule and instant. */
export function handoffTaskId(scheduleId: string, at: Date): string {
  return `handoff-${scheduleId.replace(/[^A-Za-z0-9_-]/g, '_')}-${at.getTime()}`;
}

export interface HandoffMessageInput {
  schedule: Pick<Schedule, 'id' | 'name'>;
  shift: Pick<Shift, 'start' | 'end' | 'source'>;
  /** Open incidents, newest first. */
  incidents: readonly Pick<Incident, 'id' | 'title' | 'severity' | 'status' | 'service' | 'drill'>[];
  consoleUrl: string;
}

/** Most incidents the DM lists. */
export const HANDOFF_MAX_LISTED = 15;

/** The DM to the incoming person. */
export function handoffMessage(input: HandoffMessageInput): { text: string; blocks: Record<string, unknown>[] } {
  const name = escapeMrkdwn(input.schedule.name ?? input.schedule.id);
  const until = slackDate(input.shift.end);
  const open = input.incidents.filter((i) => !i.drill);
  const head = `:pager: *Your on-call shift on ${name} starts now*${input.shift.source === 'override' ? ' (an override)' : ''}, until ${until}.`;
  const lines = open.slice(0, HANDOFF_MAX_LISTED).map((i) => `• ${i.severity} · <${consoleLink(input.consoleUrl, i.id)}|${escapeMrkdwn(clip(i.title, 150))}> · ${i.status}${i.service ? ` · ${escapeMrkdwn(i.service)}` : ''}`);
  const more = open.length > HANDOFF_MAX_LISTED ? [`…and ${open.length - HANDOFF_MAX_LISTED} more in the console.`] : [];
  const summary = open.length === 0 ? 'No incident is open.' : `${open.length} open incident${open.length === 1 ? '' : 's'}:`;
  return {
    text: clip(`Your on-call shift on ${input.schedule.name ?? input.schedule.id} starts now. ${open.length === 0 ? 'No incident is open.' : `${open.length} open incident${open.length === 1 ? '' : 's'}.`}`, 3000),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clip(head, 3000) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip([summary, ...lines, ...more].join('\n'), 3000) } },
    ],
  };
}
