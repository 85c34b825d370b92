import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, policySchema } from '../../functions/src/domain/policy';
import { formatDuration } from '../../functions/src/domain/duration';
import {
  FROZEN_TIMELINE_LIMIT,
  metricsOf,
  nextStatus,
  planPostmortem,
  renderMarkdown,
  sanitizePostmortem,
  TEMPLATE_SECTIONS,
  type Postmortem,
} from '../../functions/src/domain/postmortem';
import { overdueReminders } from '../../functions/src/domain/reminders';
import type { DeployRef, Incident, TimelineEntry } from '../../functions/src/domain/types';
import { incident } from '../support/factories';

// The incident: opened 10:00:00, acknowledged 10:04:12, mitigated 10:20:00,
// resolved 11:02:05 (all UTC, 2026-11-30).
const d = (iso: string) => new Date(iso);
const CREATED = d('2026-11-30T10:00:00Z');
const ACKED = d('2026-11-30T10:04:12Z');
const MITIGATED = d('2026-11-30T10:20:00Z');
const RESOLVED = d('2026-11-30T11:02:05Z');
const NOW = d('2026-11-30T11:02:07Z');
const LATER = d('2026-11-30T11:30:00Z');

const entry = (iso: string, type: string, actor: string, message: string, data: Record<string, unknown> = {}): TimelineEntry => ({
  at: d(iso),
  type,
  actor,
  message,
  data,
});

const TIMELINE: TimelineEntry[] = [
  entry('2026-11-30T10:00:00Z', 'opened', 'system', 'opened: Checkout error rate above 5%'),
  entry('2026-11-30T10:04:12Z', 'status_changed', 'u-alice', 'triggered → acknowledged by u-alice', { from: 'triggered', to: 'acknowledged' }),
  entry('2026-11-30T10:20:00Z', 'status_changed', 'u-alice', 'acknowledged → mitigated by u-alice: rolled back v42', { from: 'acknowledged', to: 'mitigated' }),
  entry('2026-11-30T11:02:05Z', 'auto_resolved', 'system', 'mitigated → resolved: all 1 alert resolved', { from: 'mitigated', to: 'resolved' }),
];

const DEPLOY: DeployRef = {
  id: 'dep-1',
  service: 'checkout',
  environment: 'production',
  version: 'v42',
  deployedAt: d('2026-11-30T09:41:00Z'),
  url: 'https://ci.example.com/checkout/runs/42',
  author: 'u-carol',
  commit: 'abc123def4567890',
};

const resolvedIncident = (overrides: Partial<Incident> = {}): Incident =>
  incident({
    status: 'resolved',
    severity: 'SEV2',
    createdAt: CREATED,
    acknowledgedAt: ACKED,
    mitigatedAt: MITIGATED,
    resolvedAt: RESOLVED,
    statusChangedAt: RESOLVED,
    commander: 'u-alice',
    resolvedBy: 'system',
    deploys: [DEPLOY],
    ...overrides,
  });

function plan(inc: Incident, previous: Postmortem | null = null, now = NOW, timeline = TIMELINE, policy = DEFAULT_POLICY) {
  return planPostmortem({ incident: inc, timeline, previous, now, policy });
}

function planned(inc: Incident, previous: Postmortem | null = null, now = NOW, timeline = TIMELINE, policy = DEFAULT_POLICY) {
  const r = plan(inc, previous, now, timeline, policy);
  if (!r) throw new Error('expected a postmortem');
  return r;
}

