import { describe, expect, it } from 'vitest';
import {
  applyDiff,
  bucketId,
  bucketMeta,
  type Contribution,
  deployContribution,
  diffContributions,
  incidentContribution,
  isoMonth,
  isoWeek,
  mondayOfIsoWeek,
  periodsOf,
  type StatFields,
  type StatsDeploy,
  type StatsIncident,
  summarize,
} from '../../functions/src/domain/stats';
import { reportSvg, reportTable } from '../../tools/insightsReport';

const at = (iso: string) => new Date(iso);

function incident(extra: Partial<StatsIncident>): StatsIncident {
  return {
    createdAt: at('2026-11-23T10:30:00Z'),
    acknowledgedAt: null,
    resolvedAt: null,
    service: 'checkout',
    severity: 'SEV3',
    drill: false,
    deploys: [],
    ...extra,
  };
}

/**
 * What the shell does: keep the last contribution of each incident/deploy,
 * apply the diff to the buckets (FieldValue.increment), store the new one.
 */
class Ledger {
  buckets: Record<string, Partial<StatFields>> = {};
  last = new Map<string, Contribution>();
  diffs: Contribution[] = [];
  apply(key: string, next: Contribution): Contribution {
    const diff = diffContributions(this.last.get(key), next);
    this.buckets = applyDiff(this.buckets, diff);
    this.last.set(key, next);
    this.diffs.push(diff);
    return diff;
  }
  bucket(scope: string, period: string): Partial<StatFields> {
    return this.buckets[bucketId(scope, period)] ?? {};
  }
}

describe('ISO weeks and months (UTC)', () => {
  // Calendar reasoning: 2026-01-01 is a Thursday (2025-01-01 was a Wednesday and
  // 2025 has 365 days = 52 weeks + 1 day). 2026 is not a leap year, so
  // 2026-12-31 is 364 days (exactly 52 weeks) later: a Thursday too. A year that
  // starts on a Thursday has 53 ISO weeks, and week 1 is the week holding the
  // year's first Thursday. So:
  //   Mon 2025-12-29 .. Sun 2026-01-04 = 2026-W01 (holds Thu 2026-01-01)
  //   Sun 2025-12-28                    = 2025-W52 (2025 started on a Wednesday: 52 weeks)
  //   Mon 2026-12-28 .. Sun 2027-01-03 = 2026-W53 (holds Thu 2026-12-31)
  //   Mon 2027-01-04                    = 2027-W01 (holds Thu 2027-01-07, the first of 2027)
  // 2026-11-23 is a Monday: 2026-W01 starts 2025-12-29, and 2026-11-23 is 329 days
  // (47 weeks) later, so it starts week 48.
  it.each([
    ['2026-12-31T23:30:00Z', '2026-W53', '2026-12'],
    ['2027-01-01T00:30:00Z', '2026-W53', '2027-01'],
    ['2027-01-03T23:59:59Z', '2026-W53', '2027-01'],
    ['2027-01-04T00:00:00Z', '2027-W01', '2027-01'],
    ['2026-01-01T12:00:00Z', '2026-W01', '2026-01'],
    ['2025-12-29T00:00:00Z', '2026-W01', '2025-12'],
    ['2025-12-28T23:59:59Z', '2025-W52', '2025-12'],
    ['2026-11-23T00:00:00Z', '2026-W48', '2026-11'],
    ['2026-11-29T23:59:59Z', '2026-W48', '2026-11'],
    ['2026-11-30T00:00:00Z', '2026-W49', '2026-11'],
  ])('%s is in %s and %s', (iso, week, month) => {
    expect(isoWeek(at(iso))).toBe(week);
    expect(isoMonth(at(iso))).toBe(month);
    expect(periodsOf(at(iso))).toEqual([`week:${week}`, `month:${month}`]);
  });

  it('a time late on 2026-12-31 in a zone east of UTC still counts by its UTC date', () => {
    // 2027-01-01T00:30+01:00 is 2026-12-31T23:30Z.
    expect(isoMonth(at('2027-01-01T00:30:00+01:00'))).toBe('2026-12');
  });

  it('mondayOfIsoWeek is the start of the week', () => {
    expect(mondayOfIsoWeek('2026-W53').toISOString()).toBe('2026-12-28T00:00:00.000Z');
    expect(mondayOfIsoWeek('2027-W01').toISOString()).toBe('2027-01-04T00:00:00.000Z');
    expect(mondayOfIsoWeek('2026-W01').toISOString()).toBe('2025-12-29T00:00:00.000Z');
    expect(mondayOfIsoWeek('2026-W48').toISOString()).toBe('2026-11-23T00:00:00.000Z');
  });

  it('an incident opened on 2027-01-01 counts in week 2026-W53 and month 2027-01', () => {
    expect(Object.keys(incidentContribution(incident({ createdAt: at('2027-01-01T00:30:00Z'), service: null, severity: 'SEV2' }))).sort()).toEqual([
      'all__month_2027-01',
      'all__week_2026-W53',
      'severity_SEV2__month_2027-01',
      'severity_SEV2__week_2026-W53',
    ]);
  });
});

