// Internal stakeholder summaries: people who are not responders (leadership,
// support, account managers) hear about an incident three times at most (when
// it opens, when its severity changes, when it resolves), never per alert.
// Each summary says what is broken, the impact and when the next update comes,
// as a Block Kit message for the channels and a mail for the email lists of
// `stakeholders:` in config/slack.yaml.
import { stableId } from '../hash';
import { COMPONENT_STATUS_LABELS, type ComponentStatus } from '../statusPage';
import { escapeHtml } from '../markup';
import type { MailWrite } from '../mail';
import { type Effect, type Incident, type Severity } from '../types';
import { duration, link, plural, safe, slackDate, utcText } from './format';
import { consoleLink, LIMITS, type SlackBlock, type SlackMessage } from './messages';
import type { SlackConfig } from './slackConfig';

export type StakeholderEvent = { kind: 'opened' } | { kind: 'severity_changed'; from: Severity; to: Severity } | { kind: 'resolved' };

export interface StakeholderContext {
  /** What users feel, in words: the latest public message or a responder's note; null = still being assessed. */
  impact: string | null;
  /** The status page components the incident affects, with their status (empty when unpublished). */
  components: { name: string; status: ComponentStatus }[];
  /** When stakeholders hear next (the public update cadence); null = no further update planned. */
  nextUpdateAt: Date | null;
  now: Date;
  consoleUrl: string;
  /** The public status page, when the incident is published there. */
  statusPageUrl: string | null;
}

export interface StakeholderSummary {
  slack: SlackMessage;
  email: { subject: string; text: string; html: string };
}

export interface StakeholderRecipients {
  channels: string[];
  emails: string[];
}

const SEVERITY_MEANING: Record<Severity, string> = {
  SEV1: 'critical: a major part of the product is unavailable',
  SEV2: 'major: an important feature is broken or badly degraded',
  SEV3: 'minor: a limited or partial problem',
  SEV4: 'low: little or no user impact',
};

/** The stakeholder event an incident effect is, if any: opened, a severity change, a resolve (never an alert, a note, a reopen…). */
export function stakeholderEventOf(effect: Effect): StakeholderEvent | null {
  switch (effect.kind) {
    case 'incident_opened':
      return { kind: 'opened' };
    case 'severity_changed':
      return effect.from === effect.to ? null : { kind: 'severity_changed', from: effect.from, to: effect.to };
    case 'status_changed':
      return effect.to === 'resolved' ? { kind: 'resolved' } : null;
    default:
      return null;
  }
}

const uniqueLower = (values: string[]) => [...new Map(values.map((v) => [v.toLowerCase(), v])).values()];

/**
 * Who hears about `event`: the stakeholders of the incident's severity; for a
 * severity change, those of both the old and the new severity (a downgrade is
 * news to the people who were told it was a SEV1). Drills reach nobody unless
 * `routeDrills` is set.
 */
export function stakeholdersFor(config: SlackConfig, incident: Pick<Incident, 'severity' | 'drill'>, event: StakeholderEvent): StakeholderRecipients {
  if (incident.drill && !config.routeDrills) return { channels: [], emails: [] };
  const severities = event.kind === 'severity_changed' ? [event.from, event.to] : [incident.severity];
  const entries = severities.map((s) => config.stakeholders[s]).filter((e) => e !== undefined);
  return { channels: uniqueLower(entries.flatMap((e) => e.channels)), emails: uniqueLower(entries.flatMap((e) => e.emails)) };
}

function headline(incident: Incident, event: StakeholderEvent): string {
  const drill = incident.drill ? '[DRILL] ' : '';
  switch (event.kind) {
    case 'opened':
      return `${drill}${incident.severity} incident: ${incident.title}`;
    case 'severity_changed':
      return `${drill}${rankWord(event.from, event.to)} ${event.from} → ${event.to}: ${incident.title}`;
    case 'resolved':
      return `${drill}Resolved (${incident.severity}): ${incident.title}`;
  }
}

const rankWord = (from: Severity, to: Severity) => (to < from ? 'Escalated' : 'Downgraded');

