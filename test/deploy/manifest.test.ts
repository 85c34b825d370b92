// What `firebase deploy` would create: the manifest that the firebase-functions
// SDK serves to firebase-tools at /__/functions.yaml, read from the built code
// exactly as firebase-tools reads it, and compared with the README's
// "What gets deployed" table and with the code's own use of secrets.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../scripts/lib/run.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'functions', 'src');

interface Endpoint {
  availableMemoryMb: number | null;
  cpu?: number | string | null;
  timeoutSeconds: number | null;
  maxInstances: number | null;
  concurrency: number | null;
  secretEnvironmentVariables?: { key: string }[];
  httpsTrigger?: { invoker?: string[] };
  callableTrigger?: Record<string, unknown>;
  eventTrigger?: { eventType: string; eventFilters?: Record<string, string>; eventFilterPathPatterns?: Record<string, string>; retry?: boolean };
  taskQueueTrigger?: {
    retryConfig: { maxAttempts: number | null; minBackoffSeconds: number | null; maxBackoffSeconds: number | null; maxDoublings: number | null };
    rateLimits: { maxConcurrentDispatches: number | null; maxDispatchesPerSecond: number | null };
  };
  scheduleTrigger?: { schedule: string; timeZone?: string | null; retryConfig?: { retryCount?: number | null } };
}

let manifest: { endpoints: Record<string, Endpoint>; params: { name: string; type: string }[] };
let child: ChildProcess | undefined;


beforeAll(async () => {
  const entry = path.join(ROOT, 'lib', 'functions', 'src', 'index.js');
  if (!fs.existsSync(entry)) throw new Error('the functions are not built: run `npm run build` (npm test does) first');
  const port = await freePort();
  // As firebase-tools starts it on deploy: not on the emulator, no credentials.
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), FUNCTIONS_CONTROL_API: 'true', GCLOUD_PROJECT: 'demo-manifest' };
  for (const k of Object.keys(env)) if (/EMULATOR/.test(k)) delete env[k];
  let output = '';
  child = spawn(path.join(ROOT, 'node_modules', '.bin', 'firebase-functions'), [ROOT], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c) => (output += c));
  child.stderr?.on('data', (c) => (output += c));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/__/functions.yaml`);
      if (res.ok) {
        manifest = JSON.parse(await res.text());
        break;
      }
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the functions SDK did not serve its manifest: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 40_000);

afterAll(() => {
  child?.kill();
});

/** The functions a deploy creates, and nothing else. */
const DEPLOYED = [
  'alertWebhook',
  'announceHandoff',
  'checkHeartbeat',
  'deliverNotification',
  'deployWebhook',
  'escalateIncident',
  'finishDrills',
  'generateDrill',
  'heartbeat',
  'onAlertPublished',
  'onCloudBuild',
  'onDeployPublished',
  'onDeployWritten',
  'onIncidentWritten',
  'onNotificationCreated',
  'onOncallOverrideWritten',
  'onPostmortemWritten',
  'onSilenceWritten',
  'onUpdateCreated',
  'oncallCalendar',
  'pageAck',
  'pageResponder',
  'pageVoice',
  'playDrill',
  'redriveNotifications',
  'releaseSilenced',
  'remindOverdue',
  'remindSilence',
  'remindUnacknowledged',
  'rollupIncident',
  'runDrill',
  'slackCommands',
  'slackInteractions',
  'statusCadence',
  'statusConfirm',
  'statusFeed',
  'statusSubscribe',
  'statusUnsubscribe',
  'twilioSms',
  'stormTick',
  'watchHeartbeats',
];

const isPublic = (e: Endpoint) => Boolean(e.httpsTrigger || e.callableTrigger);

// ---------------------------------------------------------------------------
// One line of the README table, written from the manifest.

function triggerText(e: Endpoint): string {
  if (e.httpsTrigger) return e.httpsTrigger.invoker?.includes('public') ? 'HTTPS, public' : 'HTTPS';
  if (e.callableTrigger) return 'callable';
  if (e.taskQueueTrigger) return 'task queue';
  if (e.scheduleTrigger) return 'schedule';
  const t = e.eventTrigger;
  if (!t) return '?';
  if (t.eventType.includes('pubsub')) return `Pub/Sub \`${t.eventFilters?.topic}\``;
  const verb = t.eventType.split('.').pop();
  return `Firestore \`${t.eventFilterPathPatterns?.document}\` ${verb}`;
}

