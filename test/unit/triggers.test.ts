// The wiring of each trigger, offline: firebase-functions-test's wrap() hands
// a trigger the event it would get in production; the use case behind it is
// replaced by a spy, so what is tested is the trigger's own work: decoding the
// event, which use case it calls with what, and how an error maps to "retry"
// (the trigger throws) or "drop" (it returns).
import functionsTest from 'firebase-functions-test';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

const fft = functionsTest({ projectId: 'demo-wiring' });
afterAll(() => fft.cleanup());

const ingestAlertMessage = vi.fn();
const storeRejected = vi.fn();
const applyStatusUpdate = vi.fn();
const rollupIncident = vi.fn();
const incidentWritten = vi.fn();
const postmortemWritten = vi.fn();
const deployWritten = vi.fn();
const startDrillFromRequest = vi.fn();
const playDrillTask = vi.fn();

vi.mock('../../functions/src/app/ingestAlerts', () => ({ ingestAlertMessage }));
vi.mock('../../functions/src/app/rejected', () => ({ storeRejected }));
vi.mock('../../functions/src/app/applyUpdate', () => ({ applyStatusUpdate }));
vi.mock('../../functions/src/app/rollupIncident', () => ({ rollupIncident }));
vi.mock('../../functions/src/app/incidentWritten', () => ({ incidentWritten, postmortemWritten, deployWritten }));
vi.mock('../../functions/src/app/drillRequests', () => ({ startDrillFromRequest, playDrillTask }));
const serveAlertWebhook = vi.fn();
vi.mock('../../functions/src/app/httpAdapters', () => ({ serveAlertWebhook }));
const loggerError = vi.fn();
vi.mock('firebase-functions/logger', async (original) => ({ ...(await original<object>()), error: loggerError }));

const { onAlertPublished } = await import('../../functions/src/triggers/onAlertPublished');
const { onUpdateCreated } = await import('../../functions/src/triggers/onUpdateCreated');
const { rollupIncident: rollupTask } = await import('../../functions/src/triggers/rollupIncident');
const { onIncidentWritten } = await import('../../functions/src/triggers/onIncidentWritten');
const { onPostmortemWritten } = await import('../../functions/src/triggers/onPostmortemWritten');
const { runDrill, playDrill } = await import('../../functions/src/triggers/drills');
const { TaskNotDue } = await import('../../functions/src/adapters/tasks');
const { alertWebhook } = await import('../../functions/src/triggers/alertWebhook');
const { consoleUrl } = await import('../../functions/src/params');

const transient = () => Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 });

beforeEach(() => {
  vi.clearAllMocks();
});

describe('onAlertPublished (Pub/Sub alerts)', () => {
  const body = { title: 'Disk almost full', service: 'db' };
  const event = (time = new Date().toISOString()) => ({
    time,
    data: { message: { messageId: 'm-1', data: Buffer.from(JSON.stringify(body)).toString('base64'), attributes: { source: 'generic' } } },
  });

  it('hands the use case the message id, the decoded bytes and the attributes', async () => {
    ingestAlertMessage.mockResolvedValue({ status: 'ingested', incidentIds: [], created: [] });
    await fft.wrap(onAlertPublished)(event() as never);
    expect(ingestAlertMessage).toHaveBeenCalledTimes(1);
    const msg = ingestAlertMessage.mock.calls[0]?.[0];
    expect({ ...msg, data: JSON.parse(msg.data.toString('utf8')) }).toMatchObject({ messageId: 'm-1', data: body, attributes: { source: 'generic' } });
  });

  it('retries a transient failure in process, then lets Pub/Sub retry (the trigger throws)', async () => {
    ingestAlertMessage.mockRejectedValue(transient());
    await expect(fft.wrap(onAlertPublished)(event() as never)).rejects.toMatchObject({ code: 14 });
    expect(ingestAlertMessage).toHaveBeenCalledTimes(5);
  });

  it('throws a bug at once (no in-process retry), so Pub/Sub retries and the log shows it', async () => {
    ingestAlertMessage.mockRejectedValue(new TypeError('boom'));
    await expect(fft.wrap(onAlertPublished)(event() as never)).rejects.toThrow('boom');
    expect(ingestAlertMessage).toHaveBeenCalledTimes(1);
  });

  it('stops retrying a message older than 24 hours: it is kept in rejectedAlerts and acknowledged', async () => {
    storeRejected.mockResolvedValue('msg-m-1');
    await fft.wrap(onAlertPublished)(event(new Date(Date.now() - 25 * 3_600_000).toISOString()) as never);
    expect(ingestAlertMessage).not.toHaveBeenCalled();
    expect(storeRejected).toHaveBeenCalledWith(expect.objectContaining({ id: 'msg-m-1', source: 'generic', raw: JSON.stringify(body), via: 'pubsub' }));
  });
});

