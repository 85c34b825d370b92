// Email subscriptions to the status page: double opt-in, signed links, and the
// mails (Trigger Email's `mail` documents: `to`, `message.subject`,
// `message.text`, `message.html`) that carry each public update.
//
//   statusSubscribers/{subscriberId}   email, status (pending | confirmed), createdAt,
//                                      confirmedAt, mailsSent (rate limit), expireAt (TTL for pending)
//
// A subscriber id is a hash of the normalised address, so subscribing twice is
// one document and the rate limit holds per address. Links carry a token signed
// with STATUS_LINK_SECRET (HMAC-SHA256): `confirm` ones expire, `unsubscribe`
// ones do not (an old mail's link must keep working).
import type { MailDoc, MailWrite } from './mail';
import { escapeHtml } from './markup';
import { createHmac } from 'node:crypto';
import { safeEqual } from './auth';
import { stableId } from './hash';
import {
  COMPONENT_STATUS_LABELS,
  type ComponentStatus,
  PUBLIC_PHASE_LABELS,
  type PublicIncident,
  type PublicIncidentUpdate,
  type StatusSummary,
} from './statusPage';

export const CONFIRM_LINK_DAYS = 7;
/** Mails to one address (confirmations and "already subscribed" notes) per rolling day. */
export const MAX_MAILS_PER_DAY = 3;
const DAY_MS = 86_400_000;

export type SubscriberStatus = 'pending' | 'confirmed';

/** statusSubscribers/{id} */
export interface SubscriberDoc {
  email: string;
  status: SubscriberStatus;
  createdAt: Date;
  confirmedAt: Date | null;
  /** When the last mails to this address went out (the last day's), for the rate limit. */
  mailsSent: Date[];
  /** A pending subscription is deleted by a TTL policy after this; null once confirmed. */
  expireAt: Date | null;
}

export interface Subscriber {
  id: string;
  email: string;
  status?: SubscriberStatus;
}

// ---- addresses -----------------------------------------------------------------

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Trims and lower-cases an address; refuses anything that is not one plain address. */
export function normalizeEmail(raw: unknown): { ok: true; email: string } | { ok: false; reason: string } {
  if (typeof raw !== 'string') return { ok: false, reason: 'an email address is required' };
  const email = raw.trim().toLowerCase();
  if (email.length === 0) return { ok: false, reason: 'an email address is required' };
  if (email.length > 254 || !EMAIL.test(email)) return { ok: false, reason: 'that is not an email address' };
  return { ok: true, email };
}

export function subscriberIdFor(email: string): string {
  return stableId(`status-subscriber:${email}`, 32);
}

// ---- signed links --------------------------------------------------------------

export type LinkPurpose = 'confirm' | 'unsubscribe';
const PURPOSE_CODE: Record<LinkPurpose, string> = { confirm: 'c', unsubscribe: 'u' };

function signature(secret: string, body: string): string {
  return createHmac('sha256', secret).update(`status-link:v1:${body}`).digest('base64url');
}

/** `c.<subscriberId>.<expiry in base-36 seconds, 0 = never>.<HMAC>`: URL-safe as it is. */
export function signLinkToken(secret: string, purpose: LinkPurpose, subscriberId: string, expiresAt: Date | null): string {
  const exp = expiresAt ? Math.floor(expiresAt.getTime() / 1000).toString(36) : '0';
  const body = `${PURPOSE_CODE[purpose]}.${subscriberId}.${exp}`;
  return `${body}.${signature(secret, body)}`;
}

export type TokenCheck = { ok: true; subscriberId: string } | { ok: false; reason: 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired' };

export function verifyLinkToken(secret: string, token: unknown, purpose: LinkPurpose, now: Date): TokenCheck {
  if (typeof token !== 'string' || token.length > 200) return { ok: false, reason: 'malformed' };
  const m = /^([cu])\.([0-9a-f]{32})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, code, subscriberId, exp, sig] = m as unknown as [string, string, string, string, string];
  if (!safeEqual(sig, signature(secret, `${code}.${subscriberId}.${exp}`))) return { ok: false, reason: 'bad_signature' };
  if (code !== PURPOSE_CODE[purpose]) return { ok: false, reason: 'wrong_purpose' };
  if (exp !== '0' && parseInt(exp, 36) * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, subscriberId };
}

