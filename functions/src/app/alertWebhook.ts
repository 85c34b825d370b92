// Use case: POST /alertWebhook/{source}. Checks the credential, validates the
// body, keeps what it refuses, and answers 202 only once the payload is on the
// `alerts` topic.
import { checkAlertCredential, type Headers, type SourceTokens } from '../domain/auth';
import { splitByGroup } from '../domain/grouping';
import { isAlertSource, knownSources, normalizePayload, parseJson } from '../domain/sources';
import { ENVELOPE_FORMAT, envelopeOf, MAX_ALERTS_PER_MESSAGE } from '../domain/sources/envelope';
import type { AlertSource } from '../domain/types';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpRequestLike {
  method: string;
  /** The path after the function name, e.g. "/generic". */
  path: string;
  headers: Headers;
  query: Record<string, unknown>;
  rawBody: Buffer;
}

export interface HttpResult {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface AlertWebhookDeps {
  token: string | null;
  /** ALERT_WEBHOOK_TOKENS: per-source tokens (a source listed there accepts only its own). */
  sourceTokens?: SourceTokens;
  /** The clock that senders' timestamps are checked against. */
  now?: () => Date;
  grafanaSecret: string | null;
  sentrySecret: string | null;
  publish(source: AlertSource, data: Buffer, attributes?: Record<string, string>): Promise<string>;
  storeRejected(r: { source: string; reason: string; details: unknown[]; raw: string; status: number }): Promise<string>;
  log: {
    accepted(f: { source: string; messageId: string; alerts: number }): void;
    rejected(f: { source: string; reason: string; status: number; rejectedId?: string }): void;
    publishFailed(f: { source: string; error: string }): void;
  };
}

/** Seconds a sender should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 30;

export async function handleAlertWebhook(req: HttpRequestLike, deps: AlertWebhookDeps): Promise<HttpResult> {
  const source = req.path.replace(/^\/+|\/+$/g, '');
  if (req.method !== 'POST') {
    return { status: 405, body: { error: `method ${req.method} is not allowed: send alerts with POST` }, headers: { Allow: 'POST' } };
  }
  if (!isAlertSource(source)) {
    const known = knownSources().join(', ');
    return { status: 404, body: { error: source ? `unknown source "${source}"` : 'no source in the path', sources: knownSources(), hint: `POST /alertWebhook/{source}, source one of ${known}` } };
  }
  const credential = checkAlertCredential({
    source, headers: req.headers, query: req.query, rawBody: req.rawBody, now: deps.now?.() ?? new Date(),
    sharedToken: deps.token, sourceTokens: deps.sourceTokens ?? {}, grafanaSecret: deps.grafanaSecret, sentrySecret: deps.sentrySecret,
  });
  if (!credential.ok) {
    deps.log.rejected({ source, reason: 'unauthorized', status: 401 });
    return { status: 401, body: { error: credential.error }, headers: { 'WWW-Authenticate': 'Bearer realm="alerts", Basic realm="alerts"' } };
  }
  const raw = req.rawBody.toString('utf8');
  const reject = async (status: number, error: string, details: unknown[] = []) => {
    const rejectedId = await deps.storeRejected({ source, reason: error, details, raw, status });
    deps.log.rejected({ source, reason: error, status, rejectedId });
    return { status, body: { error, details, rejectedId } };
  };
  if (req.rawBody.length > MAX_BODY_BYTES) {
    return reject(413, `the body is ${req.rawBody.length} bytes; the limit is ${MAX_BODY_BYTES} (1 MiB)`);
  }
  const parsed = parseJson(raw);
  if (!parsed.ok) return reject(400, parsed.error);
  const normalized = normalizePayload(source, parsed.value);
  if (!normalized.ok) return reject(400, normalized.error, normalized.details);

  // A payload of many groups is split per group, so that each message fits one transaction.
  const parts = normalized.alerts.length > MAX_ALERTS_PER_MESSAGE ? splitByGroup(normalized.alerts, MAX_ALERTS_PER_MESSAGE) : [normalized.alerts];
  let messageIds: string[];
  try {
    messageIds =
      parts.length === 1
        ? [await deps.publish(source, req.rawBody)]
        : await Promise.all(parts.map((alerts, i) => deps.publish(source, envelopeOf(alerts, i + 1, parts.length), { format: ENVELOPE_FORMAT })));
  } catch (e) {
    const error = (e as Error).message;
    deps.log.publishFailed({ source, error });
    return {
      status: 503,
      body: { error: `could not enqueue the alert (Pub/Sub topic "alerts" unavailable): ${error}. ${parts.length > 1 ? 'Parts of it may have been enqueued: retrying repeats them, which only adds occurrences' : 'Nothing was accepted'}; retry later.` },
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    };
  }
  const messageId = messageIds[0] ?? '';
  deps.log.accepted({ source, messageId, alerts: normalized.alerts.length });
  return {
    status: 202,
    body: { accepted: normalized.alerts.length, ids: normalized.alerts.map((a) => a.fingerprint), messageId, ...(messageIds.length > 1 ? { messageIds } : {}) },
  };
}
