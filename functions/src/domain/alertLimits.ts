// What a normalised alert may hold so that every write of it succeeds
// (contract §3: everything answered 202 can be stored).
//
// A normalised alert becomes `incidents/{id}/alerts/{alertId}` (all of it),
// part of its incident (title, service, environment, links), timeline messages
// (title) and the group document (the group key: source, service, environment,
// alert name). Firestore refuses a write whose document has an empty field
// name or a name matching `__.*__`, more than 40,000 index entries (every
// label is a map field indexed twice), a field name over 1,500 bytes, or more
// than 1 MiB; and it stores text only as valid UTF-8. A sender can exceed all
// of these in one 1 MiB body, so the normaliser enforces them:
//
// - nothing real is refused for its size: text is cut (with "…" at the cut),
//   labels beyond the count are dropped, and the label `_truncated` says what
//   was cut ("title", "labels:44 dropped", ...), so the change is visible
//   wherever the labels are shown;
// - label names: an empty name, or one over 256 bytes, cannot be kept (a cut
//   name could collide with another) and is dropped; a name Firestore reserves
//   (`__name__`, `__alert_rule_uid__`) is kept as `reserved:__name__`.
//   Names with `.` or `/` (`app.kubernetes.io/name`) are kept as they are:
//   labels are written as a map with set(), where a key is one field name
//   whatever it holds (only update() with a dotted string would split it; a
//   query on such a label needs `new FieldPath('labels', key)`);
// - a fingerprint over 512 bytes becomes `sha256:<hex>` of itself: it stays
//   stable and distinct, and the document id is a hash of it anyway;
// - lone UTF-16 surrogates (which JSON allows) become U+FFFD.
// With these bounds one alert document stays under about 450 KB.
import { stableId } from './hash';
import type { Link, NormalizedAlert } from './types';

export const ALERT_LIMITS = {
  /** Labels per alert (each is two index entries of the alert document). */
  maxLabels: 256,
  maxLabelKeyBytes: 256,
  maxLabelValueBytes: 1024,
  maxTitleBytes: 1024,
  /** service, environment and the native severity word. */
  maxFieldBytes: 256,
  maxDescriptionBytes: 16 * 1024,
  maxLinks: 20,
  maxLinkUrlBytes: 4096,
  maxLinkTitleBytes: 256,
  maxFingerprintBytes: 512,
} as const;

/** The label that tells what was cut from an alert. */
export const TRUNCATED_LABEL = '_truncated';

const ELLIPSIS = '…';
// With the u flag a valid surrogate pair is one code point: these match lone surrogates only.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const LONE_SURROGATES = /[\ud800-\udfff]/gu;
/** Firestore reserves field names that match `__.*__`. */
const reservedName = (k: string) => k.length >= 4 && k.startsWith('__') && k.endsWith('__');

/** UTF-8 length of a string, without encoding it. */
export function utf8Bytes(s: string): number {
  let n = s.length; // one byte each for ASCII; add the rest
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else n += 2;
  }
  return n;
}

/** String.prototype.isWellFormed (ES2024: in Node.js 20 and later, not yet in this project's TypeScript lib). */
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
const isWellFormed = nativeWellFormed ? (s: string) => nativeWellFormed.call(s) : (s: string) => !LONE_SURROGATE.test(s);

/** Replaces lone surrogates (valid in JSON, not in UTF-8) with U+FFFD. */
export function wellFormed(s: string): string {
  return isWellFormed(s) ? s : s.replace(LONE_SURROGATES, '\ufffd');
}

/**
 * `s` cut to at most `maxBytes` of UTF-8, ending in "…" when cut (never in the
 * middle of a surrogate pair). `null` when it fits as it is.
 */
function cut(s: string, maxBytes: number): string | null {
  if (s.length * 3 <= maxBytes || utf8Bytes(s) <= maxBytes) return null; // 3 bytes a UTF-16 unit at most
  const budget = maxBytes - 3; // "…" is 3 bytes
  let bytes = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const w = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + w > budget) break;
    bytes += w;
    if (pair) i++;
  }
  return s.slice(0, i) + ELLIPSIS;
}

/** Whether a string needs more than `maxBytes` of UTF-8 (measured only when it might). */
const over = (s: string, maxBytes: number) => s.length * 3 > maxBytes && utf8Bytes(s) > maxBytes;

/** Labels kept first when there are too many: the ones the pipeline and the default rules read. */
const FIRST_LABELS = ['alertname', 'service', 'service_name', 'job', 'app', 'env', 'environment', 'severity', 'priority', 'project', 'host', 'instance'];

/**
 * The alert as storage can hold it: see the file comment. An alert that fits
 * is returned as it is (the same object); otherwise a copy.
 */