describe('Firestore triggers', () => {
  it('onUpdateCreated applies the update named by the document path', async () => {
    applyStatusUpdate.mockResolvedValue({ ok: true, effects: [] });
    await fft.wrap(onUpdateCreated)({ params: { incidentId: 'inc-1', updateId: 'upd-1' } } as never);
    expect(applyStatusUpdate).toHaveBeenCalledWith('inc-1', 'upd-1');
  });

  it('onIncidentWritten passes the before and after data, and null for a deleted document', async () => {
    const before = fft.firestore.makeDocumentSnapshot({ status: 'triggered' }, 'incidents/inc-2');
    const after = fft.firestore.makeDocumentSnapshot({}, 'incidents/inc-2'); // a deleted document has no data
    await fft.wrap(onIncidentWritten)({ params: { incidentId: 'inc-2' }, data: fft.makeChange(before, after) } as never);
    expect(incidentWritten).toHaveBeenCalledWith('inc-2', { status: 'triggered' }, null);
  });

  it('onPostmortemWritten survives a deleted postmortem (after is null) and passes it on', async () => {
    const before = fft.firestore.makeDocumentSnapshot({ status: 'draft' }, 'postmortems/inc-3');
    const after = fft.firestore.makeDocumentSnapshot({}, 'postmortems/inc-3');
    await fft.wrap(onPostmortemWritten)({ params: { incidentId: 'inc-3' }, data: fft.makeChange(before, after) } as never);
    expect(postmortemWritten).toHaveBeenCalledWith('inc-3', { status: 'draft' }, null);
  });
});

describe('task queue triggers', () => {
  it('rollupIncident runs a due task', async () => {
    await rollupTask.run({ data: { incidentId: 'inc-4', second: 7, dueAt: Date.now() - 10 } } as never);
    expect(rollupIncident).toHaveBeenCalledWith('inc-4', 7);
  });

  it('rollupIncident refuses an early task without waiting for it: the queue retries it later', async () => {
    const started = Date.now();
    await expect(rollupTask.run({ data: { incidentId: 'inc-4', second: 7, dueAt: Date.now() + 60_000 } } as never)).rejects.toBeInstanceOf(TaskNotDue);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(rollupIncident).not.toHaveBeenCalled();
  });

  it('playDrill plays the step it was given', async () => {
    await playDrill.run({ data: { drillId: 'drill-1', step: { index: 3 } } } as never);
    expect(playDrillTask).toHaveBeenCalledWith('drill-1', { index: 3 });
  });
});

describe('runDrill (callable)', () => {
  const call = (token: Record<string, unknown> | null, data: Record<string, unknown>) =>
    fft.wrap(runDrill)({ data, ...(token ? { auth: { uid: 'u-1', token } } : {}) } as never);

  it('refuses anyone but an admin', async () => {
    await expect(call({ role: 'responder' }, { scenario: 'bad-deploy' })).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(call(null, { scenario: 'bad-deploy' })).rejects.toMatchObject({ code: 'permission-denied' });
    expect(startDrillFromRequest).not.toHaveBeenCalled();
  });

  it('starts the drill for an admin, and maps a bad request to invalid-argument', async () => {
    startDrillFromRequest.mockResolvedValueOnce({ drillId: 'drill-2' });
    expect(await call({ role: 'admin' }, { scenario: 'bad-deploy' })).toEqual({ drillId: 'drill-2' });
    expect(startDrillFromRequest).toHaveBeenCalledWith({ scenario: 'bad-deploy' }, 'u-1');
    startDrillFromRequest.mockRejectedValueOnce(new Error('no scenario "nope"'));
    await expect(call({ role: 'admin' }, { scenario: 'nope' })).rejects.toMatchObject({ code: 'invalid-argument', message: 'no scenario "nope"' });
  });
});

