// Shared pieces of the source normalisers.
import { z } from 'zod';
import { canonicalJson, stableId } from '../hash';
import type { AlertSource, Link, NormalizedAlert } from '../types';

export interface ValidationDetail {
  path: string;
  message: string;
}

export type NormalizeResult =
  | { ok: true; alerts: NormalizedAlert[] }
  | { ok: false; error: string; details: ValidationDetail[] };

/** What a source's schema must do: check a parsed body, giving its typed form or the issues. */
export interface PayloadSchema<T> {
  safeParse(payload: unknown): { success: true; data: T } | { success: false; error: z.ZodError };
}

export interface AlertSourceDefinition<T = unknown> {
  name: AlertSource;
  schema: PayloadSchema<T>;
  normalize(payload: T): NormalizedAlert[];
}

export function defineSource<T>(def: AlertSourceDefinition<T>): AlertSourceDefinition<T> {
  return def;
}

/** Labels are a string map; other JSON values are turned into text. */
export const labelMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).transform((r) => {
  // A plain loop: this runs for every alert of every payload (see npm run bench).
  const out: Record<string, string> = {};
  for (const k in r) {
    const v = r[k];
    if (v !== null && v !== undefined) out[k] = typeof v === 'string' ? v : String(v);
  }
  return out;
});

/** Longest text read as a date: an ISO date with nanoseconds and a zone is 35 characters. */


export function nonEmpty(s: string | null | undefined): string | null {
  if (s === undefined || s === null) return null;
  const t = s.trim();
  return t === '' ? null : t;
}

type Maybe = string | null | undefined;

/** The first value that is not empty (trimmed). Fixed parameters: no array per call on this hot path. */
export function firstOf(a: Maybe, b?: Maybe, c?: Maybe, d?: Maybe, e?: Maybe): string | null {
  return nonEmpty(a) ?? nonEmpty(b) ?? nonEmpty(c) ?? nonEmpty(d) ?? nonEmpty(e);
}

const HTTP_URL = /^https?:\/\//i;

export function link(title: string, url: string | null | undefined): Link[] {
  const u = nonEmpty(url);
  return u && HTTP_URL.test(u) ? [{ title, url: u }] : [];
}

/** The http(s) links among [title, url] pairs, in order (one array, for the per-alert hot path). */
export function links(pairs: readonly (readonly [string, string | null | undefined])[]): Link[] {
  const out: Link[] = [];
  for (const [title, url] of pairs) {
    const u = nonEmpty(url);
    if (u && HTTP_URL.test(u)) out.push({ title, url: u });
  }
  return out;
}

export function zodDetails(error: z.ZodError): ValidationDetail[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

/** A value that senders put in JSON as text but sometimes as a bare number (ids, epoch dates): always text. */
export const textValue = z
  .union([z.string(), z.number()], { error: (i) => (i.input === undefined ? 'required' : 'expected text or a number') })
  .transform(String);

/** A label map that a sender may leave out or send as null: an empty map then. */
export const optionalLabels = labelMap.nullish().transform((l) => l ?? {});

/** A stable fingerprint for an alert that only has labels (the labels' canonical JSON, hashed). */
export const labelsFingerprint = (labels: Record<string, string>): string => stableId(canonicalJson(labels), 16);

/**
 * Text that is only scanned (titles, message bodies, URLs, tag lists) is read
 * up to this many characters: what lies beyond is kept (within the storage
 * limits) but never parsed, so no body can make parsing expensive.
 */
export const MAX_SCAN = 64 * 1024;

/** The first line of a text that is not blank, trimmed (for titles taken from a message). */
export function firstLine(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  const end = Math.min(s.length, MAX_SCAN);
  let start = 0;
  while (start < end) {
    let nl = s.indexOf('\n', start);
    if (nl < 0 || nl > end) nl = end;
    const line = s.slice(start, nl).trim();
    if (line !== '') return line;
    start = nl + 1;
  }
  return null;
}

/** The label that marks a sender's test notification (Grafana's contact-point test, Cloud Monitoring's test). */
export const TEST_NOTIFICATION_LABEL = 'test_notification';

/** A JSON value that is sent as text, a number or a boolean, read as text. */
export const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/**
 * A schema that looks at the raw body to choose which of its shapes to check
 * (legacy and current bodies of one sender); a body that does not fit gets
 * that shape's own issues, with their paths. The chosen shape parses the body
 * directly (no wrapping schema on the per-alert path).
 */
export function pickShape<S extends Record<string, z.ZodType>>(
  shapes: S,
  pick: (raw: unknown) => keyof S & string,
): PayloadSchema<{ [K in keyof S & string]: { shape: K; body: z.output<S[K]> } }[keyof S & string]> {
  return {
    safeParse(raw) {
      const shape = pick(raw);
      const r = shapes[shape]!.safeParse(raw);
      return r.success ? { success: true, data: { shape, body: r.data } as never } : { success: false, error: r.error };
    },
  };
}