function limitsText(e: Endpoint): string {
  const parts: string[] = [];
  if (e.availableMemoryMb !== null) parts.push(`${e.availableMemoryMb} MiB`);
  if (e.cpu !== undefined && e.cpu !== null) parts.push(`${e.cpu} CPU`);
  if (e.concurrency !== null) parts.push(`concurrency ${e.concurrency}`);
  if (e.maxInstances !== null) parts.push(`max ${e.maxInstances}`);
  if (e.timeoutSeconds !== null) parts.push(`${e.timeoutSeconds} s`);
  return parts.length ? parts.join(' · ') : 'defaults';
}

function deliveryText(e: Endpoint): string {
  if (e.eventTrigger) return e.eventTrigger.retry ? 'retried' : 'not retried';
  if (e.scheduleTrigger) {
    const s = e.scheduleTrigger;
    const tz = s.timeZone ? ` (${s.timeZone.replace(/\{\{ params\.(\w+) \}\}/, '$1')})` : ' (UTC)';
    return `${s.schedule}${tz}, ${s.retryConfig?.retryCount ?? 0} retries`;
  }
  if (e.taskQueueTrigger) {
    const r = e.taskQueueTrigger.retryConfig;
    const l = e.taskQueueTrigger.rateLimits;
    const backoff = r.minBackoffSeconds !== null || r.maxBackoffSeconds !== null ? `, back-off ${r.minBackoffSeconds ?? 0.1}–${r.maxBackoffSeconds ?? 3600} s` : '';
    const doublings = r.maxDoublings !== null ? ` (${r.maxDoublings} doublings)` : '';
    const rate = l.maxConcurrentDispatches !== null ? `, ≤ ${l.maxConcurrentDispatches} at once` : '';
    return `${r.maxAttempts ?? 'default'} attempts${backoff}${doublings}${rate}`;
  }
  return '—';
}

function secretsText(e: Endpoint): string {
  const keys = (e.secretEnvironmentVariables ?? []).map((s) => `\`${s.key}\``);
  return keys.length ? keys.join(', ') : '—';
}

const row = (name: string, e: Endpoint) => `| \`${name}\` | ${triggerText(e)} | ${limitsText(e)} | ${secretsText(e)} | ${deliveryText(e)} |`;

function readmeRows(): Map<string, string> {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## What gets deployed');
  if (start < 0) throw new Error('README.md has no "What gets deployed" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 5));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\| `(\w+)` \|/.exec(line);
    if (m?.[1]) rows.set(m[1], line.trim());
  }
  return rows;
}

// ---------------------------------------------------------------------------
// Which secrets the code of each function can read: the secret constants of
// params.ts that its trigger, and every module it imports (statically or
// lazily, transitively), refer to.

const SECRET_NAMES = () => [...fs.readFileSync(path.join(SRC, 'params.ts'), 'utf8').matchAll(/export const (\w+) = defineSecret\('(\w+)'\)/g)].map((m) => ({ constant: m[1] ?? '', name: m[2] ?? '' }));

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  return null;
}

const IMPORT = /(?:from\s+|import\s*\()\s*'([^']+)'/g;

function secretsReachableFrom(file: string, text: string, seen = new Set<string>()): Set<string> {
  const found = new Set<string>();
  // A module reads a secret when it imports the secret's constant from params.ts.
  const fromParams = [...text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(?:\.\.?\/)+params(?:\.js)?'/g)].flatMap((m) => (m[1] ?? '').split(',').map((x) => x.trim()));
  for (const { constant, name } of SECRET_NAMES()) if (fromParams.includes(constant)) found.add(name);
  for (const m of text.matchAll(IMPORT)) {
    const target = resolveImport(file, m[1] ?? '');
    if (!target || seen.has(target) || path.basename(target) === 'params.ts') continue;
    seen.add(target);
    for (const s of secretsReachableFrom(target, fs.readFileSync(target, 'utf8'), seen)) found.add(s);
  }
  return found;
}

/**
 * Each exported function of each trigger file, with the part of the file that
 * is its own: its body, the file's helpers it names (transitively), and the
 * import statements of the names it uses.
 */
function triggerSpans(): { name: string; file: string; text: string }[] {
  const out: { name: string; file: string; text: string }[] = [];
  const dir = path.join(SRC, 'triggers');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const file = path.join(dir, f);
    const text = fs.readFileSync(file, 'utf8');
    const exports = [...text.matchAll(/^export const (\w+) =/gm)];
    const header = text.slice(0, exports[0]?.index ?? text.length);
    const imports = [...header.matchAll(/^import [^;]*;$/gm)].map((m) => m[0]);
    const helpers = new Map<string, string>();
    const defs = [...header.matchAll(/^(?:const|function|async function) (\w+)/gm)];
    defs.forEach((m, i) => helpers.set(m[1] ?? '', header.slice(m.index, defs[i + 1]?.index ?? header.length)));
    exports.forEach((m, i) => {
      let own = text.slice(m.index, exports[i + 1]?.index ?? text.length);
      for (let changed = true; changed; ) {
        changed = false;
        for (const [name, body] of helpers) {
          if (!own.includes(body) && new RegExp(`\\b${name}\\b`).test(own)) {
            own += `\n${body}`;
            changed = true;
          }
        }
      }
      const used = (stmt: string) => [...stmt.replace(/from\s*'[^']*'/, '').matchAll(/\w+/g)].some((w) => !['import', 'type', 'as'].includes(w[0]) && new RegExp(`\\b${w[0]}\\b`).test(own));
      const ownImports = imports.map((stmt) => {
        if (!used(stmt)) return '';
        // keep only the names this function uses
        return stmt.replace(/\{([^}]*)\}/, (_, names: string) => `{ ${names.split(',').map((n) => n.trim()).filter((n) => n && new RegExp(`\\b${n.replace(/^type /, '')}\\b`).test(own)).join(', ')} }`);
      });
      out.push({ name: m[1] ?? '', file, text: `${ownImports.join('\n')}\n${own}` });
    });
  }
  return out;
}

