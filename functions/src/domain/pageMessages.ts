// What a page says, on each channel (contract §10): an SMS with the one-time
// acknowledgement link and a reply code, an email in the Trigger Email
// extension's `mail` shape, a Slack DM with an Acknowledge button, a voice
// call's TwiML (press 1 to acknowledge), and the TwiML answers to an SMS
// reply and a key press. Pure: everything comes in as arguments.
//
// Everything from outside is escaped for where it goes: XML for TwiML, HTML
// for email, Slack mrkdwn with escapeMrkdwn; control characters are dropped
// from SMS and speech. A drill says [DRILL] in every message.
import type { MailDoc } from './mail';
import { escapeHtml, escapeXml } from './markup';
import { type Channel } from './notificationRules';
import { consoleLink } from './slack/messages';
import { ACKNOWLEDGE_ACTION_ID } from './slack/interactions';
import { clip, escapeMrkdwn, link, safe, slackDate } from './slack/format';
import { type Incident } from './types';

export type PagedIncident = Pick<Incident, 'id' | 'title' | 'severity' | 'service' | 'environment' | 'drill' | 'createdAt'>;

export interface PageContent {
  incident: PagedIncident;
  /** The escalation level that pages (0 = the first). */
  level: number;
  /** The one-time acknowledgement link (pageToken.ackLink). */
  ackUrl: string;
  /** Base URL of the responder console. */
  consoleUrl: string;
}

export const DRILL_MARK = '[DRILL]';
const drill = (i: Pick<Incident, 'drill'>) => (i.drill ? `${DRILL_MARK} ` : '');

/** One line of plain text: no control characters, whitespace collapsed. */
export function plainLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Cuts plain text to `max` characters, ending with "…". */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function where(i: PagedIncident): string {
  const parts = [i.service, i.environment].filter((p): p is string => !!p).map((p) => cut(plainLine(p), 40));
  return parts.length ? ` (${parts.join(', ')})` : '';
}

// ---------------------------------------------------------------------------
// SMS

export interface SmsContent extends PageContent {
  /** The reply code for this incident on this number (smsReplies.assignReplyCode); null: "reply ACK" only. */
  replyCode: number | null;
}

/** The longest title an SMS carries, so the text stays within two segments with a typical link. */
export const SMS_TITLE_MAX = 70;

/** `[DRILL] SEV1: Checkout down (checkout, production). Ack: <link> or reply ACK 12` */
export function pageSms(c: SmsContent): string {
  const i = c.incident;
  const reply = c.replyCode === null ? 'reply ACK' : `reply ACK ${c.replyCode}`;
  return `${drill(i)}${i.severity}: ${cut(plainLine(i.title), SMS_TITLE_MAX)}${where(i)}. Ack: ${c.ackUrl} or ${reply}`;
}

