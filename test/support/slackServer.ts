// A Slack-compatible Web API server on loopback. It answers like Slack for the
// methods the pipeline uses, records every call, and can inject faults
// (429 with Retry-After, 5xx) so tests drive the real @slack/web-api client.
// POST /response/<id> plays a Slack response_url (recorded as method `response_url`).
// Control endpoints (for tests in other processes): GET /_calls, POST /_reset,
// POST /_faults {"pattern": ["429","ok"], "retryAfter": 1} or {"every": 2, "status": 429}.
import http from 'node:http';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** What the server answered: 'ok', an error name, '429' or '5xx'. */
  answer: string;
}

interface Channel {
  id: string;
  name: string;
  topic: string;
  members: string[];
  created: number;
  creator: string;
}

export interface FaultPlan {
  /** Answer each n-th call with `status` (e.g. every 2nd call 429). */
  every?: number;
  status?: number;
  /** Or a fixed sequence applied to the next calls: '429', '500', '503', 'ok'. */
  pattern?: string[];
  retryAfter?: number;
  /** Only calls to these methods count (default: all). */
  methods?: string[];
  /** Only calls whose arguments contain this text count (e.g. a test's unique service). */
  match?: string;
}

export const BOT_USER = 'UBOT00001';

const JSON_ARGS = new Set(['blocks', 'attachments', 'metadata', 'view']);

