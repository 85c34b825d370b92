// Deploys: parsing deploy events (webhook body, `deploys` topic, Cloud Build
// notifications), their document ids, and correlating them with incidents.
// Pure: time comes in as an argument.
import { parseInstant } from './instant';
import { z } from 'zod';
import { formatMinutes } from './duration';
import { canonicalJson, stableId } from './hash';
import type { Policy } from './policy';
import { type DeployRef, type IncidentStatus, isOpen } from './types';

/** At most this many deploys are kept on an incident (contract §4: "recent, ≤10"). */
export const MAX_INCIDENT_DEPLOYS = 10;

export type DeploySource = 'webhook' | 'pubsub' | 'cloud-build';

/** What `deploys/{deployId}` holds: the DeployRef fields, where it came from, and when it arrived. */
export interface DeployRecord extends DeployRef {
  source: DeploySource;
  /** A deploy sent by a drill: stored and linked, but never counted in the insights. */
  drill: boolean;
  receivedAt?: Date;
}

export interface DeployValidationDetail {
  path: string;
  message: string;
}

export type ParseDeployResult =
  | { ok: true; deploy: DeployRecord }
  | { ok: false; error: string; details: DeployValidationDetail[] };

export type CloudBuildResult = { ok: true; deploy: DeployRecord } | { ok: false; skip: string };

// ---------------------------------------------------------------------------
// Parsing a deploy event

/** `null`/absent/blank → null, else the trimmed text. */
const optionalText = z
  .union([z.string(), z.number().transform(String)], { error: 'must be text' })
  .nullish()
  .transform((s) => (s === null || s === undefined || s.trim() === '' ? null : s.trim()));

function requiredText(name: string) {
  return z
    .union([z.string(), z.number().transform(String)], {
      error: (iss) => (iss.input === undefined || iss.input === null ? `${name} is required` : `${name} must be text`),
    })
    .transform((s) => s.trim())
    .refine((s) => s.length > 0, `${name} must not be empty`);
}

const instant = z
  .union([z.string(), z.number()], { error: 'must be ISO 8601 text or epoch seconds/milliseconds' })
  .nullish()
  .transform((v, ctx) => {
    if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) return null;
    const d = parseInstant(v);
    if (d === null) {
      ctx.addIssue({ code: 'custom', message: 'not a date: use ISO 8601 text or epoch seconds/milliseconds' });
      return z.NEVER;
    }
    return d;
  });

const httpUrl = optionalText.refine((s) => s === null || /^https?:\/\/[^\s]+$/i.test(s), 'must be an http(s) URL');

/** The deploy event: the body of POST /deployWebhook and the data of a `deploys` topic message. */
export const deployEventSchema = z.object(
  {
    service: requiredText('service'),
    environment: optionalText,
    version: requiredText('version'),
    deployedAt: instant,
    url: httpUrl,
    author: optionalText,
    commit: optionalText,
    /** The sender's own id: the same id is stored once (idempotent redelivery). */
    id: optionalText,
    drill: z.boolean({ error: 'must be true or false' }).nullish(),
  },
  { error: 'a deploy event is a JSON object' },
);

export type DeployEvent = z.input<typeof deployEventSchema>;

/**
 * Validates a deploy event and turns it into a record.
 * `now` is the default `deployedAt` and the `receivedAt`. A Pub/Sub caller should
 * pass the message's publishTime, which stays the same across redeliveries, so
 * that an event without `id` and `deployedAt` still gets one document id.
 */
