// Everything answered 202 can be stored (contract §3): each storage limit at
// the normaliser level, and cheap, bounded parsing of what senders send.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERT_LIMITS, fitAlertForStorage, TRUNCATED_LABEL, utf8Bytes, wellFormed } from '../../functions/src/domain/alertLimits';
import { normalizePayload } from '../../functions/src/domain/sources';
import { parseDatadogTitle } from '../../functions/src/domain/sources/datadog';
import type { AlertSource, NormalizedAlert } from '../../functions/src/domain/types';
import { ROOT } from '../support/config';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'alerts');
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const LONE = /[\ud800-\udfff]/u; // with the u flag, a valid pair is one code point and does not match

/**
 * What Firestore needs of an alert document, checked independently of the
 * code under test: field names non-empty, not `__.*__`, at most 1,500 bytes;
 * text valid UTF-8 (no lone surrogates); the document under 1 MiB; fewer
 * than 40,000 index entries (two per label, plus the other fields).
 */
function storageProblems(a: NormalizedAlert): string[] {
  const problems: string[] = [];
  const keys = Object.keys(a.labels);
  for (const k of keys) {
    if (k === '') problems.push('empty label name');
    if (/^__.*__$/.test(k)) problems.push(`reserved label name ${k}`);
    if (bytes(`labels.${k}`) > 1500) problems.push(`label name over 1500 bytes`);
  }
  if (keys.length * 2 + 64 > 40_000) problems.push('too many index entries');
  const texts = [a.title, a.alertName, a.fingerprint, a.service, a.environment, a.severity, a.description, ...keys, ...Object.values(a.labels), ...a.links.flatMap((l) => [l.title, l.url])];
  for (const t of texts) if (t !== null && LONE.test(t)) problems.push('lone surrogate');
  if (bytes(JSON.stringify(a)) > 1_000_000) problems.push('document over 1 MB');
  if (bytes(a.title) > ALERT_LIMITS.maxTitleBytes) problems.push('title too long');
  if (keys.length > ALERT_LIMITS.maxLabels) problems.push('too many labels');
  return problems;
}

function ok(source: AlertSource, payload: unknown): NormalizedAlert[] {
  const r = normalizePayload(source, payload);
  if (!r.ok) throw new Error(`${r.error} ${JSON.stringify(r.details)}`);
  return r.alerts;
}
const generic = (extra: Record<string, unknown>) => ok('generic', { title: 'Disk almost full', service: 'db', ...extra })[0]!;

describe('every accepted alert can be stored', () => {
  const files = fs.readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => fs.readdirSync(path.join(FIXTURES, d.name)).map((f) => `${d.name}/${f}`));
  it.each(files)('%s', (name) => {
    const r = normalizePayload(name.split('/')[0] as AlertSource, JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')));
    if (!r.ok) return expect(r.error).toContain('holds no alert'); // the one empty fixture
    for (const a of r.alerts) expect(storageProblems(a)).toEqual([]);
  });

  it('a body built to break every limit at once is accepted and storable', () => {
    const labels: Record<string, string> = { '': 'empty name', __name__: 'up', 'app.kubernetes.io/name': 'checkout', ['k'.repeat(2000)]: 'long name', bad: 'x\ud800y' };
    for (let i = 0; i < 30_000; i++) labels[`l${i}`] = 'v'.repeat(i < 10 ? 5000 : 3);
    const a = generic({ title: 'T'.repeat(1 << 20), description: 'D'.repeat(1 << 20), labels, fingerprint: 'f'.repeat(100_000), links: Array.from({ length: 500 }, (_, i) => ({ title: `l${i}`, url: `https://x.example/${i}` })) });
    expect(storageProblems(a)).toEqual([]);
    expect(a.labels[TRUNCATED_LABEL]).toBeDefined();
  });
});

describe('label names', () => {
  it('an empty name is dropped, and the drop is marked', () => {
    const a = generic({ labels: { '': 'x', team: 'db' } });
    expect(a.labels).toEqual({ team: 'db', [TRUNCATED_LABEL]: 'labels:1 dropped' });
  });

  it('a name Firestore reserves (__name__) is kept under reserved:', () => {
    const a = generic({ labels: { __name__: 'ping_success', __x: 'not reserved', x__: 'neither' } });
    expect(a.labels).toEqual({ 'reserved:__name__': 'ping_success', __x: 'not reserved', x__: 'neither' });
    expect(a.labels[TRUNCATED_LABEL]).toBeUndefined();
  });

  it('names with "." or "/" are kept as they are (one map key each)', () => {
    const labels = { 'app.kubernetes.io/name': 'checkout', 'a/b.c': 'd' };
    const a = generic({ labels });
    expect(a.labels).toEqual(labels);
  });

  it(`a name over ${ALERT_LIMITS.maxLabelKeyBytes} bytes is dropped (a cut name could collide)`, () => {
    const fits = 'é'.repeat(ALERT_LIMITS.maxLabelKeyBytes / 2); // 2 bytes each: exactly the limit
    const over = `${fits}x`;
    const a = generic({ labels: { [fits]: '1', [over]: '2' } });
    expect(a.labels[fits]).toBe('1');
    expect(a.labels[over]).toBeUndefined();
    expect(a.labels[TRUNCATED_LABEL]).toBe('labels:1 dropped');
  });

  it('a sender may not set the marker itself', () => {
    const a = generic({ labels: { [TRUNCATED_LABEL]: 'forged', team: 'db' } });
    expect(a.labels).toEqual({ team: 'db', [TRUNCATED_LABEL]: 'labels:1 dropped' });
  });
});

