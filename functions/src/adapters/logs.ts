// Named log events: one function per event, structured fields on every line.
import * as logger from 'firebase-functions/logger';

type Fields = Record<string, unknown>;

export const log = {
  alertAccepted: (f: { source: string; messageId: string; alerts: number }) => logger.info('alert accepted', { event: 'alert_accepted', ...f }),
  alertRejected: (f: { source: string; reason: string; status: number; rejectedId?: string }) =>
    logger.warn('alert rejected', { event: 'alert_rejected', ...f }),
  publishFailed: (f: { source: string; error: string }) => logger.error('publish to alerts failed', { event: 'publish_failed', ...f }),
  messageIngested: (f: { messageId: string; eventId: string; source: string; incidentIds: string[]; created: string[]; alerts: number; txMs?: number; txAttempts?: number; rollupMs?: number }) =>
    logger.info('alert message ingested', { event: 'message_ingested', ...f }),
  duplicateMessage: (f: { messageId: string; eventId: string }) => logger.info('duplicate alert message ignored', { event: 'duplicate_message', ...f }),
  poisonMessage: (f: { messageId: string; eventId: string; source: string | null; reason: string }) =>
    logger.warn('poison alert message stored and acknowledged', { event: 'poison_message', ...f }),
  incidentUpdated: (f: { incidentId: string; updateId: string; action: string; ok: boolean; reason?: string }) =>
    logger.info('status update applied', { event: 'update_processed', ...f }),
  rollup: (f: { incidentId: string; alertCount: number; firingCount: number; changed: boolean }) => logger.info('incident counts rolled up', { event: 'rollup', ...f }),
  notification: (f: { notificationId: string; incidentId: string; status: string; attempts: number; error?: string }) =>
    logger.info('notification delivery', { event: 'notification', ...f }),
  /** Noise control: silences, held alerts, heartbeats, the storm breaker (the event names the step). */
  noise: (f: Fields & { event: string }) => logger.info(`noise control: ${f.event.replaceAll('_', ' ')}`, f),
  warn: (message: string, f: Fields = {}) => logger.warn(message, f),
  error: (message: string, f: Fields = {}) => logger.error(message, f),
  info: (message: string, f: Fields = {}) => logger.info(message, f),
};
