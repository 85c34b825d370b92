// needs: chromium
// The responder console end to end: Debian's Chromium (driven by
// playwright-core) loads the built console from the Hosting emulator, signs in
// through the Auth emulator and reads and writes Firestore through the security
// rules; the functions answer the status updates it writes.
//
// Needs console/dist (npm run build:console): the Hosting emulator only runs
// when it exists. Ports: HOSTING_PORT (default 5000); the Firestore and Auth
// ports come from the emulators:exec environment and are handed to the page
// with ?emulatorPorts=… so a suite on shifted ports works too.
import fs from 'node:fs';
import path from 'node:path';
import { getAuth } from 'firebase-admin/auth';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApp } from '../../functions/src/adapters/firebase';
import { DEFAULT_POLICY } from '../../functions/src/domain/policy';
import { planPostmortem } from '../../functions/src/domain/postmortem';
import { bucketId } from '../../functions/src/domain/stats';
import type { TimelineEntry } from '../../functions/src/domain/types';
import { requireTool } from '../support/tools.mjs';
import { publicIdFor } from '../../functions/src/domain/statusPage';
import { db, postAlert, SECRETS, unique, waitFor, waitForIncident } from '../support/emulator';
import { at, incident as incidentFixture, T0 } from '../support/factories';

const ROOT = path.resolve(__dirname, '..', '..');
// Every run saves the incident page to test-results/; UPDATE_SCREENSHOT=1 also
// refreshes the README's picture in docs/ (so a test run leaves git clean).
const SCREENSHOT = path.join(ROOT, 'test-results', 'console-incident.png');
const DOCS_SCREENSHOT = path.join(ROOT, 'docs', 'console-incident.png');
const HOSTING = `http://127.0.0.1:${process.env.HOSTING_PORT ?? '5000'}`;
const portOf = (hostPort: string | undefined, fallback: string) => hostPort?.split(':').pop() || fallback;
// The callables (generateDrill, runDrill) go to the Functions emulator: its port too, or the console falls back to 5001.
const EMULATOR_PORTS = `firestore:${portOf(process.env.FIRESTORE_EMULATOR_HOST, '8080')},auth:${portOf(process.env.FIREBASE_AUTH_EMULATOR_HOST, '9099')},functions:${process.env.FUNCTIONS_PORT ?? '5001'}`;
/** How long any one expectation may take (a cold function start included). */
const EXPECT_MS = 60_000;
const PASSWORD = 'password-e2e';

type Role = 'viewer' | 'responder' | 'admin' | 'none';
interface TestUser {
  uid: string;
  email: string;
}

let browser: Browser;
const cspViolations: string[] = [];
const contexts: BrowserContext[] = [];
const users = new Map<Role, TestUser>();

async function createUser(role: Role): Promise<TestUser> {
  const auth = getAuth(adminApp());
  const email = `${unique(`e2e-${role}`)}@example.com`.toLowerCase();
  const user = await auth.createUser({ email, password: PASSWORD, emailVerified: true });
  if (role !== 'none') await auth.setCustomUserClaims(user.uid, { role });
  return { uid: user.uid, email };
}

/** The console URL for a hash route, with the emulator ports of this suite. */
const consoleUrl = (hash: string) => `${HOSTING}/?emulatorPorts=${EMULATOR_PORTS}${hash}`;

/** A fresh browser context signed in as `role`, showing `hash`. */
async function signedIn(role: Role, hash = '#/incidents'): Promise<Page> {
  const user = users.get(role);
  if (!user) throw new Error(`no test user for ${role}`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(EXPECT_MS);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The Hosting headers' Content-Security-Policy applies: anything it blocks is a failure.
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|connect|execute|apply|frame)/i.test(m.text())) cspViolations.push(`${hash}: ${m.text()}`);
  });
  await page.goto(consoleUrl(hash));
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user-email').filter({ hasText: user.email }).waitFor();
  expect(errors).toEqual([]);
  return page;
}

/** Waits until `locator` shows `text` (Playwright's auto-waiting, with a deadline). */
async function shows(locator: Locator, text: string | RegExp): Promise<void> {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: EXPECT_MS });
  } catch (e) {
    const seen = await locator.allTextContents().catch(() => []);
    throw new Error(`expected ${String(locator)} to show ${String(text)}; it shows ${JSON.stringify(seen)}`, { cause: e });
  }
}