describe('metricsOf', () => {
  it('counts seconds from the incident opening', () => {
    expect(metricsOf(resolvedIncident())).toEqual({ timeToAcknowledge: 252, timeToMitigate: 1200, timeToResolve: 3725 });
  });

  it('gives null for a state the incident never entered', () => {
    expect(metricsOf(resolvedIncident({ acknowledgedAt: null, mitigatedAt: null }))).toEqual({
      timeToAcknowledge: null,
      timeToMitigate: null,
      timeToResolve: 3725,
    });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [45, '45 s'],
    [252, '4 min 12 s'],
    [300, '5 min'],
    [1200, '20 min'],
    [3725, '1 h 2 min'],
    [3600, '1 h'],
    [90_061, '1 d 1 h'],
  ])('%d s → %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
});

describe('planPostmortem: a new postmortem', () => {
  it.each(['SEV1', 'SEV2'] as const)('%s: required, due exactly 5 days after resolution, an empty draft', (severity) => {
    const { postmortem: pm, changed } = planned(resolvedIncident({ severity }));
    expect(changed).toBe(true);
    expect(pm).toMatchObject({
      incidentId: 'inc-1',
      title: 'Checkout error rate above 5%',
      severity,
      service: 'checkout',
      environment: 'production',
      status: 'draft',
      required: true,
      owner: 'u-alice',
      dueAt: d('2026-12-05T11:02:05Z'),
      createdAt: NOW,
      updatedAt: NOW,
      resolvedAt: RESOLVED,
      summary: '',
      impact: '',
      detection: '',
      response: '',
      rootCause: '',
      contributingFactors: '',
      wentWell: '',
      wentPoorly: '',
      gotLucky: '',
      actionItems: [],
      metrics: { timeToAcknowledge: 252, timeToMitigate: 1200, timeToResolve: 3725 },
      deploys: [DEPLOY],
      revisions: [],
      drill: false,
    });
    expect(pm.timeline).toEqual(TIMELINE);
  });

  it('SEV3 (in draftFor): an optional draft with no due date', () => {
    const { postmortem: pm } = planned(resolvedIncident({ severity: 'SEV3' }));
    expect(pm.required).toBe(false);
    expect(pm.dueAt).toBeNull();
    expect(pm.status).toBe('draft');
  });

  it('uses the policy: dueDays 3 → due 3 days after resolution', () => {
    const policy = policySchema.parse({ postmortem: { dueDays: 3 } });
    expect(planned(resolvedIncident({ severity: 'SEV1' }), null, NOW, TIMELINE, policy).postmortem.dueAt).toEqual(d('2026-12-03T11:02:05Z'));
  });

  it('null for a severity in neither requiredFor nor draftFor', () => {
    const policy = policySchema.parse({ postmortem: { draftFor: ['SEV3'] } });
    expect(plan(resolvedIncident({ severity: 'SEV4' }), null, NOW, TIMELINE, policy)).toBeNull();
    expect(plan(resolvedIncident({ severity: 'SEV3' }), null, NOW, TIMELINE, policy)).not.toBeNull();
  });

  it.each(['triggered', 'acknowledged', 'mitigated'] as const)('null while the incident is %s', (status) => {
    expect(plan(resolvedIncident({ status }))).toBeNull();
  });

  it('a closed incident gets one too', () => {
    expect(plan(resolvedIncident({ status: 'closed', closedAt: LATER }))?.postmortem.status).toBe('draft');
  });

  it('owner: the commander first', () => {
    expect(planned(resolvedIncident({ commander: 'u-alice', resolvedBy: 'u-bob' })).postmortem.owner).toBe('u-alice');
  });

  it('owner: else whoever resolved it', () => {
    expect(planned(resolvedIncident({ commander: null, resolvedBy: 'slack:U123' })).postmortem.owner).toBe('slack:U123');
  });

  it('owner: never the pipeline itself', () => {
    expect(planned(resolvedIncident({ commander: null, resolvedBy: 'system' })).postmortem.owner).toBeNull();
    expect(planned(resolvedIncident({ commander: null, resolvedBy: null })).postmortem.owner).toBeNull();
  });

  it('keeps drills marked', () => {
    expect(planned(resolvedIncident({ drill: true, drillId: 'drill-1' })).postmortem.drill).toBe(true);
  });

  it('freezes a copy: later changes to the input timeline do not reach it', () => {
    const timeline = TIMELINE.map((e) => ({ ...e, data: { ...e.data } }));
    const { postmortem: pm } = planned(resolvedIncident(), null, NOW, timeline);
    timeline.push(entry('2026-11-30T12:00:00Z', 'note', 'u-bob', 'late note'));
    timeline[0]!.message = 'changed';
    expect(pm.timeline).toHaveLength(4);
    expect(pm.timeline[0]!.message).toBe('opened: Checkout error rate above 5%');
  });
});

describe('planPostmortem: an existing postmortem', () => {
  const first = () => planned(resolvedIncident()).postmortem;

  it('is idempotent: the same inputs again → changed:false, the stored document untouched', () => {
    const pm = first();
    const again = planned(resolvedIncident(), pm, LATER);
    expect(again.changed).toBe(false);
    expect(again.postmortem).toBe(pm);
    expect(again.postmortem.updatedAt).toEqual(NOW);
  });

  it('is idempotent after a round trip through storage (structured clone)', () => {
    const pm = structuredClone(first());
    expect(planned(resolvedIncident(), pm, LATER).changed).toBe(false);
  });

  it('ignores fields the store adds (updatedBy)', () => {
    const pm = { ...first(), updatedBy: 'u-alice' } as Postmortem;
    expect(planned(resolvedIncident(), pm, LATER).changed).toBe(false);
  });

  it('keeps the owner it has, fills one it lacks', () => {
    const pm = first();
    expect(planned(resolvedIncident({ commander: 'u-zed' }), pm, LATER).postmortem.owner).toBe('u-alice');
    const ownerless = { ...pm, owner: null };
    const r = planned(resolvedIncident({ commander: 'u-zed' }), ownerless, LATER);
    expect(r.changed).toBe(true);
    expect(r.postmortem.owner).toBe('u-zed');
  });

  it('follows a severity change: SEV3 draft → SEV1 becomes required and due', () => {
    const pm = planned(resolvedIncident({ severity: 'SEV3' })).postmortem;
    const r = planned(resolvedIncident({ severity: 'SEV1', severitySource: 'manual' }), pm, LATER);
    expect(r.changed).toBe(true);
    expect(r.postmortem).toMatchObject({ severity: 'SEV1', required: true, dueAt: d('2026-12-05T11:02:05Z'), updatedAt: LATER, createdAt: NOW });
    expect(r.markdown).toContain('| Severity | SEV1 |');
  });

  it('keeps the responders\' text, and renders the markdown beside the postmortem from it (not inside it)', () => {
    const pm = { ...first(), summary: 'A bad config push raised checkout errors to 7%.' };
    const r = planned(resolvedIncident(), pm, LATER);
    expect(r.changed).toBe(false); // a text edit is the responders' own write: nothing for the plan to write
    expect(r.postmortem.summary).toBe('A bad config push raised checkout errors to 7%.');
    expect(r.markdown).toContain('A bad config push raised checkout errors to 7%.');
    expect('markdown' in r.postmortem).toBe(false);
  });

  it('bounds the frozen timeline of a flapping incident, saying how many entries it left out', () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ at: new Date(RESOLVED.getTime() - (1000 - i) * 1000), type: 'alert_refired', actor: 'system', message: `entry ${i}`, data: {} }));
    const r = planPostmortem({ incident: resolvedIncident(), timeline: many, previous: null, now: NOW, policy: DEFAULT_POLICY });
    const t = r?.postmortem.timeline ?? [];
    expect(t).toHaveLength(FROZEN_TIMELINE_LIMIT);
    expect(t[0]?.message).toBe('entry 0');
    expect(t[100]).toMatchObject({ type: 'timeline_omitted', data: { omitted: 1000 - (FROZEN_TIMELINE_LIMIT - 1) } });
    expect(t.at(-1)?.message).toBe('entry 999');
    // Planned again from its own frozen copy and the full timeline, it stays the same.
    const again = planPostmortem({ incident: resolvedIncident(), timeline: many, previous: r?.postmortem ?? null, now: LATER, policy: DEFAULT_POLICY });
    expect(again?.changed).toBe(false);
  });

  it('reopened, then resolved again: text kept, timeline re-frozen, the old length recorded', () => {
    const edited: Postmortem = {
      ...first(),
      status: 'in_review',
      summary: 'Checkout errors after v42.',
      rootCause: 'A retry storm against the payment gateway.',
      actionItems: [{ title: 'Cap retries', owner: 'u-bob', dueAt: d('2026-12-14T00:00:00Z'), done: false }],
    };
    // Reopened: nothing to write while it is open again.
    const reopenedEntry = entry('2026-11-30T11:40:00Z', 'reopened', 'system', 'resolved → triggered: reopened: "HighErrorRate" fired again', {
      from: 'resolved',
      to: 'triggered',
    });
    expect(plan(resolvedIncident({ status: 'triggered', reopenCount: 1 }), edited, d('2026-11-30T11:40:01Z'), [...TIMELINE, reopenedEntry])).toBeNull();

    const timeline = [
      ...TIMELINE,
      reopenedEntry,
      entry('2026-11-30T11:45:00Z', 'status_changed', 'u-bob', 'triggered → acknowledged by u-bob', { from: 'triggered', to: 'acknowledged' }),
      entry('2026-11-30T12:10:00Z', 'status_changed', 'u-bob', 'acknowledged → resolved by u-bob', { from: 'acknowledged', to: 'resolved' }),
    ];
    const again = resolvedIncident({ reopenCount: 1, resolvedBy: 'u-bob', statusChangedAt: d('2026-11-30T12:10:00Z') });
    const refrozeAt = d('2026-11-30T12:10:02Z');
    const r = planned(again, edited, refrozeAt, timeline);
    expect(r.changed).toBe(true);
    expect(r.postmortem).toMatchObject({
      status: 'in_review',
      summary: 'Checkout errors after v42.',
      rootCause: 'A retry storm against the payment gateway.',
      actionItems: [{ title: 'Cap retries', owner: 'u-bob', dueAt: d('2026-12-14T00:00:00Z'), done: false }],
      owner: 'u-alice',
      createdAt: NOW,
      updatedAt: refrozeAt,
      resolvedAt: d('2026-11-30T12:10:00Z'),
      // The due date counts from the first resolution: reopening does not move it.
      dueAt: d('2026-12-05T11:02:05Z'),
      revisions: [{ resolvedAt: RESOLVED, frozenAt: refrozeAt, timelineEntries: 4 }],
    });
    expect(r.postmortem.timeline).toHaveLength(7);
    expect(r.postmortem.timeline.slice(0, 4)).toEqual(TIMELINE);
    expect(r.postmortem.timeline[6]!.message).toBe('acknowledged → resolved by u-bob');
    expect(r.markdown).toContain('acknowledged → resolved by u-bob');
    expect(r.markdown).toContain('(then 4 entries)');

    // The trigger fires twice: nothing new.
    const twice = planned(again, r.postmortem, d('2026-11-30T12:11:00Z'), timeline);
    expect(twice.changed).toBe(false);
    expect(twice.postmortem.revisions).toHaveLength(1);
  });

  it('never loses a frozen entry, even if the timeline it is given lacks it', () => {
    const pm = first();
    const partial = [TIMELINE[0]!, TIMELINE[1]!, TIMELINE[3]!, entry('2026-11-30T12:00:00Z', 'note', 'u-bob', 'late note')];
    const r = planned(resolvedIncident(), pm, LATER, partial);
    expect(r.postmortem.timeline.map((e) => e.message)).toEqual([
      'opened: Checkout error rate above 5%',
      'triggered → acknowledged by u-alice',
      'acknowledged → mitigated by u-alice: rolled back v42',
      'mitigated → resolved: all 1 alert resolved',
      'late note',
    ]);
    expect(r.postmortem.revisions).toEqual([{ resolvedAt: RESOLVED, frozenAt: LATER, timelineEntries: 4 }]);
  });

  it('a timeline that did not grow leaves the frozen copy, metrics and deploys alone', () => {
    const pm = first();
    const r = planned(resolvedIncident({ deploys: [], acknowledgedAt: null }), pm, LATER, TIMELINE);
    expect(r.changed).toBe(false);
    expect(r.postmortem.deploys).toEqual([DEPLOY]);
    expect(r.postmortem.metrics.timeToAcknowledge).toBe(252);
  });

  it('a published postmortem is never modified', () => {
    const published: Postmortem = { ...first(), status: 'published', summary: 'Final.' };
    const longer = [...TIMELINE, entry('2026-11-30T12:00:00Z', 'note', 'u-bob', 'late note')];
    const r = planned(resolvedIncident({ severity: 'SEV1', title: 'Renamed', commander: 'u-zed' }), published, LATER, longer);
    expect(r.changed).toBe(false);
    expect(r.postmortem).toBe(published);
    expect(r.postmortem.timeline).toHaveLength(4);
    // Even while its incident is open again.
    expect(plan(resolvedIncident({ status: 'triggered' }), published, LATER, longer)).toMatchObject({ postmortem: published, changed: false });
  });

  it('an existing postmortem whose severity left both lists is kept, now optional', () => {
    const policy = policySchema.parse({ postmortem: { draftFor: [] } });
    const pm = planned(resolvedIncident({ severity: 'SEV2' }), null, NOW, TIMELINE, policy).postmortem;
    const r = planned(resolvedIncident({ severity: 'SEV4', severitySource: 'manual' }), pm, LATER, TIMELINE, policy);
    expect(r.postmortem).toMatchObject({ severity: 'SEV4', required: false, dueAt: null });
  });
});