function parseJsonArg(v: string): unknown {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

export class FakeSlack {
  calls: SlackCall[] = [];
  channels = new Map<string, Channel>();
  messages = new Map<string, { channel: string; ts: string; text: string; blocks?: unknown; thread_ts?: string }>();
  users = new Map<string, { id: string; email: string; name: string }>();
  private faults: FaultPlan = {};
  private counted = 0;
  private seq = 0;
  private server?: http.Server;

  constructor() {
    this.reset();
  }

  reset(): void {
    this.calls = [];
    this.channels.clear();
    this.messages.clear();
    this.users.clear();
    this.faults = {};
    this.counted = 0;
    for (const [id, name] of [['C000INCIDENTS', 'incidents'], ['C000DRILLS', 'incident-drills'], ['C000LEADERSHIP', 'incident-leadership']] as const) {
      this.channels.set(id, { id, name, topic: '', members: [], created: 0, creator: 'UADMIN' });
    }
    this.users.set('U0ALICE', { id: 'U0ALICE', email: 'alice@example.com', name: 'alice' });
    this.users.set('U0BOB', { id: 'U0BOB', email: 'bob@example.com', name: 'bob' });
  }

  setFaults(plan: FaultPlan): void {
    this.faults = plan;
    this.counted = 0;
  }

  private nextId(prefix: string) {
    this.seq += 1;
    return `${prefix}${String(this.seq).padStart(8, '0')}`;
  }

  private channelByRef(ref: unknown): Channel | undefined {
    const r = String(ref ?? '');
    return this.channels.get(r) ?? [...this.channels.values()].find((c) => `#${c.name}` === r || c.name === r);
  }

  /** Decides whether this call gets an injected fault. */
  private fault(method: string, args: Record<string, unknown>): { status: number; retryAfter?: number } | null {
    const f = this.faults;
    if (f.methods && !f.methods.includes(method)) return null;
    if (f.match && !JSON.stringify(args).includes(f.match)) return null;
    if (f.pattern && f.pattern.length > 0) {
      const next = f.pattern.shift() ?? 'ok';
      if (next === 'ok') return null;
      return { status: Number(next), retryAfter: f.retryAfter ?? 1 };
    }
    if (f.every && f.status) {
      this.counted += 1;
      if (this.counted % f.every === 0) return { status: f.status, retryAfter: f.retryAfter ?? 1 };
    }
    return null;
  }

  handle(method: string, args: Record<string, unknown>, auth: string | undefined): { status: number; body: unknown; headers?: Record<string, string> } {
    const record = (answer: string) => this.calls.push({ method, args, at: Date.now(), answer });
    const injected = this.fault(method, args);
    if (injected) {
      record(String(injected.status));
      if (injected.status === 429) {
        return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'Retry-After': String(injected.retryAfter ?? 1) } };
      }
      return { status: injected.status, body: 'upstream error' };
    }
    if (!auth || !/^Bearer xox[bp]-/.test(auth)) {
      record('not_authed');
      return { status: 200, body: { ok: false, error: 'not_authed' } };
    }
    const ok = (body: Record<string, unknown> = {}) => {
      record('ok');
      return { status: 200, body: { ok: true, ...body } };
    };
    const err = (error: string) => {
      record(error);
      return { status: 200, body: { ok: false, error } };
    };
    switch (method) {
      case 'auth.test':
        return ok({ user_id: BOT_USER, team_id: 'T000TEST', bot_id: 'B000TEST' });
      case 'conversations.create': {
        const name = String(args.name ?? '');
        if (!/^[a-z0-9][a-z0-9_-]{0,79}$/.test(name)) return err('invalid_name_specials');
        if ([...this.channels.values()].some((c) => c.name === name)) return err('name_taken');
        const ch: Channel = { id: this.nextId('C'), name, topic: '', members: [BOT_USER], created: Math.floor(Date.now() / 1000), creator: BOT_USER };
        this.channels.set(ch.id, ch);
        return ok({ channel: { id: ch.id, name: ch.name, created: ch.created, creator: ch.creator } });
      }
      case 'conversations.list': {
        const all = [...this.channels.values()].map((c) => ({ id: c.id, name: c.name, created: c.created, creator: c.creator, topic: { value: c.topic } }));
        return ok({ channels: all, response_metadata: { next_cursor: '' } });
      }
      case 'conversations.info': {
        const ch = this.channelByRef(args.channel);
        return ch ? ok({ channel: { id: ch.id, name: ch.name, topic: { value: ch.topic } } }) : err('channel_not_found');
      }
      case 'conversations.setTopic': {
        const ch = this.channelByRef(args.channel);
        if (!ch) return err('channel_not_found');
        ch.topic = String(args.topic ?? '');
        return ok({ channel: { id: ch.id, topic: { value: ch.topic } } });
      }
      case 'conversations.invite': {
        const ch = this.channelByRef(args.channel);
        if (!ch) return err('channel_not_found');
        const users = String(args.users ?? '').split(',').filter(Boolean);
        if (users.some((u) => !this.users.has(u))) return err('user_not_found');
        if (users.every((u) => ch.members.includes(u))) return err('already_in_channel');
        ch.members.push(...users.filter((u) => !ch.members.includes(u)));
        return ok({ channel: { id: ch.id } });
      }
      case 'conversations.join': {
        const ch = this.channelByRef(args.channel);
        return ch ? ok({ channel: { id: ch.id } }) : err('channel_not_found');
      }
      case 'chat.postMessage': {
        // To a user id, as Slack does: the app's DM with that user (channel D…).
        const dmUser = typeof args.channel === 'string' && /^[UW][A-Z0-9]+$/.test(args.channel) ? args.channel : null;
        if (dmUser && !this.channelByRef(args.channel)) {
          if (!this.users.has(dmUser)) return err('channel_not_found');
          const id = `D${dmUser.slice(1)}`;
          if (!this.channels.has(id)) this.channels.set(id, { id, name: `dm-${dmUser}`, topic: '', members: [BOT_USER, dmUser], created: Math.floor(Date.now() / 1000), creator: BOT_USER });
        }
        const ch = this.channelByRef(dmUser ? `D${dmUser.slice(1)}` : args.channel);
        if (!ch) return err('channel_not_found');
        const ts = `${Math.floor(Date.now() / 1000)}.${String(this.seq++).padStart(6, '0')}`;
        const msg = { channel: ch.id, ts, text: String(args.text ?? ''), blocks: args.blocks, ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}) };
        this.messages.set(`${ch.id}/${ts}`, msg);
        return ok({ channel: ch.id, ts, message: { text: msg.text } });
      }
      case 'chat.update': {
        const ch = this.channelByRef(args.channel);
        if (!ch) return err('channel_not_found');
        const key = `${ch.id}/${String(args.ts)}`;
        const msg = this.messages.get(key);
        if (!msg) return err('message_not_found');
        msg.text = String(args.text ?? msg.text);
        msg.blocks = args.blocks ?? msg.blocks;
        return ok({ channel: ch.id, ts: msg.ts });
      }
      case 'users.info': {
        const u = this.users.get(String(args.user));
        return u ? ok({ user: { id: u.id, name: u.name, profile: { email: u.email } } }) : err('user_not_found');
      }
      case 'users.lookupByEmail': {
        const u = [...this.users.values()].find((x) => x.email === String(args.email).toLowerCase());
        return u ? ok({ user: { id: u.id, name: u.name, profile: { email: u.email } } }) : err('users_not_found');
      }
      default:
        return err('unknown_method');
    }
  }

  async listen(port = 0): Promise<number> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://localhost');
        const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
          const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
          res.writeHead(status, { 'Content-Type': typeof payload === 'string' ? 'text/plain' : 'application/json', ...headers });
          res.end(text);
        };
        if (url.pathname === '/_calls') return send(200, { calls: this.calls, channels: [...this.channels.values()], messages: [...this.messages.values()] });
        if (url.pathname === '/_reset') {
          this.reset();
          return send(200, { ok: true });
        }
        if (url.pathname === '/_faults') {
          this.setFaults(body ? (JSON.parse(body) as FaultPlan) : {});
          return send(200, { ok: true });
        }
        if (url.pathname === '/_users') {
          const u = JSON.parse(body) as { id: string; email: string; name: string };
          this.users.set(u.id, u);
          return send(200, { ok: true });
        }
        // A response_url (tests hand out `${SLACK}/response/<id>`): recorded as a call of method `response_url`.
        const reply = /^\/response\/([\w-]+)$/.exec(url.pathname);
        if (reply?.[1]) {
          let args: Record<string, unknown> = {};
          try {
            args = JSON.parse(body) as Record<string, unknown>;
          } catch {
            args = { body };
          }
          this.calls.push({ method: 'response_url', args: { ...args, responseId: reply[1] }, at: Date.now(), answer: 'ok' });
          return send(200, 'ok');
        }
        const m = /^\/api\/([\w.]+)$/.exec(url.pathname);
        if (!m?.[1]) return send(404, { ok: false, error: 'unknown_path' });
        let args: Record<string, unknown> = Object.fromEntries(url.searchParams);
        const type = req.headers['content-type'] ?? '';
        if (type.includes('application/json') && body) args = { ...args, ...(JSON.parse(body) as Record<string, unknown>) };
        else if (body) {
          for (const [k, v] of new URLSearchParams(body)) {
            // @slack/web-api sends structured arguments (blocks...) as JSON text.
            args[k] = JSON_ARGS.has(k) ? parseJsonArg(v) : v;
          }
        }
        const r = this.handle(m[1], args, req.headers.authorization);
        return send(r.status, r.body, r.headers);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    const addr = this.server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
