// Block Kit rendering of incidents for Slack. Pure: every message is built
// from the incident (and the effect) alone; no clock, no Slack client.
// Every piece of user-provided text is escaped (&, <, >), and every block
// respects Block Kit's limits (header 150, section 3000, field 2000, 50 blocks).
import { type Effect, type Incident, type IncidentStatus, isOpen, type Severity, severityRank } from '../types';
import { ACKNOWLEDGE_ACTION_ID, RESOLVE_ACTION_ID } from './interactions';
import { actorDisplay, clip, escapeMrkdwn, link, mentionDisplay, plural, relative, safe, slackDate } from './format';
import { statusPageLine } from './statusPageMessages';

export type SlackBlock = Record<string, unknown>;

export interface SlackMessage {
  /** The notification fallback (and what screen readers and old clients show). */
  text: string;
  blocks: SlackBlock[];
}

export const LIMITS = { header: 150, section: 3000, field: 2000, context: 2000, blocks: 50, fields: 10, text: 3000, topic: 250 } as const;

export const MAX_DEPLOYS_SHOWN = 3;
export const MAX_LINKS_SHOWN = 5;

const SEV_EMOJI: Record<Severity, string> = {
  SEV1: ':red_circle:',
  SEV2: ':large_orange_circle:',
  SEV3: ':large_yellow_circle:',
  SEV4: ':large_blue_circle:',
};

const STATUS_EMOJI: Record<IncidentStatus, string> = {
  triggered: ':rotating_light:',
  acknowledged: ':eyes:',
  mitigated: ':adhesive_bandage:',
  resolved: ':white_check_mark:',
  closed: ':lock:',
};

/** What a move into each status is called in a sentence. */
const STATUS_VERB: Record<IncidentStatus, string> = {
  triggered: 'reopened',
  acknowledged: 'acknowledged',
  mitigated: 'mitigated',
  resolved: 'resolved',
  closed: 'closed',
};

// ---- blocks -------------------------------------------------------------

const plain = (text: string, max: number) => ({ type: 'plain_text', text: clip(text, max), emoji: true });
const mrkdwn = (text: string, max: number = LIMITS.section) => ({ type: 'mrkdwn', text: clip(text, max) });

function headerBlock(text: string): SlackBlock {
  return { type: 'header', text: plain(text, LIMITS.header) };
}

function sectionBlock(text: string): SlackBlock {
  return { type: 'section', text: mrkdwn(text) };
}

function fieldsBlock(fields: string[]): SlackBlock {
  return { type: 'section', fields: fields.slice(0, LIMITS.fields).map((f) => mrkdwn(f, LIMITS.field)) };
}

function contextBlock(parts: string[]): SlackBlock {
  return { type: 'context', elements: parts.slice(0, 10).map((p) => mrkdwn(p, LIMITS.context)) };
}

function done(text: string, blocks: SlackBlock[]): SlackMessage {
  return { text: clip(text, LIMITS.text), blocks: blocks.slice(0, LIMITS.blocks) };
}

// ---- pieces -------------------------------------------------------------

const drillPrefix = (incident: Pick<Incident, 'drill'>) => (incident.drill ? '[DRILL] ' : '');

/** The incident's page in the responder console. */
export function consoleLink(consoleUrl: string, incidentId: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/#/incidents/${encodeURIComponent(incidentId)}`;
}

/** `<#C123>` for a channel id; null for anything that is not one. */
function channelRef(channelId: string | null | undefined): string | null {
  return channelId && /^[CGD][A-Z0-9]+$/.test(channelId) ? `<#${channelId}>` : null;
}


/** `SEV1 · Checkout is down` (escaped). */
function sevTitle(incident: Incident): string {
  return `${incident.severity} · ${escapeMrkdwn(incident.title)}`;
}

function alertsText(incident: Incident): string {
  return `${incident.alertCount} (${incident.firingCount} firing)`;
}

function alertsLong(incident: Incident): string {
  return `${plural(incident.alertCount, 'alert')} (${incident.firingCount} firing)`;
}

