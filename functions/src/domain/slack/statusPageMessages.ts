// Slack posts about the public status page, in the incident's channel: a
// public update that went out, a draft waiting for approval, the cadence
// reminder, and the hint on resolve to post the closing public message.
// Pure; every piece of responder text is escaped.
import { componentStatusText } from '../publicUpdates';
import { PUBLIC_PHASE_LABELS } from '../statusPage';
import type { Effect, Incident, PublicUpdateDraft } from '../types';
import { actorDisplay, clip, duration, safe, slackDate, utcText } from './format';
import type { SlackMessage } from './messages';

/** Block Kit's limits (domain/slack/messages.ts LIMITS, not imported: that module imports this one). */
const LIMITS = { text: 3000, section: 3000 } as const;

const quote = (text: string, max: number) =>
  safe(text, max)
    .split('\n')
    .map((l) => `>${l}`)
    .join('\n');

/** The line and the body of a post for a status page effect (domain/slack/messages.ts statusPost). */
export function statusPageLine(effect: Extract<Effect, { kind: 'status_published' | 'status_drafted' }>): { text: string; body: string } {
  if (effect.kind === 'status_published') {
    const u = effect.update;
    const by = effect.approvedBy ? `${actorDisplay(effect.actor)}, approved by ${actorDisplay(effect.approvedBy)}` : actorDisplay(effect.actor);
    const head = `:loudspeaker: Public status page updated by ${by}: *${PUBLIC_PHASE_LABELS[u.phase]}* · ${safe(componentStatusText(u.componentStatus), 500)}`;
    return { text: `${head.replace(/\*/g, '')}: ${safe(u.message, 300)}`, body: `${head}\n${quote(u.message, 2400)}` };
  }
  const d = effect.draft;
  const head = `:memo: Draft public update by ${actorDisplay(d.by)}, waiting for another responder's approval: *${PUBLIC_PHASE_LABELS[d.phase]}* · ${safe(componentStatusText(d.componentStatus), 500)}`;
  const how = 'Another responder publishes it with `/incident status-page approve` (or Approve in the console).';
  return { text: `${head.replace(/\*/g, '')}: ${safe(d.message, 300)}`, body: `${head}\n${quote(d.message, 2200)}\n${how}` };
}

export interface CadenceReminderInput {
  silentMinutes: number;
  lastPublishedAt: Date;
  draft: PublicUpdateDraft | null;
  /** When the next reminder comes if nothing is published (null: none). */
  nextAt: Date | null;
}

/** The cadence reminder: no public update for the policy's interval. */
export function cadenceReminderPost(incident: Pick<Incident, 'drill' | 'severity'>, input: CadenceReminderInput): SlackMessage {
  const prefix = incident.drill ? '[DRILL] ' : '';
  const silent = duration(input.silentMinutes * 60_000);
  const what = input.draft
    ? `A draft by ${actorDisplay(input.draft.by)} is waiting for approval: \`/incident status-page approve\` publishes it.`
    : 'Post one here with `/incident status-page &lt;text&gt;`, or with "Publish to status page" in the console.';
  const message = (date: (d: Date) => string) =>
    `${prefix}:loudspeaker: No public status update for ${silent} (the last went out at ${date(input.lastPublishedAt)}). ` +
    `Customers are waiting for news of this ${incident.severity} incident.\n${what}` +
    (input.nextAt ? ` Next reminder at ${date(input.nextAt)} if nothing goes out.` : '');
  return {
    text: clip(message(utcText).replace('\n', ' '), LIMITS.text),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(message((d) => slackDate(d, '{time}')), LIMITS.section) } }],
  };
}

/** On resolve, for an incident still open on the public page: how to post the closing public message. */
export function closingMessageHint(incident: Pick<Incident, 'drill'>): SlackMessage {
  const prefix = incident.drill ? '[DRILL] ' : '';
  const body = `${prefix}:loudspeaker: This incident is still open on the public status page. Post the closing public message with \`/incident status-page phase=resolved &lt;text&gt;\` (its components go back to operational), or from the console.`;
  return { text: `${prefix}This incident is still open on the public status page: post the closing public message with /incident status-page phase=resolved &lt;text&gt;`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: body } }] };
}