/** What is broken: the incident, its service and environment, and the public components it affects. */
function whatIsBroken(incident: Incident, ctx: StakeholderContext): string {
  const where = [incident.service, incident.environment].filter(Boolean).join(' in ');
  const components = ctx.components.map((c) => `${c.name} (${COMPONENT_STATUS_LABELS[c.status].toLowerCase()})`).join(', ');
  return [incident.title, where ? `Service: ${where}` : null, components ? `Status page: ${components}` : null].filter(Boolean).join('\n');
}

function impactText(incident: Incident, ctx: StakeholderContext): string {
  return `${ctx.impact?.trim() || 'Being assessed by the responders.'}\n${incident.severity} is ${SEVERITY_MEANING[incident.severity]}.`;
}

function nextUpdateText(incident: Incident, event: StakeholderEvent, ctx: StakeholderContext, slack: boolean): string {
  if (event.kind === 'resolved') {
    const lasted = incident.resolvedAt ? ` after ${duration(incident.resolvedAt.getTime() - incident.createdAt.getTime())}` : '';
    return `None: resolved${lasted}. A postmortem follows${incident.postmortemRequired ? '' : ' if the team writes one'}.`;
  }
  if (!ctx.nextUpdateAt) return 'When the situation changes.';
  const when = slack ? slackDate(ctx.nextUpdateAt, '{time}') : utcText(ctx.nextUpdateAt);
  return `By ${when} (in ${duration(ctx.nextUpdateAt.getTime() - ctx.now.getTime())}), or sooner if it changes.`;
}

/** The summary of one event, as Block Kit and as a mail. Pure; every piece of incident text is escaped. */
export function stakeholderSummary(incident: Incident, event: StakeholderEvent, ctx: StakeholderContext): StakeholderSummary {
  const title = headline(incident, event);
  const broken = whatIsBroken(incident, ctx);
  const impact = impactText(incident, ctx);
  const consoleUrl = consoleLink(ctx.consoleUrl, incident.id);
  const links = [link(consoleUrl, 'Incident in the console'), ctx.statusPageUrl ? link(ctx.statusPageUrl, 'Public status page') : null].filter(Boolean) as string[];
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: safe(title, LIMITS.header), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: `*What is broken*\n${safe(broken, LIMITS.section - 20)}` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Impact*\n${safe(impact, LIMITS.section - 20)}` } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Status*\n${incident.status}` },
        { type: 'mrkdwn', text: `*Next update*\n${nextUpdateText(incident, event, ctx, true)}` },
      ],
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${links.join(' · ')} · ${plural(incident.alertCount, 'alert')} · opened ${slackDate(incident.createdAt)}` }] },
  ];
  const nextUpdate = nextUpdateText(incident, event, ctx, false);
  const text = [title, '', 'What is broken', broken, '', 'Impact', impact, '', 'Next update', nextUpdate, '', `Incident: ${consoleUrl}`, ...(ctx.statusPageUrl ? [`Status page: ${ctx.statusPageUrl}`] : [])].join('\n');
  const section = (h: string, body: string) => `<h2 style="font-size:1rem;margin:1rem 0 .25rem">${escapeHtml(h)}</h2><p style="margin:0">${escapeHtml(body).replace(/\n/g, '<br>')}</p>`;
  const html =
    '<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#1f2937;max-width:40rem;margin:0 auto;padding:1rem;line-height:1.5">' +
    `<h1 style="font-size:1.25rem">${escapeHtml(title)}</h1>` +
    section('What is broken', broken) +
    section('Impact', impact) +
    section('Next update', nextUpdate) +
    `<p style="margin-top:1.5rem"><a href="${escapeHtml(consoleUrl)}">Incident in the console</a>${ctx.statusPageUrl ? ` · <a href="${escapeHtml(ctx.statusPageUrl)}">Public status page</a>` : ''}</p>` +
    '</body></html>';
  return {
    slack: { text: safe(title, LIMITS.text), blocks },
    email: { subject: title.slice(0, 250), text, html },
  };
}

/**
 * The summary's mails, one per address, with deterministic ids: `key` names
 * the event (e.g. `<incidentId>-opened`, `<incidentId>-sev-<n>`), so a retry
 * creates nothing twice.
 */
export function stakeholderMails(summary: StakeholderSummary, emails: string[], key: string): MailWrite[] {
  return emails.map((to) => ({ id: `stakeholder-${stableId(`${key}:${to.toLowerCase()}`, 32)}`, data: { to, message: { ...summary.email } } }));
}