function summaryFields(incident: Incident): string[] {
  const fields = [
    `*Severity*\n${SEV_EMOJI[incident.severity]} ${incident.severity}${incident.severitySource === 'manual' ? ' (set by hand)' : ''}`,
    `*Status*\n${STATUS_EMOJI[incident.status]} ${incident.status}`,
    `*Service*\n${incident.service ? safe(incident.service, 200) : '_unknown_'}`,
    `*Environment*\n${incident.environment ? safe(incident.environment, 200) : '_unknown_'}`,
    `*Alerts*\n${alertsText(incident)}`,
    `*Commander*\n${incident.commander ? actorDisplay(incident.commander) : '_nobody yet_'}`,
    `*Opened*\n${slackDate(incident.createdAt)}`,
  ];
  if (incident.resolvedAt && !isOpen(incident.status)) fields.push(`*Resolved*\n${slackDate(incident.resolvedAt)}`);
  else if (incident.acknowledgedAt) fields.push(`*Acknowledged*\n${slackDate(incident.acknowledgedAt)}`);
  if (incident.runbook) fields.push(`*Runbook*\n${safe(incident.runbook, 500)}`);
  return fields;
}

/** `v1.4.2 of checkout (production), 23 min before, by alice`. */
function deployLine(deploy: Incident['deploys'][number], incident: Incident, ofIncident = ''): string {
  const version = link(deploy.url, clip(deploy.version, 100));
  const where = `${safe(deploy.service, 200)}${deploy.environment ? ` (${safe(deploy.environment, 100)})` : ''}`;
  const by = deploy.author ? `, by ${safe(deploy.author, 200)}` : '';
  return `${version} of ${where}, ${relative(deploy.deployedAt, incident.createdAt)}${ofIncident}${by}`;
}

function deploysSection(incident: Incident): SlackBlock | null {
  if (incident.deploys.length === 0) return null;
  const recent = [...incident.deploys].sort((a, b) => b.deployedAt.getTime() - a.deployedAt.getTime());
  const lines = recent.slice(0, MAX_DEPLOYS_SHOWN).map((d) => `• ${clip(deployLine(d, incident), 600)}`);
  if (recent.length > MAX_DEPLOYS_SHOWN) lines.push(`_…and ${recent.length - MAX_DEPLOYS_SHOWN} more_`);
  return sectionBlock(`*Recent deploys*\n${lines.join('\n')}`);
}

function linksSection(incident: Incident): SlackBlock | null {
  if (incident.links.length === 0) return null;
  const lines = incident.links.slice(0, MAX_LINKS_SHOWN).map((l) => `• ${link(l.url, clip(l.title || l.url, 200))}`);
  if (incident.links.length > MAX_LINKS_SHOWN) lines.push(`_…and ${incident.links.length - MAX_LINKS_SHOWN} more in the console_`);
  return sectionBlock(`*Links*\n${lines.join('\n')}`);
}

/** Acknowledge (while triggered) and Resolve (while open); nothing once resolved or closed. */
function actionsBlock(incident: Incident): SlackBlock | null {
  if (!isOpen(incident.status)) return null;
  const elements: SlackBlock[] = [];
  if (incident.status === 'triggered') {
    elements.push({ type: 'button', action_id: ACKNOWLEDGE_ACTION_ID, value: incident.id, style: 'primary', text: plain('Acknowledge', 75) });
  }
  elements.push({
    type: 'button',
    action_id: RESOLVE_ACTION_ID,
    value: incident.id,
    text: plain('Resolve', 75),
    confirm: {
      title: plain('Resolve this incident?', 100),
      text: mrkdwn(`Mark *${sevTitle(incident)}* as resolved. Alerts that fire again reopen it.`, 300),
      confirm: plain('Resolve', 30),
      deny: plain('Cancel', 30),
    },
  });
  return { type: 'actions', block_id: `incident_actions:${incident.id}`.slice(0, 255), elements };
}

function mentionsText(mentions: string[]): string {
  return [...new Set(mentions.map(mentionDisplay).filter((m) => m !== ''))].join(' ');
}

