// What the pipeline's work costs, for `npm run bench`: Firestore document
// reads and writes (counted by firestoreProxy.mjs) and function executions
// (counted from the Functions emulator's log by functionsLog.mjs) within a
// time window, less the background rate seen in a quiet baseline window just
// before; and what that costs at list prices.
import { summarize } from './firestoreProxy.mjs';

/**
 * List prices used for the cost line (USD, free tiers excluded).
 * The search tool's stored copies carry no crawl date; `seen` is the day they
 * were read for this bench.
 */
export const PRICES = {
  seen: '2026-12-01',
  firestore: {
    edition: 'Firestore Standard edition, us-central1',
    readsPer100k: 0.03,
    writesPer100k: 0.09,
    deletesPer100k: 0.01,
    freeTier: '50,000 reads, 20,000 writes and 20,000 deletes a day (excluded)',
    source: 'https://firebase.google.com/docs/firestore/standard-edition ("Billing and limits": prices shown for us-central1; the stored zh-cn copy of that page holds the section)',
  },
  functions: {
    product: 'Cloud Run functions (firebase-functions v2 deploys Cloud Run services): requests, Tier 1 regions',
    invocationsPerMillion: 0.4,
    freeTier: '2 million requests a month (excluded)',
    source: 'https://cloud.google.com/run/pricing (Requests column; the same $0.40 per million as https://cloud.google.com/functions/pricing-1stgen "Invocations")',
  },
};

/** Invocations and Firestore counts within [from, to]. */
export function windowCounts(log, proxy, from, to) {
  const inv = log.between(from, to);
  const fs = summarize(proxy.between(from, to));
  return { from, to, ms: to - from, invocations: inv, firestore: fs };
}

const scaleMap = (m, f) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v * f]));

/**
 * The counts of `w` less the baseline's rate over w's length (never below 0).
 * Returns flat totals plus the breakdowns, all as (possibly fractional) numbers.
 */
export function lessBaseline(w, baseline) {
  const f = baseline && baseline.ms > 0 ? w.ms / baseline.ms : 0;
  const minus = (a, b) => Math.max(0, a - (b ?? 0) * f);
  const byFunction = { ...w.invocations.byFunction };
  if (baseline) for (const [fn, n] of Object.entries(baseline.invocations.byFunction)) byFunction[fn] = minus(byFunction[fn] ?? 0, n);
  const b = baseline?.firestore;
  return {
    ms: w.ms,
    invocations: minus(w.invocations.total, baseline?.invocations.total),
    byFunction,
    writes: minus(w.firestore.writes, b?.writes),
    deletes: minus(w.firestore.deletes, b?.deletes),
    attemptedWrites: minus(w.firestore.attemptedWrites, b?.attemptedWrites),
    reads: minus(w.firestore.reads, b?.reads),
    billedReads: minus(w.firestore.billedReads, b?.billedReads),
    missing: minus(w.firestore.missing, b?.missing),
    rpcs: minus(w.firestore.rpcs, b?.rpcs),
    failedRpcs: minus(w.firestore.failedRpcs, b?.failedRpcs),
    byCaller: w.firestore.byCaller,
    baselineSubtracted: baseline ? { invocations: baseline.invocations.total * f, writes: (b?.writes ?? 0) * f, reads: (b?.reads ?? 0) * f } : null,
  };
}

/** Sums several windows' counts (e.g. repeated probes). */
export function addCounts(list) {
  const out = { ms: 0, invocations: 0, byFunction: {}, writes: 0, deletes: 0, attemptedWrites: 0, reads: 0, billedReads: 0, missing: 0, rpcs: 0, failedRpcs: 0, byCaller: {} };
  for (const c of list) {
    for (const k of ['ms', 'invocations', 'writes', 'deletes', 'attemptedWrites', 'reads', 'billedReads', 'missing', 'rpcs', 'failedRpcs']) out[k] += c[k];
    for (const [fn, n] of Object.entries(c.byFunction)) out.byFunction[fn] = (out.byFunction[fn] ?? 0) + n;
    for (const [caller, v] of Object.entries(c.byCaller)) {
      const o = (out.byCaller[caller] ??= { rpcs: {}, writes: 0, reads: 0, billedReads: 0, collections: {} });
      o.writes += v.writes;
      o.reads += v.reads;
      o.billedReads += v.billedReads;
      for (const [m, n] of Object.entries(v.rpcs)) o.rpcs[m] = (o.rpcs[m] ?? 0) + n;
      for (const [col, e] of Object.entries(v.collections)) {
        const t = (o.collections[col] ??= { writes: 0, reads: 0, missing: 0 });
        t.writes += e.writes;
        t.reads += e.reads;
        t.missing += e.missing;
      }
    }
  }
  return out;
}

