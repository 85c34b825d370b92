// Prometheus Alertmanager webhook (contract §3): one alert per `alerts[]` entry.
// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
//
// Version 4 is documented; what older and other senders put in it is accepted
// too (see test/fixtures/alerts/README.md): `version` "3"; no per-alert
// `status` (the body's `status` then counts); no per-alert `fingerprint`
// (derived from the labels exactly as Alertmanager does, so a fingerprint
// seen later from a newer Alertmanager is the same); no `truncatedAlerts` or
// `groupKey`, or a `groupKey` that is a JSON number (older versions sent a
// 64-bit hash; it is not read, so precision lost above 2^53 does not matter).
//
// The per-alert rules are shared with Grafana, whose unified-alerting webhook
// is the same shape plus a few URLs: see `normalizePromAlert`.
import { z } from 'zod';
import type { AlertSource, Link, NormalizedAlert } from '../types';
import { defineSource, firstLine, firstOf, link, links, nonEmpty, optionalLabels, scalarText, toDate } from './common';

/** "firing" or "resolved", in any case. */
export const promStatus = z
  .string({ error: 'expected "firing" or "resolved"' })
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(['firing', 'resolved'], { error: 'expected "firing" or "resolved"' }));

/** A label map that a sender may leave out, send as null, or (in fields only read for hints) get wrong. */
const hintLabels = optionalLabels.catch({});

/** The fields of one alert that Alertmanager and Grafana both send. */
export const promAlertFields = {
  status: promStatus.nullish(),
  labels: optionalLabels,
  annotations: optionalLabels,
  startsAt: z.string().nullish(),
  endsAt: z.string().nullish(),
  generatorURL: z.string().nullish(),
  fingerprint: z.string().nullish(),
};

/** The fields of the body around the alerts that Alertmanager and Grafana both send. */
export const promBodyFields = {
  version: scalarText.nullish(),
  groupKey: z.unknown().optional(),
  truncatedAlerts: z.unknown().optional(),
  status: z.string().nullish(),
  receiver: scalarText.nullish(),
  externalURL: z.string().nullish(),
  groupLabels: hintLabels,
  commonLabels: hintLabels,
  commonAnnotations: hintLabels,
};

const promAlert = z.object(promAlertFields);
export type PromAlert = z.output<typeof promAlert>;

/** What the body around an alert says about it. */
export interface PromContext {
  /** The body's status, used when an alert has none. */
  status: 'firing' | 'resolved' | null;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
}

/** The body's own status when it is firing or resolved, else null. */
export function bodyStatus(status: string | null | undefined): 'firing' | 'resolved' | null {
  const r = promStatus.safeParse(status);
  return r.success ? r.data : null;
}

/** Refuses, naming the field, an alert whose status neither it nor the body gives. */
export function requireStatus(p: { status?: string | null; alerts: { status?: unknown }[] }, ctx: z.RefinementCtx): void {
  if (bodyStatus(p.status) !== null) return;
  p.alerts.forEach((a, i) => {
    if (a.status === null || a.status === undefined) {
      ctx.addIssue({ code: 'custom', path: ['alerts', i, 'status'], message: 'required: neither the alert nor the body says "firing" or "resolved"' });
    }
  });
}

/**
 * Alertmanager's fingerprint of a label set (prometheus/common
 * `model.LabelSet.Fingerprint()`): FNV-1a 64 over the label names in byte
 * order, each name and value followed by the separator byte 0xff, as 16
 * lower-case hex digits. Computed on four 16-bit limbs (no BigInt on the
 * per-alert path).
 */
