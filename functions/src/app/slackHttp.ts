// Use cases: the `/incident` slash command (POST /slackCommands) and button
// clicks (POST /slackInteractions). Both verify Slack's v0 signature on the
// raw body, serve only the configured workspace and app, handle each signed
// request once, answer within Slack's 3 seconds, and act only by writing
// status updates, exactly like the console does. Those writes go through the
// Admin SDK, where the security rules never apply, so the Slack user's role
// (the custom claim of the uid they map to) is checked here, on the same
// ladder as the rules: help for anyone, `list` and `status` for any role,
// changes for responders and admins.
import { header } from '../domain/auth';
import { hasRole, type Role, roleFromClaims } from '../domain/roles';
import { OPEN_STATUSES, type Incident } from '../domain/types';
import { attemptedWhat, FOREIGN_WORKSPACE_TEXT, ROLE_FOR_BUTTONS, roleForCommand, roleRefusalText, type SlackActorRole, type SlackOrigin, workspaceRefusal } from '../domain/slack/access';
import { parseSlashCommand, USAGE, usageText } from '../domain/slack/command';
import { isSilenceText } from '../domain/slack/silenceMessages';
import { parseInteraction } from '../domain/slack/interactions';
import { parseOncallCommand } from '../domain/slack/oncallCommand';
import { listReply, statusReply } from '../domain/slack/messages';
import { uidForSlackUser, type SlackConfig } from '../domain/slack/slackConfig';
import { SLACK_REQUEST_ID_TTL_SECONDS, slackRequestId, verifySlackSignature } from '../domain/slack/signature';
import { pipelineConfig } from '../adapters/configFiles';
import { decode } from '../adapters/firestoreCodec';
import { db } from '../adapters/firebase';
import { claimsOf, uidByEmail } from '../adapters/auth';
import { log } from '../adapters/logs';
import { slackClient } from '../adapters/slack';
import { queueNotice } from '../adapters/outbox';
import { col, updatesCol } from '../adapters/store';
import type { HttpRequestLike, HttpResult } from './alertWebhook';
import { slackStatusPageCommand } from './slackStatusPage';
import { noiseDeps } from './compose';
import { handleSilenceCommand } from './slackSilence';

export interface SlackHttpSettings {
  signingSecret: string | null;
  token: string | null;
  apiUrl: string;
  consoleUrl: string;
  /** SLACK_TEAM_ID: the only workspace served; null = not checked (a warning is logged once). */
  teamId: string | null;
  /** SLACK_APP_ID: the only app served; null = not checked. */
  appId: string | null;
  /** PAGE_LINK_SECRET, for the calendar feed link of `/incident oncall <schedule>` (slackCommands only). */
  pageLinkSecret?: string | null;
}

/** How long a Slack user's uid, and a uid's role, are remembered: a changed role applies within a minute. */
export const SLACK_ACTOR_TTL_MS = 60_000;

/** A Slack response_url works for 30 minutes: it is kept server-side that long (TTL policy on slackResponses.expireAt). */
export const RESPONSE_URL_TTL_MS = 30 * 60_000;

/** The bound on each lookup (Slack's users.info, Firebase Auth), so the answer stays within Slack's 3 seconds. */
const LOOKUP_TIMEOUT_MS = 1200;

const ALREADY_EXISTS = 6;

const ephemeral = (text: string, blocks?: unknown[]): HttpResult => ({ status: 200, body: { response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) } });

/** The harmless answer to a replayed request, and to a click that does nothing. */
const NOTHING: HttpResult = { status: 200, body: {} };

function verify(req: HttpRequestLike, settings: SlackHttpSettings, now: Date): HttpResult | null {
  if (req.method !== 'POST') return { status: 405, body: { error: `method ${req.method} is not allowed` }, headers: { Allow: 'POST' } };
  const check = verifySlackSignature({
    rawBody: req.rawBody,
    timestamp: header(req.headers, 'x-slack-request-timestamp'),
    signature: header(req.headers, 'x-slack-signature'),
    secret: settings.signingSecret,
    now,
  });
  if (!check.ok) {
    log.warn('slack request refused', { event: 'slack_signature_refused', reason: check.reason });
    return { status: 401, body: { error: `invalid Slack signature: ${check.reason}` } };
  }
  return null;
}

