// Runbooks, postmortems and reminders on the emulators.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { FieldValue, Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { remindOverdue, remindUnacknowledged } from '../../functions/src/app/reminders';
import { db, postAlert, publish, slackCallsFor, timelineOf, unique, waitFor, waitForIncident } from '../support/emulator';

async function update(incidentId: string, data: Record<string, unknown>) {
  const ref = await db().collection(`incidents/${incidentId}/updates`).add({ requestedBy: 'uid-alice', ...data });
  return waitFor(async () => (await ref.get()).get('result') as { ok: boolean; reason?: string } | undefined, `the answer to ${String(data.action)}`);
}

const DAY = 86_400_000;
const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The postmortem once its markdown export (beside it) was rendered for its
 * current text: the export's markdownOf is the postmortem's updatedAt.
 */
async function markdownFor(pmRef: FirebaseFirestore.DocumentReference, what: string) {
  return waitFor(async () => {
    const [pm, exp] = await Promise.all([pmRef.get(), pmRef.collection('exports').doc('markdown').get()]);
    const updatedAt: unknown = pm.get('updatedAt');
    const of: unknown = exp.get('markdownOf');
    return updatedAt instanceof Timestamp && of instanceof Timestamp && of.isEqual(updatedAt) ? ({ ...pm.data(), markdown: String(exp.get('markdown')) } as Record<string, unknown> & { markdown: string; updatedAt: Timestamp }) : undefined;
  }, what);
}

describe('runbooks become checklists', () => {
  it('a new incident has its runbook and checklist, and check_step ticks a step with doneBy', async () => {
    const service = unique('api');
    await postAlert('alertmanager', {
      version: '4', status: 'firing',
      alerts: [{ status: 'firing', fingerprint: 'her-1', labels: { alertname: 'HighErrorRate', service, env: 'production', severity: 'critical' }, annotations: { summary: 'API 5xx above 5%' }, startsAt: new Date().toISOString() }],
    });
    const incident = await waitForIncident(service);
    expect(incident.runbook).toBe('high-error-rate');
    const steps = await db().collection(`incidents/${incident.id}/checklist`).orderBy('order').get();
    expect(steps.size).toBeGreaterThanOrEqual(6);
    const first = steps.docs[0];
    expect(first?.data()).toMatchObject({ order: 0, done: false, doneBy: null, doneAt: null });
    expect(String(first?.get('text')).length).toBeGreaterThan(5);

    expect(await update(incident.id, { action: 'check_step', step: first?.id, done: true })).toEqual({ ok: true });
    const ticked = (await first!.ref.get()).data() ?? {};
    expect(ticked).toMatchObject({ done: true, doneBy: 'uid-alice' });
    expect(ticked.doneAt).toBeTruthy();
    const timeline = await timelineOf(incident.id);
    expect(timeline.some((e) => e.type === 'step_checked' && String(e.message).includes(`1/${steps.size}`))).toBe(true);
    expect(timeline.some((e) => e.type === 'runbook_attached')).toBe(true);
    // Progress shows in the incident's Slack channel too.
    const channel = await waitFor(async () => (await incident.id && (await db().doc(`incidents/${incident.id}`).get()).get('slack')) as string | undefined, 'the incident channel');
    await waitFor(async () => (await slackCallsFor(service, channel)).some((c) => c.method === 'chat.postMessage' && c.args.channel === channel && /checked off/.test(String(c.args.text))), 'the step in Slack');
  });
});

