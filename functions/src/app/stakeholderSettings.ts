import { consoleUrl, misconfiguredSecrets, readSecret, STATUS_LINK_SECRET } from '../params';
import { statusPageUrl } from '../domain/statusSubscribers';
import type { StakeholderSettings } from './compose';

/**
 * STATUS_LINK_SECRET and the page's URL, read inside a handler, for the
 * outbox functions (which declare the secret). A placeholder secret is logged
 * as an error and counts as none: nothing is published until it is set.
 */
export function stakeholderSettings(): StakeholderSettings {
  const url = consoleUrl();
  return { secret: misconfiguredSecrets([STATUS_LINK_SECRET]).length ? null : readSecret(STATUS_LINK_SECRET), consoleUrl: url, statusPageUrl: statusPageUrl(url) };
}
