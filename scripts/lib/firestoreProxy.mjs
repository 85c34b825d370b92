// A counting proxy between the functions and the Firestore emulator, for
// `npm run bench`: it measures what each alert costs in Firestore from outside
// the code under test. The functions' Admin SDK speaks gRPC (HTTP/2, h2c) to
// FIRESTORE_EMULATOR_HOST; pointed here instead, every stream is passed on to
// the emulator unchanged (request and response bytes as they are, headers and
// trailers as received) while the length-prefixed gRPC messages are decoded
// with the Firestore protos that @google-cloud/firestore ships, and counted:
//
//   writes   the `writes` of a CommitRequest or BatchWriteRequest (each one
//            billed document write), counted when the RPC ends with grpc-status
//            0 (a commit that fails writes nothing); deletes among them apart
//   reads    documents returned: BatchGetDocuments `found`, RunQuery `document`,
//            Listen `documentChange`; RunAggregationQuery: each count() result
//            n is billed max(1, ceil(n / 1000)) reads (1 read per up to 1,000
//            index entries), another aggregation 1 read per result
//   billedReads  reads plus what Firestore bills beyond returned documents:
//            1 read for a query that returns nothing, 1 per `missing` document
//            of a BatchGetDocuments
//   rpcs     every RPC by method, BeginTransaction and Rollback included (they
//            cost no document)
//
// One listening port per caller (each function gets its own, see
// firestoreProxyPreload.cjs), so each RPC is attributed to the function that
// made it. Only HTTP/2 is served: the Admin SDK uses gRPC unless told to
// prefer REST, and a caller that speaks HTTP/1.1 shows up in `errors`.
import { createRequire } from 'node:module';
import http2 from 'node:http2';
import path from 'node:path';
import { Transform } from 'node:stream';
import zlib from 'node:zlib';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const PROTOS = path.join(path.dirname(require.resolve('@google-cloud/firestore')), '..', 'protos');
const SERVICE = 'google.firestore.v1.Firestore';

let protoRoot;
/** The google.firestore.v1 protos (loaded once). */
export function firestoreProtos() {
  if (!protoRoot) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => path.join(PROTOS, target);
    root.loadSync('google/firestore/v1/firestore.proto');
    root.resolveAll();
    protoRoot = root;
  }
  return protoRoot;
}

/** Request and response message types of a Firestore RPC method, or null for one not decoded. */
function methodTypes(method) {
  const service = firestoreProtos().lookupService(SERVICE);
  const m = service.methods[method];
  return m ? { request: m.resolvedRequestType, response: m.resolvedResponseType } : null;
}

/**
 * Splits a byte stream into gRPC messages: each is a 1-byte compressed flag,
 * a 4-byte big-endian length and that many bytes. Chunks may split a message
 * (or its prefix) anywhere.
 */
export class GrpcFrameParser {
  #chunks = [];
  #length = 0;
  #next = -1; // the length of the message being received, once its prefix is in