describe('public endpoints outside the emulator', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });
  const call = async () => {
    const res = { statusCode: 200, body: undefined as unknown, headers: {} as Record<string, string> };
    const response = {
      status(n: number) {
        res.statusCode = n;
        return response;
      },
      json(b: unknown) {
        res.body = b;
        return response;
      },
      set(k: string, v: string) {
        res.headers[k] = v;
        return response;
      },
      setHeader() {},
      getHeader() {},
      end() {},
    };
    const req = { method: 'POST', path: '/generic', url: '/generic', headers: {}, query: {}, rawBody: Buffer.from('{}'), body: {}, get: () => undefined, header: () => undefined };
    await (alertWebhook as unknown as (q: unknown, r: unknown) => Promise<void>)(req, response);
    return res;
  };

  it('answer 503, naming the secret in an error log, while a secret is still a published local default', async () => {
    delete process.env.FUNCTIONS_EMULATOR;
    Object.assign(process.env, { ALERT_WEBHOOK_TOKEN: 'local-alert-token', GRAFANA_WEBHOOK_SECRET: 'none', SENTRY_CLIENT_SECRET: 'none' });
    const res = await call();
    expect(res.statusCode).toBe(503);
    expect(res.headers['Retry-After']).toBe('300');
    expect(serveAlertWebhook).not.toHaveBeenCalled();
    expect(loggerError).toHaveBeenCalledWith(expect.stringContaining('ALERT_WEBHOOK_TOKEN is still a published local default'), expect.objectContaining({ secret: 'ALERT_WEBHOOK_TOKEN' }));
  });

  it('answer 503 for a secret too short to be real, and serve with a real-looking one', async () => {
    delete process.env.FUNCTIONS_EMULATOR;
    Object.assign(process.env, { ALERT_WEBHOOK_TOKEN: 'short', GRAFANA_WEBHOOK_SECRET: 'none', SENTRY_CLIENT_SECRET: 'none' });
    expect((await call()).statusCode).toBe(503);
    expect(loggerError).toHaveBeenCalledWith(expect.stringContaining('ALERT_WEBHOOK_TOKEN is 5 characters long'), expect.anything());
    process.env.ALERT_WEBHOOK_TOKEN = 'k3J9x-QmT2vW8pLr5ZsY';
    await call();
    expect(serveAlertWebhook).toHaveBeenCalledTimes(1);
  });

  it('accept the local defaults on the emulator', async () => {
    Object.assign(process.env, { FUNCTIONS_EMULATOR: 'true', ALERT_WEBHOOK_TOKEN: 'local-alert-token', GRAFANA_WEBHOOK_SECRET: 'none', SENTRY_CLIENT_SECRET: 'none' });
    await call();
    expect(serveAlertWebhook).toHaveBeenCalledTimes(1);
    expect(loggerError).not.toHaveBeenCalled();
  });

  it('log an error when CONSOLE_URL is a loopback address in production', () => {
    delete process.env.FUNCTIONS_EMULATOR;
    process.env.CONSOLE_URL = 'http://127.0.0.1:5000';
    expect(consoleUrl()).toBe('http://127.0.0.1:5000');
    expect(loggerError).toHaveBeenCalledWith(expect.stringContaining('CONSOLE_URL is http://127.0.0.1:5000, a loopback address'), expect.objectContaining({ param: 'CONSOLE_URL' }));
  });
});
