// `/incident status-page …` (README "Status page"), in an incident's channel:
//   /incident status-page <text>                        publish <text> (the components keep their statuses)
//   /incident status-page status=partial_outage <text>  one status for the components of the incident's service
//   /incident status-page checkout=major payments=degraded phase=identified title="Orders fail" <text>
//   /incident status-page approve                       publish the draft another responder wrote
//   /incident status-page help
// Options come first, as name=value (a value with spaces in quotes). Parsed
// apart from parseSlashCommand: parseStatusPageCommand returns null for text
// that is not a status-page command, so the caller tries this first.
import { type ComponentStatus, type ComponentStatusArg, COMPONENT_STATUSES, MAX_MESSAGE_LENGTH, MAX_TITLE_LENGTH, parseComponentStatus, PUBLIC_PHASES, type PublicPhase } from '../statusPage';
import { clip, escapeMrkdwn, fromSlackText } from './format';

export type StatusPageCommand =
  | { kind: 'status_page_publish'; message: string; componentStatus: ComponentStatusArg | null; phase: PublicPhase | null; title: string | null }
  | { kind: 'status_page_approve' }
  | { kind: 'status_page_help' }
  | { kind: 'error'; message: string };

/** The help text (Slack mrkdwn, hence `&lt;`). */
export const STATUS_PAGE_USAGE = [
  '*Public status page* (in an incident’s channel):',
  '• `/incident status-page &lt;text&gt;`: publish a public update; the components keep their statuses',
  '• `/incident status-page status=partial_outage &lt;text&gt;`: the first update says how the components of the incident’s service are affected (`operational`, `maintenance`, `degraded`, `partial_outage`, `major_outage`)',
  '• options before the text: `&lt;component&gt;=&lt;status&gt;` (e.g. `checkout=major_outage`), `phase=investigating|identified|monitoring|resolved`, `title="Some orders fail"`',
  '• `/incident status-page phase=resolved &lt;text&gt;`: the closing public message (every component operational again)',
  '• `/incident status-page approve`: publish the draft another responder wrote (when the severity needs approval)',
].join('\n');

const WORDS = new Set(['status-page', 'statuspage', 'status_page']);

const error = (message: string): StatusPageCommand => ({ kind: 'error', message: `${message}\n\n${STATUS_PAGE_USAGE}` });

const shown = (text: string) => `“${escapeMrkdwn(clip(fromSlackText(text), 40))}”`;

/** `name=value`, `name="a value"` or `name=“a value”` at the start of `text`. */
const OPTION = /^([A-Za-z][A-Za-z0-9_-]*)=(?:"([^"]*)"|“([^”]*)”|&quot;(.*?)&quot;|(\S+))(?:\s+|$)/;

/** Null when `text` is not a status-page command (the caller then uses parseSlashCommand). */
export function parseStatusPageCommand(text: string | null | undefined): StatusPageCommand | null {
  const trimmed = (text ?? '').replace(/\u00a0/g, ' ').trim();
  const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
  if (!m || !WORDS.has((m[1] ?? '').toLowerCase())) return null;
  let rest = m[2] ?? '';
  const first = (/^\S+/.exec(rest)?.[0] ?? '').toLowerCase();
  if (rest.trim() === '' || first === 'help' || first === '?') return { kind: 'status_page_help' };
  if (first === 'approve') {
    return rest.trim().toLowerCase() === 'approve' ? { kind: 'status_page_approve' } : error('`approve` takes nothing after it: it publishes the draft as it is.');
  }

  let status: ComponentStatus | null = null;
  const components: Record<string, ComponentStatus> = {};
  let phase: PublicPhase | null = null;
  let title: string | null = null;
  for (let o = OPTION.exec(rest); o; o = OPTION.exec(rest)) {
    rest = rest.slice(o[0].length);
    const name = (o[1] ?? '').toLowerCase();
    const value = fromSlackText(o[2] ?? o[3] ?? o[4] ?? o[5] ?? '').trim();
    if (name === 'phase') {
      const p = PUBLIC_PHASES.find((x) => x === value.toLowerCase());
      if (!p) return error(`${shown(value)} is not a phase: use ${PUBLIC_PHASES.join(', ')}.`);
      phase = p;
    } else if (name === 'title') {
      if (!value) return error('`title=` needs a title, e.g. `title="Some orders fail"`.');
      if (value.length > MAX_TITLE_LENGTH) return error(`The title is too long (${value.length} characters; at most ${MAX_TITLE_LENGTH}).`);
      title = value;
    } else {
      const s = parseComponentStatus(value);
      if (!s) return error(`${shown(value)} is not a component status: use ${COMPONENT_STATUSES.join(', ')}.`);
      if (name === 'status') status = s;
      else components[name] = s;
    }
  }
  if (status && Object.keys(components).length) return error('Give either `status=` (every component of the incident) or `&lt;component&gt;=&lt;status&gt;`, not both.');
  const message = fromSlackText(rest).trim();
  if (!message) return error('A public update needs its text after the options, e.g. `/incident status-page We are investigating failed payments.`');
  if (message.length > MAX_MESSAGE_LENGTH) return error(`The text is too long (${message.length} characters; at most ${MAX_MESSAGE_LENGTH}).`);
  const componentStatus: ComponentStatusArg | null = status ?? (Object.keys(components).length ? components : null);
  return { kind: 'status_page_publish', message, componentStatus, phase, title };
}
