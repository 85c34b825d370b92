// A payload too big for one transaction is split at the webhook, per group
// (domain/grouping.ts splitByGroup), into several `alerts` messages. Each part
// carries its alerts already normalised, in this envelope (attribute
// `format: alerts-v1`): the original body is kept once, not once per part.
import { z } from 'zod';
import { fitAlertForStorage } from '../alertLimits';
import { ALERT_SOURCES, type NormalizedAlert } from '../types';
import type { NormalizeResult } from './common';
import { zodDetails } from './common';

export const ENVELOPE_FORMAT = 'alerts-v1';

/** At most this many alerts go in one message: one message is one transaction. */
export const MAX_ALERTS_PER_MESSAGE = 25;

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s)).nullable();

const alertSchema = z.object({
  source: z.enum(ALERT_SOURCES),
  fingerprint: z.string().min(1),
  status: z.enum(['firing', 'resolved']),
  title: z.string().min(1),
  service: z.string().nullable(),
  environment: z.string().nullable(),
  severity: z.string().nullable(),
  alertName: z.string().min(1),
  labels: z.record(z.string(), z.string()),
  startsAt: instant,
  endsAt: instant,
  links: z.array(z.object({ title: z.string(), url: z.string() })),
  description: z.string().nullable(),
});

const envelopeSchema = z.object({ alerts: z.array(alertSchema).min(1), part: z.number().int().min(1), parts: z.number().int().min(1) });

/** One part of a split payload, as the data of an `alerts` message. */
export function envelopeOf(alerts: readonly NormalizedAlert[], part: number, parts: number): Buffer {
  return Buffer.from(JSON.stringify({ alerts, part, parts }));
}

/** The alerts of one part (checked again: the topic is open to any publisher). */
export function alertsOfEnvelope(payload: unknown): NormalizeResult {
  const r = envelopeSchema.safeParse(payload);
  if (!r.success) return { ok: false, error: `the ${ENVELOPE_FORMAT} message is not valid`, details: zodDetails(r.error) };
  return { ok: true, alerts: r.data.alerts.map(fitAlertForStorage) };
}
