// Reads public Firestore documents with plain fetch() calls to the REST API:
// no Firebase SDK on the status page (locate.ts says where Firestore is).
// Requests carry no credentials: the security rules see a visitor who is not
// signed in.
/** One value in Firestore's REST encoding. */
export interface RestValue {
  nullValue?: null;
  booleanValue?: boolean;
  integerValue?: string;
  doubleValue?: number;
  timestampValue?: string;
  stringValue?: string;
  bytesValue?: string;
  referenceValue?: string;
  geoPointValue?: { latitude?: number; longitude?: number };
  arrayValue?: { values?: RestValue[] };
  mapValue?: { fields?: Record<string, RestValue> };
}

export interface RestDocument {
  name: string;
  fields?: Record<string, RestValue>;
  createTime?: string;
  updateTime?: string;
}

/** A REST value as plain JavaScript: timestamps become Dates, integers numbers, maps objects. */
export function decodeValue(v: RestValue | undefined): unknown {
  if (!v || 'nullValue' in v) return null;
  if (v.booleanValue !== undefined) return v.booleanValue;
  if (v.integerValue !== undefined) return Number(v.integerValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.timestampValue !== undefined) return new Date(v.timestampValue);
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.referenceValue !== undefined) return v.referenceValue;
  if (v.geoPointValue !== undefined) return { latitude: v.geoPointValue.latitude ?? 0, longitude: v.geoPointValue.longitude ?? 0 };
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(decodeValue);
  if (v.mapValue !== undefined) return decodeFields(v.mapValue.fields);
  return null;
}

export function decodeFields(fields: Record<string, RestValue> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, decodeValue(v)]));
}

/** The document's fields, plus `id` (the last segment of its name). */
export function decodeDocument(doc: RestDocument): Record<string, unknown> & { id: string } {
  return { ...decodeFields(doc.fields), id: decodeURIComponent(doc.name.split('/').pop() ?? '') };
}

export class ReadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface FirestoreRest {
  /** The documents root: …/v1/projects/<id>/databases/(default)/documents */
  base: string;
  get(path: string): Promise<(Record<string, unknown> & { id: string }) | null>;
  list(path: string, options?: { orderBy?: string; pageSize?: number }): Promise<(Record<string, unknown> & { id: string })[]>;
}

async function readJson(url: string): Promise<unknown> {
  // Always fresh (`cache` is a browser option Node's RequestInit type lacks).
  const res = await fetch(url, { cache: 'no-store', credentials: 'omit' } as RequestInit);
  if (res.status === 404) return null;
  if (!res.ok) throw new ReadError(`${res.status} ${res.statusText} reading ${url.replace(/^.*\/documents\//, '')}`, res.status);
  return res.json();
}

export function firestoreRest(base: string): FirestoreRest {
  const url = (path: string) => `${base}/${path.split('/').map(encodeURIComponent).join('/')}`;
  return {
    base,
    async get(path) {
      const doc = (await readJson(url(path))) as RestDocument | null;
      return doc ? decodeDocument(doc) : null;
    },
    async list(path, options = {}) {
      // encodeURIComponent, not URLSearchParams: Firestore reads `+` in orderBy literally ("startedAt+desc" is refused).
      const q = [options.orderBy ? `orderBy=${encodeURIComponent(options.orderBy)}` : null, `pageSize=${options.pageSize ?? 50}`].filter(Boolean).join('&');
      const body = (await readJson(`${url(path)}?${q}`)) as { documents?: RestDocument[] } | null;
      return (body?.documents ?? []).map(decodeDocument);
    },
  };
}

export const PRODUCTION_HOST = 'https://firestore.googleapis.com';

export const documentsBase = (host: string, projectId: string) => `${host.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(projectId)}/databases/(default)/documents`;
