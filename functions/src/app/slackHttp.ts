// Use cases: the `/incident` slash command (POST /slackCommands) and button
// clicks (POST /slackInteractions). Both verify Slack's v0 signature on the
// raw body, answer within Slack's 3 seconds, and act only by writing status
// updates, exactly like the console does.
import { header } from '../domain/auth';
import { OPEN_STATUSES, type Incident } from '../domain/types';
import { parseSlashCommand, USAGE } from '../domain/slack/command';
import { parseInteraction } from '../domain/slack/interactions';
import { listReply, statusReply } from '../domain/slack/messages';
import { uidForSlackUser, type SlackConfig } from '../domain/slack/slackConfig';
import { verifySlackSignature } from '../domain/slack/signature';
import { pipelineConfig } from '../adapters/configFiles';
import { decode } from '../adapters/firestoreCodec';
import { uidByEmail } from '../adapters/auth';
import { log } from '../adapters/logs';
import { slackClient } from '../adapters/slack';
import { col, updatesCol } from '../adapters/store';
import type { HttpRequestLike, HttpResult } from './alertWebhook';

export interface SlackHttpSettings {
  signingSecret: string | null;
  token: string | null;
  apiUrl: string;
  consoleUrl: string;
}

const ephemeral = (text: string, blocks?: unknown[]): HttpResult => ({ status: 200, body: { response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) } });

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

const uidCache = new Map<string, string>();

/**
 * The uid a Slack user acts as: the config's mapping, else the Firebase user
 * with the same email, else `slack:<id>`. The lookup is bounded so the
 * answer stays within Slack's 3 seconds.
 */
export async function actorForSlackUser(slackUserId: string, config: SlackConfig, settings: SlackHttpSettings): Promise<string> {
  const mapped = uidForSlackUser(config, slackUserId);
  if (mapped) return mapped;
  const cached = uidCache.get(slackUserId);
  if (cached) return cached;
  let actor = `slack:${slackUserId}`;
  if (settings.token) {
    try {
      const lookup = (async () => {
        const r = await slackClient(settings.token ?? '', settings.apiUrl).call<{ user?: { profile?: { email?: string } } }>('users.info', { user: slackUserId });
        const email = r.user?.profile?.email;
        if (!email) return null;
        return uidByEmail(email);
      })();
      const uid = await Promise.race([lookup, new Promise<null>((r) => setTimeout(() => r(null), 1200))]);
      if (uid) actor = uid;
    } catch {
      // unknown email, no Slack scope, Slack busy: act as the Slack user
    }
  }
  uidCache.set(slackUserId, actor);
  return actor;
}

async function incidentOfChannel(channelId: string): Promise<Incident | null> {
  const snap = await col.incidents().where('slack', '==', channelId).limit(1).get();
  const doc = snap.docs[0];
  return doc ? decode<Incident>({ ...doc.data(), id: doc.id }) : null;
}

async function writeUpdate(incidentId: string, data: Record<string, unknown>): Promise<string> {
  const ref = updatesCol(incidentId).doc();
  await ref.set({ ...data, via: 'slack', requestedAt: new Date() });
  return ref.id;
}

export async function handleSlackCommand(req: HttpRequestLike, settings: SlackHttpSettings, now: Date = new Date()): Promise<HttpResult> {
  const refused = verify(req, settings, now);
  if (refused) return refused;
  const form = new URLSearchParams(req.rawBody.toString('utf8'));
  const cmd = parseSlashCommand(form.get('text'));
  const channelId = form.get('channel_id') ?? '';
  const userId = form.get('user_id') ?? '';
  const responseUrl = form.get('response_url');
  const config = pipelineConfig().slack;

  if (cmd.kind === 'help') return ephemeral(USAGE);
  if (cmd.kind === 'error') return ephemeral(cmd.message);
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
  const actor = await actorForSlackUser(userId, config, settings);
  const updateId = await writeUpdate(incident.id, {
    action: cmd.action,
    requestedBy: actor,
    slackUser: userId,
    ...(responseUrl ? { responseUrl } : {}),
    ...(cmd.severity ? { severity: cmd.severity } : {}),
    ...(cmd.message ? { message: cmd.message } : {}),
  });
  log.info('slash command queued', { event: 'slack_command', incidentId: incident.id, updateId, action: cmd.action, slackUser: userId });
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
    return { status: 200, body: {} };
  }
  const exists = await col.incidents().doc(parsed.incidentId).get();
  if (!exists.exists) return ephemeral(`That incident (${parsed.incidentId}) no longer exists.`);
  const actor = await actorForSlackUser(parsed.userId, pipelineConfig().slack, settings);
  const updateId = await writeUpdate(parsed.incidentId, {
    action: parsed.action,
    requestedBy: actor,
    slackUser: parsed.userId,
    ...(parsed.responseUrl ? { responseUrl: parsed.responseUrl } : {}),
  });
  log.info('slack button queued', { event: 'slack_interaction', incidentId: parsed.incidentId, updateId, action: parsed.action, slackUser: parsed.userId });
  return { status: 200, body: {} };
}