export function fitAlertForStorage(alert: NormalizedAlert): NormalizedAlert {
  const L = ALERT_LIMITS;
  const notes: string[] = [];
  let changed = false;
  const text = (s: string, max: number, what: string): string => {
    // cut first (a lone surrogate counts 3 bytes, as its U+FFFD will), so a huge text is scanned once
    const c = cut(s, max);
    if (c !== null) notes.push(what);
    const w = wellFormed(c ?? s);
    if (w !== s) changed = true;
    return w;
  };
  const maybe = (s: string | null, max: number, what: string) => (s === null ? null : text(s, max, what));

  const title = text(alert.title, L.maxTitleBytes, 'title');
  const alertName = text(alert.alertName, L.maxTitleBytes, 'alertName');
  const service = maybe(alert.service, L.maxFieldBytes, 'service');
  const environment = maybe(alert.environment, L.maxFieldBytes, 'environment');
  const severity = maybe(alert.severity, L.maxFieldBytes, 'severity');
  const description = maybe(alert.description, L.maxDescriptionBytes, 'description');

  let fingerprint = wellFormed(alert.fingerprint);
  if (fingerprint !== alert.fingerprint) changed = true;
  if (over(fingerprint, L.maxFingerprintBytes)) {
    fingerprint = `sha256:${stableId(fingerprint, 64)}`;
    changed = true;
  }

  let links: Link[] = alert.links;
  let droppedLinks = 0;
  if (links.length > 0) {
    const kept: Link[] = [];
    for (const l of links) {
      const url = wellFormed(l.url);
      if (over(url, L.maxLinkUrlBytes) || kept.length >= L.maxLinks) {
        droppedLinks++; // a cut URL would lead somewhere else
        continue;
      }
      const t = wellFormed(l.title);
      const title = cut(t, L.maxLinkTitleBytes) ?? t;
      kept.push(url === l.url && title === l.title ? l : { title, url });
    }
    if (droppedLinks > 0 || kept.some((l, i) => l !== links[i])) {
      links = kept;
      changed = true;
    }
    if (droppedLinks > 0) notes.push(`links:${droppedLinks} dropped`);
  }

  const labels = fitLabels(alert.labels, notes);
  if (labels !== alert.labels) changed = true;

  if (!changed && notes.length === 0) return alert;
  const out: NormalizedAlert = { ...alert, fingerprint, title, alertName, service, environment, severity, description, labels, links };
  if (notes.length > 0) out.labels = { ...labels, [TRUNCATED_LABEL]: notes.join(', ') };
  return out;
}

/**
 * The labels as storage can hold them (the same object when nothing changes).
 * What was cut goes to `notes`; when `notes` is not empty the caller adds
 * TRUNCATED_LABEL, so one place is kept for it.
 */
function fitLabels(labels: Record<string, string>, notes: string[]): Record<string, string> {
  const L = ALERT_LIMITS;
  let count = 0;
  let clean = true;
  for (const k in labels) {
    count++;
    const v = labels[k]!;
    if (clean && (k === '' || k === TRUNCATED_LABEL || reservedName(k) || over(k, L.maxLabelKeyBytes) || over(v, L.maxLabelValueBytes) || !isWellFormed(k) || !isWellFormed(v))) {
      clean = false;
    }
  }
  if (clean && count + (notes.length > 0 ? 1 : 0) <= L.maxLabels) return labels;

  // Every label as it can be stored, in a fixed order: the ones the pipeline
  // reads first, then by name (which labels survive must not depend on the
  // sender's key order).
  const kept: [string, string][] = [];
  const names = new Set<string>();
  let dropped = 0;
  let cutValues = 0;
  const add = (rawKey: string, rawValue: string) => {
    let k = wellFormed(rawKey);
    if (k === '' || k === TRUNCATED_LABEL || utf8Bytes(k) > L.maxLabelKeyBytes) return void dropped++;
    if (reservedName(k)) k = `reserved:${k}`;
    if (names.has(k)) return void dropped++;
    const v = wellFormed(rawValue);
    const c = cut(v, L.maxLabelValueBytes);
    if (c !== null) cutValues++;
    names.add(k);
    kept.push([k, c ?? v]);
  };
  for (const k of FIRST_LABELS) if (labels[k] !== undefined) add(k, labels[k]);
  const rest = Object.keys(labels).sort();
  for (let i = 0; i < rest.length; i++) {
    if (kept.length >= L.maxLabels) {
      dropped += rest.length - i; // no room left: the rest are dropped unread (the first labels were counted already)
      for (const k of FIRST_LABELS) if (labels[k] !== undefined && rest.indexOf(k, i) >= 0) dropped--;
      break;
    }
    const k = rest[i]!;
    if (!FIRST_LABELS.includes(k)) add(k, labels[k]!);
  }
  const marked = notes.length > 0 || dropped > 0 || cutValues > 0;
  if (kept.length + (marked ? 1 : 0) > L.maxLabels) {
    dropped += kept.length - (L.maxLabels - 1);
    kept.length = L.maxLabels - 1;
  }
  if (dropped > 0) notes.push(`labels:${dropped} dropped`);
  if (cutValues > 0) notes.push(`label values:${cutValues} cut`);
  const out: Record<string, string> = {};
  for (const [k, v] of kept) out[k] = v;
  return out;
}