describe('postmortems', () => {
  it('a SEV2 incident acknowledged then resolved gets a draft postmortem with frozen timeline, metrics, due date and markdown', async () => {
    const service = unique('orders');
    const title = `Orders API errors (${service})`;
    await postAlert('generic', { title, service, environment: 'production', severity: 'error' });
    const incident = await waitForIncident(service);
    expect(incident.severity).toBe('SEV2');
    await update(incident.id, { action: 'acknowledge' });
    await update(incident.id, { action: 'resolve', message: 'rolled back' });
    const pm = await waitFor(async () => (await db().doc(`postmortems/${incident.id}`).get()).data(), 'the postmortem', 30_000);
    const inc = (await db().doc(`incidents/${incident.id}`).get()).data() ?? {};
    expect(pm.status).toBe('draft');
    expect(pm.timeline.length).toBeGreaterThanOrEqual(3);
    expect(pm.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['incident_opened', 'status_changed']));
    const created = inc.createdAt.toMillis();
    expect(pm.metrics.timeToAcknowledge).toBe(Math.round((inc.acknowledgedAt.toMillis() - created) / 1000));
    expect(pm.metrics.timeToResolve).toBe(Math.round((inc.resolvedAt.toMillis() - created) / 1000));
    expect(pm.metrics.timeToResolve).toBeGreaterThanOrEqual(pm.metrics.timeToAcknowledge);
    expect(pm.dueAt.toMillis()).toBe(inc.resolvedAt.toMillis() + 5 * DAY);
    expect(pm.owner).toBe('uid-alice');
    expect(pm.required).toBe(true);
    // The markdown export lives beside the postmortem, rendered for its updatedAt; the postmortem itself holds none.
    expect('markdown' in pm).toBe(false);
    const exported = (await db().doc(`postmortems/${incident.id}/exports/markdown`).get()).data() ?? {};
    expect(exported.markdown).toContain(title);
    expect(exported.markdownOf.toMillis()).toBe(pm.updatedAt.toMillis());
    const printed = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'postmortem.mjs'), incident.id], { encoding: 'utf8', env: process.env });
    expect(printed.trim()).toBe(String(exported.markdown).trim());
  });

  it("a reopened incident's postmortem picks up the new timeline when it resolves again, keeping its text", async () => {
    const service = unique('cart');
    const alert = { title: `Cart errors (${service})`, service, environment: 'production', severity: 'error', fingerprint: 'cart-1' };
    await postAlert('generic', alert);
    const incident = await waitForIncident(service);
    await update(incident.id, { action: 'resolve' });
    const pmRef = db().doc(`postmortems/${incident.id}`);
    const first = await waitFor(async () => (await pmRef.get()).data(), 'the first postmortem');
    await pmRef.update({ summary: 'Cart writes failed for 4 minutes.', updatedBy: 'uid-alice', updatedAt: FieldValue.serverTimestamp() });
    // The markdown follows the edit, and says which version of the text it was rendered from.
    const edited = await markdownFor(pmRef, 'the markdown re-rendered for the edit');
    expect(edited.markdown).toContain('Cart writes failed for 4 minutes.');
    expect(edited.updatedAt.isEqual(first.updatedAt)).toBe(false);
    expect((await update(incident.id, { action: 'reopen', message: 'errors are back' })).ok).toBe(true);
    await update(incident.id, { action: 'resolve' });
    const second = await waitFor(async () => {
      const d = (await pmRef.get()).data();
      return d && d.timeline.length > first.timeline.length ? d : undefined;
    }, 'the refreshed postmortem');
    expect(second.summary).toBe('Cart writes failed for 4 minutes.');
    expect(second.revisions).toHaveLength(1);
    expect(second.revisions[0].timelineEntries).toBe(first.timeline.length);
    expect(second.timeline.slice(0, first.timeline.length).map((e: { message: string }) => e.message)).toEqual(first.timeline.map((e: { message: string }) => e.message));
  });

  it('publishing the postmortem closes the incident; overdue reminders go out once per day', async () => {
    const service = unique('payments');
    const title = `Payments timeouts (${service})`;
    await postAlert('generic', { title, service, environment: 'production', severity: 'critical' });
    const incident = await waitForIncident(service);
    await update(incident.id, { action: 'resolve' });
    const pmRef = db().doc(`postmortems/${incident.id}`);
    await waitFor(async () => (await pmRef.get()).exists, 'the postmortem');
    const close = await update(incident.id, { action: 'close' });
    expect(close.ok).toBe(false);
    expect(close.reason).toMatch(/postmortem is published/);

    // Overdue: due yesterday, with an overdue action item too.
    const now = new Date();
    await pmRef.update({ dueAt: new Date(now.getTime() - DAY), actionItems: [{ title: `Add a circuit breaker (${service})`, owner: 'uid-bob', dueAt: new Date(now.getTime() - 2 * DAY), done: false }] });
    await waitFor(async () => (await pmRef.get()).get('reminderDueAt')?.toMillis() === now.getTime() - 2 * DAY, 'the reminder date to follow the edit');
    const mine = (keys: string[]) => keys.filter((k) => k.startsWith(`${incident.id}:`)).sort();
    const first = mine(await remindOverdue('Etc/UTC', now));
    const second = mine(await remindOverdue('Etc/UTC', now));
    const day = now.toISOString().slice(0, 10);
    expect(first).toEqual([`${incident.id}:action:0:${day}`, `${incident.id}:postmortem:${day}`]);
    expect(second).toEqual([]);
    const channel = (await db().doc(`incidents/${incident.id}`).get()).get('slack') as string;
    const posts = await waitFor(async () => {
      const calls = (await slackCallsFor(service, channel)).filter((c) => c.method === 'chat.postMessage' && /overdue/i.test(String(c.args.text)));
      return calls.length >= 2 ? calls : undefined;
    }, 'the overdue reminders in Slack');
    expect(posts.some((c) => String(c.args.text).includes(title))).toBe(true);
    expect(posts.some((c) => String(c.args.text).includes('Add a circuit breaker'))).toBe(true);
    expect(posts).toHaveLength(2);

    await pmRef.update({ status: 'in_review', updatedBy: 'uid-alice' });
    await pmRef.update({ status: 'published', updatedBy: 'uid-alice' });
    await waitFor(async () => (await db().doc(`incidents/${incident.id}`).get()).get('status') === 'closed', 'the incident to close');
    const timeline = await timelineOf(incident.id);
    expect(timeline.some((e) => e.type === 'status_changed' && e.data.to === 'closed')).toBe(true);
  });

  it('a bad responder write (a numeric summary, a text dueAt) neither stops the markdown nor the close on publish', async () => {
    const service = unique('refunds');
    await postAlert('generic', { title: `Refund errors (${service})`, service, environment: 'production', severity: 'error' });
    const incident = await waitForIncident(service);
    await update(incident.id, { action: 'resolve' });
    const pmRef = db().doc(`postmortems/${incident.id}`);
    await waitFor(async () => (await pmRef.get()).exists, 'the postmortem');
    // Written as a client could before the rules checked types (the Admin SDK skips the rules).
    await pmRef.update({
      summary: 42,
      actionItems: [
        { title: `Keep this item (${service})`, owner: null, dueAt: null, done: false },
        { title: 'A text due date', owner: null, dueAt: '2026-12-01', done: false },
      ],
      updatedBy: 'uid-alice',
      updatedAt: FieldValue.serverTimestamp(),
    });
    const rendered = await markdownFor(pmRef, 'the markdown rendered despite the bad fields');
    expect(rendered.markdown).toContain(`Keep this item (${service})`);
    expect(rendered.markdown).not.toContain('A text due date');
    expect(rendered.summary).toBe(42); // the stored text is not rewritten, only left out
    await pmRef.update({ status: 'in_review', updatedBy: 'uid-alice', updatedAt: FieldValue.serverTimestamp() });
    await pmRef.update({ status: 'published', updatedBy: 'uid-alice', updatedAt: FieldValue.serverTimestamp() });
    await waitFor(async () => (await db().doc(`incidents/${incident.id}`).get()).get('status') === 'closed', 'the incident to close on publish');
  });

  it('an action item with a text dueAt is skipped by the overdue reminders, which still remind the others', async () => {
    const service = unique('ledger-pm');
    await postAlert('generic', { title: `Ledger drift (${service})`, service, environment: 'production', severity: 'error' });
    const incident = await waitForIncident(service);
    await update(incident.id, { action: 'resolve' });
    const pmRef = db().doc(`postmortems/${incident.id}`);
    await waitFor(async () => (await pmRef.get()).exists, 'the postmortem');
    const now = new Date();
    const overdue = new Date(now.getTime() - 2 * DAY);
    await pmRef.update({
      actionItems: [
        { title: `Reconcile nightly (${service})`, owner: 'uid-bob', dueAt: overdue, done: false },
        { title: 'Due "next week"', owner: 'uid-bob', dueAt: 'next week', done: false },
      ],
      updatedBy: 'uid-alice',
      updatedAt: FieldValue.serverTimestamp(),
    });
    await waitFor(async () => (await pmRef.get()).get('reminderDueAt')?.toMillis() === overdue.getTime(), 'the reminder date from the good item');
    expect((await remindOverdue('Etc/UTC', now)).filter((k) => k.startsWith(`${incident.id}:`))).toHaveLength(1);
    const markers = (await db().collection('reminders').where('incidentId', '==', incident.id).get()).docs.map((d) => d.id);
    expect(markers).toEqual([`${incident.id}:action:0:${now.toISOString().slice(0, 10)}`]);
  });

  it('deleting a postmortem deletes its markdown export and crashes nothing', async () => {
    const service = unique('deleted-pm');
    await postAlert('generic', { title: `Disk full (${service})`, service, environment: 'production', severity: 'error' });
    const incident = await waitForIncident(service);
    await update(incident.id, { action: 'resolve' });
    const pmRef = db().doc(`postmortems/${incident.id}`);
    await markdownFor(pmRef, 'the markdown export');
    await pmRef.delete();
    await waitFor(async () => !(await pmRef.collection('exports').doc('markdown').get()).exists || undefined, 'the export to be deleted with its postmortem');
    expect((await pmRef.get()).exists).toBe(false);
  });

  it("the postmortem draft post shows the commander as text, even one that reads <!channel>", async () => {
    const service = unique('mentions');
    await postAlert('generic', { title: `Mention test (${service})`, service, environment: 'production', severity: 'error' });
    const incident = await waitForIncident(service);
    expect((await update(incident.id, { action: 'assign_commander', commander: '<!channel>' })).ok).toBe(true);
    await update(incident.id, { action: 'resolve' });
    const post = await waitFor(async () => {
      const snap = await db().collection('notifications').where('incidentId', '==', incident.id).where('kind', '==', 'message').get();
      return snap.docs.map((d) => d.get('effect.text') as string).find((t) => t.includes('postmortem draft'));
    }, 'the postmortem draft post');
    expect(post).toContain('owned by &lt;!channel&gt;');
    expect(post).not.toContain('<!channel>');
  });

  it('an unacknowledged SEV1 is re-announced with a louder mention, once per period', async () => {
    const service = unique('auth');
    await postAlert('generic', { title: `Login failures (${service})`, service, environment: 'production', severity: 'critical' });
    const incident = await waitForIncident(service);
    // 11 minutes after it opened: the second 5-minute period has started.
    const at = new Date((incident.createdAt as { toMillis(): number }).toMillis() + 11 * 60_000);
    expect((await remindUnacknowledged(at)).filter((id) => id === incident.id)).toEqual([incident.id]);
    expect((await remindUnacknowledged(at)).filter((id) => id === incident.id)).toEqual([]);
    const reminders = await db().collection('reminders').where('incidentId', '==', incident.id).get();
    expect(reminders.docs.map((d) => d.id)).toEqual([`${incident.id}:unack:2`]);
    await waitFor(async () => (await slackCallsFor(service)).some((c) => c.method === 'chat.postMessage' && /not acknowledged/i.test(String(c.args.text)) && /<!here>/.test(String(c.args.text))), 'the reminder with @here');
  });

  it('the schedules can be fired on demand with npm run remind', async () => {
    const service = unique('sessions');
    await postAlert('generic', { title: `Session store down (${service})`, service, environment: 'production', severity: 'error' });
    const incident = await waitForIncident(service);
    const at = new Date((incident.createdAt as { toMillis(): number }).toMillis() + 6 * 60_000).toISOString();
    const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'remind.mjs'), 'unacknowledged', '--at', at], { encoding: 'utf8', env: process.env });
    expect(out).toMatch(/re-announced: [1-9]/);
    const marker = (await db().doc(`reminders/${incident.id}:unack:1`).get()).data();
    expect(marker?.kind).toBe('reminder');
  });

  it('a schedule can be fired on demand by publishing to its firebase-schedule-<name> topic', async () => {
    const service = unique('topic-fired');
    await postAlert('generic', { title: `Queue stuck (${service})`, service, environment: 'production', severity: 'critical' });
    const incident = await waitForIncident(service);
    await publish('firebase-schedule-remindUnacknowledged', { at: new Date((incident.createdAt as { toMillis(): number }).toMillis() + 6 * 60_000).toISOString() });
    const marker = await waitFor(async () => (await db().doc(`reminders/${incident.id}:unack:1`).get()).data(), 'the reminder sent by the fired schedule');
    expect(marker.kind).toBe('reminder');
  });
});
