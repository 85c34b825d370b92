// The bench's meters, without the emulators: the gRPC frame parser and the
// Firestore proxy's counting (fed messages encoded with the real protos, and
// streams through a stand-in upstream), the Functions emulator log parser, and
// the cost arithmetic, and the CPU sampler (on this machine's /proc).
import { spawn } from 'node:child_process';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionOf, firestoreProtos, GrpcFrameParser, grpcFrame, RpcTally, startFirestoreProxy, summarize, type FirestoreProxy } from '../../scripts/lib/firestoreProxy.mjs';
import { InvocationLog } from '../../scripts/lib/functionsLog.mjs';
import { costOf, lessBaseline, perUnit, windowCounts } from '../../scripts/lib/benchCost.mjs';
import { kindOf, startCpuSampler } from '../../scripts/lib/cpuSampler.mjs';

const DB = 'projects/p/databases/(default)';
const doc = (path: string) => `${DB}/documents/${path}`;
const type = (name: string) => firestoreProtos().lookupType(`google.firestore.v1.${name}`);
const encode = (name: string, value: object) => Buffer.from(type(name).encode(type(name).fromObject(value)).finish());
const decoded = (name: string, value: object) => type(name).decode(encode(name, value));

describe('GrpcFrameParser', () => {
  it('splits length-prefixed messages, whatever the chunking', () => {
    const a = Buffer.from('first message');
    const b = Buffer.alloc(70_000, 7); // longer than one HTTP/2 DATA frame
    const bytes = Buffer.concat([grpcFrame(a), grpcFrame(b), grpcFrame(Buffer.alloc(0))]);
    for (const size of [7, 1000, 16_384, bytes.length]) {
      const parser = new GrpcFrameParser();
      const out = [];
      for (let i = 0; i < bytes.length; i += size) out.push(...parser.push(bytes.subarray(i, i + size)));
      expect(out.map((m) => m.payload.length), `chunks of ${size}`).toEqual([a.length, b.length, 0]);
      expect(out[0]?.payload.equals(a)).toBe(true);
      expect(parser.pending).toBe(0);
    }
  });

  it('reads a prefix split anywhere, byte by byte', () => {
    const parser = new GrpcFrameParser();
    const bytes = Buffer.concat([grpcFrame(Buffer.from('one')), grpcFrame(Buffer.from('two!'))]);
    const out = [];
    for (let i = 0; i < bytes.length; i++) out.push(...parser.push(bytes.subarray(i, i + 1)));
    expect(out.map((m) => m.payload.toString())).toEqual(['one', 'two!']);
  });

  it('keeps an incomplete message until the rest arrives', () => {
    const parser = new GrpcFrameParser();
    const frame = grpcFrame(Buffer.from('abc'));
    expect(parser.push(frame.subarray(0, 6))).toEqual([]);
    expect(parser.pending).toBe(6);
    expect(parser.push(frame.subarray(6)).map((m) => m.payload.toString())).toEqual(['abc']);
  });
});

describe('collectionOf', () => {
  it('names the collection of a document, ids as *', () => {
    expect(collectionOf(doc('incidents/abc'))).toBe('incidents');
    expect(collectionOf(doc('incidents/abc/alerts/x'))).toBe('incidents/*/alerts');
    expect(collectionOf(`${DB}/documents`)).toBe('');
  });
});