/** GSM-7 text fits 160 characters a segment (153 when split); anything else is UCS-2 (70, 67). */
export function smsSegments(text: string): { encoding: 'GSM-7' | 'UCS-2'; segments: number } {
  const gsm = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;
  if (gsm.test(text)) {
    const units = [...text].reduce((n, ch) => n + ('^{}\\[~]|€'.includes(ch) ? 2 : 1), 0);
    return { encoding: 'GSM-7', segments: units <= 160 ? 1 : Math.ceil(units / 153) };
  }
  const units = text.length; // UTF-16 code units
  return { encoding: 'UCS-2', segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}

// ---------------------------------------------------------------------------
// Email (the Trigger Email extension's `mail` documents)

/** Only http(s) links become links; anything else would be a script or a trap. */
function httpUrl(url: string): string | null {
  return /^https?:\/\/[^\s<>"']+$/i.test(url) ? url : null;
}

export function pageEmail(c: PageContent & { to: string }): MailDoc {
  const i = c.incident;
  const title = plainLine(i.title);
  const console = consoleLink(c.consoleUrl, i.id);
  const subject = cut(`${drill(i)}[${i.severity}] ${title}${where(i)}: please acknowledge`, 250);
  const lines = [
    `${drill(i)}You are being paged (escalation level ${c.level + 1}) for a ${i.severity} incident:`,
    '',
    `  ${title}`,
    i.service ? `  Service: ${plainLine(i.service)}` : null,
    i.environment ? `  Environment: ${plainLine(i.environment)}` : null,
    `  Opened: ${i.createdAt.toISOString().replace('T', ' ').slice(0, 16)} UTC`,
    '',
    `Acknowledge (one-time link): ${c.ackUrl}`,
    `Open in the console: ${console}`,
    '',
    i.drill ? 'This is a drill: practice only, no real impact.' : 'Escalation continues until someone acknowledges.',
  ].filter((l): l is string => l !== null);
  const ack = httpUrl(c.ackUrl);
  const consoleHref = httpUrl(console);
  const row = (label: string, value: string | null) => (value ? `<tr><td style="padding:2px 12px 2px 0;color:#555">${label}</td><td>${escapeHtml(plainLine(value))}</td></tr>` : '');
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:15px;color:#111">',
    i.drill ? `<p style="background:#fff3cd;padding:8px"><strong>${DRILL_MARK}</strong> This is a drill: practice only, no real impact.</p>` : '',
    `<p>You are being paged (escalation level ${c.level + 1}) for a <strong>${i.severity}</strong> incident:</p>`,
    `<h2 style="margin:8px 0">${escapeHtml(drill(i))}${escapeHtml(title)}</h2>`,
    `<table>${row('Service', i.service)}${row('Environment', i.environment)}${row('Opened', `${i.createdAt.toISOString().replace('T', ' ').slice(0, 16)} UTC`)}</table>`,
    ack
      ? `<p><a href="${escapeHtml(ack)}" style="display:inline-block;background:#1a7f37;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600">Acknowledge</a></p>`
      : `<p>Acknowledge: ${escapeHtml(c.ackUrl)}</p>`,
    consoleHref ? `<p><a href="${escapeHtml(consoleHref)}">Open in the console</a></p>` : '',
    `<p style="color:#555;font-size:13px">The acknowledge link works once. ${i.drill ? '' : 'Escalation continues until someone acknowledges.'}</p>`,
    '</body></html>',
  ].join('');
  return { to: c.to, message: { subject, text: lines.join('\n'), html } };
}

// ---------------------------------------------------------------------------
// Slack DM

export interface SlackPageMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/** The DM: what it is, and an Acknowledge button that the existing interactions parser understands. */
export function pageSlackDm(c: PageContent): SlackPageMessage {
  const i = c.incident;
  const whereText = [i.service, i.environment].filter((p): p is string => !!p).map((p) => safe(p, 100)).join(', ');
  const text = clip(`${drill(i)}:rotating_light: You are paged for ${i.severity}: ${safe(i.title, 500)}${whereText ? ` (${whereText})` : ''}`, 3000);
  const headline = `${drill(i)}${i.severity} · ${escapeMrkdwn(i.title)}`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(headline, 150), emoji: true } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(`:rotating_light: *You are being paged* (escalation level ${c.level + 1})${whereText ? `\n${whereText}` : ''}\nOpened ${slackDate(i.createdAt)}`, 3000),
        },
      },
      {
        type: 'actions',
        block_id: `page_actions:${i.id}`.slice(0, 255),
        elements: [{ type: 'button', action_id: ACKNOWLEDGE_ACTION_ID, value: i.id, style: 'primary', text: { type: 'plain_text', text: 'Acknowledge', emoji: true } }],
      },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: clip(`${link(consoleLink(c.consoleUrl, i.id), 'Open in the console')} · ${i.drill ? ':performing_arts: This is a *drill*: practice only.' : 'Escalation continues until someone acknowledges.'}`, 2000) },
        ],
      },
    ],
  };
}

// ---------------------------------------------------------------------------
// TwiML (voice and SMS replies)

const twiml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;
const say = (text: string) => `<Say>${escapeXml(text)}</Say>`;

/** What a speech engine reads well: "SEV1" → "severity 1". */
function spokenSeverity(s: string): string {
  return s.replace(/^SEV(\d)$/, 'severity $1');
}

export interface VoiceContent extends Omit<PageContent, 'ackUrl' | 'consoleUrl'> {
  /** Where Twilio posts the key press (absolute; carries the page token, e.g. …/pageVoice?t=…). */
  gatherUrl: string;
}

