// Paging's use cases wired to in-memory ports: the memory store and task
// queue of world(), MemoryPaging, a phone and Slack DMs that record what they
// were asked and can be told to fail, and a small on-call config.
import type { DirectMessages } from '../../functions/src/app/pagingPorts';
import type { NotifyDeps } from '../../functions/src/app/paging';
import { type CallRequest, type PhonePort, type SmsRequest, TwilioError } from '../../functions/src/adapters/twilio';
import { SlackCallFailed } from '../../functions/src/adapters/slack';
import { type OncallConfig, oncallConfigSchema } from '../../functions/src/domain/oncall';
import { MemoryPaging } from './memoryStore';
import { world } from './useCases';

/** Primary: uid-a, then uid-b, a day each from 2026-11-30 00:00 UTC; the lead level pages uid-lead. */
export const ONCALL: OncallConfig = oncallConfigSchema.parse({
  schedules: {
    primary: { name: 'Primary', timeZone: 'Etc/UTC', rotations: [{ members: ['uid-a', 'uid-b'], start: '2026-11-30T00:00:00', shift: '1d' }] },
    empty: { timeZone: 'Etc/UTC', rotations: [{ members: ['uid-z'], start: '2030-01-01T00:00:00', shift: '1d' }] },
  },
  escalationPolicies: {
    default: { levels: [{ targets: ['schedule:primary'], after: '5m' }, { targets: ['user:uid-lead', 'schedule:empty'], after: '10m' }], repeat: 0 },
  },
  page: { severities: ['SEV1', 'SEV2'], policy: 'default', drills: true },
});

export const SECRET = 'unit-test-page-link-secret';
export const CONSOLE = 'https://console.example.com';

export type PhoneFault = 'ok' | 'permanent' | 'transient' | 'rate_limited';

export class RecordingPhone implements PhonePort {
  readonly sms: SmsRequest[] = [];
  readonly calls: CallRequest[] = [];
  /** Applied to the next requests in turn. */
  faults: PhoneFault[] = [];
  private n = 0;
  private fail(op: 'sms' | 'call') {
    const f = this.faults.shift() ?? 'ok';
    if (f === 'permanent') throw new TwilioError(op, 400, 21211, "The 'To' number is not a valid phone number.", false);
    if (f === 'transient') throw new TwilioError(op, 503, null, 'upstream error', true);
    if (f === 'rate_limited') throw new TwilioError(op, 429, 20429, 'Too Many Requests', true, 7);
  }
  async sendSms(req: SmsRequest) {
    this.fail('sms');
    this.sms.push(req);
    return { sid: `SM${++this.n}`, status: 'queued' };
  }
  async placeCall(req: CallRequest) {
    this.fail('call');
    this.calls.push(req);
    return { sid: `CA${++this.n}`, status: 'queued' };
  }
}

export class RecordingDms implements DirectMessages {
  readonly sent: { to: string; text: string; blocks: Record<string, unknown>[] }[] = [];
  faults: ('ok' | 'user_not_found' | 'busy')[] = [];
  async send(to: { slackUserId: string | null; email: string | null }, message: { text: string; blocks: Record<string, unknown>[] }) {
    const f = this.faults.shift() ?? 'ok';
    if (f === 'user_not_found') throw new SlackCallFailed('chat.postMessage', { kind: 'platform_error', error: 'user_not_found', message: 'user_not_found' });
    if (f === 'busy') throw new SlackCallFailed('chat.postMessage', { kind: 'server_error', message: 'HTTP 503' });
    const user = to.slackUserId ?? `U-by-email-${to.email}`;
    this.sent.push({ to: user, text: message.text, blocks: message.blocks });
    return { channel: `D${user}`, ts: `${this.sent.length}.000`, user };
  }
}

/** A world with paging: `w.notify` are the deps of the notification task, `w.paging` the deps of the others. */
export function pagingWorld(config: OncallConfig = ONCALL) {
  const w = world();
  const paging = new MemoryPaging(w.store);
  const phone = new RecordingPhone();
  const dms = new RecordingDms();
  let nonce = 0;
  const deps = { ...w.deps, paging, oncall: config };
  const notify: NotifyDeps = {
    ...deps,
    phone,
    phoneOff: 'TWILIO_ACCOUNT_SID is not set: SMS and voice pages are off',
    dm: dms,
    dmOff: 'SLACK_BOT_TOKEN is not set: Slack pages are off',
    links: { consoleUrl: CONSOLE, secret: SECRET },
    nonce: () => `nonce-${++nonce}`,
  };
  return { ...w, memory: paging, phone, dms, pagingDeps: deps, notify };
}