describe('nextStatus', () => {
  it.each([
    ['draft', 'in_review'],
    ['in_review', 'draft'],
    ['in_review', 'published'],
  ] as const)('%s → %s is allowed', (from, to) => {
    expect(nextStatus(from, to)).toEqual({ status: to });
  });

  it.each([
    ['draft', 'published', 'a draft must be reviewed (in review) before it is published'],
    ['published', 'draft', 'a published postmortem is final'],
    ['published', 'in_review', 'a published postmortem is final'],
    ['draft', 'draft', 'the postmortem is already draft'],
    ['in_review', 'in_review', 'the postmortem is already in review'],
  ] as const)('%s → %s is rejected', (from, to, reason) => {
    expect(nextStatus(from, to)).toEqual({ rejected: reason });
  });
});

describe('renderMarkdown', () => {
  const pm = (): Postmortem => ({
    ...planned(resolvedIncident()).postmortem,
    summary: 'Checkout returned errors for an hour after v42.',
    actionItems: [
      { title: 'Cap gateway retries', owner: 'u-bob', dueAt: d('2026-12-14T11:02:05Z'), done: false },
      { title: 'Alert on retry rate', owner: null, dueAt: null, done: true },
    ],
  });

  it('holds the title, every section, the metrics, the deploys and the timeline', () => {
    const md = renderMarkdown(pm());
    expect(md.split('\n')[0]).toBe('# Postmortem: Checkout error rate above 5%');
    for (const heading of [
      'Summary',
      'Impact',
      'Detection',
      'Response',
      'Root cause',
      'Contributing factors',
      'What went well',
      'What went poorly',
      'Where we got lucky',
      'Action items',
      'Metrics',
      'Linked deploys',
      'Timeline',
    ]) {
      expect(md).toContain(`\n## ${heading}\n`);
    }
    expect(md).toContain('| Severity | SEV2 |');
    expect(md).toContain('| Service | checkout |');
    expect(md).toContain('| Environment | production |');
    expect(md).toContain('| Status | Draft |');
    expect(md).toContain('| Owner | u-alice |');
    expect(md).toContain('| Due | 2026-12-05 11:02 UTC |');
    expect(md).toContain('| Drill | no |');
    expect(md).toContain('| Time to acknowledge | 4 min 12 s |');
    expect(md).toContain('| Time to mitigate | 20 min |');
    expect(md).toContain('| Time to resolve | 1 h 2 min |');
    expect(md).toContain('## Summary\n\nCheckout returned errors for an hour after v42.\n');
    expect(md).toContain('- [ ] Cap gateway retries — owner u-bob, due 2026-12-14');
    expect(md).toContain('- [x] Alert on retry rate — no owner yet, no due date');
    expect(md).toContain('| v42 | checkout | production | 2026-11-30 09:41 UTC | u-carol | [abc123def456](https://ci.example.com/checkout/runs/42) |');
    expect(md).toContain('**2026-11-30**');
    expect(md).toContain('- 10:00:00 — system — opened: Checkout error rate above 5%');
    expect(md).toContain('- 10:04:12 — u-alice — triggered → acknowledged by u-alice');
    expect(md).toContain('- 10:20:00 — u-alice — acknowledged → mitigated by u-alice: rolled back v42');
    expect(md).toContain('- 11:02:05 — system — mitigated → resolved: all 1 alert resolved');
  });

  it('shows each empty section’s prompt in italics', () => {
    const md = renderMarkdown(pm());
    const impact = TEMPLATE_SECTIONS.find((s) => s.key === 'impact')!;
    expect(md).toContain(`## Impact\n\n_${impact.prompt}_\n`);
    expect(md).toContain('## Response\n\n_What did responders know at each point, and what made sense to them then?_\n');
    expect(md).not.toContain('## Summary\n\n_');
  });

  it('the template has the ten blameless sections in order', () => {
    expect(TEMPLATE_SECTIONS.map((s) => s.heading)).toEqual([
      'Summary',
      'Impact',
      'Detection',
      'Response',
      'Root cause',
      'Contributing factors',
      'What went well',
      'What went poorly',
      'Where we got lucky',
      'Action items',
    ]);
  });

  it('is deterministic', () => {
    expect(renderMarkdown(pm())).toBe(renderMarkdown(pm()));
    expect(renderMarkdown(pm(), { timeZone: 'Asia/Tokyo' })).toBe(renderMarkdown(pm(), { timeZone: 'Asia/Tokyo' }));
  });

  it('prints the date again when the day changes', () => {
    const md = renderMarkdown({
      ...pm(),
      timeline: [
        entry('2026-11-30T23:59:30Z', 'note', 'u-bob', 'still looking'),
        entry('2026-12-01T00:00:30Z', 'note', 'u-bob', 'found it'),
      ],
    });
    expect(md).toContain('**2026-11-30**\n\n- 23:59:30 — u-bob — still looking\n\n**2026-12-01**\n\n- 00:00:30 — u-bob — found it');
  });

  it('renders times in a given time zone', () => {
    const md = renderMarkdown(pm(), { timeZone: 'America/New_York' });
    expect(md).toContain('| Time zone | America/New_York |');
    expect(md).toContain('| Due | 2026-12-05 06:02 |');
    expect(md).toContain('_Times in America/New_York._');
    expect(md).toContain('- 05:04:12 — u-alice — triggered → acknowledged by u-alice');
  });

  it('marks drills and keeps table cells intact', () => {
    const md = renderMarkdown({ ...pm(), drill: true, service: 'a|b', owner: null });
    expect(md).toContain('> This incident was a drill.');
    expect(md).toContain('| Drill | yes |');
    expect(md).toContain('| Service | a\\|b |');
    expect(md).toContain('| Owner | unassigned |');
  });

  it('says when nothing was linked or a metric was never reached', () => {
    const md = renderMarkdown({ ...pm(), deploys: [], metrics: { timeToAcknowledge: null, timeToMitigate: null, timeToResolve: 60 } });
    expect(md).toContain('_No deploys were linked to this incident._');
    expect(md).toContain('| Time to acknowledge | not reached |');
    expect(md).toContain('| Time to resolve | 1 min |');
  });
});