  /** Adds bytes; returns the messages completed by them, as {compressed, payload}. */
  push(chunk) {
    if (chunk.length) {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
    }
    const out = [];
    while (this.#length >= 5) {
      if (this.#next < 0) this.#next = this.#peek(5).readUInt32BE(1);
      if (this.#length < 5 + this.#next) break;
      const message = this.#take(5 + this.#next);
      this.#next = -1;
      out.push({ compressed: message[0] === 1, payload: message.subarray(5) });
    }
    return out;
  }

  /** Bytes of an incomplete message still held. */
  get pending() {
    return this.#length;
  }

  /** The first n bytes, without consuming them. */
  #peek(n) {
    if (this.#chunks[0].length >= n) return this.#chunks[0];
    const parts = [];
    let have = 0;
    for (const c of this.#chunks) {
      parts.push(c);
      have += c.length;
      if (have >= n) break;
    }
    return Buffer.concat(parts, have);
  }

  /** Consumes the first n bytes (copying only the chunks they span). */
  #take(n) {
    const parts = [];
    let have = 0;
    let i = 0;
    while (have < n) {
      const c = this.#chunks[i];
      const need = n - have;
      if (c.length <= need) {
        parts.push(c);
        have += c.length;
        i += 1;
      } else {
        parts.push(c.subarray(0, need));
        this.#chunks[i] = c.subarray(need);
        have += need;
      }
    }
    this.#chunks = this.#chunks.slice(i);
    this.#length -= n;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  }
}

/** One gRPC message as it travels: the prefix and the payload. */
export function grpcFrame(payload, compressed = false) {
  const head = Buffer.alloc(5);
  head[0] = compressed ? 1 : 0;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

function inflate(payload, encoding) {
  if (encoding === 'gzip') return zlib.gunzipSync(payload);
  if (encoding === 'deflate') return zlib.inflateSync(payload);
  throw new Error(`grpc-encoding ${encoding ?? '(none)'} is not supported`);
}

/** The path below `documents/` of a resource name, as segments. */
const relative = (name) => {
  const at = name.indexOf('/documents');
  return (at >= 0 ? name.slice(at + '/documents'.length) : name).split('/').filter(Boolean);
};

/**
 * The collection of a document (or collection) name, ids replaced by `*`:
 * "projects/p/databases/d/documents/incidents/abc/alerts/x" → "incidents/*\/alerts".
 */
export function collectionOf(name) {
  return relative(String(name)).filter((_, i) => i % 2 === 0).join('/*/');
}

/** The collection a query reads: its parent document's path and `from`. */
function queryCollection(parent, structuredQuery) {
  const from = structuredQuery?.from?.[0];
  const id = `${from?.allDescendants ? '**/' : ''}${from?.collectionId ?? '?'}`;
  const base = collectionOf(parent);
  return base ? `${base}/*/${id}` : id;
}

const toNumber = (v) => (v != null && typeof v === 'object' && typeof v.toNumber === 'function' ? v.toNumber() : Number(v));

const add = (obj, key, n = 1) => {
  obj[key] = (obj[key] ?? 0) + n;
};

/**
 * The accounting of one RPC, fed with its decoded messages. `finish(status)`
 * returns the RPC's record: {method, status, writes, deletes, reads,
 * billedReads, missing, collections: {path: {writes, reads}}, ...}.
 */
export class RpcTally {
  constructor(method) {
    this.method = method;
    this.writes = 0;
    this.deletes = 0;
    this.attemptedWrites = 0;
    this.reads = 0;
    this.billedReads = 0;
    this.missing = 0;
    this.documents = 0; // documents returned by this RPC (queries)
    this.collections = {};
    this.pendingWrites = [];
    this.countAliases = new Set();
    this.queryCollection = null;
    this.undecoded = 0;
  }

  #collection(pathName) {
    return (this.collections[pathName] ??= { writes: 0, reads: 0, missing: 0 });
  }

  request(msg) {
    switch (this.method) {
      case 'Commit':
      case 'BatchWrite':
        for (const w of msg.writes ?? []) {
          const name = w.update?.name ?? w.delete ?? w.transform?.document ?? '';
          this.pendingWrites.push({ collection: collectionOf(name), delete: Boolean(w.delete) });
        }
        break;
      case 'CreateDocument':
        this.pendingWrites.push({ collection: collectionOf(`${msg.parent}/${msg.collectionId}/x`), delete: false });
        break;
      case 'UpdateDocument':
        this.pendingWrites.push({ collection: collectionOf(msg.document?.name ?? ''), delete: false });
        break;
      case 'DeleteDocument':
        this.pendingWrites.push({ collection: collectionOf(msg.name ?? ''), delete: true });
        break;
      case 'RunQuery':
        this.queryCollection = queryCollection(msg.parent ?? '', msg.structuredQuery);
        break;
      case 'RunAggregationQuery': {
        const q = msg.structuredAggregationQuery;
        this.queryCollection = queryCollection(msg.parent ?? '', q?.structuredQuery);
        for (const a of q?.aggregations ?? []) if (a.count) this.countAliases.add(a.alias);
        break;
      }
      default:
        break;
    }
  }

  response(msg) {
    switch (this.method) {
      case 'BatchGetDocuments':
        if (msg.found) {
          this.reads += 1;
          this.billedReads += 1;
          this.#collection(collectionOf(msg.found.name)).reads += 1;
        } else if (msg.missing) {
          this.missing += 1;
          this.billedReads += 1;
          this.#collection(collectionOf(msg.missing)).missing += 1;
        }
        break;
      case 'GetDocument':
        this.reads += 1;
        this.billedReads += 1;
        this.#collection(collectionOf(msg.name ?? '')).reads += 1;
        break;
      case 'RunQuery':
        if (msg.document) {
          this.reads += 1;
          this.billedReads += 1;
          this.documents += 1;
          this.#collection(this.queryCollection ?? collectionOf(msg.document.name)).reads += 1;
        }
        break;
      case 'RunAggregationQuery':
        if (msg.result) {
          const fields = msg.result.aggregateFields ?? {};
          let n = null;
          for (const [alias, v] of Object.entries(fields)) {
            if (this.countAliases.has(alias) && v.integerValue != null) n = Math.max(n ?? 0, toNumber(v.integerValue));
          }
          const billed = n === null ? 1 : Math.max(1, Math.ceil(n / 1000));
          this.reads += billed;
          this.billedReads += billed;
          this.documents += 1;
          this.#collection(this.queryCollection ?? '?').reads += billed;
        }
        break;
      case 'ListDocuments':
        for (const d of msg.documents ?? []) {
          this.reads += 1;
          this.billedReads += 1;
          this.#collection(collectionOf(d.name)).reads += 1;
        }
        break;
      case 'Listen':
        if (msg.documentChange?.document) {
          this.reads += 1;
          this.billedReads += 1;
          this.#collection(collectionOf(msg.documentChange.document.name)).reads += 1;
        }
        break;
      case 'BatchWrite':
        // Each write has its own status; an unsuccessful one writes nothing.
        (msg.status ?? []).forEach((s, i) => {
          if (this.pendingWrites[i]) this.pendingWrites[i].failed = (s.code ?? 0) !== 0;
        });
        break;
      default:
        break;
    }
  }

  finish(status) {
    this.status = status;
    this.attemptedWrites = this.pendingWrites.length;
    const committed = this.method === 'BatchWrite' ? this.pendingWrites.filter((w) => !w.failed) : status === 0 ? this.pendingWrites : [];
    for (const w of committed) {
      if (w.delete) this.deletes += 1;
      this.writes += 1;
      this.#collection(w.collection).writes += 1;
    }
    // A query that returns no document is billed one read.
    if ((this.method === 'RunQuery' || this.method === 'RunAggregationQuery') && status === 0 && this.documents === 0) this.billedReads += 1;
    const { pendingWrites: _p, countAliases: _c, queryCollection: _q, ...record } = this;
    return record;
  }
}

/** Sums RPC records: totals, and by caller → method and caller → collection. */
export function summarize(records) {
  const total = { rpcs: 0, writes: 0, deletes: 0, attemptedWrites: 0, reads: 0, billedReads: 0, missing: 0, failedRpcs: 0 };
  const byCaller = {};
  for (const r of records) {
    total.rpcs += 1;
    if (r.status !== 0) total.failedRpcs += 1;
    for (const k of ['writes', 'deletes', 'attemptedWrites', 'reads', 'billedReads', 'missing']) total[k] += r[k] ?? 0;
    const c = (byCaller[r.caller ?? '?'] ??= { rpcs: {}, writes: 0, reads: 0, billedReads: 0, collections: {} });
    add(c.rpcs, r.status === 0 ? r.method : `${r.method}(failed)`);
    c.writes += r.writes ?? 0;
    c.reads += r.reads ?? 0;
    c.billedReads += r.billedReads ?? 0;
    for (const [col, v] of Object.entries(r.collections ?? {})) {
      const e = (c.collections[col] ??= { writes: 0, reads: 0, missing: 0 });
      e.writes += v.writes;
      e.reads += v.reads;
      e.missing += v.missing ?? 0;
    }
  }
  return { ...total, byCaller };
}

const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);
const forwardable = (headers) => Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_HEADERS.has(k)));