function where(incident: Incident): string {
  const parts = [incident.service, incident.environment].filter((p): p is string => !!p).map(escapeMrkdwn);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

const compact = (blocks: (SlackBlock | null)[]) => blocks.filter((b): b is SlackBlock => b !== null);

// ---- messages -------------------------------------------------------------

export interface AnnouncementOptions {
  /** The incident's own channel, once it exists (falls back to incident.slack). */
  channelId: string | null;
  /** Base URL of the responder console. */
  consoleUrl: string;
  /** Mentions from the routing (`<!subteam^S123>`, `<@U123>`, `<!here>`). */
  mentions: string[];
}

/** The announcement in the incidents channel (and routed channels); updated in place as the incident moves. */
export function announcement(incident: Incident, opts: AnnouncementOptions): SlackMessage {
  const mentions = mentionsText(opts.mentions);
  const channel = channelRef(opts.channelId ?? incident.slack);
  const consoleHref = link(consoleLink(opts.consoleUrl, incident.id), 'Open in the console');
  const text =
    `${drillPrefix(incident)}${mentions ? `${mentions} ` : ''}${incident.severity} incident: ${safe(incident.title, 500)}${where(incident)}` +
    ` · ${incident.status}${channel ? ` · ${channel}` : ''}`;
  const blocks = compact([
    headerBlock(`${drillPrefix(incident)}${incident.severity} · ${escapeMrkdwn(incident.title)}`),
    fieldsBlock(summaryFields(incident)),
    sectionBlock([channel ? `:speech_balloon: Incident channel: ${channel}` : null, `:computer: ${consoleHref}`].filter(Boolean).join('   ')),
    deploysSection(incident),
    linksSection(incident),
    mentions ? contextBlock([`:loudspeaker: ${mentions}`]) : null,
    actionsBlock(incident),
    incident.drill ? contextBlock([':performing_arts: This is a *drill*: practice only, no real impact.']) : null,
  ]);
  return done(text, blocks);
}

function statusChangeText(incident: Incident, e: Extract<Effect, { kind: 'status_changed' }>): string {
  const reason = e.reason ? `: ${safe(e.reason, 500)}` : '';
  let line = `${STATUS_EMOJI[e.to]} Incident ${STATUS_VERB[e.to]} by ${actorDisplay(e.actor)}${reason} (was ${e.from})`;
  if (e.to === 'resolved' && incident.postmortemRequired) line += '\nA postmortem is required for this incident.';
  return line;
}

function effectLine(incident: Incident, effect: Effect): { text: string; body: string } {
  switch (effect.kind) {
    case 'incident_opened': {
      const line = `${SEV_EMOJI[incident.severity]} ${incident.severity} incident opened: ${safe(incident.title, 500)}${where(incident)}`;
      const runbook = incident.runbook ? `\nRunbook: *${safe(incident.runbook, 300)}* (its steps are in the console checklist)` : '';
      return { text: line, body: `${line}${runbook}\nUse \`/incident ack\`, \`/incident sev &lt;1-4&gt;\`, \`/incident note &lt;text&gt;\`, \`/incident resolve\` here (\`/incident help\` for more).` };
    }
    case 'status_changed': {
      const line = statusChangeText(incident, effect);
      return { text: line.split('\n')[0] ?? line, body: line };
    }
    case 'severity_changed': {
      const up = severityRank(effect.to) < severityRank(effect.from);
      const line = `${SEV_EMOJI[effect.to]} Severity ${up ? 'raised' : 'lowered'} from ${effect.from} to ${effect.to} by ${actorDisplay(effect.actor)}`;
      return { text: line, body: line };
    }
    case 'commander_assigned': {
      const who = actorDisplay(effect.commander);
      const line =
        effect.commander === effect.actor
          ? `:crown: ${who} is now the incident commander`
          : `:crown: ${who} is now the incident commander (assigned by ${actorDisplay(effect.actor)})`;
      return { text: line, body: line };
    }
    case 'note_added': {
      const quoted = safe(effect.message, 2800)
        .split('\n')
        .map((l) => `>${l}`)
        .join('\n');
      return { text: `:memo: Note from ${actorDisplay(effect.actor)}: ${safe(effect.message, 300)}`, body: `:memo: *Note from ${actorDisplay(effect.actor)}*\n${quoted}` };
    }
    case 'step_checked': {
      const step = `“${safe(effect.text, 1000)}”`;
      const progress = `(${effect.progress.done}/${effect.progress.total} done)`;
      const line = effect.done
        ? `:ballot_box_with_check: ${actorDisplay(effect.actor)} checked off ${step} ${progress}`
        : `:arrow_backward: ${actorDisplay(effect.actor)} unchecked ${step} ${progress}`;
      return { text: line, body: line };
    }
    case 'alerts_changed': {
      const line = `:bell: Alerts now: ${alertsLong(incident)}`;
      return { text: line, body: line };
    }
    case 'deploy_linked': {
      const line = `:rocket: Deploy linked: ${deployLine(effect.deploy, incident, ' the incident')}`;
      return { text: line, body: line };
    }
    case 'status_published':
    case 'status_drafted':
      return statusPageLine(effect);
    case 'storm_closed': {
      const n = effect.groups;
      const line = `:sunny: The alert storm is over: it took in ${plural(n, 'group')}; new groups open their own incidents again. This incident stays open until you resolve it.`;
      return { text: line, body: line };
    }
  }
}

/** A post in the incident's channel for one effect. */
export function statusPost(incident: Incident, effect: Effect): SlackMessage {
  const { text, body } = effectLine(incident, effect);
  const prefix = drillPrefix(incident);
  const blocks = compact([
    sectionBlock(`${prefix}${body}`),
    effect.kind === 'incident_opened' ? fieldsBlock(summaryFields(incident)) : null,
    effect.kind === 'incident_opened' ? actionsBlock(incident) : null,
  ]);
  return done(`${prefix}${text}`, blocks);
}

export interface ReminderOptions {
  /** 1 for the first reminder, 2 for the second... */
  level: number;
  /** Added on this reminder (policy escalation: '', '<!here>', '<!channel>'). */
  mention: string;
}

/** An unacknowledged incident, announced again. */
export function reminderPost(incident: Incident, opts: ReminderOptions): SlackMessage {
  const mention = mentionDisplay(opts.mention);
  const channel = channelRef(incident.slack);
  const opened = slackDate(incident.createdAt, 'opened {ago}');
  const head = `:alarm_clock: ${incident.severity} incident still not acknowledged: ${safe(incident.title, 500)}`;
  const text = `${drillPrefix(incident)}${mention ? `${mention} ` : ''}${head} (${opened})`;
  const body = [
    `${drillPrefix(incident)}${mention ? `${mention} ` : ''}:alarm_clock: *Still not acknowledged* (reminder ${Math.max(1, Math.floor(opts.level))})`,
    `*${sevTitle(incident)}*${where(incident)}`,
    `${STATUS_EMOJI[incident.status]} ${incident.status}, ${opened}, ${alertsLong(incident)}${channel ? ` · ${channel}` : ''}`,
  ].join('\n');
  return done(text, compact([sectionBlock(body), actionsBlock(incident)]));
}

export interface OverdueInput {
  kind: 'postmortem' | 'action_item';
  title: string;
  /** A uid or `slack:U123`; null when nobody owns it. */
  owner: string | null;
  daysOverdue: number;
  incidentId: string;
  consoleUrl: string;
}

/** The daily reminder for an overdue postmortem or action item. */
export function overduePost(input: OverdueInput): SlackMessage {
  const what = input.kind === 'postmortem' ? 'Postmortem' : 'Action item';
  const days = Math.max(0, Math.floor(input.daysOverdue));
  const when = days === 0 ? 'due today' : `overdue by ${plural(days, 'day')}`;
  const owner = input.owner ? actorDisplay(input.owner) : '_no owner_';
  const line = `:warning: ${what} ${when}: ${safe(input.title, 500)}`;
  return done(`${line} (owner: ${owner})`, [
    sectionBlock(`:warning: *${what} ${when}*\n${safe(input.title, 1000)}\nOwner: ${owner}`),
    contextBlock([link(consoleLink(input.consoleUrl, input.incidentId), 'Open in the console')]),
  ]);
}

/** The incident channel's topic: `SEV1 · triggered · checkout · <title>` (≤ 250 characters). */
export function channelTopic(incident: Incident): string {
  const parts = [incident.severity, incident.status, incident.service ? escapeMrkdwn(incident.service) : null, escapeMrkdwn(incident.title)].filter(
    (p): p is string => !!p,
  );
  return clip(`${drillPrefix(incident)}${parts.join(' · ')}`, LIMITS.topic);
}

export interface ReplyOptions {
  /** Base URL of the responder console, for a link. */
  consoleUrl?: string;
}

/** `/incident status`: where the incident stands (ephemeral). */
export function statusReply(incident: Incident, opts: ReplyOptions = {}): SlackMessage {
  const text = `${drillPrefix(incident)}${incident.severity} · ${incident.status} · ${safe(incident.title, 500)}`;
  const links = [channelRef(incident.slack), opts.consoleUrl ? link(consoleLink(opts.consoleUrl, incident.id), 'Open in the console') : null].filter(
    (p): p is string => !!p,
  );
  return done(
    text,
    compact([
      sectionBlock(`${drillPrefix(incident)}*${sevTitle(incident)}*`),
      fieldsBlock(summaryFields(incident)),
      deploysSection(incident),
      links.length ? contextBlock(links) : null,
    ]),
  );
}

/** Most lines listed by `/incident list`. */
export const MAX_LISTED = 25;

/** `/incident list`: the incidents given (usually the open ones), most severe and newest first (ephemeral). */
export function listReply(incidents: Incident[], opts: ReplyOptions = {}): SlackMessage {
  if (incidents.length === 0) return done('No open incidents. :sunny:', [sectionBlock('No open incidents. :sunny:')]);
  const allOpen = incidents.every((i) => isOpen(i.status));
  const heading = `${plural(incidents.length, allOpen ? 'open incident' : 'incident')}`;
  const sorted = [...incidents].sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || b.createdAt.getTime() - a.createdAt.getTime(),
  );
  const lines = sorted.slice(0, MAX_LISTED).map((i) => {
    const title = opts.consoleUrl ? link(consoleLink(opts.consoleUrl, i.id), clip(i.title, 150)) : safe(i.title, 150);
    const channel = channelRef(i.slack);
    return `${SEV_EMOJI[i.severity]} *${i.severity}* ${drillPrefix(i)}${title}${where(i)} · ${i.status}${channel ? ` · ${channel}` : ''} · ${slackDate(i.createdAt, 'opened {ago}')}`;
  });
  if (sorted.length > MAX_LISTED) lines.push(`_…and ${sorted.length - MAX_LISTED} more in the console_`);
  // Pack the lines into sections of at most 3000 characters.
  const sections: SlackBlock[] = [];
  let current = '';
  for (const line of lines) {
    const l = clip(line, 1000);
    if (current && current.length + 1 + l.length > LIMITS.section) {
      sections.push(sectionBlock(current));
      current = '';
    }
    current = current ? `${current}\n${l}` : l;
  }
  if (current) sections.push(sectionBlock(current));
  const summary = sorted
    .slice(0, 5)
    .map((i) => `${i.severity} ${safe(i.title, 80)}`)
    .join('; ');
  return done(`${heading}: ${summary}${sorted.length > 5 ? '; …' : ''}`, [sectionBlock(`*${heading}*`), ...sections]);
}

/**
 * The post in the incident channel when a postmortem is drafted (or picks up a
 * new timeline). The owner is a uid or `slack:U…`, i.e. whatever a responder
 * assigned as commander: shown through actorDisplay, so `<!channel>` stays text.
 */
export function postmortemDraftText(pm: { owner: string | null; dueAt: Date | null }, opts: { refreshed: boolean }): string {
  if (opts.refreshed) return ':memo: The postmortem picked up the new timeline (the incident was reopened and resolved again).';
  const due = pm.dueAt ? ` It is due ${pm.dueAt.toISOString().slice(0, 10)}.` : ' It is optional for this severity.';
  return `:memo: A postmortem draft was created${pm.owner ? `, owned by ${actorDisplay(pm.owner)}` : ''}.${due}`;
}
