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
import { parseInstant } from '../instant';
import { z } from 'zod';
import type { AlertSource, Link, NormalizedAlert } from '../types';
import { defineSource, firstLine, firstOf, link, links, nonEmpty, optionalLabels } from './common';

/** "firing" or "resolved", in any case. */
export const promStatus = z
  .string({ error: 'expected "firing" or "resolved"' })
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(['firing', 'resolved'], { error: 'expected "firing" or "resolved"' }));

/**
 * `groupLabels` and `commonLabels` are only read for a missing alertname, so
 * they are not validated (or copied) as a whole: any value is accepted, and
 * `labelIn` reads the one label when it is needed.
 */
const hintLabels = z.unknown().optional();

/** A string label of a map that was not validated, or null. */
export function labelIn(map: unknown, name: string): string | null {
  if (typeof map !== 'object' || map === null) return null;
  const v = (map as Record<string, unknown>)[name];
  return typeof v === 'string' ? nonEmpty(v) : null;
}

/** The fields of one alert that Alertmanager and Grafana both send. */
export const promAlertFields = {
  // what Alertmanager sends, exactly (a plain enum: this is parsed for every alert)
  status: z.enum(['firing', 'resolved'], { error: 'expected "firing" or "resolved"' }).nullish(),
  labels: optionalLabels,
  annotations: optionalLabels,
  startsAt: z.string().nullish(),
  endsAt: z.string().nullish(),
  generatorURL: z.string().nullish(),
  fingerprint: z.string().nullish(),
};

/**
 * The fields of the body around the alerts that Alertmanager and Grafana both
 * send. Only `status`, `externalURL` (and, for Grafana tests, `receiver`) are
 * read; `version`, `groupKey` and `truncatedAlerts` vary between versions (a
 * numeric groupKey, "3" or "4") and are accepted whatever they hold.
 */
export const promBodyFields = {
  version: z.unknown().optional(),
  groupKey: z.unknown().optional(),
  truncatedAlerts: z.unknown().optional(),
  status: z.string().nullish(),
  receiver: z.unknown().optional(),
  externalURL: z.string().nullish(),
  groupLabels: hintLabels,
  commonLabels: hintLabels,
};

const promAlert = z.object(promAlertFields);
export type PromAlert = z.output<typeof promAlert>;

/** What the body around an alert says about it. */
export interface PromContext {
  /** The body's status, used when an alert has none. */
  status: 'firing' | 'resolved' | null;
  /** The body's groupLabels and commonLabels, as sent (not validated). */
  groupLabels: unknown;
  commonLabels: unknown;
}

/** The body's own status when it is firing or resolved (any case), else null. */
export function bodyStatus(status: string | null | undefined): 'firing' | 'resolved' | null {
  const r = promStatus.safeParse(status);
  return r.success ? r.data : null;
}

/** A value sent as text or a number, as text (null for anything else or blank). */
export function textIn(value: unknown): string | null {
  return typeof value === 'string' ? nonEmpty(value) : typeof value === 'number' ? String(value) : null;
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

/** FNV-1a state: the low and the high 32 bits (a Uint32Array wraps every store to 32 bits). */
const fnv = new Uint32Array(2);

/** One byte into the FNV-1a state: h ^= b; h *= 0x100000001b3 (mod 2^64). */
function fnvByte(b: number): void {
  const lo = (fnv[0]! ^ b) >>> 0;
  const t = lo * 0x1b3; // exact: below 2^41
  // high word: hi * 0x1b3 + lo * 0x100 (the prime's high word) + the carry out of the low word
  fnv[1] = Math.imul(fnv[1]!, 0x1b3) + (lo << 8) + Math.floor(t / 0x100000000);
  fnv[0] = t;
}

/** A string's UTF-8 bytes, then the separator 0xff, into the FNV-1a state. */
function fnvText(s: string): void {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      fnvByte(c);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd; // Go writes a lone surrogate as U+FFFD
    }
    if (c < 0x800) {
      fnvByte(0xc0 | (c >> 6));
    } else if (c < 0x10000) {
      fnvByte(0xe0 | (c >> 12));
      fnvByte(0x80 | ((c >> 6) & 0x3f));
    } else {
      fnvByte(0xf0 | (c >> 18));
      fnvByte(0x80 | ((c >> 12) & 0x3f));
      fnvByte(0x80 | ((c >> 6) & 0x3f));
    }
    fnvByte(0x80 | (c & 0x3f));
  }
  fnvByte(0xff);
}

/**
 * Alertmanager's fingerprint of a label set (prometheus/common
 * `model.LabelSet.Fingerprint()`): FNV-1a 64 over the label names in byte
 * order, each name and value followed by the separator byte 0xff, as 16
 * lower-case hex digits. Computed in two 32-bit words (no BigInt on the
 * per-alert path).
 */
export function alertmanagerFingerprint(labels: Record<string, string>): string {
  fnv[0] = 0x84222325; // offset basis 0xcbf29ce484222325
  fnv[1] = 0xcbf29ce4;
  const names = Object.keys(labels).sort();
  // JavaScript sorts by UTF-16 unit, Go by byte: they differ only when a name holds a surrogate pair.
  for (const n of names) {
    if (/[\ud800-\udfff]/.test(n)) {
      names.sort(byCodePoint);
      break;
    }
  }
  for (const n of names) {
    fnvText(n);
    fnvText(labels[n]!);
  }
  return fnv[1]!.toString(16).padStart(8, '0') + fnv[0]!.toString(16).padStart(8, '0');
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
  const alertname = ownName ?? labelIn(ctx.groupLabels, 'alertname') ?? labelIn(ctx.commonLabels, 'alertname');
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
    startsAt: parseInstant(a.startsAt),
    endsAt: status === 'resolved' ? parseInstant(a.endsAt) : null,
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
  let base = nonEmpty(externalURL) ?? '';
  let end = base.length;
  while (end > 0 && base.charCodeAt(end - 1) === 0x2f /* / */) end--; // by index: /\/+$/ backtracks on a run of slashes
  base = base.slice(0, end);
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