describe('label count', () => {
  const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`label${String(i).padStart(5, '0')}`, 'v']));

  it(`${ALERT_LIMITS.maxLabels} labels are kept as they are`, () => {
    const a = generic({ labels: many(ALERT_LIMITS.maxLabels) });
    expect(Object.keys(a.labels)).toHaveLength(ALERT_LIMITS.maxLabels);
    expect(a.labels[TRUNCATED_LABEL]).toBeUndefined();
  });

  it('beyond that, the first by name are kept, the ones the pipeline reads before all, whatever the order sent', () => {
    const labels = { ...many(5000), severity: 'critical', alertname: 'DiskFull' };
    const a = generic({ labels });
    expect(Object.keys(a.labels)).toHaveLength(ALERT_LIMITS.maxLabels);
    expect(a.labels[TRUNCATED_LABEL]).toBe(`labels:${5002 - (ALERT_LIMITS.maxLabels - 1)} dropped`);
    expect(a.labels.severity).toBe('critical');
    expect(a.labels.alertname).toBe('DiskFull');
    expect(a.labels.label00000).toBe('v');
    expect(a.labels.label04999).toBeUndefined();
    const reversed = generic({ labels: Object.fromEntries(Object.entries(labels).reverse()) });
    expect(reversed.labels).toEqual(a.labels);
    // the fingerprint is taken before the cut: it still tells the full label sets apart
    expect(generic({ labels: { ...labels, label04999: 'other' } }).fingerprint).not.toBe(a.fingerprint);
  });
});

describe('text lengths', () => {
  it(`a label value over ${ALERT_LIMITS.maxLabelValueBytes} bytes is cut, with "…"`, () => {
    const a = generic({ labels: { query: 'q'.repeat(5000), team: 'db' } });
    expect(bytes(a.labels.query!)).toBe(ALERT_LIMITS.maxLabelValueBytes);
    expect(a.labels.query!.endsWith('…')).toBe(true);
    expect(a.labels.query!.startsWith('qqq')).toBe(true);
    expect(a.labels.team).toBe('db');
    expect(a.labels[TRUNCATED_LABEL]).toBe('label values:1 cut');
  });

  it(`a title over ${ALERT_LIMITS.maxTitleBytes} bytes is cut, never refused, without splitting a character`, () => {
    const title = `Disk ${'💾'.repeat(300_000)}`; // 1.2 MB, 4 bytes a character
    const a = generic({ title });
    expect(bytes(a.title)).toBeLessThanOrEqual(ALERT_LIMITS.maxTitleBytes);
    expect(bytes(a.title)).toBeGreaterThan(ALERT_LIMITS.maxTitleBytes - 7);
    expect(a.title.startsWith('Disk 💾')).toBe(true);
    expect(a.title.endsWith('💾…')).toBe(true);
    expect(LONE.test(a.title)).toBe(false);
    expect(a.labels[TRUNCATED_LABEL]).toContain('title');
    // the default fingerprint is taken from the full title
    expect(generic({ title: `${title}!` }).fingerprint).not.toBe(a.fingerprint);
  });

  it(`a description over ${ALERT_LIMITS.maxDescriptionBytes} bytes is cut`, () => {
    const a = generic({ description: 'x'.repeat(100_000) });
    expect(bytes(a.description!)).toBe(ALERT_LIMITS.maxDescriptionBytes);
    expect(a.labels[TRUNCATED_LABEL]).toBe('description');
  });

  it('service, environment and severity are cut too', () => {
    const a = generic({ service: 's'.repeat(1000), environment: 'e'.repeat(1000), severity: 'v'.repeat(1000) });
    for (const v of [a.service, a.environment, a.severity]) expect(bytes(v!)).toBe(ALERT_LIMITS.maxFieldBytes);
    expect(a.labels[TRUNCATED_LABEL]).toBe('service, environment, severity');
  });

  it('a Datadog title of 1 MiB is cut the same way (the title alert that used to hang the request)', () => {
    const a = ok('datadog', { id: '1', title: `[Triggered on {host:a}] ${'x'.repeat(1 << 20)}` })[0]!;
    expect(bytes(a.title)).toBe(ALERT_LIMITS.maxTitleBytes);
    expect(a.labels.host).toBe('a');
  });
});

