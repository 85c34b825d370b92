// Binds the Pub/Sub use cases to CloudEvents from firebase-functions.
import type { CloudEvent } from 'firebase-functions/v2';
import type { MessagePublishedData } from 'firebase-functions/v2/pubsub';
import { log } from '../adapters/logs';
import { ingestDeps } from './compose';
import { ingestAlertMessage } from './ingestAlerts';
import { storeRejected } from './rejected';
import { isStorageRefusal, withRetries } from './retry';

export async function handleAlertEvent(event: CloudEvent<MessagePublishedData>, maxAgeMs: number): Promise<void> {
  const message = event.data.message;
  const data = Buffer.from(message.data ?? '', 'base64');
  const attributes = message.attributes ?? {};
  const age = Date.now() - new Date(event.time).getTime();
  if (age > maxAgeMs) {
    // Retried for too long: keep it, with the reason, and stop retrying.
    await storeRejected({
      id: `msg-${message.messageId}`,
      source: attributes.source ?? null,
      reason: `gave up after retrying for ${Math.round(age / 60000)} minutes`,
      raw: data.toString('utf8'),
      via: 'pubsub',
      messageId: message.messageId,
      now: new Date(),
    });
    log.poisonMessage({ messageId: message.messageId, eventId: event.id, source: attributes.source ?? null, reason: 'maximum event age exceeded' });
    return;
  }
  try {
    await withRetries(() => ingestAlertMessage({ messageId: message.messageId, eventId: event.id, data, attributes }, ingestDeps()));
  } catch (e) {
    if (!isStorageRefusal(e)) throw e; // transient, or a bug: Pub/Sub retries it
    // Firestore refused the writes themselves (not a passing fault): every retry would fail the same way. Keep it now.
    const reason = `Firestore refused to store it: ${(e as Error).message}`;
    await storeRejected({ id: `msg-${message.messageId}`, source: attributes.source ?? null, reason, raw: data.toString('utf8'), via: 'pubsub', messageId: message.messageId, now: new Date() });
    log.poisonMessage({ messageId: message.messageId, eventId: event.id, source: attributes.source ?? null, reason });
  }
}
