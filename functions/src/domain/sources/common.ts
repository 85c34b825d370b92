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

export interface AlertSourceDefinition<S extends z.ZodType = z.ZodType> {
  name: AlertSource;
  schema: S;
  normalize(payload: z.output<S>): NormalizedAlert[];
}

export function defineSource<S extends z.ZodType>(def: AlertSourceDefinition<S>): AlertSourceDefinition<S> {
  return def;
}

/** Labels are a string map; other JSON values are turned into text. */
export const labelMap = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .transform((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)])));

/** A date in ISO text or epoch seconds/milliseconds; Go's zero time and garbage become null. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  let d: Date;
  if (typeof value === 'number') d = new Date(value < 1e12 ? value * 1000 : value);
  else if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return toDate(Number(value));
  else if (typeof value === 'string') d = new Date(value);
  else return null;
  const t = d.getTime();
  return Number.isNaN(t) || d.getUTCFullYear() < 1971 ? null : d;
}

export const nonEmpty = (s: string | null | undefined): string | null => (s === undefined || s === null || s.trim() === '' ? null : s.trim());

export function firstOf(...values: (string | null | undefined)[]): string | null {
  for (const v of values) {
    const s = nonEmpty(v);
    if (s !== null) return s;
  }
  return null;
}

export function link(title: string, url: string | null | undefined): Link[] {
  const u = nonEmpty(url);
  return u && /^https?:\/\//i.test(u) ? [{ title, url: u }] : [];
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
