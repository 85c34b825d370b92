// The local task timer (scripts/lib/taskTimer.mjs) and the tasks adapter's
// use of it on the emulator: a task due later is kept by the timer and
// reaches the Cloud Tasks emulator at its time; no function waits for it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTaskTimer } from '../../scripts/lib/taskTimer.mjs';
import { assertDue, enqueueTask, TaskNotDue } from '../../functions/src/adapters/tasks';

/** A stand-in for the Cloud Tasks emulator's enqueue endpoint that records each task and when it came. */
const received: { url: string; body: { task: { name: string; httpRequest: { body: string } } }; at: number }[] = [];
let fakeTasks: http.Server;
let tasksHost = '';
beforeAll(async () => {
  fakeTasks = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', body: JSON.parse(body), at: Date.now() });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => fakeTasks.listen(0, '127.0.0.1', r));
  tasksHost = `127.0.0.1:${(fakeTasks.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => fakeTasks.close(() => r())));
afterEach(() => {
  received.length = 0;
});

async function until<T>(probe: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the local task timer', () => {
  it('lists the tasks it keeps at GET /tasks, soonest first, until it hands them over', async () => {
    const timer = await startTaskTimer({ tasksHost, projectId: 'demo-x' });
    try {
      const soon = Date.now() + 300;
      const later = Date.now() + 60_000;
      await fetch(timer.url, { method: 'POST', body: JSON.stringify({ fn: 'statusCadence', id: 'later', data: {}, at: later }) });
      await fetch(timer.url, { method: 'POST', body: JSON.stringify({ fn: 'rollupIncident', id: 'soon', data: {}, at: soon }) });
      const list = async () => (await fetch(`${timer.url}tasks`)).json();
      expect(await list()).toEqual([
        { fn: 'rollupIncident', id: 'soon', at: soon },
        { fn: 'statusCadence', id: 'later', at: later },
      ]);
      await until(() => received[0], 'the soon task at the emulator');
      expect(await list()).toEqual([{ fn: 'statusCadence', id: 'later', at: later }]);
      expect(await (await fetch(timer.url)).json()).toMatchObject({ pending: 1, sent: 1 });
    } finally {
      await timer.close();
    }
  });

  it('keeps a task until it is due, then enqueues it on the emulator with its name and data', async () => {
    const timer = await startTaskTimer({ tasksHost, projectId: 'demo-x' });
    try {
      const due = Date.now() + 400;
      const res = await fetch(timer.url, { method: 'POST', body: JSON.stringify({ fn: 'rollupIncident', id: 'rollup-a-1', data: { incidentId: 'a' }, at: due }) });
      expect(res.status).toBe(201);
      expect(received).toHaveLength(0);
      const got = await until(() => received[0], 'the task at the emulator');
      expect(got.at).toBeGreaterThanOrEqual(due);
      expect(got.url).toBe('/projects/demo-x/locations/us-central1/queues/rollupIncident/tasks');
      expect(got.body.task.name).toBe('projects/demo-x/locations/us-central1/queues/rollupIncident/tasks/rollup-a-1');
      expect(JSON.parse(Buffer.from(got.body.task.httpRequest.body, 'base64').toString('utf8'))).toEqual({ data: { incidentId: 'a' } });
      // The timer counts the hand-over once the emulator answered it.
      expect(await until(() => (timer.stats().sent === 1 ? timer.stats() : undefined), 'the hand-over to be counted')).toMatchObject({ pending: 0, sent: 1 });
    } finally {
      await timer.close();
    }
  });

  it('refuses a second task with the same id, as Cloud Tasks refuses a duplicate name', async () => {
    const timer = await startTaskTimer({ tasksHost, projectId: 'demo-x' });
    try {
      const task = { fn: 'deliverNotification', id: 'deliver-n-1', data: {}, at: Date.now() + 60_000 };
      expect((await fetch(timer.url, { method: 'POST', body: JSON.stringify(task) })).status).toBe(201);
      expect((await fetch(timer.url, { method: 'POST', body: JSON.stringify(task) })).status).toBe(409);
      expect(timer.stats()).toMatchObject({ pending: 1, duplicates: 1 });
      expect((await fetch(timer.url, { method: 'POST', body: '{"fn": 1}' })).status).toBe(400);
    } finally {
      await timer.close();
    }
  });

  it('keeps a task due in 40 days without spinning: setTimeout holds at most 24.8 days, so the timer re-arms', async () => {
    const timer = await startTaskTimer({ tasksHost, projectId: 'demo-x' });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const task = { fn: 'announceHandoff', id: 'handoff-primary-far', data: {}, at: Date.now() + 40 * 86_400_000 };
      expect((await fetch(timer.url, { method: 'POST', body: JSON.stringify(task) })).status).toBe(201);
      await until(() => (timer.stats().pending === 1 ? true : undefined), 'the task to be kept');
      await new Promise((r) => setImmediate(r)); // Node warns of an overflowing delay on the next tick after arming it
      expect(warnings.filter((w) => w === 'TimeoutOverflowWarning')).toEqual([]);
      expect(received).toHaveLength(0);
    } finally {
      process.off('warning', onWarning);
      await timer.close();
    }
  });
});

describe('the tasks adapter on the emulator', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('hands a task due later to the local timer (TASK_TIMER_URL), with its due time in the data', async () => {
    const timer = await startTaskTimer({ tasksHost, projectId: 'demo-x' });
    try {
      Object.assign(process.env, { FUNCTIONS_EMULATOR: 'true', TASK_TIMER_URL: timer.url });
      const at = new Date(Date.now() + 300);
      expect(await enqueueTask('playDrill', { drillId: 'd' }, { id: 'play d/1', at })).toBe(true);
      expect(await enqueueTask('playDrill', { drillId: 'd' }, { id: 'play d/1', at })).toBe(false);
      const got = await until(() => received[0], 'the task at the emulator');
      expect(got.body.task.name.endsWith('/tasks/play_d_1')).toBe(true);
      expect(JSON.parse(Buffer.from(got.body.task.httpRequest.body, 'base64').toString('utf8'))).toEqual({ data: { drillId: 'd', dueAt: at.getTime() } });
    } finally {
      await timer.close();
    }
  });

  it('refuses an early task without waiting, and runs one that is due (within a second of clock skew)', () => {
    const now = 1_000_000;
    expect(() => assertDue(now + 5000, now)).toThrow(TaskNotDue);
    expect(() => assertDue(now + 900, now)).not.toThrow();
    expect(() => assertDue(now - 5000, now)).not.toThrow();
    expect(() => assertDue(undefined, now)).not.toThrow();
  });
});