let warnedUnchecked = false;

/** Whether a signed request comes from another workspace or app than the configured ones (logged). */
function foreign(origin: SlackOrigin, settings: SlackHttpSettings): boolean {
  if (!warnedUnchecked && (!settings.teamId || !settings.appId)) {
    warnedUnchecked = true;
    const unset = [!settings.teamId ? 'SLACK_TEAM_ID' : null, !settings.appId ? 'SLACK_APP_ID' : null].filter(Boolean).join(' and ');
    log.warn(`${unset} not set: Slack requests signed with SLACK_SIGNING_SECRET are served from any workspace or app. Set them (README "Configuration").`, {
      event: 'config_warning',
      param: unset,
    });
  }
  const reason = workspaceRefusal(origin, { teamId: settings.teamId, appId: settings.appId });
  if (reason) log.warn('slack request from another workspace refused', { event: 'slack_workspace_refused', reason });
  return reason !== null;
}

/**
 * True the first time a signed request is seen; false for a replay inside the
 * signature window (its id is claimed with a create precondition, and expires
 * through the TTL policy on slackRequests.expireAt).
 */
const requestIdOf = (req: HttpRequestLike) => slackRequestId(header(req.headers, 'x-slack-request-timestamp') ?? '', header(req.headers, 'x-slack-signature') ?? '');

async function firstDelivery(req: HttpRequestLike, kind: 'command' | 'interaction', now: Date): Promise<boolean> {
  const id = requestIdOf(req);
  try {
    await col.slackRequests().doc(id).create({ kind, receivedAt: now, expireAt: new Date(now.getTime() + SLACK_REQUEST_ID_TTL_SECONDS * 1000) });
    return true;
  } catch (e) {
    if ((e as { code?: unknown }).code !== ALREADY_EXISTS) throw e;
    log.warn('slack request replayed: ignored', { event: 'slack_replay_ignored', kind, requestId: id });
    return false;
  }
}

/** `p`, or 'timeout' after `ms`. */
async function within<T>(ms: number, p: Promise<T>): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const uidCache = new Map<string, { actor: string; at: number }>();
const roleCache = new Map<string, { role: Role | null; at: number }>();

/**
 * The uid a Slack user acts as: the config's mapping, else the Firebase user
 * with the same email, else `slack:<id>` (no uid: no role). Remembered for
 * SLACK_ACTOR_TTL_MS. The lookup is bounded so the answer stays within
 * Slack's 3 seconds.
 */
export async function actorForSlackUser(slackUserId: string, config: SlackConfig, settings: SlackHttpSettings, nowMs: number = Date.now()): Promise<string> {
  const mapped = uidForSlackUser(config, slackUserId);
  if (mapped) return mapped;
  const cached = uidCache.get(slackUserId);
  if (cached && nowMs - cached.at < SLACK_ACTOR_TTL_MS) return cached.actor;
  let actor = `slack:${slackUserId}`;
  if (settings.token) {
    try {
      const lookup = (async () => {
        const r = await slackClient(settings.token ?? '', settings.apiUrl).call<{ user?: { profile?: { email?: string } } }>('users.info', { user: slackUserId });
        const email = r.user?.profile?.email;
        if (!email) return null;
        return uidByEmail(email);
      })();
      const uid = await within(LOOKUP_TIMEOUT_MS, lookup);
      if (uid && uid !== 'timeout') actor = uid;
    } catch {
      // unknown email, no Slack scope, Slack busy: act as the Slack user (who has no role)
    }
  }
  uidCache.set(slackUserId, { actor, at: nowMs });
  return actor;
}

