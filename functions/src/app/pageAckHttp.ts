// Use cases: acknowledging a page from where it arrived, behind Hosting
// rewrites on the console's origin (firebase.json):
//   GET  /pageAck?t=…    the one-time link of an email or SMS: a confirmation page
//                        (mail scanners and link previews fetch GETs: a GET changes nothing)
//   POST /pageAck        the confirmation: acknowledges
//   POST /twilioSms      Twilio's "a message comes in" webhook: "ACK" / "ACK 12"
//   POST /pageVoice?t=…  the key press of a voice page: 1 acknowledges
// Every acknowledgement is a status update (incidents/{id}/updates/{id}) with
// `via` (email, sms, voice), applied at once so the answer can say what
// happened; its timeline entry names the channel. Each link and each SMS
// works once: its key is created in pageAcks/ with a precondition.
import type { Request } from 'firebase-functions/v2/https';
import type { Response } from 'express';
import { CHANNELS, type Channel } from '../domain/notificationRules';
import { parseVoiceDigits, type SmsReplyOutcome, smsReplyTwiml, type VoiceOutcome, voiceReplyTwiml } from '../domain/pageMessages';
import { escapeHtml } from '../domain/markup';
import { verifyPageToken } from '../domain/pageToken';
import { parseSmsReply, resolveSmsAck } from '../domain/smsReplies';
import { header } from '../domain/auth';
import type { Incident } from '../domain/types';
import { log } from '../adapters/logs';
import { formParams, validateTwilioSignature } from '../adapters/twilio';
import type { HttpRequestLike } from './alertWebhook';
import { applyStatusUpdate } from './applyUpdate';
import { toRequestLike } from './httpAdapters';
import type { PagingDeps } from './paging';
import { withRetries } from './retry';

export interface PageHttpRequest extends HttpRequestLike {
  /** The path and query as requested (Express's originalUrl): Twilio signs the full URL. */
  originalUrl: string;
}

export interface TextResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface PageHttpSettings {
  /** PAGE_LINK_SECRET (null: not set). */
  secret: string | null;
  /** TWILIO_AUTH_TOKEN (null: not set): checks X-Twilio-Signature. */
  twilioAuthToken: string | null;
  /** CONSOLE_URL: the origin these endpoints are published on (Twilio signs that URL). */
  consoleUrl: string;
}

const NO_STORE = { 'Cache-Control': 'no-store, private', 'X-Robots-Tag': 'noindex', 'Referrer-Policy': 'no-referrer' };
const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const base = (url: string) => url.replace(/\/+$/, '');