describe('bucket ids', () => {
  it('the documented scheme', () => {
    expect(bucketId('service:checkout', 'week:2026-W48')).toBe('service_checkout__week_2026-W48');
    expect(bucketId('all', 'month:2026-11')).toBe('all__month_2026-11');
    expect(bucketId('severity:SEV1', 'week:2027-W01')).toBe('severity_SEV1__week_2027-W01');
    expect(bucketId('service:my_svc', 'week:2026-W48')).toBe('service_my~5Fsvc__week_2026-W48');
  });

  it('bucketMeta reads an id back', () => {
    expect(bucketMeta('service_checkout__week_2026-W48')).toEqual({ scope: 'service:checkout', scopeType: 'service', period: 'week:2026-W48', periodType: 'week' });
    expect(bucketMeta('all__month_2026-11')).toEqual({ scope: 'all', scopeType: 'all', period: 'month:2026-11', periodType: 'month' });
    expect(bucketMeta('severity_SEV2__month_2026-11')).toEqual({ scope: 'severity:SEV2', scopeType: 'severity', period: 'month:2026-11', periodType: 'month' });
  });

  it('any service name gives a Firestore-safe id that reads back', () => {
    for (const name of ['checkout', 'a/b', 'my__svc', 'x~y', 'café ☕', '__init__', 'a.b-c']) {
      const id = bucketId(`service:${name}`, 'month:2026-11');
      expect(id).not.toContain('/');
      expect(id).toMatch(/^service_[A-Za-z0-9.~-]+__month_2026-11$/);
      expect(bucketMeta(id).scope).toBe(`service:${name}`);
    }
  });

  it('service names are trimmed and lower-cased', () => {
    const c = incidentContribution(incident({ service: ' Checkout ' }));
    expect(Object.keys(c)).toContain('service_checkout__week_2026-W48');
  });

  it('rejects what is not a bucket', () => {
    expect(() => bucketMeta('nope')).toThrow();
    expect(() => bucketId('team:x', 'week:2026-W48')).toThrow();
  });
});

describe('contributions', () => {
  it('an incident counts in all, its service and its severity, each in its week and month', () => {
    const c = incidentContribution(
      incident({ severity: 'SEV1', acknowledgedAt: at('2026-11-23T10:35:00Z'), resolvedAt: at('2026-11-23T11:30:00Z'), deploys: [{ id: 'd1' }] }),
    );
    const fields = { incidents: 1, acknowledged: 1, ackSecondsSum: 300, resolved: 1, resolveSecondsSum: 3600, incidentsWithDeploy: 1 };
    expect(c).toEqual({
      'all__week_2026-W48': fields,
      'all__month_2026-11': fields,
      'service_checkout__week_2026-W48': fields,
      'service_checkout__month_2026-11': fields,
      'severity_SEV1__week_2026-W48': fields,
      'severity_SEV1__month_2026-11': fields,
    });
  });

  it('a drill contributes nothing', () => {
    expect(incidentContribution(incident({ drill: true, acknowledgedAt: at('2026-11-23T10:35:00Z') }))).toEqual({});
    expect(deployContribution({ id: 'd', service: 'checkout', environment: 'prod', deployedAt: at('2026-11-23T10:00:00Z'), drill: true }, 3)).toEqual({});
  });

  it('a deploy counts in all and its service; failed once linked to an incident', () => {
    const d: StatsDeploy = { id: 'd1', service: 'checkout', environment: 'prod', deployedAt: at('2026-11-23T10:00:00Z') };
    expect(deployContribution(d, 0)).toEqual({
      'all__week_2026-W48': { deploys: 1 },
      'all__month_2026-11': { deploys: 1 },
      'service_checkout__week_2026-W48': { deploys: 1 },
      'service_checkout__month_2026-11': { deploys: 1 },
    });
    expect(deployContribution(d, 2)['all__week_2026-W48']).toEqual({ deploys: 1, failedDeploys: 1 });
  });

  it('the diff is idempotent: replaying the same state gives an empty diff', () => {
    const i = incident({ acknowledgedAt: at('2026-11-23T10:35:00Z') });
    const c = incidentContribution(i);
    expect(diffContributions(c, incidentContribution({ ...i }))).toEqual({});
    expect(diffContributions(undefined, c)).toEqual(c);
    expect(diffContributions(c, {})).toEqual(
      Object.fromEntries(Object.keys(c).map((k) => [k, { incidents: -1, acknowledged: -1, ackSecondsSum: -300 }])),
    );
  });

  it('only what changed: acknowledging adds acknowledged and the seconds', () => {
    const before = incidentContribution(incident({}));
    const after = incidentContribution(incident({ acknowledgedAt: at('2026-11-23T10:32:30Z') }));
    const diff = diffContributions(before, after);
    expect(Object.keys(diff)).toHaveLength(6);
    expect(diff['all__week_2026-W48']).toEqual({ acknowledged: 1, ackSecondsSum: 150 });
  });

  it('a severity change moves the incident from one severity bucket to another', () => {
    const diff = diffContributions(incidentContribution(incident({ severity: 'SEV3' })), incidentContribution(incident({ severity: 'SEV2' })));
    expect(diff).toEqual({
      'severity_SEV2__month_2026-11': { incidents: 1 },
      'severity_SEV2__week_2026-W48': { incidents: 1 },
      'severity_SEV3__month_2026-11': { incidents: -1 },
      'severity_SEV3__week_2026-W48': { incidents: -1 },
    });
  });

  it('an incident turned into a drill withdraws everything', () => {
    const i = incident({ resolvedAt: at('2026-11-23T11:00:00Z') });
    const diff = diffContributions(incidentContribution(i), incidentContribution({ ...i, drill: true }));
    expect(diff['all__week_2026-W48']).toEqual({ incidents: -1, resolved: -1, resolveSecondsSum: -1800 });
  });
});