async function openIncident(severity = 'critical') {
  const service = unique('e2e-db');
  const title = `Disk almost full (${service})`;
  const res = await postAlert('generic', { title, service, environment: 'production', severity });
  expect(res.status).toBe(202);
  const incident = await waitForIncident(service, () => true, EXPECT_MS);
  return { id: incident.id, service, title };
}

beforeAll(async () => {
  const res = await fetch(`${HOSTING}/`).catch((e: unknown) => {
    throw new Error(`the Hosting emulator is not answering at ${HOSTING} (${String(e)}): build the console first (npm run build:console)`);
  });
  const html = await res.text();
  if (!html.includes('Incident console')) throw new Error(`${HOSTING}/ does not serve the console: build it first (npm run build:console)`);
  const CHROMIUM = requireTool('chromium');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
  for (const role of ['responder', 'viewer', 'admin', 'none'] as const) users.set(role, await createUser(role));
});

afterAll(async () => {
  expect(cspViolations).toEqual([]);
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
});

// Cold function starts on a busy 2-core machine can take a while: a generous budget per test.
describe('responder console', { timeout: 180_000 }, () => {
  it('a responder opens an incident created by an alert, acknowledges it, and sees the status and a new timeline entry', async () => {
    const { id, title } = await openIncident();
    const page = await signedIn('responder');
    await shows(page.getByTestId('user-role'), 'responder');

    // The list shows it (live query), with its age; open it from there.
    const row = page.getByRole('table', { name: 'Incidents' }).getByRole('row').filter({ hasText: title });
    await shows(row, 'triggered');
    await row.getByRole('link', { name: title }).click();
    await page.waitForURL((u) => u.hash === `#/incidents/${id}`);
    await shows(page.getByTestId('incident-status'), 'triggered');
    await shows(page.getByTestId('timeline'), 'incident opened');
    const entriesBefore = await page.getByTestId('timeline').getByRole('listitem').count();

    await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await shows(page.locator('#result-acknowledge'), 'Done');
    await shows(page.getByTestId('incident-status'), 'acknowledged');
    await shows(page.getByTestId('timeline'), 'triggered → acknowledged');
    expect(await page.getByTestId('timeline').getByRole('listitem').count()).toBeGreaterThan(entriesBefore);
    // The page reflects what the pipeline stored.
    expect((await db().doc(`incidents/${id}`).get()).get('status')).toBe('acknowledged');

    // Tick the first runbook step: check_step through the pipeline, reflected live.
    const step = page.getByRole('region', { name: /Runbook checklist/ }).getByRole('checkbox').first();
    await step.click();
    await waitFor(async () => (await step.isChecked()) || undefined, 'the first runbook step to show as done', EXPECT_MS);
    await shows(page.getByTestId('timeline'), /step 1 done/);

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe('PNG');
    if (process.env.UPDATE_SCREENSHOT === '1') fs.copyFileSync(SCREENSHOT, DOCS_SCREENSHOT);
  });

  it('an invalid move shows the rejection reason next to its button, and SEV and notes go through', async () => {
    const { id } = await openIncident('warning');
    const page = await signedIn('responder', `#/incidents/${id}`);
    await shows(page.getByTestId('incident-status'), 'triggered');

    await page.getByRole('button', { name: 'Reopen', exact: true }).click();
    await shows(page.locator('#result-reopen'), 'Rejected: the incident is already triggered');
    await shows(page.getByTestId('incident-status'), 'triggered');

    await page.getByLabel('Severity', { exact: true }).selectOption('SEV2');
    await page.getByRole('button', { name: 'Set SEV' }).click();
    await shows(page.getByTestId('incident-severity'), 'SEV2 (set by hand)');

    await page.getByLabel('Note', { exact: true }).fill('disk usage graph attached in the channel');
    await page.getByRole('button', { name: 'Add note' }).click();
    await shows(page.getByTestId('timeline'), 'disk usage graph attached in the channel');

    await page.getByRole('button', { name: 'Take command' }).click();
    await shows(page.getByTestId('incident-commander'), 'you');
    expect((await db().doc(`incidents/${id}`).get()).get('commander')).toBe(users.get('responder')?.uid);
  });

  it('a responder publishes to the status page from the incident page, then resolves with the closing public message', async () => {
    const { id } = await openIncident();
    const page = await signedIn('responder', `#/incidents/${id}`);
    const card = page.getByRole('region', { name: 'Status page' });
    await shows(card.getByTestId('status-page-state'), 'Not on the public status page');
    // The resolve offers no closing message before the incident is on the page.
    expect(await page.getByLabel(/^Closing public message/).count()).toBe(0);

    await card.getByLabel('Public message (what customers read)').fill('Some orders fail at checkout. We are rolling back.');
    await card.getByLabel('Public title (optional)').fill('Orders fail');
    await card.getByLabel('Phase').selectOption('identified');
    await card.getByLabel('Checkout', { exact: true }).selectOption('partial_outage');
    await card.getByRole('button', { name: 'Publish to status page' }).click();
    await shows(card.getByRole('status'), 'Done');
    await shows(card.getByTestId('status-page-state'), 'On the public status page: Identified · Checkout: Partial outage. 1 update');
    await shows(page.getByTestId('timeline'), 'public update published: identified, checkout: partial outage');
    const publicRef = db().doc(`statusPage/summary/incidents/${publicIdFor(SECRETS.STATUS_LINK_SECRET, id)}`);
    await waitFor(async () => (await publicRef.get()).get('title') === 'Orders fail', 'the public incident', EXPECT_MS);

    await page.getByLabel(/^Closing public message/).fill('Orders go through normally again.');
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await shows(page.getByTestId('incident-status'), 'resolved');
    await shows(card.getByTestId('status-page-state'), 'On the public status page: Resolved · Checkout: Operational. 2 updates');
    const closed = await waitFor(async () => ((await publicRef.get()).get('phase') === 'resolved' ? (await publicRef.get()).data() : undefined), 'the public incident resolved', EXPECT_MS);
    expect(closed?.updates?.[0]).toMatchObject({ phase: 'resolved', message: 'Orders go through normally again.', componentStatus: { checkout: 'operational' } });
    expect(await page.getByLabel(/^Closing public message/).count()).toBe(0);
  });

  it('the incident list updates live and filters by service', async () => {
    const service = unique('e2e-live');
    const page = await signedIn('responder', `#/incidents?service=${service}`);
    const table = page.getByRole('region', { name: 'Incidents' });
    await shows(table, 'No incident matches these filters');
    const title = `Queue backlog growing (${service})`;
    expect((await postAlert('generic', { title, service, environment: 'staging', severity: 'error' })).status).toBe(202);
    await shows(page.getByRole('table', { name: 'Incidents' }).getByRole('row'), title);
    expect(await page.getByRole('table', { name: 'Incidents' }).locator('tbody tr').count()).toBe(1);
  });

  it('a viewer finds the action buttons disabled, with the reason', async () => {
    const { id } = await openIncident('error');
    const page = await signedIn('viewer', `#/incidents/${id}`);
    await shows(page.getByTestId('user-role'), 'viewer');
    await shows(page.getByTestId('incident-status'), 'triggered');
    for (const name of ['Acknowledge', 'Mitigate', 'Resolve', 'Reopen', 'Set SEV', 'Add note']) {
      const button = page.getByRole('button', { name, exact: true });
      expect(await button.isDisabled(), `${name} is disabled`).toBe(true);
    }
    expect(await page.getByRole('button', { name: 'Acknowledge', exact: true }).getAttribute('title')).toMatch(/viewer/);
    expect(await page.getByRole('region', { name: /Runbook checklist/ }).getByRole('checkbox').first().isDisabled()).toBe(true);
    expect((await db().collection(`incidents/${id}/updates`).get()).size).toBe(0);
  });

  it('a user without a role sees how to get one instead of an empty page', async () => {
    const page = await signedIn('none');
    await shows(page.getByRole('heading', { level: 1 }), 'You have no role yet');
    await shows(page.locator('pre'), `npm run role -- ${users.get('none')?.email} responder`);
    expect(await page.getByRole('link', { name: 'Insights' }).count()).toBe(0);
  });

  it('a responder edits a postmortem, adds an action item, sends it to review and downloads the markdown', async () => {
    const responder = users.get('responder')!;
    const id = unique('e2e-pm');
    const incident = incidentFixture({
      id,
      status: 'resolved',
      acknowledgedAt: at(240),
      mitigatedAt: at(900),
      resolvedAt: at(1800),
      commander: responder.uid,
      resolvedBy: responder.uid,
    });
    const timeline: TimelineEntry[] = [
      { at: T0, type: 'incident_opened', actor: 'system', message: 'SEV2 incident opened', data: {} },
      { at: at(240), type: 'status_changed', actor: responder.uid, message: 'triggered → acknowledged', data: { from: 'triggered', to: 'acknowledged' } },
      { at: at(1800), type: 'status_changed', actor: responder.uid, message: 'acknowledged → resolved', data: { from: 'acknowledged', to: 'resolved' } },
    ];
    const plan = planPostmortem({ incident, timeline, previous: null, now: at(1900), policy: DEFAULT_POLICY });
    if (!plan) throw new Error('no postmortem planned for a resolved SEV2');
    await db().doc(`postmortems/${id}`).set(plan.postmortem);

    const page = await signedIn('responder', `#/postmortems/${id}`);
    await shows(page.getByTestId('postmortem-status'), 'draft');
    await shows(page.getByRole('region', { name: 'Metrics' }), '4 min');
    await shows(page.getByRole('region', { name: /Timeline/ }), 'triggered → acknowledged');

    await page.getByLabel('Summary').fill('Checkout errors after a bad deploy; rolled back.');
    await page.getByRole('button', { name: 'Add action item' }).click();
    await page.getByRole('textbox', { name: 'Title' }).last().fill('Canary deploys for checkout');
    await page.getByRole('textbox', { name: 'Owner' }).last().fill('team-checkout');
    await page.getByLabel('Due date').last().fill('2026-12-15');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await shows(page.getByRole('status'), 'Saved');
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await shows(page.getByTestId('postmortem-status'), 'in review');

    // The pipeline re-renders the markdown a moment after the save; the console offers the
    // download once it has (until then the button says it is updating).
    const stored = await waitFor(async () => {
      const [pm, exp] = await Promise.all([db().doc(`postmortems/${id}`).get(), db().doc(`postmortems/${id}/exports/markdown`).get()]);
      const d = pm.data();
      return d?.status === 'in_review' && exp.get('markdownOf')?.isEqual(d.updatedAt) ? ({ ...d, markdown: String(exp.get('markdown')) } as FirebaseFirestore.DocumentData) : undefined;
    }, 'the postmortem in review, with its markdown rendered for the save (beside it)');
    expect(stored.markdown).toContain('Canary deploys for checkout');
    expect(stored.summary).toBe('Checkout errors after a bad deploy; rolled back.');
    expect(stored.updatedBy).toBe(responder.uid);
    expect(stored.actionItems).toHaveLength(1);
    expect(stored.actionItems[0]).toMatchObject({ title: 'Canary deploys for checkout', owner: 'team-checkout', done: false });
    expect(stored.actionItems[0].dueAt.toDate().toISOString()).toBe('2026-12-15T00:00:00.000Z');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download markdown' }).click()]);
    expect(download.suggestedFilename()).toBe(`postmortem-${id}.md`);
    const file = await download.path();
    expect(fs.readFileSync(file, 'utf8')).toBe(stored.markdown);

    // A viewer reads it but cannot edit it.
    const viewer = await signedIn('viewer', `#/postmortems/${id}`);
    await shows(viewer.getByTestId('postmortem-status'), 'in review');
    expect(await viewer.getByLabel('Summary').isDisabled()).toBe(true);
    expect(await viewer.getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);
  });

  it('a responder fills in their profile, creates and cancels an override, then sees a SEV1 page them in the Paging section and acknowledges it', async () => {
    const responder = users.get('responder')!;
    try {
      // Profile: contact methods and notification steps, in users/{uid}.
      const page = await signedIn('responder', '#/profile');
      await page.getByLabel('Name', { exact: true }).fill('Robin Responder');
      await page.getByLabel('Phone', { exact: true }).fill('+15550001234');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await shows(page.getByRole('status'), 'Saved');
      const profile = (await db().doc(`users/${responder.uid}`).get()).data();
      expect(profile).toMatchObject({ name: 'Robin Responder', email: responder.email, phone: '+15550001234', notify: [{ channel: 'slack', after: '0s' }, { channel: 'email', after: '0s' }] });

      // On call: the console shows config/oncall.yaml as built into it (the functions of the
      // test suite read the test overlay instead), so the override goes on its `primary`.
      await page.goto(consoleUrl('#/oncall'));
      const now = page.getByTestId('oncall-now-primary');
      await shows(now, 'until');
      const before = await now.textContent();
      expect(before).not.toContain('Robin Responder');
      await page.getByLabel('Schedule', { exact: true }).selectOption('primary');
      await page.getByLabel('Person', { exact: true }).selectOption(responder.uid);
      await page.getByLabel('For', { exact: true }).selectOption('1h');
      await page.getByLabel('Reason', { exact: true }).fill('e2e cover');
      await page.getByRole('button', { name: 'Create override' }).click();
      await shows(page.getByRole('status'), 'Override saved');
      await shows(now, /Robin Responder.*\(override\)/);
      await shows(page.getByRole('table', { name: 'Overrides' }).getByRole('row'), 'e2e cover');
      const overrides = await db().collection('oncallOverrides').where('createdBy', '==', responder.uid).get();
      expect(overrides.docs.map((d) => [d.get('schedule'), d.get('uid'), d.get('reason')])).toEqual([['primary', responder.uid, 'e2e cover']]);

      // Cancelling it puts the rotation back.
      await page.getByRole('table', { name: 'Overrides' }).getByRole('row').filter({ hasText: 'e2e cover' }).getByRole('button', { name: 'Cancel' }).click();
      await shows(page.getByRole('region', { name: 'Overrides' }), 'No override now or ahead');
      // The list drops it on the local write; the status says when Firestore has the delete.
      await shows(page.getByRole('region', { name: 'Overrides' }).getByRole('status'), 'Override cancelled');
      await waitFor(async () => ((await now.textContent()) === before ? true : undefined), 'the rotation back on call', EXPECT_MS);
      expect((await db().collection('oncallOverrides').where('createdBy', '==', responder.uid).get()).size).toBe(0);

      // The functions' schedule (paging-test): the responder covers it, so a SEV1 pages them
      // at level 1; the Paging section says who, on which channel, with what result.
      await db().collection('oncallOverrides').add({ schedule: 'paging-test', uid: responder.uid, start: new Date(Date.now() - 60_000), end: new Date(Date.now() + 3_600_000), createdBy: responder.uid, createdAt: new Date() });
      const { id } = await openIncident('critical');
      await page.goto(consoleUrl(`#/incidents/${id}`));
      const paging = page.getByRole('region', { name: 'Paging' });
      // The signed-in person is "you" (others by their profile's name).
      await shows(paging.getByTestId('page-row'), /^you1Slack DM/);
      await shows(paging.getByTestId('page-row').filter({ hasText: 'email' }), 'sent');
      await shows(paging.getByTestId('paging-state'), /Paging at level \d.*\(policy paging-test\)/);
      await waitFor(async () => ((await db().collection(`incidents/${id}/pages`).where('uid', '==', responder.uid).where('channel', '==', 'email').get()).size === 1 ? true : undefined), 'one email page', EXPECT_MS);

      await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
      await shows(page.getByTestId('incident-status'), 'acknowledged');
      await shows(paging.getByTestId('paging-acknowledged'), 'Acknowledged by you');
    } finally {
      // Whatever happened, nobody stays on call for the files after this one.
      const left = await db().collection('oncallOverrides').where('createdBy', '==', responder.uid).get();
      await Promise.all(left.docs.map((d) => d.ref.delete()));
    }
  });

  it('the insights page charts MTTA, MTTR and change failure rate per service over time', async () => {
    const service = unique('e2e-insights');
    const scope = `service:${service}`;
    const weeks = ['2026-W45', '2026-W46', '2026-W47'];
    const batch = db().batch();
    weeks.forEach((week, k) => {
      batch.set(db().doc(`stats/${bucketId(scope, `week:${week}`)}`), {
        scope,
        scopeType: 'service',
        period: `week:${week}`,
        periodType: 'week',
        incidents: 2,
        acknowledged: 2,
        ackSecondsSum: 2 * 60 * (k + 1), // MTTA 1, 2, 3 minutes
        resolved: 2,
        resolveSecondsSum: 2 * 3600, // MTTR 1 h
        deploys: 10,
        failedDeploys: k, // 0%, 10%, 20%
        incidentsWithDeploy: k,
      });
    });
    await batch.commit();

    const page = await signedIn('viewer', `#/insights?scope=${encodeURIComponent(scope)}`);
    const charts = page.getByRole('region', { name: `${service} over time` });
    await shows(charts, 'MTTA');
    const label = async (name: RegExp) => charts.getByRole('img', { name }).getAttribute('aria-label');
    await waitFor(async () => ((await label(/^MTTA/))?.includes('2026-W47 3 min') ? true : undefined), 'the MTTA chart', EXPECT_MS);
    expect(await label(/^MTTA/)).toContain('2026-W45 1 min');
    expect(await label(/^MTTR/)).toContain('2026-W46 1 h,');
    expect(await label(/^Change failure rate/)).toContain('2026-W47 20%');
    const row = page.getByRole('table', { name: 'Insights per service' }).getByRole('row').filter({ hasText: service });
    await shows(row, '3/30');
  });

  it('an admin generates a drill for a service on the drills page, previews its timeline, and starts it through runDrill', async () => {
    const service = unique('e2e-drill');
    const page = await signedIn('admin', '#/drills');
    await shows(page.getByTestId('user-role'), 'admin');
    const form = page.getByRole('form', { name: 'Generate a drill' });
    await form.getByLabel('Service').fill(service);
    await form.getByLabel('Kind').selectOption('bad-deploy');
    await form.getByLabel('Seed').fill('4');
    await form.getByRole('button', { name: 'Preview' }).click();

    // The preview: generateDrill's scenario for a service with no history (the fallback, said so), its timeline row by row.
    const preview = page.getByTestId('drill-preview');
    await shows(preview.getByRole('heading', { level: 3 }), `Generated bad-deploy drill on ${service} (seed 4)`);
    await shows(page.getByTestId('drill-fallback'), `${service} has no past incidents`);
    const rows = preview.getByRole('table', { name: 'Drill timeline' }).getByRole('row');
    await shows(rows, /^-.*deploy v1\.0\.\d/);
    const timelineRows = await rows.allTextContents();
    // A header, the deploy before the first alert, the alerts.
    expect(timelineRows.length).toBeGreaterThanOrEqual(3);
    expect(timelineRows[1]).toMatch(/^-\d.*deploy v1\.0\.\d/);
    expect(timelineRows[2]).toMatch(/^0 s/);
    const yaml = await preview.locator('pre').textContent();
    expect(yaml).toContain(`service: ${service}`);

    // Start: runDrill with the previewed YAML records the drill, started by this admin.
    const startForm = page.getByRole('form', { name: 'Start the drill' });
    await startForm.getByLabel('Speed').fill('10');
    await startForm.getByRole('button', { name: 'Start drill' }).click();
    await shows(page.getByTestId('drill-started'), /Drill drill-[\w-]+ started/);
    const drillId = (await page.getByTestId('drill-started').locator('code').textContent()) ?? '';
    expect(drillId).toMatch(/^drill-/);
    const drill = await waitFor(async () => (await db().doc(`drills/${drillId}`).get()).data(), 'the drill document', EXPECT_MS);
    expect(drill).toMatchObject({ service, speed: 10, startedBy: users.get('admin')!.uid, scenarioName: `Generated bad-deploy drill on ${service} (seed 4)`, participants: null });
    expect(['running', 'scored']).toContain(drill.status);
    expect(JSON.parse(String(drill.scenarioJson))).toMatchObject({ service, name: `Generated bad-deploy drill on ${service} (seed 4)` });
    // The drill plays through the pipeline: its incident opens, flagged.
    const incident = await waitFor(async () => (await db().collection('incidents').where('drillId', '==', drillId).get()).docs[0], 'the drill incident', EXPECT_MS);
    expect(incident.data()).toMatchObject({ drill: true, service });
  });
});