/** The status page's URL: the console's Hosting site (CONSOLE_URL), path /status. */
export const statusPageUrl = (consoleUrl: string) => `${consoleUrl.replace(/\/+$/, '')}/status`;

export interface StatusLinks {
  /** The status page, e.g. https://example.web.app/status */
  pageUrl: string;
  feedUrl: string;
  confirmUrl(subscriberId: string): string;
  unsubscribeUrl(subscriberId: string): string;
}

/**
 * The page's links, with signed tokens. `pageUrl` is where Hosting serves the
 * page; /status/confirm and /status/unsubscribe are Hosting rewrites to the
 * functions next to it (firebase.json).
 */
export function statusLinks(pageUrl: string, secret: string, now: Date): StatusLinks {
  const base = pageUrl.replace(/\/+$/, '');
  return {
    pageUrl: base,
    feedUrl: `${base}/feed.xml`,
    confirmUrl: (id) => `${base}/confirm?t=${signLinkToken(secret, 'confirm', id, new Date(now.getTime() + CONFIRM_LINK_DAYS * DAY_MS))}`,
    unsubscribeUrl: (id) => `${base}/unsubscribe?t=${signLinkToken(secret, 'unsubscribe', id, null)}`,
  };
}

// ---- subscribing ---------------------------------------------------------------

export interface SubscribePlan {
  /** The subscriber document to store, or null when nothing changes. */
  write: SubscriberDoc | null;
  /** Which mail to send: a confirmation link, a note that the address is already subscribed, or none (rate limit). */
  mail: 'confirm' | 'already_subscribed' | null;
}

/**
 * A subscribe request for `email`, given the stored document (if any). The
 * visitor's answer is the same in every case (no enumeration); only the mail
 * differs, and it goes to the address itself.
 */
export function planSubscribe(existing: SubscriberDoc | null, email: string, now: Date): SubscribePlan {
  const recent = (existing?.mailsSent ?? []).filter((t) => now.getTime() - t.getTime() < DAY_MS);
  if (recent.length >= MAX_MAILS_PER_DAY) return { write: null, mail: null };
  const mailsSent = [...recent, now];
  if (existing?.status === 'confirmed') return { write: { ...existing, mailsSent }, mail: 'already_subscribed' };
  return {
    write: {
      email,
      status: 'pending',
      createdAt: existing?.createdAt ?? now,
      confirmedAt: null,
      mailsSent,
      expireAt: new Date(now.getTime() + CONFIRM_LINK_DAYS * DAY_MS),
    },
    mail: 'confirm',
  };
}

/** A pending subscriber who followed the link; a confirmed one stays as is (null = nothing to write). */
export function planConfirm(existing: SubscriberDoc, now: Date): SubscriberDoc | null {
  if (existing.status === 'confirmed') return null;
  return { ...existing, status: 'confirmed', confirmedAt: now, expireAt: null };
}

// ---- mails -----------------------------------------------------------------------

const paragraphs = (text: string) =>
  text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');

function htmlPage(title: string, body: string, footer: string): string {
  return [
    '<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#1f2937;max-width:36rem;margin:0 auto;padding:1rem;line-height:1.5">',
    `<h1 style="font-size:1.25rem">${escapeHtml(title)}</h1>`,
    body,
    `<hr style="border:0;border-top:1px solid #e5e7eb;margin:1.5rem 0"><p style="font-size:.875rem;color:#4b5563">${footer}</p>`,
    '</body></html>',
  ].join('');
}

const unsubscribeHeaders = (url: string) => ({ 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });

