// Slack routing and people, kept in config/slack.yaml: which channels hear
// about an incident of each severity, whom to mention, whom to invite into the
// incident channel, and which Slack user is which Firebase uid.
import { z } from 'zod';
import { type Incident, type Severity, SEVERITIES } from '../types';

const channel = z
  .string()
  .trim()
  .regex(/^(#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{2,})$/, 'a channel is `#name` (lowercase letters, digits, - and _) or a channel id such as C0123ABC');

const mention = z
  .string()
  .trim()
  .regex(
    /^<(@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+|!here|!channel|!everyone)(\|[^<>]*)?>$/,
    'a mention is Slack syntax: <@U0123ABC> (a user), <!subteam^S0123ABC> (a user group), <!here> or <!channel>',
  );

const slackUserId = /^[UW][A-Z0-9]{2,}$/;
const email = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const invitee = z
  .string()
  .trim()
  .refine((v) => slackUserId.test(v) || email.test(v), 'an invitee is a Slack user id (U0123ABC) or an email address');

const list = <T extends z.ZodType>(item: T) => z.array(item).default([]);

const stakeholderEmail = z.string().trim().toLowerCase().regex(email, 'a stakeholder email is an address such as leadership@example.com');

/** Who gets the internal stakeholder summary (opened, severity changed, resolved) of an incident of one severity. */
const stakeholdersSchema = z
  .object({
    channels: list(channel),
    emails: list(stakeholderEmail),
  })
  .strict();

const routeSchema = z
  .object({
    /** Extra channels that get the announcement (besides INCIDENTS_CHANNEL). */
    channels: list(channel),
    /** Mentions added to the announcement. */
    mentions: list(mention),
    /** People invited into the incident channel. */
    invite: list(invitee),
  })
  .strict();

const bySeverity = <T extends z.ZodType>(value: T) =>
  z
    .object(Object.fromEntries(SEVERITIES.map((s) => [s, value.optional()])) as Record<Severity, z.ZodOptional<T>>)
    .strict()
    .default({});

export const slackConfigSchema = z
  .object({
    routing: bySeverity(routeSchema),
    invite: z
      .object({
        /** Into every incident channel. */
        all: list(invitee),
        bySeverity: bySeverity(z.array(invitee)),
        /** Service name (as the alerts name it, any case) → invitees. */
        byService: z.record(z.string().min(1), z.array(invitee)).default({}),
      })
      .strict()
      .prefault({}),
    /** Slack user id → Firebase uid, for acting as that person from Slack. */
    users: z
      .record(z.string().regex(slackUserId, 'a key of users is a Slack user id such as U0123ABC'), z.string().trim().min(1))
      .default({}),
    /** First part of incident channel names: <prefix>-<yyyymmdd>-<service>-<n>. */
    channelPrefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,19}$/, 'lowercase letters, digits, - and _, at most 20 characters')
      .default('inc'),
    /** Seconds over which alert-count updates are coalesced into one Slack post (informational). */
    coalesceSeconds: z.number().min(0).max(3600).default(10),
    /** Drills announce only in the training channel: no routed channels, no mentions, unless this is true. */
    routeDrills: z.boolean().default(false),
    /** Per severity, the channels and email lists that get a stakeholder summary (not every alert). */
    stakeholders: bySeverity(stakeholdersSchema),
  })
  .strict();

export type SlackConfig = z.output<typeof slackConfigSchema>;

export const DEFAULT_SLACK_CONFIG: SlackConfig = slackConfigSchema.parse({});

export interface SlackRoute {
  channels: string[];
  mentions: string[];
  invite: string[];
}

/** Keeps the first of each value; `#Name` and `#name`, or emails differing in case, count as one. */
function unique(values: Iterable<string>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of values) {
    const v = raw.trim();
    if (!v) continue;
    const key = v.startsWith('#') || (v.includes('@') && !v.startsWith('<')) ? v.toLowerCase() : v;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}

/**
 * Where an incident goes: the severity's routing, the invitees for everyone,
 * its severity and its service, and the hints its severity rules gave
 * (`incident.routing`), each list de-duplicated in that order.
 */
export function routeFor(config: SlackConfig, incident: Pick<Incident, 'severity' | 'service' | 'routing' | 'drill'>): SlackRoute {
  const sev = config.routing[incident.severity];
  const service = incident.service?.toLowerCase() ?? null;
  const byService = service === null ? [] : Object.entries(config.invite.byService).filter(([name]) => name.toLowerCase() === service).flatMap(([, who]) => who);
  const loud = !incident.drill || config.routeDrills;
  return {
    channels: loud ? unique([...(sev?.channels ?? []), ...incident.routing.channels]) : [],
    mentions: loud ? unique([...(sev?.mentions ?? []), ...incident.routing.mentions]) : [],
    invite: unique([
      ...config.invite.all,
      ...(config.invite.bySeverity[incident.severity] ?? []),
      ...(sev?.invite ?? []),
      ...byService,
      ...incident.routing.invite,
    ]),
  };
}

/** The Firebase uid a Slack user acts as, or null when the user is not mapped. */
export function uidForSlackUser(config: SlackConfig, slackUserId: string): string | null {
  return config.users[slackUserId] ?? null;
}
