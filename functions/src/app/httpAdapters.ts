// Binds the HTTP use cases to Express requests from firebase-functions.
import type { Request } from 'firebase-functions/v2/https';
import type { Response } from 'express';
import { parseSourceTokens, type SourceTokens } from '../domain/auth';
import { secretProblem } from '../domain/secrets';
import { log } from '../adapters/logs';
import { publish, TOPICS } from '../adapters/pubsub';
import { type HttpRequestLike, type HttpResult, handleAlertWebhook } from './alertWebhook';
import { storeRejected } from './rejected';

export function toRequestLike(req: Request): HttpRequestLike {
  return {
    method: req.method,
    path: req.path,
    headers: req.headers,
    query: req.query as Record<string, unknown>,
    rawBody: req.rawBody ?? Buffer.alloc(0),
  };
}

export function send(res: Response, r: HttpResult): void {
  res.status(r.status);
  for (const [k, v] of Object.entries(r.headers ?? {})) res.set(k, v);
  res.json(r.body);
}

let tokensLogged: string | null = null;

/**
 * ALERT_WEBHOOK_TOKENS, parsed. A value that does not parse is logged (once
 * per value) and ignored, so the shared token still works. Outside the
 * emulator, a per-source token left at a published default or too short is
 * logged like any misconfigured secret and ignored (its source takes the shared
 * token), so it never guards production.
 */
export function sourceTokensOf(raw: string | null, onEmulator = process.env.FUNCTIONS_EMULATOR === 'true'): SourceTokens {
  const parsed = parseSourceTokens(raw);
  const report = tokensLogged !== raw;
  tokensLogged = raw;
  if (!parsed.ok) {
    if (report) log.error(`${parsed.error}; per-source tokens are ignored until it is fixed`, { event: 'config_error', secret: 'ALERT_WEBHOOK_TOKENS' });
    return {};
  }
  if (onEmulator) return parsed.tokens;
  const tokens: SourceTokens = {};
  for (const [source, token] of Object.entries(parsed.tokens) as [keyof SourceTokens, string][]) {
    const problem = secretProblem(`ALERT_WEBHOOK_TOKENS.${source}`, token, 16);
    if (!problem) tokens[source] = token;
    else if (report) log.error(`${problem.replace(/`firebase functions:secrets:set [^`]+`/, '`firebase functions:secrets:set ALERT_WEBHOOK_TOKENS`')}; ignored: ${source} takes the shared token`, { event: 'secret_misconfigured', secret: 'ALERT_WEBHOOK_TOKENS', source });
  }
  return tokens;
}

export async function serveAlertWebhook(
  req: Request,
  res: Response,
  secrets: { token: string | null; sourceTokens: string | null; grafanaSecret: string | null; sentrySecret: string | null },
) {
  const result = await handleAlertWebhook(toRequestLike(req), {
    ...secrets,
    sourceTokens: sourceTokensOf(secrets.sourceTokens),
    publish: (source, data, attributes = {}) => publish(TOPICS.alerts, data, { ...attributes, source }),
    storeRejected: (r) => storeRejected({ ...r, via: 'http', now: new Date() }),
    log: { accepted: log.alertAccepted, rejected: log.alertRejected, publishFailed: log.publishFailed },
  });
  send(res, result);
}

export async function serveSlack(kind: 'command' | 'interaction', req: Request, res: Response, settings: import('./slackHttp.js').SlackHttpSettings) {
  const { handleSlackCommand, handleSlackInteraction } = await import('./slackHttp.js');
  const handler = kind === 'command' ? handleSlackCommand : handleSlackInteraction;
  send(res, await handler(toRequestLike(req), settings));
}

export async function serveDeployWebhook(req: Request, res: Response, token: string | null) {
  const { handleDeployWebhook } = await import('./deploys.js');
  send(res, await handleDeployWebhook(toRequestLike(req), token));
}

export async function serveHeartbeat(req: Request, res: Response, secrets: { token: string | null; sourceTokens: string | null }) {
  const { handleHeartbeatRequest } = await import('./heartbeats.js');
  const { ingestDeps } = await import('./compose.js');
  send(res, await handleHeartbeatRequest(toRequestLike(req), { token: secrets.token, sourceTokens: sourceTokensOf(secrets.sourceTokens), ingest: ingestDeps() }));
}
