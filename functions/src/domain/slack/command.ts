// The `/incident` slash command (contract §7), parsed from its text.
//   in an incident's channel: ack | mitigate | resolve | sev <1-4> | note <text> | status
//   anywhere:                 list | help
//                             silence <matchers> <duration> <why>   (with { silences: true })
// Case-insensitive and whitespace-tolerant. What the command acts on (the
// channel's incident) and who runs it (the Slack user) are the caller's business.
import type { MatchBlock } from '../match';
import { MAX_SILENCE_DAYS, parseSilenceArgs } from '../silences';
import { type Severity } from '../types';
import { escapeMrkdwn, fromSlackText } from './format';

export type SlackUpdateAction = 'acknowledge' | 'mitigate' | 'resolve' | 'set_severity' | 'note';

export type SlashCommand =
  | { kind: 'update'; action: SlackUpdateAction; severity?: Severity; message?: string }
  | { kind: 'status' }
  | { kind: 'list' }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

/**
 * `/incident silence service=checkout 2h database migration`: a new silence
 * (domain/silences), `silenceFromArgs(command, now, createdBy)` makes its
 * document. Parsed only when the caller asks for it ({ silences: true }), so
 * the handlers that do not create silences yet keep their exhaustive switch.
 */
export type SilenceCommand = { kind: 'silence'; matchers: MatchBlock; durationMs: number; comment: string };

export interface SlashCommandOptions {
  /** Parse `silence` (and list it in the usage). */
  silences?: boolean;
  /** Longest silence in days (policy.yaml `silences.maxDays`). */
  maxSilenceDays?: number;
}

/** Longest note accepted from Slack (characters). */
export const MAX_NOTE_LENGTH = 3000;

const SILENCE_USAGE =
  '• `/incident silence &lt;matchers&gt; &lt;duration&gt; &lt;why&gt;`: hold the new alerts that fit, e.g. `/incident silence service=checkout env=prod 2h database migration` (matchers: `name=value`, `name!=value`, `name=~"regex"`)';

/** The help text, in Slack mrkdwn (hence `&lt;` for `<`). */
export const USAGE = [
  '*Usage:* `/incident &lt;command&gt;`',
  "In an incident's channel:",
  '• `/incident ack`: acknowledge the incident (you are on it)',
  '• `/incident mitigate`: the impact is mitigated',
  '• `/incident resolve`: the incident is resolved',
  '• `/incident sev &lt;1-4&gt;`: set the severity (`sev 1` is the most severe; `sev SEV2` works too)',
  '• `/incident note &lt;text&gt;`: add a note to the timeline',
  '• `/incident status`: show where the incident stands',
  'Anywhere:',
  '• `/incident list`: the open incidents',
  '• `/incident help`: this message',
].join('\n');

/** The help text for these options: USAGE, plus `silence` when it is parsed. */
export function usageText(opts: SlashCommandOptions = {}): string {
  if (!opts.silences) return USAGE;
  const lines = USAGE.split('\n');
  const at = lines.findIndex((l) => l.startsWith('• `/incident help`'));
  return [...lines.slice(0, at), SILENCE_USAGE, ...lines.slice(at)].join('\n');
}

const STATUS_WORDS: Record<string, 'acknowledge' | 'mitigate' | 'resolve'> = {
  ack: 'acknowledge',
  acknowledge: 'acknowledge',
  mitigate: 'mitigate',
  resolve: 'resolve',
};

/** Words people may try that belong to the console. */
const CONSOLE_ONLY: Record<string, string> = {
  reopen: 'Reopening an incident is done from the console.',
  close: 'Closing an incident (once its postmortem is published) is done from the console.',
  commander: 'Assigning the incident commander is done from the console.',
  assign: 'Assigning the incident commander is done from the console.',
};

const errorWith = (usage: string) => (message: string): SlashCommand => ({ kind: 'error', message: `${message}\n\n${usage}` });

