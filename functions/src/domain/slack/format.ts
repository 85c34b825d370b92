// Small helpers for Slack text: mrkdwn escaping, links, dates, actors, limits.
// Pure: every time comes in as an argument.
import { formatMinutes } from '../duration';
import type { Actor } from '../types';

/** Escapes Slack's three control characters. Every piece of user-provided text goes through this. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Turns text as Slack sends it (slash command text) back into plain text:
 * `<@U123|alice>` → `@alice`, `<#C123|ops>` → `#ops`, `<https://x|label>` → `label (https://x)`,
 * `<!here>` → `@here`, and `&lt;` `&gt;` `&amp;` → `<` `>` `&`. Our renderers escape it again.
 */
export function fromSlackText(text: string): string {
  return text
    .replace(/<([@#!])([^<>|]*)(?:\|([^<>]*))?>/g, (_m, sigil: string, id: string, label: string | undefined) => {
      if (sigil === '!' && id.startsWith('date^')) return label ?? '';
      if (label) return label.startsWith(sigil === '#' ? '#' : '@') ? label : `${sigil === '#' ? '#' : '@'}${label}`;
      return `${sigil === '#' ? '#' : '@'}${id.replace(/^subteam\^/, '')}`;
    })
    .replace(/<([a-z][a-z0-9+.-]*:[^<>|]*)(?:\|([^<>]*))?>/gi, (_m, url: string, label: string | undefined) => (label ? `${label} (${url})` : url))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Cuts already-escaped text to `max` characters without splitting an entity, ending with "…". */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  cut = cut.replace(/&[a-z]{0,3}$/, '');
  return `${cut}…`;
}

/** Escapes then clips: for user text inside a limited field. */
export function safe(text: string, max = 3000): string {
  return clip(escapeMrkdwn(text), max);
}

/** A link in mrkdwn, only for http(s) URLs; anything else is shown as text. */
export function link(url: string | null | undefined, label: string): string {
  const text = escapeMrkdwn(label).replace(/\|/g, '¦');
  if (!url || !/^https?:\/\/[^\s<>|]+$/i.test(url)) return text;
  return `<${url.replace(/&/g, '&amp;')}|${text}>`;
}

/** `slack:U123` → `<@U123>`, `system` → `the pipeline`, a uid as it is (escaped). */
export function actorDisplay(actor: Actor | null | undefined): string {
  if (!actor) return 'nobody';
  if (actor === 'system') return 'the pipeline';
  const m = /^slack:([UW][A-Z0-9]+)$/.exec(actor);
  if (m) return `<@${m[1]}>`;
  return escapeMrkdwn(actor);
}

/** A mention from config (`<!subteam^S1>`, `<@U1>`, `<!here>`) kept as Slack syntax; a bare `U123` or `@here` is converted; anything else is escaped text. */
export function mentionDisplay(mention: string): string {
  const m = mention.trim();
  if (m === '') return '';
  if (/^<(?:@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+|!here|!channel|!everyone)(?:\|[^<>]*)?>$/.test(m)) return m;
  if (/^[UW][A-Z0-9]{2,}$/.test(m)) return `<@${m}>`;
  if (/^@(here|channel|everyone)$/.test(m)) return `<!${m.slice(1)}>`;
  return escapeMrkdwn(m);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2024-05-01 12:34 UTC`: the fallback of a Slack date token. */
export function utcText(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** Slack's date token: shown in each reader's own time zone, with a UTC fallback. */
export function slackDate(d: Date, format = '{date_short_pretty} {time}'): string {
  return `<!date^${Math.floor(d.getTime() / 1000)}^${format}|${utcText(d)}>`;
}

/** `23 min`, `2 h 5 min`, `3 d 4 h`. */
export function duration(ms: number): string {
  return formatMinutes(Math.abs(ms) / 60_000);
}

/** `23 min before` / `5 min after` / `at the same time`, of `at` relative to `ref`. */
export function relative(at: Date, ref: Date): string {
  const ms = ref.getTime() - at.getTime();
  if (Math.abs(ms) < 30_000) return 'at the same time';
  return `${duration(ms)} ${ms > 0 ? 'before' : 'after'}`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
