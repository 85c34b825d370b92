// needs: chromium
// The public status page end to end: Debian's Chromium (driven by
// playwright-core) opens /status from the Hosting emulator as a visitor who
// is not signed in. The current incident's public updates come through the
// pipeline: publish_status updates written as the console writes them (a
// responder's client, through the security rules), decided by the state
// machine and projected by the outbox. The internal incident they belong to
// sits next to them, and nothing of it may reach the page. The past incidents
// of the 90-day history (40 and 12 days ago) cannot be published in the past,
// so those alone are written with the publish use case and explicit times.
//
// Needs console/dist (npm run build). Ports: HOSTING_PORT (default 5000) and
// FUNCTIONS_PORT (default 5001), which scripts/sandbox.mjs exports shifted;
// FIRESTORE_EMULATOR_HOST comes from emulators:exec. The page finds the
// Firestore emulator by itself (Hosting's /__/firebase/init.js).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import firebase from 'firebase/compat/app';
import 'firebase/compat/firestore';
import { setLogLevel } from 'firebase/firestore';
import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishPublicUpdate } from '../../functions/src/app/statusPage';
import { publicIdFor, type PublicUpdateInput } from '../../functions/src/domain/statusPage';
import { db, PROJECT_ID, SECRETS, unique, waitFor } from '../support/emulator';
import { requireTool } from '../support/tools.mjs';
import { incident as incidentFixture } from '../support/factories';

const ROOT = path.resolve(__dirname, '..', '..');
// Every run saves the page to test-results/; UPDATE_SCREENSHOT=1 also refreshes the README's picture in docs/.
const SCREENSHOT = path.join(ROOT, 'test-results', 'status-page.png');
const DOCS_SCREENSHOT = path.join(ROOT, 'docs', 'status-page.png');
const HOSTING = `http://127.0.0.1:${process.env.HOSTING_PORT ?? '5000'}`;
const FUNCTIONS_PORT = process.env.FUNCTIONS_PORT ?? '5001';
const FIRESTORE = `http://${process.env.FIRESTORE_EMULATOR_HOST}/v1/projects/${PROJECT_ID}/databases/(default)/documents`;
const EXPECT_MS = 60_000;
/** The paths Hosting rewrites to functions (firebase.json). */
const FUNCTION_PATHS = ['/status/feed.xml', '/status/subscribe', '/status/confirm', '/status/unsubscribe'];
/** Internal words of config/status.yaml: the services each component covers never reach the public page. */
const INTERNAL_SERVICES = ['front-end', 'payments-api', 'billing-worker'];

let browser: Browser;
let rulesEnv: RulesTestEnvironment;
const contexts: BrowserContext[] = [];
const responder = unique('uid-e2e-status-responder');

const internal = {
  id: unique('inc-e2e-internal'),
  title: 'db-primary-7 disk full, checkout-api pods crashlooping',
  service: unique('checkout-api-internal'),
  commander: 'uid-e2e-commander-mallory',
  slack: 'C0E2ESECRET9',
};
const publicId = publicIdFor(SECRETS.STATUS_LINK_SECRET, internal.id);
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
const utcMidnight = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
/** `hour` o'clock (UTC) `d` days ago: past incidents stay within their days whatever the time of the run. */
const daysAgo = (d: number, hour: number) => new Date(utcMidnight - d * 86_400_000 + hour * 3_600_000);
/** Today's incident was published when the file started: one UTC day, or two if the run crossed midnight. */
let publishedDay = '';
const checkoutDays = () => (publishedDay === new Date().toISOString().slice(0, 10) ? '1 day' : '2 days');

/**
 * A publish_status update as the console writes it (the responder's client,
 * through the rules, an auto-generated id), and the pipeline's answer.
 */