/** `1`, `sev1`, `SEV 1` (already split), `s1` → SEV1; anything else → null. */
function severityArg(word: string | undefined): Severity | null {
  const m = /^(?:sev|s)?([1-4])$/i.exec(word ?? '');
  return m ? (`SEV${m[1]}` as Severity) : null;
}

function optionalMessage(rest: string): { message?: string } {
  const message = fromSlackText(rest).trim();
  return message ? { message } : {};
}

/** A word the user typed, shown back in mrkdwn: decoded, shortened, escaped. */
function displayWord(word: string): string {
  const plain = fromSlackText(word);
  return escapeMrkdwn(plain.length > 40 ? `${plain.slice(0, 40)}…` : plain);
}

export function parseSlashCommand(text: string | null | undefined): SlashCommand;
export function parseSlashCommand(text: string | null | undefined, opts: SlashCommandOptions & { silences: true }): SlashCommand | SilenceCommand;
export function parseSlashCommand(text: string | null | undefined, opts?: SlashCommandOptions): SlashCommand | SilenceCommand;
export function parseSlashCommand(text: string | null | undefined, opts: SlashCommandOptions = {}): SlashCommand | SilenceCommand {
  const error = errorWith(usageText(opts));
  const trimmed = (text ?? '').replace(/\u00a0/g, ' ').trim();
  if (trimmed === '') return { kind: 'help' };
  const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
  const word = (m?.[1] ?? '').toLowerCase();
  let rest = m?.[2] ?? '';

  const statusAction = STATUS_WORDS[word];
  if (statusAction) return { kind: 'update', action: statusAction, ...optionalMessage(rest) };

  switch (word) {
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'status':
      return rest.trim() ? error('`status` takes no argument.') : { kind: 'status' };
    case 'list':
      return rest.trim() ? error('`list` takes no argument.') : { kind: 'list' };
    case 'silence': {
      if (!opts.silences) break;
      const r = parseSilenceArgs(fromSlackText(rest), { maxDays: opts.maxSilenceDays ?? MAX_SILENCE_DAYS });
      return r.ok ? { kind: 'silence', ...r.args } : error(escapeMrkdwn(r.error));
    }
    case 'note': {
      const message = fromSlackText(rest).trim();
      if (!message) return error('`note` needs some text, e.g. `/incident note rolled back to v1.4.2`.');
      if (message.length > MAX_NOTE_LENGTH) return error(`The note is too long (${message.length} characters; at most ${MAX_NOTE_LENGTH}).`);
      return { kind: 'update', action: 'note', message };
    }
    case 'sev':
    case 'severity': {
      // `sev 2`, `sev SEV2`, `sev sev 2`, `severity 2`
      rest = rest.replace(/^sev\s+(?=\d)/i, 'sev');
      const am = /^(\S*)\s*([\s\S]*)$/.exec(rest.trim());
      const arg = am?.[1] ?? '';
      if (!arg) return error('`sev` needs a level from 1 to 4, e.g. `/incident sev 2`.');
      const severity = severityArg(arg);
      if (!severity) return error(`“${displayWord(arg)}” is not a severity: use 1, 2, 3 or 4 (SEV1 is the most severe).`);
      return { kind: 'update', action: 'set_severity', severity, ...optionalMessage(am?.[2] ?? '') };
    }
  }

  // `sev2`, `sev1` glued together
  const glued = /^(?:sev|severity)([0-9]+)$/.exec(word);
  if (glued) {
    const severity = severityArg(glued[1]);
    if (!severity) return error(`“${displayWord(word)}” is not a severity: use 1, 2, 3 or 4 (SEV1 is the most severe).`);
    return { kind: 'update', action: 'set_severity', severity, ...optionalMessage(rest) };
  }

  const hint = CONSOLE_ONLY[word];
  if (hint) return error(hint);
  return error(`Unknown command “${displayWord(word)}”.`);
}