describe('RpcTally', () => {
  it('counts the writes of a Commit that succeeds, deletes among them, by collection', () => {
    const t = new RpcTally('Commit');
    t.request(decoded('CommitRequest', {
      database: DB,
      writes: [
        { update: { name: doc('incidents/a'), fields: { n: { integerValue: 1 } } } },
        { update: { name: doc('incidents/a/alerts/x'), fields: {} }, currentDocument: { exists: false } },
        { delete: doc('groups/g') },
      ],
    }));
    const r = t.finish(0);
    expect([r.writes, r.deletes, r.attemptedWrites]).toEqual([3, 1, 3]);
    expect(r.collections).toEqual({ incidents: { writes: 1, reads: 0, missing: 0 }, 'incidents/*/alerts': { writes: 1, reads: 0, missing: 0 }, groups: { writes: 1, reads: 0, missing: 0 } });
  });

  it('counts no write for a Commit that fails (ABORTED, ALREADY_EXISTS, ...)', () => {
    const t = new RpcTally('Commit');
    t.request(decoded('CommitRequest', { database: DB, writes: [{ update: { name: doc('a/b'), fields: {} } }] }));
    const r = t.finish(6);
    expect([r.writes, r.attemptedWrites]).toEqual([0, 1]);
  });

  it('counts found documents of BatchGetDocuments as reads, missing ones as billed only', () => {
    const t = new RpcTally('BatchGetDocuments');
    t.request(decoded('BatchGetDocumentsRequest', { database: DB, documents: [doc('a/1'), doc('a/2')] }));
    t.response(decoded('BatchGetDocumentsResponse', { transaction: Buffer.from('tx') }));
    t.response(decoded('BatchGetDocumentsResponse', { found: { name: doc('a/1'), fields: {} } }));
    t.response(decoded('BatchGetDocumentsResponse', { missing: doc('a/2') }));
    const r = t.finish(0);
    expect([r.reads, r.missing, r.billedReads]).toEqual([1, 1, 2]);
    expect(r.collections.a).toEqual({ writes: 0, reads: 1, missing: 1 });
  });

  it('counts each document a query returns, and bills 1 read for a query that returns none', () => {
    const q = new RpcTally('RunQuery');
    q.request(decoded('RunQueryRequest', { parent: doc('incidents/i'), structuredQuery: { from: [{ collectionId: 'alerts' }] } }));
    for (const id of ['x', 'y']) q.response(decoded('RunQueryResponse', { document: { name: doc(`incidents/i/alerts/${id}`), fields: {} } }));
    q.response(decoded('RunQueryResponse', { done: true }));
    const r = q.finish(0);
    expect([r.reads, r.billedReads]).toEqual([2, 2]);
    expect(Object.keys(r.collections)).toEqual(['incidents/*/alerts']);

    const empty = new RpcTally('RunQuery');
    empty.request(decoded('RunQueryRequest', { parent: `${DB}/documents`, structuredQuery: { from: [{ collectionId: 'deploys' }] } }));
    empty.response(decoded('RunQueryResponse', { readTime: { seconds: 1 } }));
    const e = empty.finish(0);
    expect([e.reads, e.billedReads]).toEqual([0, 1]);
  });

  it('bills a count() 1 read per up to 1,000 index entries, at least 1', () => {
    const count = (n: number) => {
      const t = new RpcTally('RunAggregationQuery');
      t.request(decoded('RunAggregationQueryRequest', { parent: doc('incidents/i'), structuredAggregationQuery: { structuredQuery: { from: [{ collectionId: 'alerts' }] }, aggregations: [{ alias: 'aggregate_0', count: {} }] } }));
      t.response(decoded('RunAggregationQueryResponse', { result: { aggregateFields: { aggregate_0: { integerValue: n } } } }));
      return t.finish(0).reads;
    };
    expect([count(0), count(1), count(1000), count(1001), count(1500)]).toEqual([1, 1, 1, 2, 2]);
  });

  it('counts BeginTransaction and Rollback as RPCs with no document', () => {
    const records = ['BeginTransaction', 'Rollback'].map((m) => ({ ...new RpcTally(m).finish(0), caller: 'fn' }));
    const s = summarize(records);
    expect([s.rpcs, s.reads, s.writes]).toEqual([2, 0, 0]);
    expect(s.byCaller.fn?.rpcs).toEqual({ BeginTransaction: 1, Rollback: 1 });
  });
});