/** The role of a uid (its custom claim), remembered for SLACK_ACTOR_TTL_MS; null for `slack:<id>` and users without one. */
export async function roleOfActor(actor: string, nowMs: number = Date.now()): Promise<{ role: Role | null } | { error: string }> {
  if (actor.startsWith('slack:')) return { role: null };
  const cached = roleCache.get(actor);
  if (cached && nowMs - cached.at < SLACK_ACTOR_TTL_MS) return { role: cached.role };
  try {
    const claims = await within(LOOKUP_TIMEOUT_MS, claimsOf(actor));
    if (claims === 'timeout') return { error: 'Firebase Authentication did not answer in time' };
    const role = roleFromClaims(claims);
    roleCache.set(actor, { role, at: nowMs });
    return { role };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Who a Slack user is, with their role; an error when the role could not be looked up. */
async function whoIs(slackUserId: string, settings: SlackHttpSettings): Promise<(SlackActorRole & { actor: string }) | { error: string }> {
  const actor = await actorForSlackUser(slackUserId, pipelineConfig().slack, settings);
  const role = await roleOfActor(actor);
  if ('error' in role) {
    log.error('slack user role lookup failed', { event: 'slack_role_lookup_failed', slackUser: slackUserId, actor, error: role.error });
    return { error: 'Could not check your role in the incident pipeline just now. Try again in a moment.' };
  }
  return { slackUserId, actor, uid: actor.startsWith('slack:') ? null : actor, role: role.role };
}

function refusedLog(slackUser: string, who: SlackActorRole, need: Role, what: string, incidentId?: string) {
  log.warn('slack request refused: role', { event: 'slack_role_refused', slackUser, uid: who.uid, role: who.role, need, what, ...(incidentId ? { incidentId } : {}) });
}

async function incidentOfChannel(channelId: string): Promise<Incident | null> {
  const snap = await col.incidents().where('slack', '==', channelId).limit(1).get();
  const doc = snap.docs[0];
  return doc ? decode<Incident>({ ...doc.data(), id: doc.id }) : null;
}

/**
 * Writes the status update, and beside it (same batch) where to answer the
 * Slack user: the response_url lets anyone who holds it post as the app for
 * 30 minutes, so it stays in the pipeline-only `slackResponses`, never on the
 * update that every viewer reads.
 */
async function writeUpdate(incidentId: string, data: Record<string, unknown>, responseUrl: string | null, now: Date): Promise<string> {
  const ref = updatesCol(incidentId).doc();
  const batch = db().batch();
  batch.set(ref, { ...data, via: 'slack', requestedAt: now });
  if (responseUrl) batch.set(col.slackResponses().doc(ref.id), { incidentId, responseUrl, expireAt: new Date(now.getTime() + RESPONSE_URL_TTL_MS) });
  await batch.commit();
  return ref.id;
}

export async function handleSlackCommand(req: HttpRequestLike, settings: SlackHttpSettings, now: Date = new Date()): Promise<HttpResult> {
  const refused = verify(req, settings, now);
  if (refused) return refused;
  const form = new URLSearchParams(req.rawBody.toString('utf8'));
  if (foreign({ teamId: form.get('team_id'), appId: form.get('api_app_id') }, settings)) return ephemeral(FOREIGN_WORKSPACE_TEXT);
  if (!(await firstDelivery(req, 'command', now))) return NOTHING;
  const oncall = parseOncallCommand(form.get('text'));
  if (oncall) return (await import('./slackOncall.js')).serveOncallCommand(oncall, form.get('user_id') ?? '', settings, now, { whoIs, actorForSlackUser });
  const statusPageReply = await slackStatusPageCommand(form, { now, whoIs: (u) => whoIs(u, settings), incidentOfChannel, writeUpdate }); if (statusPageReply) return statusPageReply;
  if (isSilenceText(form.get('text'))) return handleSilenceCommand(form.get('text') ?? '', form.get('user_id') ?? '', requestIdOf(req), { ...noiseDeps(), consoleUrl: settings.consoleUrl, whoIs: (u) => whoIs(u, settings) });
  const cmd = parseSlashCommand(form.get('text'));
  const channelId = form.get('channel_id') ?? '';
  const userId = form.get('user_id') ?? '';
  const responseUrl = form.get('response_url');

  if (cmd.kind === 'help') return ephemeral(usageText({ silences: true }));
  if (cmd.kind === 'error') return ephemeral(cmd.message);
  const need = roleForCommand(cmd) ?? 'viewer';
  const who = await whoIs(userId, settings);
  if ('error' in who) return ephemeral(who.error);
  if (!hasRole(who.role, need)) {
    refusedLog(userId, who, need, cmd.kind === 'update' ? cmd.action : cmd.kind);
    return ephemeral(roleRefusalText(attemptedWhat(cmd), need, who));
  }

  if (cmd.kind === 'list') {
    const snap = await col.incidents().where('status', 'in', [...OPEN_STATUSES]).orderBy('createdAt', 'desc').limit(100).get();
    const open = snap.docs.map((d) => decode<Incident>({ ...d.data(), id: d.id }));
    const msg = listReply(open, { consoleUrl: settings.consoleUrl });
    return ephemeral(msg.text, msg.blocks);
  }
  const incident = channelId ? await incidentOfChannel(channelId) : null;
  if (!incident) return ephemeral(`This is not an incident channel. Use \`/incident list\` to see the open incidents.\n\n${USAGE}`);
  if (cmd.kind === 'status') {
    const msg = statusReply(incident, { consoleUrl: settings.consoleUrl });
    return ephemeral(msg.text, msg.blocks);
  }
  const updateId = await writeUpdate(
    incident.id,
    {
      action: cmd.action,
      requestedBy: who.actor,
      slackUser: userId,
      ...(cmd.severity ? { severity: cmd.severity } : {}),
      ...(cmd.message ? { message: cmd.message } : {}),
    },
    responseUrl,
    now,
  );
  log.info('slash command queued', { event: 'slack_command', incidentId: incident.id, updateId, action: cmd.action, slackUser: userId, role: who.role });
  const verb = { acknowledge: 'Acknowledging', mitigate: 'Marking as mitigated', resolve: 'Resolving', set_severity: `Setting ${cmd.severity ?? 'the severity'} for`, note: 'Adding your note to' }[cmd.action];
  return ephemeral(`${verb} the incident… (the channel will show the result)`);
}

export async function handleSlackInteraction(req: HttpRequestLike, settings: SlackHttpSettings, now: Date = new Date()): Promise<HttpResult> {
  const refused = verify(req, settings, now);
  if (refused) return refused;
  const payload = new URLSearchParams(req.rawBody.toString('utf8')).get('payload') ?? '';
  const parsed = parseInteraction(payload);
  if (!parsed.ok) {
    log.warn('slack interaction ignored', { event: 'slack_interaction_ignored', reason: parsed.reason });
    return NOTHING;
  }
  if (foreign({ teamId: parsed.teamId, appId: parsed.appId }, settings)) return NOTHING;
  if (!(await firstDelivery(req, 'interaction', now))) return NOTHING;
  const exists = await col.incidents().doc(parsed.incidentId).get();
  if (!exists.exists) return ephemeral(`That incident (${parsed.incidentId}) no longer exists.`);
  const who = await whoIs(parsed.userId, settings);
  if ('error' in who || !hasRole(who.role, ROLE_FOR_BUTTONS)) {
    let text: string;
    if ('error' in who) text = who.error;
    else {
      refusedLog(parsed.userId, who, ROLE_FOR_BUTTONS, parsed.action, parsed.incidentId);
      text = roleRefusalText(attemptedWhat({ kind: 'button', action: parsed.action }), ROLE_FOR_BUTTONS, who);
    }
    // A click's HTTP answer is not shown: the private reply goes to its response_url, through the outbox.
    if (parsed.responseUrl) {
      const batch = db().batch();
      queueNotice(batch, { incidentId: parsed.incidentId, notice: { kind: 'slack_reply', responseUrl: parsed.responseUrl, text }, drill: false }, now);
      await batch.commit();
    }
    return NOTHING;
  }
  const updateId = await writeUpdate(parsed.incidentId, { action: parsed.action, requestedBy: who.actor, slackUser: parsed.userId }, parsed.responseUrl, now);
  log.info('slack button queued', { event: 'slack_interaction', incidentId: parsed.incidentId, updateId, action: parsed.action, slackUser: parsed.userId, role: who.role });
  return NOTHING;
}