describe('sanitizePostmortem: what a responder wrote, re-validated before use', () => {
  /** A stored postmortem with fields of any type (what a bad client write leaves behind). */
  const stored = (fields: Record<string, unknown>): Postmortem => ({ ...planned(resolvedIncident()).postmortem, ...fields }) as unknown as Postmortem;
  const good = { title: 'Cap gateway retries', owner: 'u-bob', dueAt: d('2026-12-01T00:00:00Z'), done: false };

  it('leaves a well-formed postmortem as it is, with no issues', () => {
    const pm = stored({ summary: 'Retries piled up.', actionItems: [good, { title: 'Alert on retries', owner: null, dueAt: null, done: true }] });
    expect(sanitizePostmortem(pm)).toEqual({ postmortem: pm, issues: [] });
  });

  it('a section that is not text counts as empty, and is reported', () => {
    const pm = stored({ summary: 42, impact: ['a', 'list'], rootCause: null });
    // Without the re-validation, rendering a numeric summary throws (every retry of the trigger would).
    expect(() => renderMarkdown(pm)).toThrow();
    const r = sanitizePostmortem(pm);
    expect(r.issues).toEqual(['summary: expected text, not number', 'impact: expected text, not a list']);
    expect([r.postmortem.summary, r.postmortem.impact, r.postmortem.rootCause]).toEqual(['', '', '']);
    expect(renderMarkdown(r.postmortem)).toContain('## Summary\n\n_What happened');
  });

  it('a section over 20,000 characters is cut, and reported', () => {
    const r = sanitizePostmortem(stored({ wentWell: 'x'.repeat(20_001) }));
    expect(r.postmortem.wentWell).toHaveLength(20_000);
    expect(r.issues).toEqual(['wentWell: longer than 20000 characters (cut)']);
  });

  it('skips each bad action item, keeps the good ones in order, and says which and why', () => {
    const pm = stored({
      actionItems: [
        { ...good, title: 'first' },
        { ...good, dueAt: '2026-12-01' },
        { ...good, done: 'no' },
        'a string',
        { ...good, title: 'x'.repeat(501) },
        { ...good, title: 'last', owner: undefined },
      ],
    });
    const r = sanitizePostmortem(pm);
    expect(r.postmortem.actionItems).toEqual([{ ...good, title: 'first' }, { ...good, title: 'last', owner: null }]);
    expect(r.issues).toEqual([
      'actionItems.1.dueAt: dueAt must be a timestamp or null',
      'actionItems.2.done: done must be true or false',
      expect.stringMatching(/^actionItems\.3: /),
      expect.stringMatching(/^actionItems\.4\.title: /),
    ]);
  });

  it('actionItems that is not a list counts as none', () => {
    const r = sanitizePostmortem(stored({ actionItems: { title: 'not a list' } }));
    expect(r.postmortem.actionItems).toEqual([]);
    expect(r.issues).toEqual(['actionItems: expected a list']);
  });

  it('the overdue reminders run over the sanitized postmortems instead of throwing', () => {
    const bad = stored({ incidentId: 'inc-bad', actionItems: [{ ...good, dueAt: 'tomorrow' }, { ...good, title: 'real one' }] });
    const other = stored({ incidentId: 'inc-other', actionItems: [{ ...good, title: 'elsewhere' }] });
    const now = d('2026-12-02T09:00:00Z');
    expect(() => overdueReminders({ postmortems: [bad, other], now })).toThrow();
    const reminders = overdueReminders({ postmortems: [bad, other].map((p) => sanitizePostmortem(p).postmortem), now });
    expect(reminders.map((r) => `${r.incidentId}:${r.title}`)).toEqual(['inc-bad:real one', 'inc-other:elsewhere']);
  });
});