describe('startFirestoreProxy (with a stand-in upstream)', () => {
  let upstream: http2.Http2Server;
  let proxy: FirestoreProxy;
  const commitResponse = encode('CommitResponse', { commitTime: { seconds: 5 } });
  const found = (id: string) => encode('BatchGetDocumentsResponse', { found: { name: doc(`a/${id}`), fields: { v: { stringValue: id } } } });

  beforeAll(async () => {
    upstream = http2.createServer();
    upstream.on('stream', (stream, headers) => {
      const path = String(headers[':path']);
      stream.resume();
      stream.on('end', () => {
        if (headers['x-test-fail']) {
          // Trailers only: an error before any message.
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '6', 'grpc-message': 'already exists' }, { endStream: true });
        } else if (path.endsWith('/Commit')) {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          stream.end(grpcFrame(commitResponse));
        } else if (path.endsWith('/BatchGetDocuments')) {
          // A server stream: two messages, written apart, split mid-prefix.
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-upstream': 'trailer' }));
          const bytes = Buffer.concat([grpcFrame(found('1')), grpcFrame(found('2'))]);
          stream.write(bytes.subarray(0, 3));
          setTimeout(() => stream.end(bytes.subarray(3)), 20);
        } else {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
        }
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as { port: number }).port;
    proxy = await startFirestoreProxy({ upstream: `127.0.0.1:${port}`, callers: ['fnA', 'fnB'] });
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise((r) => upstream.close(r));
  });

  /** One unary or server-streaming call through the proxy: the response bytes, headers and trailers. */
  function call(caller: string, method: string, body: Buffer, extra: Record<string, string> = {}) {
    return new Promise<{ data: Buffer; headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders }>((resolve, reject) => {
      const client = http2.connect(`http://${proxy.hosts[caller]}`);
      const req = client.request({ ':method': 'POST', ':path': `/google.firestore.v1.Firestore/${method}`, 'content-type': 'application/grpc', te: 'trailers', ...extra });
      const chunks: Buffer[] = [];
      let headers: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      req.on('response', (h) => (headers = h));
      req.on('trailers', (t) => (trailers = t));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        client.close();
        resolve({ data: Buffer.concat(chunks), headers, trailers });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('passes a unary call through byte for byte and counts its writes for its caller', async () => {
    const body = grpcFrame(encode('CommitRequest', { database: DB, writes: [{ update: { name: doc('incidents/a'), fields: {} } }, { update: { name: doc('alertMessages/m'), fields: {} } }] }));
    const r = await call('fnA', 'Commit', body);
    expect(r.data.equals(grpcFrame(commitResponse))).toBe(true);
    expect(r.trailers['grpc-status']).toBe('0');
  });

  it('streams a server-streaming response through with its trailers, and counts the documents', async () => {
    const body = grpcFrame(encode('BatchGetDocumentsRequest', { database: DB, documents: [doc('a/1'), doc('a/2')] }));
    const r = await call('fnB', 'BatchGetDocuments', body);
    expect(r.data.equals(Buffer.concat([grpcFrame(found('1')), grpcFrame(found('2'))]))).toBe(true);
    expect(r.trailers['x-upstream']).toBe('trailer');
  });

  it('passes a trailers-only error through, and counts the failed commit as no write', async () => {
    const body = grpcFrame(encode('CommitRequest', { database: DB, writes: [{ update: { name: doc('groups/g'), fields: {} } }] }));
    const r = await call('fnA', 'Commit', body, { 'x-test-fail': '1' });
    expect(r.headers['grpc-status']).toBe('6');
    expect(r.headers['grpc-message']).toBe('already exists');
    expect(r.data.length).toBe(0);
  });

  it('attributes what it counted to the caller of each port', async () => {
    const deadline = Date.now() + 2000;
    while (proxy.records.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const s = summarize(proxy.records);
    expect(s.byCaller.fnA?.writes).toBe(2);
    expect(s.byCaller.fnA?.collections).toMatchObject({ incidents: { writes: 1 }, alertMessages: { writes: 1 } });
    expect(s.byCaller.fnB?.reads).toBe(2);
    expect(s.byCaller.fnA?.rpcs).toEqual({ Commit: 1, 'Commit(failed)': 1 });
    expect(s.attemptedWrites).toBe(3);
    expect(proxy.errors).toEqual([]);
    expect(proxy.activity().open).toBe(0);
  });

  it('with decoding off, passes a call through and records it, but counts no write', async () => {
    const before = proxy.records.length;
    proxy.setDecoding(false);
    try {
      const body = grpcFrame(encode('CommitRequest', { database: DB, writes: [{ update: { name: doc('incidents/b'), fields: {} } }] }));
      const r = await call('fnB', 'Commit', body);
      expect(r.data.equals(grpcFrame(commitResponse))).toBe(true);
      const deadline = Date.now() + 2000;
      while (proxy.records.length < before + 1 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
      const s = summarize(proxy.records.slice(before));
      expect(s.rpcs).toBe(1);
      expect(s.writes).toBe(0);
    } finally {
      proxy.setDecoding(true);
    }
  });
});

describe('InvocationLog', () => {
  it('counts the Functions emulator\'s executions by function within a window', () => {
    const log = new InvocationLog();
    log.line('i  functions: Beginning execution of "us-central1-onAlertPublished"', 1000);
    log.line('\u001b[36mi  functions:\u001b[39m Beginning execution of "us-central1-rollupIncident"', 1500);
    log.line('>  {"severity":"INFO","message":"message ingested"}', 1600);
    log.line('i  functions: Finished "us-central1-onAlertPublished" in 123.4ms', 1700);
    log.line('i  functions: Beginning execution of "us-central1-onAlertPublished"', 3000);
    expect(log.between(900, 2000)).toEqual({ total: 2, byFunction: { onAlertPublished: 1, rollupIncident: 1 } });
    expect(log.between(0, 5000).byFunction.onAlertPublished).toBe(2);
    expect(log.runningNow()).toEqual({ rollupIncident: 1, onAlertPublished: 1 });
    expect(log.activity().lastAt).toBe(3000);
  });
});

describe('cost arithmetic', () => {
  const log = new InvocationLog();
  const records = [
    { ...new RpcTally('Commit').finish(0), writes: 2, caller: 'onAlertPublished', at: 1500, collections: {} },
    { ...new RpcTally('BatchGetDocuments').finish(0), reads: 3, billedReads: 3, caller: 'onAlertPublished', at: 1600, collections: {} },
    { ...new RpcTally('Commit').finish(0), writes: 1, caller: 'background', at: 500, collections: {} },
  ];
  const proxy = { between: (from: number, to: number) => records.filter((r) => r.at >= from && r.at <= to) };
  log.line('Beginning execution of "us-central1-onAlertPublished"', 1400);
  log.line('Beginning execution of "us-central1-background"', 400);

  it('subtracts the baseline at its rate over the window', () => {
    const baseline = windowCounts(log, proxy, 0, 1000); // 1 write, 1 execution in 1 s
    const storm = windowCounts(log, proxy, 1000, 3000); // 2 s
    const c = lessBaseline(storm, baseline);
    expect([c.writes, c.reads, c.invocations]).toEqual([0, 3, 0]);
    expect(lessBaseline(storm, null).writes).toBe(2);
  });

  it('prices per million alerts at list prices', () => {
    const per = perUnit(lessBaseline(windowCounts(log, proxy, 1000, 3000), null), 1);
    // 2 writes, 3 reads, 1 invocation per alert, × 1e6: 20 × $0.09 + 30 × $0.03 = $2.70; 1 × $0.40
    expect(costOf(per)).toMatchObject({ firestoreUsd: 2.7, functionsUsd: 0.4, totalUsd: 3.1 });
  });
});

describe('the CPU sampler', () => {
  it('names the kinds of an emulator suite\'s processes from their command lines', () => {
    expect(kindOf('/usr/bin/node /x/node_modules/firebase-tools/lib/emulator/functionsEmulatorRuntime')).toBe('functions workers');
    expect(kindOf('/usr/lib/jvm/temurin-25-jdk-amd64/bin/java -jar /x/.emulators/cloud-firestore-launcher.jar --port 8080')).toBe('Firestore emulator');
    expect(kindOf('java -cp /usr/lib/google-cloud-sdk/platform/pubsub-emulator/lib/x.jar com.google.cloud.pubsub.testing.v1.Main')).toBe('Pub/Sub emulator');
    expect(kindOf('/usr/bin/node /x/scripts/lib/bench-pipeline.mjs /x/out.json {}')).toBe('bench driver');
    expect(kindOf('node /x/node_modules/.bin/firebase emulators:exec --config c.json')).toBe('Functions emulator (firebase-tools)');
    expect(kindOf('/bin/sh -c true')).toBe('other');
  });

  it.runIf(process.platform === 'linux')('counts the CPU time of a descendant that burns it, and none before it started', async () => {
    // A shell (the root) that, once told on its stdin, starts a child that burns about 300 ms of CPU and then waits until stdin closes.
    const burn = 'const t = process.cpuUsage(); while ((process.cpuUsage(t).user + process.cpuUsage(t).system) < 300000); console.log("done"); process.stdin.resume(); process.stdin.on("end", () => process.exit(0));';
    const root = spawn('/bin/sh', ['-c', `read go; ${JSON.stringify(process.execPath)} -e ${JSON.stringify(burn)} bench-pipeline.mjs; true`], { stdio: ['pipe', 'pipe', 'inherit'] });
    const ended = new Promise((resolve) => root.once('close', resolve));
    const sampler = startCpuSampler(root.pid as number, { intervalMs: 50 });
    const before = Date.now();
    expect(sampler.available).toBe(true);
    root.stdin?.write('go\n'); // after the sampler's first sample: the child starts inside the window
    await new Promise<void>((resolve) => root.stdout?.once('data', () => resolve()));
    // Let the sampler see the burnt time (poll with a deadline).
    let window = sampler.between(before, Date.now());
    for (const deadline = Date.now() + 5000; (window?.ms['bench driver'] ?? 0) < 250 && Date.now() < deadline; window = sampler.between(before, Date.now())) {
      await new Promise((r) => setTimeout(r, 50));
    }
    sampler.stop();
    root.stdin?.end();
    await ended;
    expect(window?.ms['bench driver']).toBeGreaterThanOrEqual(250);
    expect(window?.ms['bench driver']).toBeLessThan(2000);
    expect(window?.started['bench driver']).toBe(1);
    expect(sampler.between(before - 10_000, before - 5000)?.ms['bench driver']).toBe(0);
  });
});
