// The console's on-call and paging helpers: who is on call now and next with
// overrides read from Firestore documents, and the incident page's paging
// section (who was paged, on which channel, who acknowledged).
import { describe, expect, it } from 'vitest';
import { overridesOf, scheduleViews, TWO_WEEKS_MS } from '../../console/src/lib/oncall';
import { acknowledgements, channelCounts, escalationWords, pagedPeople } from '../../console/src/lib/paging';
import { labelOf, personLabel } from '../../console/src/lib/people';
import { oncallConfigSchema } from '../../functions/src/domain/oncall';

const ts = (iso: string) => {
  const ms = Date.parse(iso);
  return { seconds: Math.floor(ms / 1000), nanoseconds: 0, toDate: () => new Date(ms) };
};

const config = oncallConfigSchema.parse({
  schedules: {
    ops: { name: 'Ops', timeZone: 'Europe/Paris', rotations: [{ members: ['ann', 'bob'], start: '2026-11-30T09:00:00', shift: '1w' }] },
  },
  escalationPolicies: { p: { levels: [{ targets: ['schedule:ops'], after: '5m' }, { targets: ['user:cy'], after: '10m' }] } },
  page: { severities: ['SEV1'], policy: 'p' },
});

describe('on call in the console', () => {
  const at = new Date('2026-12-01T12:00:00Z');

  it('says who is on call now and the next two weeks of shifts, per schedule', () => {
    const [ops, ...rest] = scheduleViews([], at, config);
    expect(rest).toEqual([]);
    expect(ops?.now?.uid).toBe('ann');
    // Paris is UTC+1 in December: hand-overs at 08:00Z.
    expect(ops?.now?.end.toISOString()).toBe('2026-12-07T08:00:00.000Z');
    expect(ops?.upcoming.map((s) => `${s.uid} ${s.start.toISOString()}`)).toEqual(['ann 2026-12-01T12:00:00.000Z', 'bob 2026-12-07T08:00:00.000Z', 'ann 2026-12-14T08:00:00.000Z']);
    expect(ops?.upcoming.at(-1)?.end.getTime()).toBe(at.getTime() + TWO_WEEKS_MS);
  });

  it('lets a valid override document win, and ignores invalid ones as the pipeline does', () => {
    const rows = [
      { id: 'o1', schedule: 'ops', uid: 'cy', start: ts('2026-12-01T10:00:00Z'), end: ts('2026-12-01T14:00:00Z'), createdBy: 'ann', createdAt: ts('2026-12-01T09:00:00Z'), reason: 'dentist' },
      { id: 'o2', schedule: 'nope', uid: 'dee', start: ts('2026-12-01T10:00:00Z'), end: ts('2026-12-01T14:00:00Z'), createdBy: 'ann' },
      { id: 'o3', schedule: 'ops', uid: 'eve', start: ts('2026-12-01T14:00:00Z'), end: ts('2026-12-01T10:00:00Z'), createdBy: 'ann' },
    ];
    const overrides = overridesOf(rows, config);
    expect(overrides.map((o) => [o.id, o.uid, o.reason])).toEqual([['o1', 'cy', 'dentist']]);
    const [ops] = scheduleViews(overrides, at, config);
    expect(ops?.now).toMatchObject({ uid: 'cy', source: 'override' });
    expect(ops?.now?.end.toISOString()).toBe('2026-12-01T14:00:00.000Z');
    expect(ops?.upcoming[1]).toMatchObject({ uid: 'ann', source: 'rotation' });
  });

  it('names people by name, else email, else uid', () => {
    expect(labelOf({ id: 'u1', name: ' Ann ', email: 'a@x' })).toBe('Ann');
    expect(labelOf({ id: 'u1', name: '', email: 'a@x' })).toBe('a@x');
    expect(labelOf({ id: 'u1' })).toBe('u1');
    expect(personLabel('u2', new Map([['u1', { id: 'u1', name: 'Ann' }]]))).toBe('u2');
  });
});

describe("the incident page's paging section", () => {
  const page = (id: string, uid: string, level: number, channel: string, status: string, at: string, extra: Record<string, unknown> = {}) => ({ id, uid, cycle: 0, level, round: 0, step: 0, channel, status, at: ts(at), error: null, ...extra });
  const pages = [
    page('p3', 'cy', 1, 'sms', 'sent', '2026-12-01T10:05:01Z', { to: '+15550000003' }),
    page('p2', 'ann', 0, 'sms', 'failed', '2026-12-01T10:00:02Z', { error: 'Twilio 21211: invalid number' }),
    page('p1', 'ann', 0, 'slack', 'sent', '2026-12-01T10:00:01Z'),
    page('p4', 'cy', 1, 'email', 'acknowledged', '2026-12-01T10:05:00Z', { via: 'email' }),
  ];

  it('groups attempts by person and level, in order', () => {
    const people = pagedPeople(pages);
    expect(people.map((p) => [p.uid, p.level, p.acknowledged, p.attempts.map((a) => `${a.channel}:${a.status}`)])).toEqual([
      ['ann', 0, false, ['slack:sent', 'sms:failed']],
      ['cy', 1, true, ['email:acknowledged', 'sms:sent']],
    ]);
    expect(people[0]?.attempts[1]?.error).toBe('Twilio 21211: invalid number');
    expect(people[1]?.attempts[1]?.to).toBe('+15550000003');
  });

  it('counts attempts per channel and status', () => {
    expect(channelCounts(pages)).toEqual({ slack: { sent: 1 }, sms: { failed: 1, sent: 1 }, email: { acknowledged: 1 } });
  });

  it('names who acknowledged and on which channel, from the timeline', () => {
    const timeline = [
      { id: 't2', type: 'status_changed', actor: 'cy', at: ts('2026-12-01T10:06:00Z'), data: { from: 'triggered', to: 'acknowledged', via: 'email' } },
      { id: 't3', type: 'status_changed', actor: 'ann', at: ts('2026-12-01T10:09:00Z'), data: { from: 'acknowledged', to: 'mitigated' } },
      { id: 't1', type: 'paged', actor: 'system', at: ts('2026-12-01T10:00:00Z'), data: {} },
    ];
    expect(acknowledgements(timeline)).toEqual([{ actor: 'cy', via: 'email', at: new Date('2026-12-01T10:06:00Z') }]);
  });

  it('says where the escalation stands', () => {
    const levels = (id: string) => (id === 'p' ? 2 : null);
    expect(escalationWords([], levels)).toBeNull();
    expect(escalationWords([{ id: 'c0', cycle: 0, status: 'paging', policyId: 'p', level: 1, round: 0 }], levels)).toBe('Paging at level 2 of 2 (policy p)');
    expect(escalationWords([{ id: 'c0', cycle: 0, status: 'exhausted', policyId: 'p', level: 1, round: 0 }, { id: 'c1', cycle: 1, status: 'stopped', reason: 'acknowledged', policyId: 'p', level: 0, round: 1 }], levels)).toBe(
      'Stopped at level 1 of 2, round 2 (policy p): acknowledged',
    );
    expect(escalationWords([{ id: 'c0', cycle: 0, status: 'not_paged', reason: 'SEV3 is not paged' }], levels)).toBe('Not paged: SEV3 is not paged');
  });
});