describe('the deploy manifest (/__/functions.yaml)', () => {
  it('deploys exactly the pipeline functions, and no emulator-only helper', () => {
    const names = Object.keys(manifest.endpoints).sort();
    expect(names).toEqual([...DEPLOYED].sort());
    expect(names.filter((n) => /OnTopic$/.test(n))).toEqual([]);
  });

  it('sets memory, maxInstances, concurrency and timeoutSeconds on every public HTTP or callable function', () => {
    const publicOnes = Object.entries(manifest.endpoints).filter(([, e]) => isPublic(e));
    expect(publicOnes.map(([n]) => n).sort()).toEqual(['alertWebhook', 'deployWebhook', 'generateDrill', 'heartbeat', 'oncallCalendar', 'pageAck', 'pageVoice', 'runDrill', 'slackCommands', 'slackInteractions', 'statusConfirm', 'statusFeed', 'statusSubscribe', 'statusUnsubscribe', 'twilioSms']);
    for (const [name, e] of publicOnes) {
      expect({ name, memory: e.availableMemoryMb !== null, maxInstances: e.maxInstances !== null, concurrency: e.concurrency !== null, timeout: e.timeoutSeconds !== null }).toEqual({
        name,
        memory: true,
        maxInstances: true,
        concurrency: true,
        timeout: true,
      });
      // Concurrency above 1 needs a whole CPU on Cloud Run functions.
      if ((e.concurrency ?? 1) > 1) expect(Number(e.cpu), `${name} cpu`).toBeGreaterThanOrEqual(1);
    }
  });

  it('declares every secret that the code of a function can read', () => {
    const missing: string[] = [];
    for (const span of triggerSpans()) {
      const endpoint = manifest.endpoints[span.name];
      if (!endpoint) continue; // emulator-only companions
      const declared = new Set((endpoint.secretEnvironmentVariables ?? []).map((s) => s.key));
      for (const secret of secretsReachableFrom(span.file, span.text)) if (!declared.has(secret)) missing.push(`${span.name} reads ${secret}`);
    }
    expect(missing).toEqual([]);
  });

  it('declares every secret of params.ts as a deploy param, each used by some function', () => {
    const declared = manifest.params.filter((p) => p.type === 'secret').map((p) => p.name).sort();
    expect(declared).toEqual(SECRET_NAMES().map((s) => s.name).sort());
    const used = new Set(Object.values(manifest.endpoints).flatMap((e) => (e.secretEnvironmentVariables ?? []).map((s) => s.key)));
    expect(declared.filter((s) => !used.has(s))).toEqual([]);
  });

  it('matches the README\'s "What gets deployed" table, row by row', () => {
    const rows = readmeRows();
    const expected = Object.keys(manifest.endpoints).sort().map((n) => row(n, manifest.endpoints[n] as Endpoint));
    const actual = Object.keys(manifest.endpoints).sort().map((n) => rows.get(n) ?? `(no README row for ${n})`);
    expect(actual, `README rows should be:\n${expected.join('\n')}`).toEqual(expected);
    expect([...rows.keys()].filter((n) => !manifest.endpoints[n])).toEqual([]);
  });

  it('keeps production timeouts normal: no task waits out its due time inside a function', () => {
    const long = Object.entries(manifest.endpoints).filter(([, e]) => (e.timeoutSeconds ?? 60) > 120).map(([n]) => n);
    expect(long).toEqual([]);
  });
});
