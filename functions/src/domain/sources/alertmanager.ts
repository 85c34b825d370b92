// Prometheus Alertmanager webhook, version 4 (contract §3): one alert per `alerts[]` entry.
// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
//
// The per-alert rules (title, service, environment, severity, alertName) are
// shared with Grafana, whose unified-alerting webhook is the same shape plus
// a few URLs: see `normalizePromAlert`.
import { z } from 'zod';
import type { AlertSource, Link, NormalizedAlert } from '../types';
import { defineSource, firstOf, labelsFingerprint, labelMap, link, links, nonEmpty, optionalLabels, toDate } from './common';

/** The fields of one alert that Alertmanager and Grafana both send. */
export const promAlertFields = {
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: optionalLabels,
  startsAt: z.string().nullish(),
  endsAt: z.string().nullish(),
  generatorURL: z.string().nullish(),
  fingerprint: z.string().nullish(),
};

const promAlert = z.object(promAlertFields);
export type PromAlert = z.output<typeof promAlert>;

/**
 * One Alertmanager-style alert, normalised by the contract's table:
 * title = `annotations.summary`, else `labels.alertname`; service = `labels.service`,
 * else `job`, else `app`; environment = `labels.env`, else `environment`; native
 * severity = `labels.severity`; alertName = `labels.alertname`, else the title.
 * Fingerprint: the sender's own, else a hash of the labels (what identifies an
 * alert in Alertmanager). A firing alert has no end yet: its `endsAt` (Go's zero
 * time, or Prometheus' resend estimate) becomes null.
 */
export function normalizePromAlert(source: AlertSource, a: PromAlert, links: Link[]): NormalizedAlert {
  const fingerprint = nonEmpty(a.fingerprint) ?? labelsFingerprint(a.labels);
  const title = firstOf(a.annotations.summary, a.labels.alertname) ?? `${source} alert ${fingerprint}`;
  return {
    source,
    fingerprint,
    status: a.status,
    title,
    service: firstOf(a.labels.service, a.labels.job, a.labels.app),
    environment: firstOf(a.labels.env, a.labels.environment),
    severity: firstOf(a.labels.severity),
    alertName: firstOf(a.labels.alertname) ?? title,
    labels: a.labels,
    startsAt: toDate(a.startsAt),
    endsAt: a.status === 'resolved' ? toDate(a.endsAt) : null,
    links: dedupeLinks(links),
    description: firstOf(a.annotations.description, a.annotations.message),
  };
}

/** The same URL twice (e.g. a runbook annotation that repeats a panel link) is listed once. */
export function dedupeLinks(links: Link[]): Link[] {
  const seen = new Set<string>();
  return links.filter((l) => (seen.has(l.url) ? false : (seen.add(l.url), true)));
}

/** Alertmanager's UI link that opens a new silence pre-filled with the alert's labels. */
export function silenceLink(externalURL: string | null | undefined, labels: Record<string, string>): Link[] {
  const base = nonEmpty(externalURL)?.replace(/\/+$/, '');
  if (!base) return [];
  let matchers = '';
  for (const k of Object.keys(labels).sort()) {
    const v = labels[k] ?? '';
    const escaped = v.includes('\\') || v.includes('"') ? v.replaceAll('\\', '\\\\').replaceAll('"', '\\"') : v;
    matchers += `${matchers ? ',' : ''}${k}="${escaped}"`;
  }
  return link('Silence in Alertmanager', `${base}/#/silences/new?filter=${encodeURIComponent(`{${matchers}}`)}`);
}

const schema = z.object({
  version: z.string().nullish(),
  groupKey: z.string().nullish(),
  status: z.string().nullish(),
  receiver: z.string().nullish(),
  externalURL: z.string().nullish(),
  alerts: z.array(promAlert),
});

export const alertmanager = defineSource({
  name: 'alertmanager',
  schema,
  normalize(p) {
    return p.alerts.map((a) => {
      const found = links([
        ['Prometheus', a.generatorURL],
        ['Runbook', a.annotations.runbook_url],
      ]);
      found.push(...silenceLink(p.externalURL, a.labels));
      return normalizePromAlert('alertmanager', a, found);
    });
  },
});
