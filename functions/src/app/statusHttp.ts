// Use cases: the status page's public HTTP endpoints, behind Hosting rewrites
// next to the page (firebase.json):
//   GET  /status/feed.xml      statusFeed         Atom, from the statusPage/ documents
//   POST /status/subscribe     statusSubscribe    email → pending subscriber + a confirmation mail
//   GET  /status/confirm?t=    statusConfirm      the signed link of that mail → confirmed
//   GET|POST /status/unsubscribe?t=  statusUnsubscribe   → removed (POST: RFC 8058 one-click)
// The page itself never calls them to render: it is static Hosting plus
// Firestore reads, and stays up when the functions are down.
import type { Request } from 'firebase-functions/v2/https';
import type { Response } from 'express';
import { pipelineConfig } from '../adapters/configFiles';
import { db } from '../adapters/firebase';
import { decode } from '../adapters/firestoreCodec';
import { log } from '../adapters/logs';
import { escapeHtml } from '../domain/markup';
import { feedEntries, type StatusFeedEntry } from '../domain/statusPage';
import {
  alreadySubscribedEmail,
  confirmationEmail,
  normalizeEmail,
  planConfirm,
  planSubscribe,
  type StatusLinks,
  statusLinks,
  type SubscriberDoc,
  subscriberIdFor,
  verifyLinkToken,
} from '../domain/statusSubscribers';
import type { HttpRequestLike } from './alertWebhook';
import { toRequestLike } from './httpAdapters';
import { readStatusFeedData, STATUS_COLLECTIONS } from './statusPage';
import { MAIL_COLLECTION } from '../adapters/mail';

export interface TextResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface StatusHttpSettings {
  /** STATUS_LINK_SECRET (null: not set). The trigger has refused a published placeholder already (params.refuseMisconfigured). */
  secret: string | null;
  /** Where the page is served: CONSOLE_URL + /status. */
  pageUrl: string;
}

export const MAX_SUBSCRIBE_BODY = 4096;

export { statusPageUrl } from '../domain/statusSubscribers';

