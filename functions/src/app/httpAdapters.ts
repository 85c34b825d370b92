// Binds the HTTP use cases to Express requests from firebase-functions.
import type { Request } from 'firebase-functions/v2/https';
import type { Response } from 'express';
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

export async function serveAlertWebhook(req: Request, res: Response, secrets: { token: string | null; grafanaSecret: string | null; sentrySecret: string | null }) {
  const result = await handleAlertWebhook(toRequestLike(req), {
    ...secrets,
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
