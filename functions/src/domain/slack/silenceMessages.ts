// Slack text for silences: the answer to `/incident silence …` and the
// reminder its creator gets before it ends. Pure, mrkdwn, every piece of
// user text escaped.
import { formatMatch } from '../matchText';
import type { Silence } from '../silences';
import { actorDisplay, duration, link, safe, slackDate } from './format';

/** Whether the command text is `/incident silence …` (handled apart from the other commands). */
export const isSilenceText = (text: string | null | undefined): boolean => /^\s*silence(\s|$)/i.test((text ?? '').replace(/\u00a0/g, ' '));

const consoleLink = (consoleUrl: string, label: string) => link(`${consoleUrl.replace(/\/+$/, '')}/#/silences`, label);

/** The in-channel answer to a new silence: what it holds, until when, why, who. */
export function silenceCreatedText(id: string, s: Silence, consoleUrl: string, reminderMinutes: number): string {
  const span = duration(s.endsAt.getTime() - s.startsAt.getTime());
  return [
    `:mute: ${actorDisplay(s.createdBy)} silenced \`${safe(formatMatch(s.matchers), 500)}\` for ${span}, until ${slackDate(s.endsAt)}: ${safe(s.comment, 1000)}`,
    `New alerts that fit open no incident and notify nobody; they are kept (${consoleLink(consoleUrl, 'silenced alerts')}), and those still firing when it ends open their incidents then. ` +
      `Alerts joining an incident that is already open are not held. ${actorDisplay(s.createdBy)} is reminded ${reminderMinutes} min before it ends. Silence \`${safe(id, 100)}\`.`,
  ].join('\n');
}

/** The reminder, before the silence ends. */
export function silenceReminderText(id: string, s: Silence, held: number, consoleUrl: string, now: Date): string {
  const left = duration(s.endsAt.getTime() - now.getTime());
  const holding = held === 0 ? 'It holds no alert.' : `It holds ${held} alert${held === 1 ? '' : 's'}; those still firing then open their incidents.`;
  return (
    `:hourglass_flowing_sand: ${actorDisplay(s.createdBy)}, your silence \`${safe(formatMatch(s.matchers), 500)}\` (${safe(s.comment, 300)}) ends in ${left}, at ${slackDate(s.endsAt)}. ${holding} ` +
    `To keep it, create a new one (\`/incident silence …\`); to end it now, expire it in the ${consoleLink(consoleUrl, 'console')}. Silence \`${safe(id, 100)}\`.`
  );
}