function html(status: number, title: string, body: string): TextResult {
  return {
    status,
    headers: { ...NO_STORE, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP },
    body: [
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
      `<title>${escapeHtml(title)}</title>`,
      '<style>body{font:1rem/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;max-width:36rem;margin:3rem auto;padding:0 1rem}a{color:#1d4ed8}',
      'button{font:inherit;font-weight:600;background:#15803d;color:#fff;border:0;border-radius:6px;padding:.7rem 1.4rem;cursor:pointer}</style>',
      `</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    ].join(''),
  };
}

const p = (text: string) => `<p>${escapeHtml(text)}</p>`;
const consoleLinkHtml = (consoleUrl: string, incidentId: string) => `<p><a href="${escapeHtml(`${base(consoleUrl)}/#/incidents/${encodeURIComponent(incidentId)}`)}">Open the incident in the console</a></p>`;

const twiml = (status: number, body: string): TextResult => ({ status, headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Cache-Control': 'no-store' }, body });

/** The channel a page was sent on, from its id (`…-s2-sms`). */
export function channelOfPage(pageId: string): Channel | null {
  const c = pageId.split('-').pop() as Channel | undefined;
  return c && (CHANNELS as readonly string[]).includes(c) ? c : null;
}

export type AckResult =
  | { kind: 'acknowledged'; incident: Incident }
  | { kind: 'refused'; reason: string; incident: Incident | null }
  | { kind: 'used'; incident: Incident | null };

/**
 * Acknowledges `incidentId` as `uid`, once per `claimId`: the status update
 * (via the channel) is written with the key, then applied at once (the
 * onUpdateCreated trigger then finds it applied).
 */
export async function acknowledgeFromPage(
  a: { incidentId: string; uid: string; pageId: string | null; via: string; claimId: string; updateId: string },
  deps: PagingDeps,
): Promise<AckResult> {
  const now = deps.clock.now();
  const written = await deps.paging.acknowledgeOnce({
    claimId: a.claimId,
    incidentId: a.incidentId,
    updateId: a.updateId,
    update: { action: 'acknowledge', requestedBy: a.uid, requestedAt: now, via: a.via },
    at: now,
  });
  const current = async () => (await deps.store.incident(a.incidentId))?.incident ?? null;
  if (written === 'used') return { kind: 'used', incident: await current() };
  const outcome = await withRetries(() => applyStatusUpdate(a.incidentId, a.updateId, deps));
  const incident = await current();
  if (!outcome.ok || !incident) return { kind: 'refused', reason: outcome.reason ?? 'refused', incident };
  if (a.pageId) await deps.paging.markPageAcknowledged(a.incidentId, a.pageId, a.via, now);
  log.info('page acknowledged', { event: 'page_acknowledged', incidentId: a.incidentId, uid: a.uid, via: a.via, pageId: a.pageId });
  return { kind: 'acknowledged', incident };
}

function tokenOf(req: HttpRequestLike): string | null {
  const q = req.query.t;
  const fromQuery = Array.isArray(q) ? q[0] : q;
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  if (req.method === 'POST') {
    const form = new URLSearchParams(req.rawBody.toString('utf8'));
    return form.get('t');
  }
  return null;
}

const unavailable = (what: string): TextResult => html(503, 'Not available', p(`${what} is not configured on this pipeline yet.`));

// ---------------------------------------------------------------------------
// GET|POST /pageAck

export async function handlePageAck(req: HttpRequestLike, settings: PageHttpSettings, deps: PagingDeps): Promise<TextResult> {
  if (req.method !== 'GET' && req.method !== 'POST') {
    const r = html(405, 'Method not allowed', p('Open the link from your page.'));
    return { ...r, headers: { ...r.headers, Allow: 'GET, POST' } };
  }
  if (!settings.secret) return unavailable('Acknowledging by link (PAGE_LINK_SECRET)');
  const now = deps.clock.now();
  const check = verifyPageToken(tokenOf(req), settings.secret, now);
  if (!check.ok) {
    log.warn('page link refused', { event: 'page_link_refused', reason: check.reason });
    if (check.reason === 'expired') return html(410, 'This link has expired', p(`${check.message}. Acknowledge from the console or Slack instead.`));
    return html(400, 'This link is not valid', p('It may have been cut or changed. Copy the whole link from the page, or acknowledge from the console or Slack.'));
  }
  const { incidentId, uid, pageId } = check.claims;
  const loaded = await deps.store.incident(incidentId);
  if (!loaded) return html(404, 'This incident no longer exists', p('There is nothing to acknowledge.'));
  const incident = loaded.incident;
  const title = `${incident.drill ? '[DRILL] ' : ''}${incident.severity}: ${incident.title}`;
  const link = consoleLinkHtml(settings.consoleUrl, incidentId);

  if (req.method === 'GET') {
    if (incident.status !== 'triggered') return html(200, `Already ${incident.status}`, `${p(title)}${p(`This incident is already ${incident.status}: nothing more to do.`)}${link}`);
    // Posts back to this very URL (the token is in its query, and in the form).
    const form = `<form method="post"><input type="hidden" name="t" value="${escapeHtml(tokenOf(req) ?? '')}"><button type="submit">Acknowledge</button></form>`;
    return html(200, 'Acknowledge this incident?', `${p(title)}${p('Acknowledging stops the escalation: nobody else is paged for it.')}${form}${link}`);
  }
  const via = channelOfPage(pageId) ?? 'email';
  const r = await acknowledgeFromPage({ incidentId, uid, pageId, via, claimId: `link-${check.id}`, updateId: `page-ack-${check.id}` }, deps);
  switch (r.kind) {
    case 'acknowledged':
      return html(200, 'Acknowledged', `${p(title)}${p('Escalation has stopped. Thank you.')}${link}`);
    case 'used':
      return html(409, 'This link was already used', `${p(title)}${p(`The incident is ${r.incident?.status ?? 'gone'}.`)}${link}`);
    case 'refused':
      return html(409, `Already ${r.incident?.status ?? 'handled'}`, `${p(title)}${p(`Not acknowledged: ${r.reason}.`)}${link}`);
  }
}

// ---------------------------------------------------------------------------
// Twilio webhooks

/** The URL Twilio called, as it signed it: the published origin, the path, and the query as requested. */
function signedUrl(settings: PageHttpSettings, path: string, req: PageHttpRequest): string {
  const q = req.originalUrl.indexOf('?');
  return `${base(settings.consoleUrl)}${path}${q >= 0 ? req.originalUrl.slice(q) : ''}`;
}

function verifyTwilio(req: PageHttpRequest, settings: PageHttpSettings, path: string): { params: Record<string, string | string[]> } | TextResult {
  if (req.method !== 'POST') return { status: 405, headers: { Allow: 'POST', 'Content-Type': 'text/plain' }, body: 'POST only' };
  if (!settings.twilioAuthToken) return { status: 503, headers: { 'Content-Type': 'text/plain', 'Retry-After': '300' }, body: 'TWILIO_AUTH_TOKEN is not set' };
  const params = formParams(req.rawBody);
  const url = signedUrl(settings, path, req);
  if (!validateTwilioSignature(settings.twilioAuthToken, url, params, header(req.headers, 'x-twilio-signature'))) {
    log.warn('twilio webhook refused: bad signature', { event: 'twilio_signature_refused', path, url });
    return { status: 403, headers: { 'Content-Type': 'text/plain' }, body: 'invalid X-Twilio-Signature' };
  }
  return { params };
}

const param = (params: Record<string, string | string[]>, key: string) => {
  const v = params[key];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

async function waitingPagesOf(phone: string, deps: PagingDeps) {
  const all = await deps.paging.smsPages(phone);
  const out = [];
  for (const page of all) if ((await deps.store.incident(page.incidentId))?.incident.status === 'triggered') out.push(page);
  return out;
}

/** POST /twilioSms */
export async function handleTwilioSms(req: PageHttpRequest, settings: PageHttpSettings, deps: PagingDeps): Promise<TextResult> {
  const v = verifyTwilio(req, settings, '/twilioSms');
  if ('status' in v) return v;
  const from = param(v.params, 'From').replace(/[\s().-]/g, '');
  const sid = param(v.params, 'MessageSid') || param(v.params, 'SmsSid');
  const answer = (o: SmsReplyOutcome) => twiml(200, smsReplyTwiml(o));
  const people = from ? await deps.paging.usersByPhone(from) : [];
  if (people.length === 0) {
    log.warn('sms from an unknown number', { event: 'sms_unknown_number' });
    return answer({ kind: 'unknown_number' });
  }
  const reply = parseSmsReply(param(v.params, 'Body'));
  if (reply.kind === 'help') return answer({ kind: 'help' });
  const target = resolveSmsAck(reply, await waitingPagesOf(from, deps));
  if (!target.ok) {
    const open = (await waitingPagesOf(from, deps)).map((p) => p.replyCode).filter((c): c is number => c !== null);
    return answer(target.reason === 'no_open_page' ? { kind: 'no_open_page' } : { kind: 'unknown_code', code: reply.code ?? 0, open });
  }
  const page = await deps.paging.page(target.incidentId, target.pageId);
  const uid = people.find((u) => u.uid === page?.uid)?.uid ?? (people[0] as { uid: string }).uid;
  const key = (sid || `${from}-${deps.clock.now().getTime()}`).replace(/[^A-Za-z0-9_-]/g, '_');
  const r = await acknowledgeFromPage({ incidentId: target.incidentId, uid, pageId: target.pageId, via: 'sms', claimId: `sms-${key}`, updateId: `sms-ack-${key}` }, deps);
  if (r.kind === 'acknowledged') await deps.paging.releaseReplyCode(from, target.incidentId);
  if (r.kind === 'acknowledged' || (r.kind === 'used' && r.incident?.status === 'acknowledged')) {
    const i = r.incident as Incident;
    return answer(r.kind === 'acknowledged' ? { kind: 'acknowledged', incident: i } : { kind: 'already', incident: i });
  }
  if (r.incident) return answer({ kind: 'already', incident: r.incident });
  return answer({ kind: 'no_open_page' });
}

/** POST /pageVoice?t=… */
export async function handlePageVoice(req: PageHttpRequest, settings: PageHttpSettings, deps: PagingDeps): Promise<TextResult> {
  const v = verifyTwilio(req, settings, '/pageVoice');
  if ('status' in v) return v;
  const answer = (o: VoiceOutcome) => twiml(200, voiceReplyTwiml(o));
  if (!settings.secret) return answer({ kind: 'invalid_link', message: 'PAGE_LINK_SECRET is not set' });
  const t = tokenOf({ ...req, method: 'GET' });
  const check = verifyPageToken(t, settings.secret, deps.clock.now());
  if (!check.ok) return answer({ kind: 'invalid_link', message: check.message });
  const digits = parseVoiceDigits(param(v.params, 'Digits'));
  if (digits !== 'acknowledge') return answer({ kind: 'retry', gatherUrl: signedUrl(settings, '/pageVoice', req) });
  const { incidentId, uid, pageId } = check.claims;
  const r = await acknowledgeFromPage({ incidentId, uid, pageId, via: 'voice', claimId: `voice-${check.id}`, updateId: `voice-ack-${check.id}` }, deps);
  if (r.kind === 'acknowledged') return answer({ kind: 'acknowledged', incident: r.incident });
  if (r.incident) return answer({ kind: 'already', incident: r.incident });
  return answer({ kind: 'invalid_link', message: 'the incident no longer exists' });
}

// ---- Express binding ---------------------------------------------------------

type Handler = (req: PageHttpRequest, settings: PageHttpSettings, deps: PagingDeps) => Promise<TextResult>;
const HANDLERS: Record<'ack' | 'sms' | 'voice', Handler> = { ack: handlePageAck, sms: handleTwilioSms, voice: handlePageVoice };

export async function servePage(kind: keyof typeof HANDLERS, req: Request, res: Response, settings: PageHttpSettings): Promise<void> {
  const { pagingDeps } = await import('./compose.js');
  const r = await HANDLERS[kind]({ ...toRequestLike(req), originalUrl: req.originalUrl ?? req.url ?? '' }, settings, pagingDeps());
  res.status(r.status);
  for (const [k, val] of Object.entries(r.headers)) res.set(k, val);
  res.send(r.body);
}
