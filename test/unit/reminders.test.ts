import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, policySchema } from '../../functions/src/domain/policy';
import { emptySections, type ActionItem, type Postmortem } from '../../functions/src/domain/postmortem';
import {
  mentionOf,
  overdueReminders,
  overdueReminderText,
  unacknowledgedReminder,
  unacknowledgedReminderText,
} from '../../functions/src/domain/reminders';
import { incident } from '../support/factories';

const d = (iso: string) => new Date(iso);
// factories.incident() is created at 2026-11-30T10:00:00Z, status triggered, SEV2.
const CREATED = d('2026-11-30T10:00:00Z');

describe('unacknowledgedReminder (default policy: SEV1/SEV2, every 5 min, escalation "", <!here>, <!channel>)', () => {
  const sev1 = incident({ severity: 'SEV1' });

  it('nothing before the first period', () => {
    expect(unacknowledgedReminder(sev1, CREATED, DEFAULT_POLICY)).toBeNull();
    expect(unacknowledgedReminder(sev1, d('2026-11-30T10:04:59.999Z'), DEFAULT_POLICY)).toBeNull();
  });

  it('the first reminder at exactly 5 minutes, with no mention', () => {
    expect(unacknowledgedReminder(sev1, d('2026-11-30T10:05:00Z'), DEFAULT_POLICY)).toEqual({ key: 'inc-1:unack:1', level: 1, mention: '' });
  });

  it('two calls in the same period give the same key', () => {
    const a = unacknowledgedReminder(sev1, d('2026-11-30T10:05:01Z'), DEFAULT_POLICY);
    const b = unacknowledgedReminder(sev1, d('2026-11-30T10:09:59Z'), DEFAULT_POLICY);
    expect(a?.key).toBe('inc-1:unack:1');
    expect(b?.key).toBe('inc-1:unack:1');
  });

  it('escalates: <!here> at 10 min, <!channel> at 15 min and after', () => {
    expect(unacknowledgedReminder(sev1, d('2026-11-30T10:10:00Z'), DEFAULT_POLICY)).toEqual({ key: 'inc-1:unack:2', level: 2, mention: '<!here>' });
    expect(unacknowledgedReminder(sev1, d('2026-11-30T10:15:00Z'), DEFAULT_POLICY)).toEqual({ key: 'inc-1:unack:3', level: 3, mention: '<!channel>' });
    expect(unacknowledgedReminder(sev1, d('2026-11-30T11:02:00Z'), DEFAULT_POLICY)).toEqual({ key: 'inc-1:unack:12', level: 12, mention: '<!channel>' });
  });

  it('a schedule that missed periods sends only the latest one', () => {
    expect(unacknowledgedReminder(sev1, d('2026-11-30T10:23:00Z'), DEFAULT_POLICY)?.key).toBe('inc-1:unack:4');
  });

  it.each(['acknowledged', 'mitigated', 'resolved', 'closed'] as const)('nothing for a %s incident', (status) => {
    expect(unacknowledgedReminder(incident({ severity: 'SEV1', status }), d('2026-11-30T10:30:00Z'), DEFAULT_POLICY)).toBeNull();
  });

  it('nothing for a severity not in the list', () => {
    expect(unacknowledgedReminder(incident({ severity: 'SEV3' }), d('2026-11-30T10:30:00Z'), DEFAULT_POLICY)).toBeNull();
    expect(unacknowledgedReminder(incident({ severity: 'SEV2' }), d('2026-11-30T10:30:00Z'), DEFAULT_POLICY)?.key).toBe('inc-1:unack:6');
  });

  it('drills are reminded too (routing is the caller’s)', () => {
    expect(unacknowledgedReminder(incident({ severity: 'SEV1', drill: true }), d('2026-11-30T10:05:00Z'), DEFAULT_POLICY)?.key).toBe('inc-1:unack:1');
  });

  it('follows the policy: every 2 min, one escalation mention', () => {
    const policy = policySchema.parse({ reminders: { unacknowledged: { severities: ['SEV3'], everyMinutes: 2, escalation: ['<@U1>'] } } });
    const sev3 = incident({ severity: 'SEV3' });
    expect(unacknowledgedReminder(sev3, d('2026-11-30T10:01:59Z'), policy)).toBeNull();
    expect(unacknowledgedReminder(sev3, d('2026-11-30T10:06:00Z'), policy)).toEqual({ key: 'inc-1:unack:3', level: 3, mention: '<@U1>' });
  });

  it('an empty escalation list means no mention', () => {
    const policy = policySchema.parse({ reminders: { unacknowledged: { escalation: [] } } });
    expect(unacknowledgedReminder(sev1, d('2026-11-30T10:10:00Z'), policy)?.mention).toBe('');
  });

  it('a reopened incident counts again from the reopen, under its own keys', () => {
    const reopened = incident({ severity: 'SEV1', reopenCount: 1, statusChangedAt: d('2026-11-30T12:00:00Z'), acknowledgedAt: d('2026-11-30T10:02:00Z') });
    expect(unacknowledgedReminder(reopened, d('2026-11-30T12:04:00Z'), DEFAULT_POLICY)).toBeNull();
    expect(unacknowledgedReminder(reopened, d('2026-11-30T12:05:00Z'), DEFAULT_POLICY)).toEqual({ key: 'inc-1:reopen1:unack:1', level: 1, mention: '' });
  });

  it('has a plain-language text', () => {
    const r = unacknowledgedReminder(sev1, d('2026-11-30T10:10:00Z'), DEFAULT_POLICY)!;
    expect(unacknowledgedReminderText(sev1, r, DEFAULT_POLICY)).toBe(
      '<!here> "Checkout error rate above 5%" (SEV1) is still unacknowledged after 10 min (reminder 2)',
    );
  });
});