async function publishStatus(fields: Record<string, unknown>): Promise<void> {
  const client = rulesEnv.authenticatedContext(responder, { role: 'responder' }).firestore();
  const ref = client.collection(`incidents/${internal.id}/updates`).doc();
  await ref.set({ action: 'publish_status', requestedBy: responder, requestedAt: firebase.firestore.FieldValue.serverTimestamp(), via: 'console', ...fields });
  const result = await waitFor(async () => (await db().doc(ref.path).get()).get('result') as { ok: boolean; reason?: string } | undefined, 'the answer to publish_status', EXPECT_MS);
  if (!result.ok) throw new Error(`publish_status refused: ${result.reason}`);
}

/** Waits until the projection holds `message` (the outbox delivered the effect). */
async function projected(message: string): Promise<void> {
  await waitFor(async () => {
    const d = await db().doc(`statusPage/summary/incidents/${publicId}`).get();
    return (d.get('updates') as { message: string }[] | undefined)?.some((u) => u.message === message);
  }, `"${message}" on the status page documents`, EXPECT_MS);
}

async function publish(input: Omit<PublicUpdateInput, 'updateId'> & { updateId?: string }, now: Date) {
  const r = await publishPublicUpdate({ updateId: unique('upd'), at: now, ...input }, now);
  if (!r.ok) throw new Error(r.reason);
  return r;
}

/** Waits for `text` on the page; on a timeout, says what the page shows instead. */
async function shows(page: Page, text: string): Promise<void> {
  try {
    await page.getByText(text).first().waitFor({ timeout: EXPECT_MS });
  } catch (e) {
    const seen = await page.evaluate<string>("`${document.body.dataset.state} | ${document.getElementById('overall')?.textContent} | ${document.getElementById('updated')?.textContent}`").catch(() => '?');
    throw new Error(`expected the page to show "${text}"; state | overall | footer: ${seen}`, { cause: e });
  }
}

/** A visitor's tab: no sign-in, every request recorded, and the functions "down" (any request to them fails). */
async function visitor(options: { functionsDown?: boolean; javaScript?: boolean } = {}): Promise<{ page: Page; requests: string[]; blocked: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, javaScriptEnabled: options.javaScript ?? true });
  contexts.push(context);
  const requests: string[] = [];
  const blocked: string[] = [];
  const errors: string[] = [];
  const isFunction = (r: Request) => {
    const url = new URL(r.url());
    return url.port === FUNCTIONS_PORT || FUNCTION_PATHS.some((p) => url.pathname === p);
  };
  await context.route('**/*', async (route) => {
    const r = route.request();
    requests.push(`${r.method()} ${r.url()}`);
    if (options.functionsDown && isFunction(r)) {
      blocked.push(r.url());
      await route.abort('connectionrefused');
    } else await route.continue();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(EXPECT_MS);
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, requests, blocked, errors };
}