describe('links, fingerprints and text encoding', () => {
  it(`links beyond ${ALERT_LIMITS.maxLinks}, and URLs over ${ALERT_LIMITS.maxLinkUrlBytes} bytes, are dropped`, () => {
    const links = [{ title: 'huge', url: `https://x.example/${'a'.repeat(5000)}` }, ...Array.from({ length: 30 }, (_, i) => ({ title: `l${i}`, url: `https://x.example/${i}` }))];
    const a = generic({ links });
    expect(a.links.map((l) => l.title)).toEqual(Array.from({ length: ALERT_LIMITS.maxLinks }, (_, i) => `l${i}`));
    expect(a.labels[TRUNCATED_LABEL]).toBe(`links:${31 - ALERT_LIMITS.maxLinks} dropped`);
  });

  it(`a fingerprint over ${ALERT_LIMITS.maxFingerprintBytes} bytes becomes a stable, distinct hash`, () => {
    const long = 'f'.repeat(10_000);
    const a = generic({ fingerprint: long });
    expect(a.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(generic({ fingerprint: long }).fingerprint).toBe(a.fingerprint);
    expect(generic({ fingerprint: `${long}g` }).fingerprint).not.toBe(a.fingerprint);
    expect(generic({ fingerprint: 'f'.repeat(ALERT_LIMITS.maxFingerprintBytes) }).fingerprint).toBe('f'.repeat(ALERT_LIMITS.maxFingerprintBytes));
  });

  it('lone surrogates (valid JSON, invalid UTF-8) become U+FFFD everywhere', () => {
    const a = generic({ title: 'a\ud800b', labels: { 'k\udc00': 'v\ud800' }, links: [{ title: 't\udfff', url: 'https://x.example/' }] });
    expect(a.title).toBe('a\ufffdb');
    expect(a.labels).toEqual({ 'k\ufffd': 'v\ufffd' });
    expect(a.links[0]!.title).toBe('t\ufffd');
    expect(wellFormed('ok 😀')).toBe('ok 😀');
  });

  it('an alert within every limit is returned as it is', () => {
    const [alert] = ok('generic', { title: 'Disk almost full', labels: { host: 'db-1' } });
    expect(fitAlertForStorage(alert!)).toBe(alert);
  });

  it('utf8Bytes agrees with Buffer.byteLength', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', 'a\ud800', '\udc00z', 'mixed é€😀 text']) expect(utf8Bytes(s)).toBe(Buffer.byteLength(wellFormed(s), 'utf8'));
  });
});

describe('bounded parsing (no input makes a normaliser slow)', () => {
  // Each input took the old code minutes (quadratic backtracking) or more;
  // linear code takes milliseconds. The bound is generous for a loaded machine.
  const BOUND_MS = 1500;
  const timed = (f: () => unknown) => {
    const t = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const MiB = 1 << 20;
  const cases: [string, AlertSource, () => unknown][] = [
    ['Datadog title: many " on {" in one bracket', 'datadog', () => ({ id: '1', title: `[Triggered${' on {x'.repeat(MiB / 6)}]` })],
    ['Datadog title: a bracket of spaces', 'datadog', () => ({ id: '1', title: `[${' '.repeat(MiB)}x] t` })],
    ['Datadog title: many brackets', 'datadog', () => ({ id: '1', title: '[P1] '.repeat(MiB / 5) })],
    ['Datadog body: spaces before a missing fence', 'datadog', () => ({ id: '1', title: 't', body: `%%%${' '.repeat(MiB)}x` })],
    ['Datadog tags: one key repeated', 'datadog', () => ({ id: '1', title: 't', tags: Array.from({ length: 100_000 }, (_, i) => `role:r${i}`).join(',') })],
    ['Sentry URLs: digits without an end', 'sentry', () => ({ data: { event: { title: 't', url: `https://s/api/0/projects/${'o/'.repeat(MiB / 2)}`, web_url: `https://s/${'/issues/1'.repeat(MiB / 9)}x` } } })],
    ['Alertmanager: a message of one long line', 'alertmanager', () => ({ status: 'firing', alerts: [{ labels: { alertname: 'A' }, annotations: { message: `${' '.repeat(MiB)}x` } }] })],
    ['Alertmanager: an externalURL of slashes (/\\/+$/ took 10 s for 64 KiB)', 'alertmanager', () => ({ status: 'firing', externalURL: `http://am${'/'.repeat(MiB)}x`, alerts: [{ labels: { alertname: 'A' } }] })],
    ['Alertmanager: 20,000 labels', 'alertmanager', () => ({ status: 'firing', alerts: [{ labels: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`l${i}`, 'v'])) }] })],
    ['dates: a megabyte of digits', 'generic', () => ({ title: 't', startsAt: '1'.repeat(MiB) })],
  ];
  it.each(cases)('%s', (_name, source, make) => {
    const payload = make();
    let result: ReturnType<typeof normalizePayload> | undefined;
    const ms = timed(() => (result = normalizePayload(source, payload)));
    expect(result?.ok).toBe(true);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('the Datadog title parser reads the same prefixes at any length', () => {
    const long = parseDatadogTitle(`[P2] [Recovered on {host:a}] ${'y'.repeat(MiB)}`);
    expect([long.priority, long.transition, long.scope, long.title.length]).toEqual(['P2', 'Recovered', 'host:a', MiB]);
  });
});