describe('a scripted week: 3 incidents, 4 deploys (and a drill)', () => {
  // Week 2026-W48 (Mon 2026-11-23 .. Sun 2026-11-29), month 2026-11.
  //
  // Deploys:
  //   D1 checkout v1  Mon 10:00  → I1 follows it 30 min later: failed
  //   D2 checkout v2  Tue 09:00  → nothing follows within 2 h: fine
  //   D3 payments p1  Wed 12:00  → I3 follows it 45 min later: failed
  //   D4 payments p2  Thu 08:00  → fine
  // Incidents:
  //   I1 checkout SEV1  Mon 10:30, ack 10:35 (300 s), resolved 11:30 (3600 s), deploys [D1]
  //   I2 checkout SEV3→SEV2 Tue 20:00, ack 20:10 (600 s), resolved Wed 00:00 (14400 s), no deploy
  //   I3 payments SEV1  Wed 12:45, ack 12:47 (120 s), still open, deploys [D3]
  //   X  checkout SEV1  drill, acked and resolved: counts nowhere
  //
  // By hand, bucket `all`:
  //   incidents 3; acknowledged 3, ackSecondsSum 300+600+120 = 1020 → MTTA 340 s (5m 40s)
  //   resolved 2, resolveSecondsSum 3600+14400 = 18000 → MTTR 9000 s (2h 30m)
  //   deploys 4, failedDeploys 2 → CFR 0.5; incidentsPerDeploy 3/4 = 0.75; incidentsWithDeploy 2
  // service:checkout: incidents 2, MTTA (300+600)/2 = 450 s, MTTR (3600+14400)/2 = 9000 s, deploys 2, failed 1, CFR 0.5
  // service:payments: incidents 1, MTTA 120 s, MTTR none, deploys 2, failed 1, CFR 0.5
  // severity:SEV1: incidents 2 (I1, I3), MTTA (300+120)/2 = 210 s, MTTR 3600 s (I1 only), no deploys → CFR none
  // severity:SEV2: incidents 1, MTTA 600 s, MTTR 14400 s
  // severity:SEV3: I2 was SEV3 at first, then moved: incidents 0
  const D1: StatsDeploy = { id: 'D1', service: 'checkout', environment: 'prod', deployedAt: at('2026-11-23T10:00:00Z') };
  const D2: StatsDeploy = { id: 'D2', service: 'checkout', environment: 'prod', deployedAt: at('2026-11-24T09:00:00Z') };
  const D3: StatsDeploy = { id: 'D3', service: 'payments', environment: 'prod', deployedAt: at('2026-11-25T12:00:00Z') };
  const D4: StatsDeploy = { id: 'D4', service: 'payments', environment: 'prod', deployedAt: at('2026-11-26T08:00:00Z') };

  function script(): Ledger {
    const l = new Ledger();
    // Mon
    l.apply('deploy:D1', deployContribution(D1, 0));
    const i1 = incident({ service: 'checkout', severity: 'SEV1', createdAt: at('2026-11-23T10:30:00Z'), deploys: [D1] });
    l.apply('incident:I1', incidentContribution(i1));
    l.apply('deploy:D1', deployContribution(D1, 1));
    l.apply('incident:I1', incidentContribution({ ...i1, acknowledgedAt: at('2026-11-23T10:35:00Z') }));
    l.apply('incident:I1', incidentContribution({ ...i1, acknowledgedAt: at('2026-11-23T10:35:00Z'), resolvedAt: at('2026-11-23T11:30:00Z') }));
    // Tue
    l.apply('deploy:D2', deployContribution(D2, 0));
    const i2 = incident({ service: 'checkout', severity: 'SEV3', createdAt: at('2026-11-24T20:00:00Z') });
    l.apply('incident:I2', incidentContribution(i2));
    l.apply('incident:I2', incidentContribution({ ...i2, severity: 'SEV2' }));
    l.apply('incident:I2', incidentContribution({ ...i2, severity: 'SEV2', acknowledgedAt: at('2026-11-24T20:10:00Z') }));
    // The drill, in between.
    const x = incident({ service: 'checkout', severity: 'SEV1', createdAt: at('2026-11-24T21:00:00Z'), drill: true, deploys: [D2] });
    l.apply('incident:X', incidentContribution(x));
    l.apply('incident:X', incidentContribution({ ...x, acknowledgedAt: at('2026-11-24T21:01:00Z'), resolvedAt: at('2026-11-24T21:02:00Z') }));
    // Wed
    l.apply(
      'incident:I2',
      incidentContribution({ ...i2, severity: 'SEV2', acknowledgedAt: at('2026-11-24T20:10:00Z'), resolvedAt: at('2026-11-25T00:00:00Z') }),
    );
    l.apply('deploy:D3', deployContribution(D3, 0));
    const i3 = incident({ service: 'payments', severity: 'SEV1', createdAt: at('2026-11-25T12:45:00Z'), deploys: [D3] });
    l.apply('incident:I3', incidentContribution(i3));
    l.apply('deploy:D3', deployContribution(D3, 1));
    l.apply('incident:I3', incidentContribution({ ...i3, acknowledgedAt: at('2026-11-25T12:47:00Z') }));
    // Thu
    l.apply('deploy:D4', deployContribution(D4, 0));
    return l;
  }

  it('buckets hold the hand-computed sums', () => {
    const l = script();
    const all = { incidents: 3, acknowledged: 3, ackSecondsSum: 1020, resolved: 2, resolveSecondsSum: 18000, deploys: 4, failedDeploys: 2, incidentsWithDeploy: 2 };
    expect(l.bucket('all', 'week:2026-W48')).toEqual(all);
    expect(l.bucket('all', 'month:2026-11')).toEqual(all);
    expect(l.bucket('severity:SEV3', 'week:2026-W48')).toEqual({ incidents: 0 });
  });

  it('MTTA, MTTR and change failure rate, by hand', () => {
    const l = script();
    expect(summarize(l.bucket('all', 'week:2026-W48'))).toEqual({
      incidents: 3,
      mttaSeconds: 340,
      mttrSeconds: 9000,
      deploys: 4,
      failedDeploys: 2,
      changeFailureRate: 0.5,
      incidentsPerDeploy: 0.75,
      incidentsWithDeploy: 2,
    });
    expect(summarize(l.bucket('service:checkout', 'week:2026-W48'))).toMatchObject({ incidents: 2, mttaSeconds: 450, mttrSeconds: 9000, deploys: 2, failedDeploys: 1, changeFailureRate: 0.5, incidentsPerDeploy: 1 });
    expect(summarize(l.bucket('service:payments', 'week:2026-W48'))).toMatchObject({ incidents: 1, mttaSeconds: 120, mttrSeconds: null, deploys: 2, failedDeploys: 1, changeFailureRate: 0.5 });
    expect(summarize(l.bucket('severity:SEV1', 'week:2026-W48'))).toMatchObject({ incidents: 2, mttaSeconds: 210, mttrSeconds: 3600, deploys: 0, changeFailureRate: null, incidentsPerDeploy: null });
    expect(summarize(l.bucket('severity:SEV2', 'week:2026-W48'))).toMatchObject({ incidents: 1, mttaSeconds: 600, mttrSeconds: 14400 });
  });

  it('replaying every final state again changes nothing', () => {
    const l = script();
    const before = structuredClone(l.buckets);
    for (const [key, c] of [...l.last.entries()]) expect(l.apply(key, structuredClone(c))).toEqual({});
    expect(l.buckets).toEqual(before);
  });

  it('an empty bucket has no rates', () => {
    expect(summarize({})).toEqual({
      incidents: 0,
      mttaSeconds: null,
      mttrSeconds: null,
      deploys: 0,
      failedDeploys: 0,
      changeFailureRate: null,
      incidentsPerDeploy: null,
      incidentsWithDeploy: 0,
    });
  });

  it('reportTable: one row per scope and period, sorted by period then scope', () => {
    const l = script();
    const buckets = Object.entries(l.buckets).map(([id, b]) => ({ id, ...b }));
    expect(reportTable(buckets, { periodType: 'week' })).toBe(
      [
        'period         scope             incidents        MTTA        MTTR  deploys  failed  CFR',
        '-------------  ----------------  ---------  ----------  ----------  -------  ------  ---',
        'week:2026-W48  all                       3  5 min 40 s  2 h 30 min        4       2  50%',
        'week:2026-W48  service:checkout          2  7 min 30 s  2 h 30 min        2       1  50%',
        'week:2026-W48  service:payments          1       2 min           -        2       1  50%',
        'week:2026-W48  severity:SEV1             2  3 min 30 s         1 h        0       0    -',
        'week:2026-W48  severity:SEV2             1      10 min         4 h        0       0    -',
        'week:2026-W48  severity:SEV3             0           -           -        0       0    -',
        '',
      ].join('\n'),
    );
    // Month rows come before week rows; a scope filter keeps only those scopes.
    const monthsFirst = reportTable(buckets, { scopes: ['all'] }).split('\n');
    expect(monthsFirst.slice(2, 4).map((r) => r.split(/\s+/)[0])).toEqual(['month:2026-11', 'week:2026-W48']);
    expect(reportTable(buckets, { scopes: ['service:'], periodType: 'month' }).split('\n').slice(2, 4).map((r) => r.split(/\s+/)[1])).toEqual([
      'service:checkout',
      'service:payments',
    ]);
    expect(reportTable([])).toContain('(no data)');
  });
});