/** Every count of `c` divided by `n` (per alert). */
export function perUnit(c, n) {
  const d = (v) => v / n;
  const byCaller = {};
  for (const [caller, v] of Object.entries(c.byCaller)) {
    byCaller[caller] = {
      writes: d(v.writes),
      reads: d(v.reads),
      billedReads: d(v.billedReads),
      rpcs: scaleMap(v.rpcs, 1 / n),
      collections: Object.fromEntries(Object.entries(v.collections).map(([k, e]) => [k, { writes: d(e.writes), reads: d(e.reads), missing: d(e.missing) }])),
    };
  }
  return {
    invocations: d(c.invocations),
    byFunction: scaleMap(c.byFunction, 1 / n),
    writes: d(c.writes),
    deletes: d(c.deletes),
    attemptedWrites: d(c.attemptedWrites),
    reads: d(c.reads),
    billedReads: d(c.billedReads),
    missing: d(c.missing),
    rpcs: d(c.rpcs),
    failedRpcs: d(c.failedRpcs),
    byCaller,
  };
}

const num = (v, digits = 2) => Number(v.toFixed(digits));
/** A count for reading: whole numbers as they are, others to 3 significant decimals. */
const fmt = (v) => (Number.isInteger(v) ? String(v) : String(Number(v.toFixed(Math.abs(v) >= 10 ? 1 : 3))));

/**
 * Lines of text: where the per-alert reads, writes and invocations go, by
 * function, RPC and collection. `p` is a perUnit() result.
 */
export function breakdownLines(p) {
  const lines = [];
  const fns = Object.entries(p.byFunction).filter(([, n]) => n > 0.0005).sort((a, b) => b[1] - a[1]);
  lines.push(`invocations ${fmt(p.invocations)}: ${fns.map(([f, n]) => `${f} ${fmt(n)}`).join(', ') || 'none'}`);
  const callers = Object.entries(p.byCaller).sort((a, b) => b[1].writes + b[1].reads - (a[1].writes + a[1].reads));
  lines.push(`writes ${fmt(p.writes)}${p.deletes ? ` (of which deletes ${fmt(p.deletes)})` : ''}, reads ${fmt(p.reads)} (billed ${fmt(p.billedReads)}, incl. ${fmt(p.missing)} gets of missing documents and empty queries), RPCs ${fmt(p.rpcs)}${p.failedRpcs ? ` (failed ${fmt(p.failedRpcs)}; attempted writes ${fmt(p.attemptedWrites)})` : ''}`);
  for (const [caller, v] of callers) {
    const rpcs = Object.entries(v.rpcs).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${fmt(n)}`).join(', ');
    const cols = Object.entries(v.collections)
      .filter(([, e]) => e.writes + e.reads + e.missing > 0.0005)
      .sort((a, b) => b[1].writes + b[1].reads - (a[1].writes + a[1].reads))
      .map(([c, e]) => `${c} ${[e.writes ? `w ${fmt(e.writes)}` : '', e.reads ? `r ${fmt(e.reads)}` : '', e.missing ? `missing ${fmt(e.missing)}` : ''].filter(Boolean).join(' ')}`)
      .join('; ');
    lines.push(`  ${caller}: writes ${fmt(v.writes)}, reads ${fmt(v.reads)} | RPCs ${rpcs}${cols ? ` | ${cols}` : ''}`);
  }
  return lines;
}

/** The compact breakdown kept in the JSON figures (per alert, 3 decimals). */
export function breakdownFigure(p) {
  const r3 = (v) => num(v, 3);
  return {
    invocations: Object.fromEntries(Object.entries(p.byFunction).filter(([, n]) => n > 0.0005).map(([k, v]) => [k, r3(v)])),
    firestore: Object.fromEntries(
      Object.entries(p.byCaller).map(([caller, v]) => [caller, { writes: r3(v.writes), reads: r3(v.reads), rpcs: Object.fromEntries(Object.entries(v.rpcs).map(([k, n]) => [k, r3(n)])) }]),
    ),
  };
}

/** USD for `alerts` alerts from per-alert counts, at PRICES. */
export function costOf(p, alerts = 1_000_000) {
  const fsp = PRICES.firestore;
  const reads = p.billedReads * alerts;
  const writes = (p.writes - p.deletes) * alerts;
  const deletes = p.deletes * alerts;
  const invocations = p.invocations * alerts;
  const firestore = (reads / 1e5) * fsp.readsPer100k + (writes / 1e5) * fsp.writesPer100k + (deletes / 1e5) * fsp.deletesPer100k;
  const functions = (invocations / 1e6) * PRICES.functions.invocationsPerMillion;
  return { reads, writes, deletes, invocations, firestoreUsd: num(firestore, 2), functionsUsd: num(functions, 2), totalUsd: num(firestore + functions, 2) };
}