/** The double opt-in mail: a confirmation link, and what happens if the visitor ignores it. */
export function confirmationEmail(email: string, subscriberId: string, links: StatusLinks, pageTitle: string): MailDoc {
  const url = links.confirmUrl(subscriberId);
  const subject = `Confirm your subscription to ${pageTitle}`;
  const text = [
    `Someone, hopefully you, asked to receive the updates of ${pageTitle} (${links.pageUrl}) at this address.`,
    '',
    `Confirm with this link (valid ${CONFIRM_LINK_DAYS} days):`,
    url,
    '',
    'If it was not you, ignore this mail: nothing is sent until the link is followed.',
  ].join('\n');
  const html = htmlPage(
    subject,
    `<p>Someone, hopefully you, asked to receive the updates of <a href="${escapeHtml(links.pageUrl)}">${escapeHtml(pageTitle)}</a> at this address.</p>` +
      `<p><a href="${escapeHtml(url)}" style="display:inline-block;padding:.5rem 1rem;background:#1d4ed8;color:#fff;border-radius:.375rem;text-decoration:none">Confirm my subscription</a></p>` +
      `<p>The link is valid ${CONFIRM_LINK_DAYS} days.</p>`,
    'If it was not you, ignore this mail: nothing is sent until the link is followed.',
  );
  return { to: email, message: { subject, text, html } };
}

/** To an address that is already subscribed and asked again: a reminder, with the unsubscribe link. */
export function alreadySubscribedEmail(email: string, subscriberId: string, links: StatusLinks, pageTitle: string): MailDoc {
  const url = links.unsubscribeUrl(subscriberId);
  const subject = `You are already subscribed to ${pageTitle}`;
  const text = [`This address already receives the updates of ${pageTitle} (${links.pageUrl}).`, '', `To stop them: ${url}`].join('\n');
  const html = htmlPage(subject, `<p>This address already receives the updates of <a href="${escapeHtml(links.pageUrl)}">${escapeHtml(pageTitle)}</a>.</p>`, `<a href="${escapeHtml(url)}">Unsubscribe</a>`);
  return { to: email, message: { subject, text, html, headers: unsubscribeHeaders(url) } };
}

/** What subscriberEmails needs of a published update: applyPublicUpdate's result has all three. */
export interface PublishedUpdate {
  incident: PublicIncident;
  update: PublicIncidentUpdate;
  summary: Pick<StatusSummary, 'title' | 'components'>;
}

const dateText = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * One mail per confirmed subscriber for a public update, each with its own
 * unsubscribe link (in the text, the HTML and the List-Unsubscribe header).
 * Ids are deterministic (update × subscriber): created with `create`, a
 * retried delivery sends nothing twice.
 */
export function subscriberEmails(published: PublishedUpdate, subscribers: Subscriber[], links: StatusLinks): MailWrite[] {
  const { incident, update, summary } = published;
  const name = (id: string) => summary.components.find((c) => c.id === id)?.name ?? id;
  const affected = Object.entries(update.componentStatus).map(([id, s]) => `${name(id)}: ${COMPONENT_STATUS_LABELS[s as ComponentStatus]}`);
  const phase = PUBLIC_PHASE_LABELS[update.phase];
  const subject = `[${phase}] ${incident.title}`.slice(0, 250);
  const anchor = `${links.pageUrl}#incident-${incident.publicId}`;
  return subscribers
    .filter((s) => (s.status ?? 'confirmed') === 'confirmed')
    .map((s) => {
      const unsubscribe = links.unsubscribeUrl(s.id);
      const text = [
        `${incident.title}`,
        `${phase} · ${dateText(update.at)}`,
        '',
        update.message,
        '',
        ...(affected.length ? ['Affected:', ...affected.map((a) => `- ${a}`), ''] : []),
        `Follow the incident: ${anchor}`,
        '',
        `You receive this because you subscribed to ${summary.title}. Unsubscribe: ${unsubscribe}`,
      ].join('\n');
      const html = htmlPage(
        incident.title,
        `<p><strong>${escapeHtml(phase)}</strong> · ${escapeHtml(dateText(update.at))}</p>${paragraphs(update.message)}` +
          (affected.length ? `<ul>${affected.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>` : '') +
          `<p><a href="${escapeHtml(anchor)}">Follow the incident on the status page</a></p>`,
        `You receive this because you subscribed to ${escapeHtml(summary.title)}. <a href="${escapeHtml(unsubscribe)}">Unsubscribe</a>`,
      );
      return {
        id: `status-${incident.publicId}-${update.id}-${s.id}`,
        data: { to: s.email, message: { subject, text, html, headers: unsubscribeHeaders(unsubscribe) } },
      };
    });
}
