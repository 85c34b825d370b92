// The local task timer: what Cloud Tasks' scheduleTime does in production,
// for the Cloud Tasks emulator, which ignores it and dispatches every task at
// once. On the emulator, functions hand a task that is due later to this
// timer (TASK_TIMER_URL, see functions/src/adapters/tasks.ts); it keeps the
// task in memory and enqueues it on the emulator when it is due. Nothing
// waits inside a function worker. Started beside the emulators by npm start,
// npm test, npm run with-emulators, the sandbox and the bench.
//
// POST /  {fn, id, data, at}   201 kept, 409 the id is already kept or sent
// GET  /  {pending, sent, failed}
// GET  /tasks  [{fn, id, at}]   the tasks it keeps, soonest first (tests check what was scheduled)
import http from 'node:http';

const REGION = 'us-central1';
const EMULATED_SERVICE_ACCOUNT = 'emulated-service-acct@email.com';

/**
 * Starts the timer on a free loopback port. `tasksHost` is the Cloud Tasks
 * emulator (host:port), `projectId` the emulated project.
 * Resolves to {url, stats(), close()}.
 */
export async function startTaskTimer({ tasksHost, projectId, log = () => {} }) {
  const kept = new Map(); // key → timeout handle
  const keptTasks = new Map(); // key → {fn, id, at}
  const seen = new Set(); // every key ever accepted: task ids deduplicate forever, as Cloud Tasks' names do
  const stats = { pending: 0, sent: 0, failed: 0, duplicates: 0 };

  async function enqueueOnEmulator({ fn, id, data }) {
    const queue = `projects/${projectId}/locations/${REGION}/queues/${fn}`;
    const task = {
      name: `${queue}/tasks/${id}`,
      httpRequest: {
        url: '',
        oidcToken: { serviceAccountEmail: EMULATED_SERVICE_ACCOUNT },
        body: Buffer.from(JSON.stringify({ data })).toString('base64'),
        headers: { 'Content-Type': 'application/json' },
      },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`http://${tasksHost}/${queue}/tasks`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: 'Bearer owner' },
          body: JSON.stringify({ task }),
        });
        if (res.ok || res.status === 409) return true; // 409: the emulator already had it
        throw new Error(`Cloud Tasks emulator answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
      } catch (e) {
        if (attempt >= 5) {
          log(`task timer: could not enqueue ${fn}/${id}: ${e.message}`);
          return false;
        }
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  /** setTimeout holds at most 2^31-1 ms (24.8 days): a later task is re-armed when that runs out. */
  const MAX_DELAY_MS = 2 ** 31 - 1;
  const delayUntil = (at) => Math.min(MAX_DELAY_MS, Math.max(0, at - Date.now()));

  function keep(task) {
    const key = `${task.fn}/${task.id}`;
    if (seen.has(key)) {
      stats.duplicates++;
      return false;
    }
    seen.add(key);
    stats.pending++;
    keptTasks.set(key, { fn: task.fn, id: task.id, at: task.at });
    const fire = async () => {
      // A timer may fire a millisecond early: never hand a task over before its time.
      if (Date.now() < task.at) {
        kept.set(key, setTimeout(fire, delayUntil(task.at)));
        return;
      }
      kept.delete(key);
      keptTasks.delete(key);
      stats.pending--;
      if (await enqueueOnEmulator(task)) stats.sent++;
      else stats.failed++;
    };
    kept.set(key, setTimeout(fire, delayUntil(task.at)));
    return true;
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const list = req.url === '/tasks' ? [...keptTasks.values()].sort((a, b) => a.at - b.at) : null;
      res.end(JSON.stringify(list ?? stats));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let task;
      try {
        task = JSON.parse(body);
      } catch {
        res.writeHead(400).end('body must be JSON');
        return;
      }
      if (typeof task?.fn !== 'string' || typeof task.id !== 'string' || typeof task.at !== 'number' || typeof task.data !== 'object') {
        res.writeHead(400).end('expected {fn, id, data, at}');
        return;
      }
      const accepted = keep(task);
      res.writeHead(accepted ? 201 : 409, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ accepted }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise((resolve) => {
        for (const h of kept.values()) clearTimeout(h);
        kept.clear();
        keptTasks.clear();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