const NO_STORE = { 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex', 'Referrer-Policy': 'no-referrer' };

function json(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): TextResult {
  return { status, headers: { ...NO_STORE, 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

/** A small page for the links in mails: what happened, and the way back. */
export function messagePage(status: number, title: string, message: string, links: { href: string; label: string }[]): TextResult {
  const body = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font:1rem/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;max-width:36rem;margin:3rem auto;padding:0 1rem}a{color:#1d4ed8}</style>',
    `</head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`,
    links.map((l) => `<p><a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a></p>`).join(''),
    '</main></body></html>',
  ].join('');
  return {
    status,
    headers: { ...NO_STORE, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'" },
    body,
  };
}

/** STATUS_LINK_SECRET is `none` or unset: subscriptions are off (logged as an error naming the secret). */
function unavailable(): TextResult {
  log.error('STATUS_LINK_SECRET is not set: status page subscriptions are off. Set it with `firebase functions:secrets:set STATUS_LINK_SECRET`', { event: 'secret_missing', secret: 'STATUS_LINK_SECRET' });
  return json(503, { error: 'subscriptions are unavailable right now' }, { 'Retry-After': '300' });
}

const header = (req: HttpRequestLike, name: string) => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

/** The subscribe request's fields, from JSON or a plain HTML form. */
export function parseSubscribeBody(req: HttpRequestLike): { email: unknown; trap: boolean; form: boolean } | { error: string } {
  const type = header(req, 'content-type').toLowerCase();
  const raw = req.rawBody.toString('utf8');
  if (type.includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(raw);
    return { email: form.get('email') ?? undefined, trap: Boolean(form.get('website')), form: true };
  }
  try {
    const body = JSON.parse(raw) as Record<string, unknown> | null;
    if (!body || typeof body !== 'object') return { error: 'send {"email": "you@example.com"}' };
    return { email: body.email, trap: Boolean(body.website), form: false };
  } catch {
    return { error: 'send {"email": "you@example.com"} as JSON, or an HTML form' };
  }
}

/** The same words whatever the address's state: nobody learns who is subscribed. */
export const SUBSCRIBE_ANSWER = 'Check your inbox: if this address can receive mail, a message with a confirmation link is on its way.';

/** POST /status/subscribe */
export async function handleStatusSubscribe(req: HttpRequestLike, settings: StatusHttpSettings, now: Date = new Date()): Promise<TextResult> {
  if (req.method !== 'POST') return json(405, { error: `method ${req.method} is not allowed: POST {"email": "..."}` }, { Allow: 'POST' });
  if (!settings.secret) return unavailable();
  if (req.rawBody.length > MAX_SUBSCRIBE_BODY) return json(413, { error: `the body is over ${MAX_SUBSCRIBE_BODY} bytes` });
  const body = parseSubscribeBody(req);
  if ('error' in body) return json(400, { error: body.error });
  const back = (outcome: 'sent' | 'invalid'): TextResult => ({ status: 303, headers: { ...NO_STORE, Location: `${settings.pageUrl}?subscribe=${outcome}#subscribe` }, body: '' });
  const email = normalizeEmail(body.email);
  if (!email.ok) return body.form ? back('invalid') : json(400, { error: email.reason });
  if (!body.trap) {
    const id = subscriberIdFor(email.email);
    const links = statusLinks(settings.pageUrl, settings.secret, now);
    const title = pipelineConfig().status.title;
    const mail = await db().runTransaction(async (tx) => {
      const ref = db().collection(STATUS_COLLECTIONS.subscribers).doc(id);
      const snap = await tx.get(ref);
      const plan = planSubscribe(snap.exists ? decode<SubscriberDoc>(snap.data()) : null, email.email, now);
      if (plan.write) tx.set(ref, plan.write);
      if (plan.mail) {
        const doc = plan.mail === 'confirm' ? confirmationEmail(email.email, id, links, title) : alreadySubscribedEmail(email.email, id, links, title);
        tx.create(db().collection(MAIL_COLLECTION).doc(`status-subscribe-${id}-${now.getTime()}`), doc);
      }
      return plan.mail;
    });
    log.info('status subscription requested', { event: 'status_subscribe', subscriberId: id, mail: mail ?? 'rate_limited' });
  }
  return body.form ? back('sent') : json(202, { ok: true, message: SUBSCRIBE_ANSWER });
}

function tokenOf(req: HttpRequestLike): unknown {
  const t = req.query.t;
  return Array.isArray(t) ? t[0] : t;
}

const backLinks = (links: Pick<StatusLinks, 'pageUrl'>) => [{ href: links.pageUrl, label: 'Back to the status page' }];

/** GET /status/confirm?t=… (the double opt-in link). */
export async function handleStatusConfirm(req: HttpRequestLike, settings: StatusHttpSettings, now: Date = new Date()): Promise<TextResult> {
  if (req.method !== 'GET' && req.method !== 'POST') return json(405, { error: `method ${req.method} is not allowed` }, { Allow: 'GET, POST' });
  if (!settings.secret) return unavailable();
  const links = statusLinks(settings.pageUrl, settings.secret, now);
  const check = verifyLinkToken(settings.secret, tokenOf(req), 'confirm', now);
  if (!check.ok) {
    if (check.reason === 'expired') return messagePage(410, 'This link has expired', 'Confirmation links are valid for 7 days. Subscribe again on the status page to get a new one.', backLinks(links));
    return messagePage(400, 'This link is not valid', 'It may have been cut or changed. Copy the whole link from the mail, or subscribe again on the status page.', backLinks(links));
  }
  const ref = db().collection(STATUS_COLLECTIONS.subscribers).doc(check.subscriberId);
  const outcome = await db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return 'gone' as const;
    const next = planConfirm(decode<SubscriberDoc>(snap.data()), now);
    if (next) tx.set(ref, next);
    return next ? ('confirmed' as const) : ('already' as const);
  });
  log.info('status subscription confirmed', { event: 'status_confirm', subscriberId: check.subscriberId, outcome });
  if (outcome === 'gone') return messagePage(410, 'This subscription no longer exists', 'It expired or was cancelled. Subscribe again on the status page.', backLinks(links));
  return messagePage(200, 'You are subscribed', 'You will get an email with each public update of the status page. Every email has a link to unsubscribe.', [
    ...backLinks(links),
    { href: links.unsubscribeUrl(check.subscriberId), label: 'Unsubscribe' },
  ]);
}

/** GET or POST /status/unsubscribe?t=… (the link in every mail, and its List-Unsubscribe header). */
export async function handleStatusUnsubscribe(req: HttpRequestLike, settings: StatusHttpSettings, now: Date = new Date()): Promise<TextResult> {
  if (req.method !== 'GET' && req.method !== 'POST') return json(405, { error: `method ${req.method} is not allowed` }, { Allow: 'GET, POST' });
  if (!settings.secret) return unavailable();
  const links = statusLinks(settings.pageUrl, settings.secret, now);
  const check = verifyLinkToken(settings.secret, tokenOf(req), 'unsubscribe', now);
  if (!check.ok) return messagePage(400, 'This link is not valid', 'It may have been cut or changed. Copy the whole link from the mail.', backLinks(links));
  await db().collection(STATUS_COLLECTIONS.subscribers).doc(check.subscriberId).delete();
  log.info('status subscription removed', { event: 'status_unsubscribe', subscriberId: check.subscriberId });
  return messagePage(200, 'You are unsubscribed', 'This address will get no more status page emails.', backLinks(links));
}

const paragraphsHtml = (text: string) =>
  text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');

/** The Atom document (the `feed` package), from feed entries. Titles and content are escaped HTML. */
export async function renderStatusFeed(entries: StatusFeedEntry[], meta: { title: string; pageUrl: string; updated: Date }): Promise<string> {
  const { Feed } = await import('feed');
  const feed = new Feed({
    id: meta.pageUrl,
    title: meta.title,
    link: meta.pageUrl,
    updated: entries[0]?.date && entries[0].date > meta.updated ? entries[0].date : meta.updated,
    feedLinks: { atom: `${meta.pageUrl}/feed.xml` },
    author: { name: meta.title, link: meta.pageUrl },
    generator: false,
  });
  for (const e of entries) {
    feed.addItem({ id: e.id, title: escapeHtml(e.title), link: e.link, date: e.date, published: e.published, content: paragraphsHtml(e.content) });
  }
  return feed.atom1();
}

/** GET /status/feed.xml */
export async function handleStatusFeed(req: HttpRequestLike, settings: Pick<StatusHttpSettings, 'pageUrl'>, now: Date = new Date()): Promise<TextResult> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: `method ${req.method} is not allowed` }, { Allow: 'GET, HEAD' });
  const { summary, incidents } = await readStatusFeedData();
  const title = summary?.title ?? pipelineConfig().status.title;
  const xml = await renderStatusFeed(feedEntries(incidents, summary?.components ?? pipelineConfig().status.components, settings.pageUrl), { title, pageUrl: settings.pageUrl, updated: summary?.updatedAt ?? now });
  return { status: 200, headers: { 'Content-Type': 'application/atom+xml; charset=utf-8', 'Cache-Control': 'public, max-age=60, s-maxage=60' }, body: req.method === 'HEAD' ? '' : xml };
}

// ---- Express binding ---------------------------------------------------------

export function sendText(res: Response, r: TextResult): void {
  res.status(r.status);
  for (const [k, v] of Object.entries(r.headers)) res.set(k, v);
  res.send(r.body);
}

type Handler = (req: HttpRequestLike, settings: StatusHttpSettings) => Promise<TextResult>;
const HANDLERS: Record<'feed' | 'subscribe' | 'confirm' | 'unsubscribe', Handler> = {
  feed: (req, s) => handleStatusFeed(req, s),
  subscribe: (req, s) => handleStatusSubscribe(req, s),
  confirm: (req, s) => handleStatusConfirm(req, s),
  unsubscribe: (req, s) => handleStatusUnsubscribe(req, s),
};

export async function serveStatus(kind: keyof typeof HANDLERS, req: Request, res: Response, settings: StatusHttpSettings): Promise<void> {
  sendText(res, await HANDLERS[kind](toRequestLike(req), settings));
}
