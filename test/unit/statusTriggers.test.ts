// The status page's HTTP triggers, offline: each hands its request to the
// status use case of its kind with the page's URL (CONSOLE_URL + /status) and
// the link secret, and the subscription endpoints answer 503 outside the
// emulator while STATUS_LINK_SECRET is still a published placeholder.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const serveStatus = vi.fn();
vi.mock('../../functions/src/app/statusHttp', async (original) => ({ ...(await original<object>()), serveStatus }));
const loggerError = vi.fn();
vi.mock('firebase-functions/logger', async (original) => ({ ...(await original<object>()), error: loggerError }));

const { statusFeed } = await import('../../functions/src/triggers/statusFeed');
const { statusSubscribe } = await import('../../functions/src/triggers/statusSubscribe');
const { statusConfirm } = await import('../../functions/src/triggers/statusConfirm');
const { statusUnsubscribe } = await import('../../functions/src/triggers/statusUnsubscribe');

type Handler = (req: unknown, res: unknown) => Promise<void>;
const saved = { ...process.env };

function call(fn: unknown) {
  const res = { statusCode: 200, headers: {} as Record<string, string> };
  const response = {
    status(n: number) {
      res.statusCode = n;
      return response;
    },
    json() {
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
  const req = { method: 'GET', path: '/', url: '/', headers: {}, query: {}, rawBody: Buffer.alloc(0), body: {}, get: () => undefined, header: () => undefined };
  return (fn as Handler)(req, response).then(() => ({ res, response }));
}

beforeEach(() => {
  vi.clearAllMocks();
  process.env.CONSOLE_URL = 'https://status-test.example.com/';
});
afterEach(() => {
  process.env = { ...saved };
});

describe('status page triggers', () => {
  it.each([
    ['subscribe', statusSubscribe],
    ['confirm', statusConfirm],
    ['unsubscribe', statusUnsubscribe],
  ])('%s: serves with the page URL and the link secret', async (kind, fn) => {
    process.env.FUNCTIONS_EMULATOR = 'true';
    process.env.STATUS_LINK_SECRET = 'local-status-link-secret';
    const { response } = await call(fn);
    expect(serveStatus).toHaveBeenCalledTimes(1);
    expect(serveStatus.mock.calls[0]?.[0]).toBe(kind);
    expect(serveStatus.mock.calls[0]?.[2]).toBe(response);
    expect(serveStatus.mock.calls[0]?.[3]).toEqual({ secret: 'local-status-link-secret', pageUrl: 'https://status-test.example.com/status' });
  });

  it.each([
    ['subscribe', statusSubscribe],
    ['confirm', statusConfirm],
    ['unsubscribe', statusUnsubscribe],
  ])('%s: answers 503 outside the emulator while the secret is a published placeholder, naming it in the log', async (_kind, fn) => {
    delete process.env.FUNCTIONS_EMULATOR;
    process.env.STATUS_LINK_SECRET = 'local-status-link-secret';
    const { res } = await call(fn);
    expect(res.statusCode).toBe(503);
    expect(res.headers['Retry-After']).toBe('300');
    expect(serveStatus).not.toHaveBeenCalled();
    expect(loggerError).toHaveBeenCalledWith(expect.stringContaining('STATUS_LINK_SECRET is still a published local default'), expect.objectContaining({ secret: 'STATUS_LINK_SECRET' }));
  });

  it('feed: needs no secret, and serves outside the emulator too', async () => {
    delete process.env.FUNCTIONS_EMULATOR;
    await call(statusFeed);
    expect(serveStatus).toHaveBeenCalledTimes(1);
    expect(serveStatus.mock.calls[0]?.[0]).toBe('feed');
    expect(serveStatus.mock.calls[0]?.[3]).toEqual({ secret: null, pageUrl: 'https://status-test.example.com/status' });
  });
});