describe('overdueReminders', () => {
  // Resolved 2026-11-30T11:02:05Z, postmortem due 5 days later.
  const DUE = d('2026-12-05T11:02:05Z');
  const pm = (overrides: Partial<Postmortem> = {}): Postmortem => ({
    incidentId: 'inc-1',
    title: 'Checkout error rate above 5%',
    severity: 'SEV2',
    service: 'checkout',
    environment: 'production',
    status: 'draft',
    required: true,
    owner: 'slack:U42',
    dueAt: DUE,
    createdAt: d('2026-11-30T11:02:07Z'),
    updatedAt: d('2026-11-30T11:02:07Z'),
    resolvedAt: d('2026-11-30T11:02:05Z'),
    ...emptySections(),
    actionItems: [],
    timeline: [],
    metrics: { timeToAcknowledge: 252, timeToMitigate: 1200, timeToResolve: 3725 },
    deploys: [],
    revisions: [],
    drill: false,
    ...overrides,
  });
  const utc = (now: Date, postmortems: Postmortem[]) => overdueReminders({ postmortems, now, timeZone: 'Etc/UTC' });
  const item = (overrides: Partial<ActionItem> = {}): ActionItem => ({ title: 'Cap gateway retries', owner: 'slack:U7', dueAt: d('2026-12-01T00:00:00Z'), done: false, ...overrides });

  it('nothing before the due date, nor at it', () => {
    expect(utc(d('2026-12-05T11:02:04Z'), [pm()])).toEqual([]);
    expect(utc(DUE, [pm()])).toEqual([]);
  });

  it('an overdue postmortem, with a daily key and the days overdue', () => {
    expect(utc(d('2026-12-07T14:00:00Z'), [pm()])).toEqual([
      {
        key: 'inc-1:postmortem:2026-12-07',
        kind: 'postmortem',
        incidentId: 'inc-1',
        owner: 'slack:U42',
        title: 'Checkout error rate above 5%',
        incidentTitle: 'Checkout error rate above 5%',
        dueAt: DUE,
        daysOverdue: 2,
        drill: false,
      },
    ]);
  });

  it('due earlier today → 0 days overdue', () => {
    expect(utc(d('2026-12-05T12:00:00Z'), [pm()])[0]).toMatchObject({ key: 'inc-1:postmortem:2026-12-05', daysOverdue: 0 });
  });

  it('two runs on one local day give the same keys', () => {
    const morning = utc(d('2026-12-07T09:00:00Z'), [pm({ actionItems: [item()] })]).map((r) => r.key);
    const evening = utc(d('2026-12-07T23:59:59Z'), [pm({ actionItems: [item()] })]).map((r) => r.key);
    expect(morning).toEqual(['inc-1:postmortem:2026-12-07', 'inc-1:action:0:2026-12-07']);
    expect(evening).toEqual(morning);
  });

  it('daily keys change at local midnight in America/New_York, not at UTC midnight', () => {
    const ny = (iso: string) => overdueReminders({ postmortems: [pm()], now: d(iso), timeZone: 'America/New_York' })[0];
    // 2026-12-08T00:30Z is still 19:30 on Dec 7 in New York (EST, UTC−5).
    expect(ny('2026-12-08T00:30:00Z')).toMatchObject({ key: 'inc-1:postmortem:2026-12-07', daysOverdue: 2 });
    expect(ny('2026-12-08T04:59:59Z')).toMatchObject({ key: 'inc-1:postmortem:2026-12-07', daysOverdue: 2 });
    expect(ny('2026-12-08T05:00:00Z')).toMatchObject({ key: 'inc-1:postmortem:2026-12-08', daysOverdue: 3 });
  });

  it('uses UTC when no time zone is given', () => {
    // 2026-12-07T15:00Z is 00:00 on Dec 8 in Tokyo (UTC+9) but still Dec 7 in UTC.
    expect(overdueReminders({ postmortems: [pm()], now: d('2026-12-07T15:00:00Z') })[0]?.key).toBe('inc-1:postmortem:2026-12-07');
    expect(overdueReminders({ postmortems: [pm()], now: d('2026-12-07T15:00:00Z'), timeZone: 'Asia/Tokyo' })[0]?.key).toBe('inc-1:postmortem:2026-12-08');
  });

  it('no postmortem reminder once published, or without a due date', () => {
    expect(utc(d('2026-12-07T14:00:00Z'), [pm({ status: 'published' }), pm({ incidentId: 'inc-2', required: false, dueAt: null })])).toEqual([]);
  });

  it('in review is still reminded', () => {
    expect(utc(d('2026-12-07T14:00:00Z'), [pm({ status: 'in_review' })])).toHaveLength(1);
  });

  it('overdue action items, also in published postmortems; done ones, undated ones and future ones are not reminded', () => {
    const items = [
      item({ title: 'Done already', done: true }),
      item({ title: 'Cap gateway retries' }),
      item({ title: 'No date', dueAt: null }),
      item({ title: 'Later', dueAt: d('2026-12-20T00:00:00Z') }),
      item({ title: 'Nobody yet', owner: null, dueAt: d('2026-12-06T00:00:00Z') }),
    ];
    const r = utc(d('2026-12-07T14:00:00Z'), [pm({ status: 'published', actionItems: items })]);
    expect(r).toEqual([
      {
        key: 'inc-1:action:1:2026-12-07',
        kind: 'action_item',
        incidentId: 'inc-1',
        owner: 'slack:U7',
        title: 'Cap gateway retries',
        incidentTitle: 'Checkout error rate above 5%',
        dueAt: d('2026-12-01T00:00:00Z'),
        daysOverdue: 6,
        actionItemIndex: 1,
        drill: false,
      },
      {
        key: 'inc-1:action:4:2026-12-07',
        kind: 'action_item',
        incidentId: 'inc-1',
        owner: 'slack:U42',
        title: 'Nobody yet',
        incidentTitle: 'Checkout error rate above 5%',
        dueAt: d('2026-12-06T00:00:00Z'),
        daysOverdue: 1,
        actionItemIndex: 4,
        drill: false,
      },
    ]);
  });

  it('has plain-language texts', () => {
    const [p, a] = utc(d('2026-12-07T14:00:00Z'), [pm({ actionItems: [item({ dueAt: d('2026-12-06T09:00:00Z') })] })]);
    expect(overdueReminderText(p!)).toBe('Postmortem for "Checkout error rate above 5%" is 2 days overdue (owner <@U42>)');
    expect(overdueReminderText(a!)).toBe(
      'Action item "Cap gateway retries" from the postmortem for "Checkout error rate above 5%" is 1 day overdue (owner <@U7>)',
    );
    expect(overdueReminderText({ ...p!, daysOverdue: 0, owner: null })).toBe('Postmortem for "Checkout error rate above 5%" was due today (no owner yet)');
    expect(mentionOf('u-alice')).toBe('u-alice');
  });
});