describe('reportSvg', () => {
  const buckets = [
    { id: 'all__week_2026-W52', incidents: 2, deploys: 5 },
    { id: 'all__week_2026-W53', incidents: 1, deploys: 3, failedDeploys: 1 },
    // 2027-W01 has no data: it is drawn empty.
    { id: 'all__week_2027-W02', incidents: 4, deploys: 2 },
    { id: 'all__month_2026-12', incidents: 3, deploys: 8 },
    { id: 'service_checkout__week_2026-W52', incidents: 9, deploys: 9 },
  ];

  it('is a self-contained SVG with both series per week, gaps included, axis labels and a legend', () => {
    const svg = reportSvg(buckets);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/href=|<script|<image/);
    const labels = [...svg.matchAll(/rotate\(-45[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(labels).toEqual(['2026-W52', '2026-W53', '2027-W01', '2027-W02']);
    expect(svg).toContain('<title>2026-W53: 1 incidents</title>');
    expect(svg).toContain('<title>2027-W01: 0 deploys</title>');
    expect(svg).toContain('<title>2027-W02: 4 incidents</title>');
    expect((svg.match(/<rect class="incidents"/g) ?? []).length).toBe(4);
    expect((svg.match(/<rect class="deploys"/g) ?? []).length).toBe(4);
    expect(svg).toContain('>incidents</text>');
    expect(svg).toContain('>deploys</text>');
    expect(svg).toContain('ISO week (UTC)');
    // The other scope (checkout: 9) does not leak in: the y axis stops at 5.
    expect(svg).toContain('>5</text>');
    expect(svg).not.toContain('>9</text>');
  });

  it('is deterministic', () => {
    expect(reportSvg(buckets)).toBe(reportSvg([...buckets].reverse()));
  });

  it('charts another scope, and escapes text', () => {
    const svg = reportSvg(buckets, { scope: 'service:checkout', title: 'Checkout <prod> & "friends"' });
    expect(svg).toContain('Checkout &lt;prod&gt; &amp; &quot;friends&quot;');
    expect(svg).not.toContain('<prod>');
    expect(svg).toContain('<title>2026-W52: 9 incidents</title>');
  });

  it('says so when there is no data', () => {
    expect(reportSvg([])).toContain('No data');
  });
});