beforeAll(async () => {
  const res = await fetch(`${HOSTING}/status`).catch((e: unknown) => {
    throw new Error(`the Hosting emulator is not answering at ${HOSTING} (${String(e)}): build the console first (npm run build)`);
  });
  if (!(await res.text()).includes('id="subscribe-form"')) throw new Error(`${HOSTING}/status does not serve the status page: build it first (npm run build)`);
  browser = await chromium.launch({ executablePath: requireTool('chromium'), headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'] });
  setLogLevel('silent');
  const [host = '127.0.0.1', port = '8080'] = (process.env.FIRESTORE_EMULATOR_HOST ?? '127.0.0.1:8080').split(':');
  // The emulator enforces firestore.rules already (firebase.json): this only gives the test a responder's client.
  rulesEnv = await initializeTestEnvironment({ projectId: PROJECT_ID, firestore: { host, port: Number(port) } });

  // A clean page: this file owns statusPage/ on the shared suite.
  await db().recursiveDelete(db().doc('statusPage/summary'));
  // The internal incident: readable by responders only, never by the page.
  const { id: _id, ...doc } = incidentFixture({ ...internal, status: 'acknowledged', severity: 'SEV1', createdAt: minutesAgo(25), updatedAt: minutesAgo(25), statusChangedAt: minutesAgo(20), acknowledgedAt: minutesAgo(20) });
  await db().doc(`incidents/${internal.id}`).set(doc);

  // History: a slow search 40 days ago, a payments outage 12 days ago (both resolved), then today's incident.
  const search = publicIdFor(SECRETS.STATUS_LINK_SECRET, unique('inc-old-search'));
  await publish({ publicId: search, title: 'Slow search results', message: 'Searches take up to 10 seconds.', componentStatus: { search: 'degraded' } }, daysAgo(40, 10));
  await publish({ publicId: search, message: 'Search is fast again.', resolved: true }, daysAgo(40, 13));
  const payments = publicIdFor(SECRETS.STATUS_LINK_SECRET, unique('inc-old-payments'));
  await publish({ publicId: payments, title: 'Card payments failing', message: 'Some card payments are declined.', componentStatus: { payments: 'partial_outage' } }, daysAgo(12, 10));
  await publish({ publicId: payments, message: 'Our payment provider fixed the issue.', phase: 'monitoring' }, daysAgo(11, 10));
  await publish({ publicId: payments, message: 'Payments work normally.', resolved: true }, daysAgo(11, 12));
  // Today's incident, through the pipeline.
  publishedDay = new Date().toISOString().slice(0, 10);
  await publishStatus({ title: 'Some orders cannot be placed', message: 'We are investigating errors when placing an order.', componentStatus: { checkout: 'partial_outage' } });
  await projected('We are investigating errors when placing an order.');
  await publishStatus({ message: 'The cause is identified: a faulty release. We are rolling it back.', phase: 'identified' });
  await projected('The cause is identified: a faulty release. We are rolling it back.');
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await rulesEnv?.cleanup();
});

describe('public status page', { timeout: 180_000 }, () => {
  it('a visitor who is not signed in sees the published updates, from static Hosting and Firestore alone, with the functions down', async () => {
    const { page, requests, blocked, errors } = await visitor({ functionsDown: true });
    await page.goto(`${HOSTING}/status`);
    await shows(page, 'The cause is identified: a faulty release. We are rolling it back.');
    await page.locator('body[data-state="ready"]').waitFor();
    console.log(`status page: rendered with its data at most ${Math.round(Number(await page.evaluate('performance.now()')))} ms after the navigation started (functions down)`);

    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Example Shop status');
    expect(await page.locator('#overall').textContent()).toBe('Partial outage');
    const current = page.getByRole('article', { name: 'Some orders cannot be placed' });
    expect(await current.locator('.update').allTextContents()).toEqual([
      expect.stringMatching(/^Identified · .*The cause is identified: a faulty release\. We are rolling it back\.$/),
      expect.stringMatching(/^Investigating · .*We are investigating errors when placing an order\.$/),
    ]);
    expect(await current.locator('.incident-meta').textContent()).toMatch(/^Partial outage Affects Checkout\. Started /);
    expect(await page.locator('[data-component="checkout"] .badge').textContent()).toBe('Partial outage');
    expect(await page.locator('[data-component="search"] .badge').textContent()).toBe('Operational');
    const historyOf = (name: string) => page.getByRole('img', { name: new RegExp(`^${name}: `) }).getAttribute('aria-label');
    expect(await historyOf('Checkout')).toBe(`Checkout: Last 90 days: ${checkoutDays()} partial outage; operational otherwise`);
    expect(await historyOf('Payments')).toBe('Payments: Last 90 days: 2 days partial outage; operational otherwise');
    expect(await historyOf('Search')).toBe('Search: Last 90 days: 1 day degraded performance; operational otherwise');
    expect(await historyOf('Website')).toBe('Website: No incidents in the last 90 days');
    expect(await page.locator('[data-component="payments"] .bar').count()).toBe(90);
    expect(await page.locator('article.past h3').allTextContents()).toEqual(['Card payments failing', 'Slow search results']);

    // Nothing of the internal incident is in the page, nor the services of the config in its scripts.
    const html = await page.content();
    for (const value of [internal.id, internal.title, internal.service, internal.commander, internal.slack, responder, 'SEV1', 'acknowledged', ...INTERNAL_SERVICES]) expect(html, value).not.toContain(value);
    const scripts = [...new Set(requests.map((r) => r.split(' ')[1] ?? '').filter((u) => /\/assets\/.*\.js$/.test(u)))];
    expect(scripts.length).toBeGreaterThan(0);
    for (const url of scripts) {
      const js = await (await fetch(url)).text();
      for (const value of INTERNAL_SERVICES) expect(js, `${value} in ${url}`).not.toContain(value);
    }

    // It rendered from Hosting's static files and Firestore's REST API only: no function was called.
    expect(blocked).toEqual([]);
    const sources = requests.map((r) => {
      const url = new URL(r.split(' ')[1] ?? '');
      if (url.origin === HOSTING) return url.pathname.startsWith('/assets/') ? 'hosting:/assets/*' : `hosting:${url.pathname}`;
      if (url.host === process.env.FIRESTORE_EMULATOR_HOST) return `firestore:${url.pathname.replace(/^.*\/documents\//, '')}`;
      return `other:${url.href}`;
    });
    expect([...new Set(sources)].sort()).toEqual([
      'firestore:statusPage/summary',
      'firestore:statusPage/summary/history',
      'firestore:statusPage/summary/incidents',
      'hosting:/__/firebase/init.js',
      'hosting:/__/firebase/init.json',
      'hosting:/assets/*',
      'hosting:/status',
    ]);
    expect(errors).toEqual([]);

    // The visitor can read no incident, even by asking Firestore directly.
    const read = (url: string) => page.evaluate(async (u) => (await fetch(u)).status, url);
    expect(await read(`${FIRESTORE}/incidents/${internal.id}`)).toBe(403);
    expect(await read(`${FIRESTORE}/incidents`)).toBe(403);
    expect(await read(`${FIRESTORE}/statusPage/summary`)).toBe(200);
  });

  it('a new public update shows up within seconds of publishing, and the page is captured for the README', async () => {
    const { page } = await visitor();
    await page.goto(`${HOSTING}/status`);
    await shows(page, 'We are investigating errors when placing an order.');
    // Written as the console writes it; the pipeline answers and projects it while the visitor's tab is open.
    const published = Date.now();
    await publishStatus({ message: 'The release is rolled back and orders go through again. We are monitoring.', phase: 'monitoring', componentStatus: 'degraded' });
    // The page refreshes every 30 s, and at once when its tab regains focus (at most every 5 s): a visitor coming back.
    await waitFor(
      async () => {
        await page.evaluate('window.dispatchEvent(new Event("focus"))');
        return page.getByText('orders go through again').isVisible();
      },
      'the new update on the page',
      20_000,
      1_000,
    );
    const seenAfter = Date.now() - published;
    console.log(`status page: a publish_status update was on the visitor's page ${seenAfter} ms after it was written`);
    expect(seenAfter).toBeLessThan(20_000);
    expect(await page.locator('#overall').textContent()).toBe('Some systems are degraded');
    expect(await page.locator('[data-component="checkout"] .badge').textContent()).toBe('Degraded performance');
    expect(await page.getByRole('article', { name: 'Some orders cannot be placed' }).locator('.incident-meta .badge').textContent()).toBe('Degraded performance');

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe('PNG');
    if (process.env.UPDATE_SCREENSHOT === '1') fs.copyFileSync(SCREENSHOT, DOCS_SCREENSHOT);
  });

  it('without JavaScript the first paint already names the components and points to the feed', async () => {
    const { page, requests } = await visitor({ javaScript: false });
    await page.goto(`${HOSTING}/status`);
    expect(await page.locator('#components h3').allTextContents()).toEqual(['Website', 'Search', 'Checkout', 'Payments', 'Invoices and billing']);
    expect(await page.locator('noscript').count()).toBe(1);
    expect(await page.locator('#subscribe').getByRole('link', { name: 'Atom feed' }).getAttribute('href')).toBe('/status/feed.xml');
    expect(requests.some((r) => r.includes('/documents/'))).toBe(false);
  });

  it('the first paint needs no framework and no data: only the page\'s own small script and styles, and the components are painted while Firestore has not answered', async () => {
    // What each built page references (console/dist, hashed names): the status page's own assets, and the console's.
    const assetsOf = (file: string) => [...fs.readFileSync(path.join(ROOT, 'console', 'dist', file), 'utf8').matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
    const own = assetsOf('status.html');
    const consoleOnly = assetsOf('index.html').filter((a) => !own.includes(a));
    expect(own.filter((a) => a.endsWith('.js')).length).toBeGreaterThan(0);
    expect(consoleOnly.filter((a) => a.endsWith('.js')).length).toBeGreaterThan(0);

    const { page, requests } = await visitor();
    // Firestore's answers are held until the paint has been checked.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route((url) => url.pathname.includes('/documents/'), async (route) => {
      await held;
      await route.continue();
    });
    try {
      await page.goto(`${HOSTING}/status`);
      const fcp = Number(await (await page.waitForFunction("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0")).jsonValue());
      expect(fcp).toBeGreaterThan(0);
      expect(await page.locator('body').getAttribute('data-state')).toBe('loading');
      expect(await page.locator('#components h3').allTextContents()).toEqual(['Website', 'Search', 'Checkout', 'Payments', 'Invoices and billing']);
      expect(await page.getByRole('heading', { level: 1 }).isVisible()).toBe(true);

      // Its scripts are its own: none of the console's bundle (Preact, the Firebase SDK) is downloaded.
      const assets = [...new Set(requests.map((r) => new URL(r.split(' ')[1] ?? '')).filter((u) => u.origin === HOSTING && u.pathname.startsWith('/assets/')).map((u) => u.pathname))].sort();
      expect(assets).toEqual([...own].sort());
      // The whole page (HTML, scripts, styles) as Hosting sends it compressed.
      const gz = (p: string) => zlib.gzipSync(fs.readFileSync(path.join(ROOT, 'console', 'dist', p))).length;
      const raw = (p: string) => fs.statSync(path.join(ROOT, 'console', 'dist', p)).size;
      const files = ['status.html', ...own.map((a) => a.slice(1))];
      const weight = { raw: files.reduce((n, f) => n + raw(f), 0), gzip: files.reduce((n, f) => n + gz(f), 0) };
      const consoleJs = consoleOnly.filter((a) => a.endsWith('.js')).reduce((n, a) => n + gz(a.slice(1)), 0);
      console.log(`status page: first contentful paint ${Math.round(fcp)} ms with Firestore held; page weight ${weight.raw} B raw, ${weight.gzip} B gzipped (${files.join(', ')}); the console's scripts, not loaded: ${consoleJs} B gzipped`);
      expect(weight.gzip).toBeLessThan(16_000);
      expect(weight.gzip * 10).toBeLessThan(consoleJs);
    } finally {
      release();
    }
    await page.locator('body[data-state="ready"]').waitFor();
    expect(await page.locator('#overall').textContent()).not.toBe('Checking the current status…');
  });

  it('the subscribe form sends a confirmation mail and says so, with the same words for any address', async () => {
    const { page } = await visitor();
    await page.goto(`${HOSTING}/status`);
    const email = `${unique('e2e-subscriber')}@example.com`.toLowerCase();
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.locator('#subscribe-answer').filter({ hasText: 'Check your inbox' }).waitFor();
    const mail = await waitFor(async () => (await db().collection('mail').where('to', '==', email).get()).docs[0]?.data(), `the confirmation mail to ${email}`, EXPECT_MS);
    expect(mail.message.subject).toBe('Confirm your subscription to Example Shop status');
    expect(mail.message.text).toContain(`${HOSTING}/status/confirm?t=`);
  });
});