/** A pass-through stream that hands each chunk to `see` as it goes by. */
const tap = (see) =>
  new Transform({
    transform(chunk, _enc, done) {
      try {
        see(chunk);
      } catch {
        // counting must never break the traffic
      }
      done(null, chunk);
    },
  });

/**
 * Starts the proxy. `upstream` is the emulator's "host:port"; `callers` names
 * the ports to open, one each on 127.0.0.1: `basePort` + the caller's index
 * when given (any free port where that one is taken), otherwise any free port.
 * Returns {hosts: {caller: "127.0.0.1:port"}, records, errors, activity(), between(from, to), close()}.
 */
export async function startFirestoreProxy({ upstream, callers = ['*'], host = '127.0.0.1', basePort = 0, onRecord } = {}) {
  const [upHost, upPort] = splitHost(upstream);
  const records = [];
  const errors = [];
  let open = 0;
  let lastAt = 0;
  const servers = [];
  const sockets = new Set();
  // Off: RPCs pass through and are still recorded (method, status, time), but no message is decoded, so nothing is counted as a read or write.
  let decoding = true;

  const record = (r) => {
    records.push(r);
    lastAt = r.at;
    onRecord?.(r);
  };

  const handleStream = (caller, upstreamSession) => (stream, headers) => {
    open += 1;
    lastAt = Date.now();
    const started = Date.now();
    const rpcPath = String(headers[':path'] ?? '');
    const method = rpcPath.startsWith(`/${SERVICE}/`) ? rpcPath.slice(SERVICE.length + 2) : rpcPath;
    const types = decoding ? methodTypes(method) : null;
    const tally = new RpcTally(method);
    const reqParser = new GrpcFrameParser();
    const resParser = new GrpcFrameParser();
    let done = false;
    let status = null;
    const finish = (why) => {
      if (done) return;
      done = true;
      open -= 1;
      const r = tally.finish(status ?? -1);
      record({ ...r, caller, at: Date.now(), startedAt: started, ms: Date.now() - started, ...(why ? { end: why } : {}) });
    };
    const decode = (type, chunk, parser, encoding, into) => {
      if (!type) return;
      for (const f of parser.push(chunk)) {
        try {
          into(type.decode(f.compressed ? inflate(f.payload, encoding) : f.payload));
        } catch {
          tally.undecoded += 1;
        }
      }
    };

    let up;
    try {
      up = upstreamSession().request(forwardable(headers), { endStream: false });
    } catch (e) {
      errors.push(String(e?.message ?? e));
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': 'bench proxy: upstream unavailable' }, { endStream: true });
      finish('upstream unavailable');
      return;
    }
    const reqEncoding = headers['grpc-encoding'];
    stream.pipe(tap((c) => decode(types?.request, c, reqParser, reqEncoding, (m) => tally.request(m)))).pipe(up);

    let trailers = null;
    up.on('response', (resHeaders, flags) => {
      const resEncoding = resHeaders['grpc-encoding'];
      if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) {
        // A trailers-only response (an error before any message).
        status = Number(resHeaders['grpc-status'] ?? -1);
        if (!stream.destroyed) stream.respond(forwardable(resHeaders), { endStream: true });
        return;
      }
      if (!stream.destroyed) stream.respond(forwardable(resHeaders), { waitForTrailers: true });
      up.pipe(tap((c) => decode(types?.response, c, resParser, resEncoding, (m) => tally.response(m)))).pipe(stream);
    });
    up.on('trailers', (t) => {
      trailers = t;
      status = Number(t['grpc-status'] ?? -1);
    });
    stream.on('wantTrailers', () => {
      if (trailers) stream.sendTrailers(forwardable(trailers));
      else stream.close();
    });
    up.on('close', () => {
      if (!stream.destroyed && !stream.closed && up.rstCode && up.rstCode !== http2.constants.NGHTTP2_NO_ERROR) stream.close(up.rstCode);
      finish(up.rstCode ? `upstream reset ${up.rstCode}` : null);
    });
    stream.on('close', () => {
      if (!up.destroyed && !up.closed) up.close(stream.rstCode ?? http2.constants.NGHTTP2_CANCEL);
      finish(stream.rstCode ? `caller reset ${stream.rstCode}` : null);
    });
    up.on('error', (e) => errors.push(`upstream stream: ${e.message}`));
    stream.on('error', (e) => errors.push(`caller stream: ${e.message}`));
  };

  const listen = async (caller, index) => {
    const h2 = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
    h2.on('session', (session) => {
      // One upstream connection per caller connection, as the caller would have had.
      let up = null;
      const upstreamSession = () => {
        if (!up || up.destroyed || up.closed) {
          up = http2.connect(`http://${upHost}:${upPort}`);
          up.on('error', (e) => errors.push(`upstream session: ${e.message}`));
        }
        return up;
      };
      session.on('stream', handleStream(caller, upstreamSession));
      session.on('close', () => up?.close());
      session.on('error', (e) => errors.push(`caller session: ${e.message}`));
    });
    h2.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const server = h2;
    const tryListen = (p) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(p, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    await tryListen(basePort ? basePort + index : 0).catch((e) => {
      if (e.code !== 'EADDRINUSE' || !basePort) throw e;
      return tryListen(0);
    });
    servers.push(server);
    return [caller, `${host}:${server.address().port}`];
  };

  const hosts = Object.fromEntries(await Promise.all(callers.map((c, i) => listen(c, i))));
  return {
    hosts,
    records,
    errors,
    /** What the proxy is doing now: RPCs under way and when the last one started or ended. */
    activity: () => ({ open, lastAt, rpcs: records.length, errors: errors.length }),
    /**
     * Decoding on (the default) or off: off, RPCs still pass through and are
     * recorded, but their documents are not counted (what the capacity ramp
     * uses, so that the proxy's decoding, which grows with the RPCs a message
     * takes, does not weigh on the rate it measures).
     */
    setDecoding: (on) => {
      decoding = Boolean(on);
    },
    /** The records of RPCs that ended within [from, to]. */
    between: (from, to) => records.filter((r) => r.at >= from && r.at <= to),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        let left = servers.length;
        if (!left) resolve();
        for (const s of servers) s.close(() => --left === 0 && resolve());
      }),
  };
}

function splitHost(hostPort) {
  const i = String(hostPort).lastIndexOf(':');
  if (i < 0) throw new Error(`firestore proxy: upstream must be host:port, not "${hostPort}"`);
  return [hostPort.slice(0, i).replace(/^\[|\]$/g, ''), Number(hostPort.slice(i + 1))];
}