/** The spoken page: what it is, then "press 1 to acknowledge", asked twice. */
export function pageVoiceTwiml(c: VoiceContent): string {
  const i = c.incident;
  const place = [i.service ? `service ${plainLine(i.service)}` : null, i.environment ? `environment ${plainLine(i.environment)}` : null].filter(Boolean).join(', ');
  const intro = `${i.drill ? `${DRILL_MARK} This is a drill, not a real incident. ` : ''}This is the incident pipeline. You are being paged for a ${spokenSeverity(i.severity)} incident: ${cut(plainLine(i.title), 300)}.${place ? ` On ${place}.` : ''}`;
  return twiml(
    `<Gather input="dtmf" numDigits="1" timeout="10" method="POST" action="${escapeXml(c.gatherUrl)}">` +
      `${say(intro)}<Pause length="1"/>${say('Press 1 to acknowledge.')}<Pause length="2"/>${say('Press 1 to acknowledge.')}` +
      `</Gather>${say('No key was pressed. The incident stays unacknowledged and escalation continues. Goodbye.')}<Hangup/>`,
  );
}

/** The key a person pressed: 1 acknowledges. */
export function parseVoiceDigits(digits: string | null | undefined): 'acknowledge' | 'other' | 'none' {
  const d = (digits ?? '').trim();
  if (d === '') return 'none';
  return d === '1' ? 'acknowledge' : 'other';
}

export type VoiceOutcome =
  | { kind: 'acknowledged'; incident: Pick<Incident, 'title' | 'severity' | 'drill'> }
  | { kind: 'already'; incident: Pick<Incident, 'title' | 'severity' | 'drill' | 'status'> }
  /** Another key: ask again (Twilio posts the next press to `gatherUrl`). */
  | { kind: 'retry'; gatherUrl: string }
  | { kind: 'invalid_link'; message: string };

/** The answer to the key press. */
export function voiceReplyTwiml(o: VoiceOutcome): string {
  switch (o.kind) {
    case 'acknowledged':
      return twiml(`${say(`${drill(o.incident)}Acknowledged: ${cut(plainLine(o.incident.title), 200)}. Escalation has stopped. Thank you.`)}<Hangup/>`);
    case 'already':
      return twiml(`${say(`${drill(o.incident)}This incident is already ${o.incident.status}. Nothing more to do. Goodbye.`)}<Hangup/>`);
    case 'retry':
      return twiml(`<Gather input="dtmf" numDigits="1" timeout="10" method="POST" action="${escapeXml(o.gatherUrl)}">${say('That was not 1. Press 1 to acknowledge.')}</Gather>${say('Goodbye.')}<Hangup/>`);
    case 'invalid_link':
      return twiml(`${say(`This page can no longer be acknowledged by phone: ${cut(plainLine(o.message), 200)}. Use the console. Goodbye.`)}<Hangup/>`);
  }
}

export type SmsReplyOutcome =
  | { kind: 'acknowledged'; incident: Pick<Incident, 'title' | 'severity' | 'drill'> }
  | { kind: 'already'; incident: Pick<Incident, 'title' | 'severity' | 'drill' | 'status'> }
  | { kind: 'no_open_page' }
  | { kind: 'unknown_code'; code: number; open: readonly number[] }
  | { kind: 'help' }
  /** The number belongs to nobody the pipeline pages. */
  | { kind: 'unknown_number' };

export const SMS_HELP = 'Reply ACK to acknowledge your latest page, or ACK and the code from the page (ACK 12) for another one.';

/** The answer to an inbound SMS, as TwiML <Message>. */
export function smsReplyText(o: SmsReplyOutcome): string {
  switch (o.kind) {
    case 'acknowledged':
      return `${drill(o.incident)}Acknowledged ${o.incident.severity}: ${cut(plainLine(o.incident.title), 80)}. Escalation stopped. Thanks.`;
    case 'already':
      return `${drill(o.incident)}${o.incident.severity} ${cut(plainLine(o.incident.title), 80)} is already ${o.incident.status}.`;
    case 'no_open_page':
      return 'No page to this number is waiting for an acknowledgement.';
    case 'unknown_code':
      return `No open page has code ${o.code}.${o.open.length ? ` Open: ${o.open.map((c) => `ACK ${c}`).join(', ')}.` : ''} ${SMS_HELP}`;
    case 'help':
      return SMS_HELP;
    case 'unknown_number':
      return 'This number is not set up to acknowledge pages. Add it as phone in your profile.';
  }
}

export function smsReplyTwiml(o: SmsReplyOutcome): string {
  return twiml(`<Message>${escapeXml(smsReplyText(o))}</Message>`);
}

/** The channel names as the timeline's `data.via` says them. */
export const ACK_VIA = ['console', 'slack', 'email', 'sms', 'voice', 'push'] as const satisfies readonly (Channel | 'console')[];
export type AckVia = (typeof ACK_VIA)[number];
