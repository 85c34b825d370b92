// Publishing to the pipeline's topics.
import type { Topic } from '@google-cloud/pubsub';
import { pubsubClient } from './firebase';

export const TOPICS = { alerts: 'alerts', deploys: 'deploys' } as const;

/** How long a publish may take before the caller is told to retry (the webhook answers 503). */
const PUBLISH_TIMEOUT_MS = 10_000;

const topics = new Map<string, Topic>();

function topic(name: string): Topic {
  let t = topics.get(name);
  if (!t) {
    t = pubsubClient().topic(name, {
      batching: { maxMessages: 100, maxMilliseconds: 5 },
      gaxOpts: { timeout: PUBLISH_TIMEOUT_MS, retry: { retryCodes: [4, 8, 10, 13, 14], backoffSettings: { initialRetryDelayMillis: 100, retryDelayMultiplier: 2, maxRetryDelayMillis: 2000, initialRpcTimeoutMillis: 5000, rpcTimeoutMultiplier: 1, maxRpcTimeoutMillis: 5000, totalTimeoutMillis: PUBLISH_TIMEOUT_MS } } },
    });
    topics.set(name, t);
  }
  return t;
}

/** Publishes and resolves with the message id once Pub/Sub has stored the message. */
export async function publish(topicName: string, data: Buffer, attributes: Record<string, string>): Promise<string> {
  return topic(topicName).publishMessage({ data, attributes });
}
