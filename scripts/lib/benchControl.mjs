// The bench's side channel: `npm run bench` keeps the Firestore proxy and the
// invocation log; the script it runs inside `firebase emulators:exec` asks it,
// over loopback HTTP, whether the functions have gone quiet and what the proxy
// counted. Only the bench's own processes use it.
import http from 'node:http';
import { summarize } from './firestoreProxy.mjs';

/** Serves GET /activity, GET /firestore?from=&to=&caller= and POST /decoding?on=0|1 ; resolves to {url, close()}. */
export async function startControl({ log, proxy }) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/activity') {
      return send(200, { now: Date.now(), functions: log.activity(), firestore: proxy.activity() });
    }
    if (url.pathname === '/decoding' && req.method === 'POST') {
      proxy.setDecoding(url.searchParams.get('on') === '1');
      return send(200, { decoding: url.searchParams.get('on') === '1' });
    }
    if (url.pathname === '/firestore') {
      const from = Number(url.searchParams.get('from'));
      const to = Number(url.searchParams.get('to'));
      const caller = url.searchParams.get('caller');
      const records = proxy.between(from, to).filter((r) => !caller || r.caller === caller);
      return send(200, summarize(records));
    }
    return send(404, { error: `no ${url.pathname}` });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/** The client side, for the scripts that run inside emulators:exec. */
export function controlClient(baseUrl) {
  const get = async (p, method = 'GET') => {
    const res = await fetch(`${baseUrl}${p}`, { method });
    if (!res.ok) throw new Error(`bench control ${p}: HTTP ${res.status}`);
    return res.json();
  };
  return {
    activity: () => get('/activity'),
    /** The proxy's decoding on or off (off: no reads or writes counted; the ramp's setting). */
    decoding: (on) => get(`/decoding?on=${on ? 1 : 0}`, 'POST'),
    firestore: (from, to, caller) => get(`/firestore?from=${from}&to=${to}${caller ? `&caller=${encodeURIComponent(caller)}` : ''}`),
    /**
     * Resolves when neither a function execution nor a Firestore RPC has begun
     * or ended for `forMs`, and (with `allFinished`) no execution is still
     * running. Polls with a deadline; on timeout resolves with what was still
     * running instead of throwing (the caller says so in its figures).
     */
    async quiet({ forMs = 2000, allFinished = true, timeoutMs = 90_000 } = {}) {
      const started = Date.now();
      for (;;) {
        const a = await get('/activity');
        const last = Math.max(a.functions.lastAt, a.firestore.lastAt);
        const running = Object.values(a.functions.running).reduce((s, n) => s + n, 0);
        if (a.now - last >= forMs && a.firestore.open === 0 && (!allFinished || running === 0)) return { at: Date.now(), waitedMs: Date.now() - started, timedOut: false };
        if (Date.now() - started > timeoutMs) return { at: Date.now(), waitedMs: Date.now() - started, timedOut: true, running: a.functions.running, openRpcs: a.firestore.open };
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}