export function parseDeployEvent(payload: unknown, now: Date, source: DeploySource = 'webhook'): ParseDeployResult {
  const parsed = deployEventSchema.safeParse(payload);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
    return {
      ok: false,
      error: `invalid deploy event: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    };
  }
  const e = parsed.data;
  const fields = {
    service: e.service,
    environment: e.environment,
    version: e.version,
    deployedAt: e.deployedAt ?? now,
  };
  return {
    ok: true,
    deploy: {
      id: deployId({ ...fields, id: e.id }),
      ...fields,
      url: e.url,
      author: e.author,
      commit: e.commit,
      source,
      drill: e.drill ?? false,
      receivedAt: now,
    },
  };
}

// ---------------------------------------------------------------------------
// Document ids

const SAFE_ID = /^[A-Za-z0-9._:@+=,~-]{1,200}$/;

/**
 * A Firestore-safe document id for an id chosen by someone else. Ids made of
 * `[A-Za-z0-9._:@+=,~-]` (at most 200 characters, not `.`/`..`/`__x__`) are kept
 * as they are; any other id becomes its first 100 characters with the unsafe
 * characters replaced by `_`, then `~` and a hash of the whole id (no collisions).
 */
export function safeDocId(raw: string): string {
  if (SAFE_ID.test(raw) && raw !== '.' && raw !== '..' && !/^__.*__$/.test(raw)) return raw;
  const readable = Array.from(raw)
    .slice(0, 100)
    .join('')
    .replace(/[^A-Za-z0-9._:@+=,-]/g, '_');
  return `${readable}~${stableId(raw, 24)}`;
}

/**
 * The document id of a deploy: the sender's `id` when there is one (made
 * Firestore-safe), else a hash of service, environment, version and deployedAt,
 * so the same event delivered twice is stored once.
 */
export function deployId(d: { id?: string | null; service: string; environment: string | null; version: string; deployedAt: Date }): string {
  if (d.id !== undefined && d.id !== null && d.id.trim() !== '') return safeDocId(d.id.trim());
  return stableId(canonicalJson(['deploy', d.service, d.environment ?? '', d.version, d.deployedAt.toISOString()]));
}

// ---------------------------------------------------------------------------
// Google Cloud Build notifications (the `cloud-builds` topic)

const cloudBuildSchema = z.object({
  id: z.string().min(1),
  status: z.string().optional(),
  substitutions: z.record(z.string(), z.unknown()).nullish(),
  tags: z.array(z.unknown()).nullish(),
  createTime: z.string().nullish(),
  startTime: z.string().nullish(),
  finishTime: z.string().nullish(),
  logUrl: z.string().nullish(),
  sourceProvenance: z
    .object({ resolvedRepoSource: z.object({ commitSha: z.string().nullish() }).nullish() })
    .nullish(),
});

function text(v: unknown): string | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

function fromSubstitutions(subs: Record<string, unknown>, keys: string[]): string | null {
  for (const k of keys) {
    const v = text(subs[k]);
    if (v !== null) return v;
  }
  return null;
}

/** The value of the first tag `<prefix>-<value>` or `<prefix>=<value>`. */
function fromTags(tags: string[], prefix: string): string | null {
  for (const t of tags) {
    const m = new RegExp(`^${prefix}[-=](.+)$`, 'i').exec(t);
    if (m?.[1]) return m[1];
  }
  return null;
}

/**
 * A Cloud Build notification (the Build resource) as a deploy. Only SUCCESS
 * builds that name a service become deploys: substitutions `_SERVICE`,
 * `_SERVICE_NAME` or `SERVICE`, or a tag `service-<name>`/`service=<name>`.
 * Anything else is a skip with its reason, not an error.
 * `now` (optional) is the `receivedAt`, and the fallback time of a build with no timestamps.
 */
export function deployFromCloudBuild(build: unknown, now?: Date): CloudBuildResult {
  let value = build;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return { ok: false, skip: 'the message is not JSON' };
    }
  }
  const parsed = cloudBuildSchema.safeParse(value);
  if (!parsed.success) return { ok: false, skip: 'not a Cloud Build resource (no build id)' };
  const b = parsed.data;
  const status = b.status ?? 'STATUS_UNKNOWN';
  if (status !== 'SUCCESS') return { ok: false, skip: `build ${b.id} has status ${status}: only SUCCESS builds are deploys` };

  const subs = b.substitutions ?? {};
  const tags = (b.tags ?? []).map(text).filter((t): t is string => t !== null);
  const service = fromSubstitutions(subs, ['_SERVICE', '_SERVICE_NAME', 'SERVICE']) ?? fromTags(tags, 'service');
  if (service === null) {
    return { ok: false, skip: `build ${b.id} names no service (substitution _SERVICE, _SERVICE_NAME or SERVICE, or tag service-<name>)` };
  }
  const environment = fromSubstitutions(subs, ['_ENV', '_ENVIRONMENT']) ?? fromTags(tags, 'env');
  const version = fromSubstitutions(subs, ['TAG_NAME', 'SHORT_SHA']) ?? b.id.slice(0, 8);
  const commit = fromSubstitutions(subs, ['COMMIT_SHA']) ?? text(b.sourceProvenance?.resolvedRepoSource?.commitSha);
  const deployedAt = parseInstant(b.finishTime) ?? parseInstant(b.startTime) ?? parseInstant(b.createTime) ?? now ?? null;
  if (deployedAt === null) return { ok: false, skip: `build ${b.id} has no finishTime` };
  const url = text(b.logUrl);

  const deploy: DeployRecord = {
    id: safeDocId(`cloud-build-${b.id}`),
    service,
    environment,
    version,
    deployedAt,
    url: url && /^https?:\/\//i.test(url) ? url : null,
    author: null,
    commit,
    source: 'cloud-build',
    drill: false,
  };
  if (now) deploy.receivedAt = now;
  return { ok: true, deploy };
}

// ---------------------------------------------------------------------------
// Correlation with incidents

type DeployPolicy = Pick<Policy, 'deploys'>;

const norm = (s: string | null | undefined) => (s ?? '').trim().toLowerCase();
const ENV_ALIASES: Record<string, string> = { production: 'prod', prd: 'prod' };
const normEnv = (s: string | null | undefined) => {
  const e = norm(s);
  return ENV_ALIASES[e] ?? e;
};

/**
 * Same service (case-insensitive) and, when `matchEnvironment`, the same
 * environment. A side without an environment matches any; `prod`,
 * `production` and `prd` are one environment.
 */
export function sameTarget(
  deploy: { service: string; environment: string | null },
  incident: { service: string | null; environment: string | null },
  matchEnvironment: boolean,
): boolean {
  if (norm(incident.service) === '' || norm(deploy.service) !== norm(incident.service)) return false;
  if (!matchEnvironment) return true;
  const de = normEnv(deploy.environment);
  const ie = normEnv(incident.environment);
  return de === '' || ie === '' || de === ie;
}

/** Newest first; equal times by id, so the order is stable. */
function newestFirst(a: DeployRef, b: DeployRef): number {
  const t = b.deployedAt.getTime() - a.deployedAt.getTime();
  return t !== 0 ? t : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The deploys that preceded an incident: same service (and environment, per
 * policy), deployed at most `windowMinutes` before `createdAt` and not after
 * it; newest first, at most 10, one per id.
 */
export function deploysBefore(
  incident: { service: string | null; environment: string | null; createdAt: Date },
  candidates: DeployRef[],
  policy: DeployPolicy,
): DeployRef[] {
  const end = incident.createdAt.getTime();
  const start = end - policy.deploys.windowMinutes * 60_000;
  const matching = candidates.filter((d) => {
    const t = d.deployedAt.getTime();
    return t >= start && t <= end && sameTarget(d, incident, policy.deploys.matchEnvironment);
  });
  return mergeDeploys([], matching);
}

/** Deploys by id (a later copy replaces an earlier one), newest first, at most 10. */
export function mergeDeploys(existing: DeployRef[], added: DeployRef[]): DeployRef[] {
  const byId = new Map<string, DeployRef>();
  for (const d of [...existing, ...added]) byId.set(d.id, d);
  return [...byId.values()].sort(newestFirst).slice(0, MAX_INCIDENT_DEPLOYS);
}

/**
 * The timeline line of a deploy relative to its incident:
 * `v2.14.0 deployed 23 min before`, `v2.14.0 deployed just before`, or
 * `v2.14.1 deployed during the incident (12 min after it opened)`.
 */
export function deployTimelineMessage(deploy: Pick<DeployRef, 'version' | 'deployedAt'>, incidentCreatedAt: Date): string {
  const diffMs = incidentCreatedAt.getTime() - deploy.deployedAt.getTime();
  const minutes = Math.floor(Math.abs(diffMs) / 60_000);
  if (diffMs >= 0) return `${deploy.version} deployed ${minutes < 1 ? 'just before' : `${formatMinutes(minutes)} before`}`;
  return `${deploy.version} deployed during the incident (${minutes < 1 ? 'just after it opened' : `${formatMinutes(minutes)} after it opened`})`;
}

/**
 * True when a deploy lands during an open incident (triggered, acknowledged or
 * mitigated) of its service (and environment, per policy; default: match it):
 * deployed at or after the incident opened.
 */
export function deployLandsDuring(
  deploy: Pick<DeployRef, 'service' | 'environment' | 'deployedAt'>,
  incident: { status: IncidentStatus; service: string | null; environment: string | null; createdAt: Date },
  policy?: DeployPolicy,
): boolean {
  if (!isOpen(incident.status)) return false;
  if (!sameTarget(deploy, incident, policy?.deploys.matchEnvironment ?? true)) return false;
  return deploy.deployedAt.getTime() >= incident.createdAt.getTime();
}

/** The DeployRef part of a record (what an incident keeps in `deploys`). */
export function toDeployRef(d: DeployRef): DeployRef {
  return {
    id: d.id,
    service: d.service,
    environment: d.environment,
    version: d.version,
    deployedAt: d.deployedAt,
    url: d.url,
    author: d.author,
    commit: d.commit,
  };
}