export function alertmanagerFingerprint(labels: Record<string, string>): string {
  // offset basis 0xcbf29ce484222325, lowest limb first
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  const byte = (b: number) => {
    h0 ^= b;
    // h *= 0x100000001b3 (mod 2^64), i.e. h * 0x1b3 + (h << 40)
    const a0 = h0 * 0x1b3;
    const a1 = h1 * 0x1b3 + (a0 >>> 16);
    const a2 = h2 * 0x1b3 + (a1 >>> 16) + ((h0 & 0xff) << 8);
    const a3 = h3 * 0x1b3 + (a2 >>> 16) + (h0 >>> 8) + ((h1 & 0xff) << 8);
    h0 = a0 & 0xffff;
    h1 = a1 & 0xffff;
    h2 = a2 & 0xffff;
    h3 = a3 & 0xffff;
  };
  const text = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        byte(c);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        c = 0xfffd; // Go writes a lone surrogate as U+FFFD
      }
      if (c < 0x800) {
        byte(0xc0 | (c >> 6));
      } else if (c < 0x10000) {
        byte(0xe0 | (c >> 12));
        byte(0x80 | ((c >> 6) & 0x3f));
      } else {
        byte(0xf0 | (c >> 18));
        byte(0x80 | ((c >> 12) & 0x3f));
        byte(0x80 | ((c >> 6) & 0x3f));
      }
      byte(0x80 | (c & 0x3f));
    }
    byte(0xff);
  };
  const names = Object.keys(labels).sort();
  // JavaScript sorts by UTF-16 unit, Go by byte: they differ only when a name holds a surrogate pair.
  if (names.some((n) => /[\ud800-\udfff]/.test(n))) names.sort(byCodePoint);
  for (const n of names) {
    text(n);
    text(labels[n]!);
  }
  const hex = (v: number) => v.toString(16).padStart(4, '0');
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
}

function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * One Alertmanager-style alert, normalised:
 * - status: the alert's, else the body's;
 * - title: `annotations.summary`, else `annotations.title`, else a `summary`
 *   label, else the first line of `annotations.message`, else of
 *   `annotations.description`, else the alert name;
 * - alertName: `labels.alertname`, else the body's `groupLabels.alertname` or
 *   `commonLabels.alertname` (Grafana leaves it out of the alert's own labels:
 *   it is then put back into the labels too), else the title;
 * - service: `labels.service`, `service_name`, `job`, else `app`;
 * - environment: `labels.env`, `environment`, `deployment_environment`, else
 *   `deployment.environment` (the OpenTelemetry attribute, as labels carry it);
 * - native severity: `labels.severity`, else `annotations.severity`;
 * - fingerprint: the sender's, else Alertmanager's fingerprint of the labels;
 * - a firing alert has no end yet: its `endsAt` (Go's zero time, or
 *   Prometheus' resend estimate) becomes null.
 */
export function normalizePromAlert(source: AlertSource, a: PromAlert, ctx: PromContext, found: Link[], fallbackTitle?: string | null): NormalizedAlert {
  const ann = a.annotations;
  const fingerprint = nonEmpty(a.fingerprint) ?? alertmanagerFingerprint(a.labels);
  const ownName = firstOf(a.labels.alertname);
  const alertname = ownName ?? firstOf(ctx.groupLabels.alertname, ctx.commonLabels.alertname);
  const title =
    firstOf(ann.summary, ann.title, a.labels.summary, firstLine(ann.message), firstLine(ann.description)) ??
    alertname ??
    nonEmpty(fallbackTitle) ??
    `${source} alert ${fingerprint}`;
  const labels = ownName === null && alertname !== null ? { ...a.labels, alertname } : a.labels;
  const status = a.status ?? ctx.status ?? 'firing';
  return {
    source,
    fingerprint,
    status,
    title,
    service: firstOf(labels.service, labels.service_name, labels.job, labels.app),
    environment: firstOf(labels.env, labels.environment, labels.deployment_environment, labels['deployment.environment']),
    severity: firstOf(labels.severity, ann.severity),
    alertName: alertname ?? title,
    labels,
    startsAt: toDate(a.startsAt),
    endsAt: status === 'resolved' ? toDate(a.endsAt) : null,
    links: dedupeLinks(found),
    description: firstOf(ann.description, ann.message),
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

const schema = z.object({ ...promBodyFields, alerts: z.array(promAlert) }).superRefine(requireStatus);

export const alertmanager = defineSource({
  name: 'alertmanager',
  schema,
  normalize(p) {
    const ctx: PromContext = { status: bodyStatus(p.status), groupLabels: p.groupLabels, commonLabels: p.commonLabels };
    return p.alerts.map((a) => {
      const found = links([
        ['Prometheus', a.generatorURL],
        ['Runbook', a.annotations.runbook_url],
      ]);
      found.push(...silenceLink(p.externalURL, a.labels));
      return normalizePromAlert('alertmanager', a, ctx, found);
    });
  },
});
