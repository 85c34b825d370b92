// The Slack Web API through @slack/web-api. Every call reports its outcome as
// a value the outbox can act on: ok, rate limited (with Retry-After), a server
// error (back off), or a platform error (Slack said no).
import type { WebClient } from '@slack/web-api';

export type SlackOutcome<T = Record<string, unknown>> =
  | { kind: 'ok'; data: T }
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'server_error'; message: string }
  | { kind: 'platform_error'; error: string; message: string };

export class SlackCallFailed extends Error {
  constructor(readonly method: string, readonly outcome: Exclude<SlackOutcome, { kind: 'ok' }>) {
    super(`${method}: ${outcome.kind === 'rate_limited' ? `rate limited (retry after ${outcome.retryAfterSeconds} s)` : outcome.kind === 'platform_error' ? outcome.error : outcome.message}`);
    this.name = 'SlackCallFailed';
  }
}

export interface SlackPort {
  /** Calls a Web API method; throws SlackCallFailed unless Slack answered ok. */
  call<T = Record<string, unknown>>(method: string, args: Record<string, unknown>): Promise<T>;
}

const clients = new Map<string, WebClient>();

/**
 * A client that never waits or retries by itself: a 429 comes back at once
 * (rejectRateLimitedCalls) and the outbox reschedules the delivery.
 */
export function slackClient(token: string, apiUrl: string): SlackPort {
  const key = `${apiUrl}\u0000${token}`;
  let client = clients.get(key);
  if (!client) {
    const { WebClient: Client, LogLevel } = require('@slack/web-api') as typeof import('@slack/web-api');
    client = new Client(token, {
      slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: 10_000,
      logLevel: LogLevel.ERROR,
    });
    clients.set(key, client);
  }
  const c = client;
  return {
    async call<T>(method: string, args: Record<string, unknown>): Promise<T> {
      try {
        return (await c.apiCall(method, args)) as T;
      } catch (e) {
        throw new SlackCallFailed(method, classify(e));
      }
    },
  };
}

export function classify(e: unknown): Exclude<SlackOutcome, { kind: 'ok' }> {
  const err = e as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
  switch (err.code) {
    case 'slack_webapi_rate_limited_error':
      return { kind: 'rate_limited', retryAfterSeconds: Math.max(1, Number(err.retryAfter ?? 1)) };
    case 'slack_webapi_platform_error':
      return { kind: 'platform_error', error: err.data?.error ?? 'unknown_error', message: err.message ?? 'Slack refused the call' };
    case 'slack_webapi_http_error':
      return { kind: 'server_error', message: `HTTP ${err.statusCode ?? '?'}` };
    default:
      return { kind: 'server_error', message: err.message ?? String(e) };
  }
}
