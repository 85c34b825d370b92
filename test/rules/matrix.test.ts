// The security rules, cell by cell: each role (plus signed-out and no-role) ×
// each collection in the contract × get, list, create, update, delete.
import fs from 'node:fs';
import path from 'node:path';
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import firebase from 'firebase/compat/app';
import 'firebase/compat/firestore';
import { setLogLevel } from 'firebase/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
type Role = 'signed-out' | 'no-role' | 'viewer' | 'responder' | 'admin';
type Op = 'get' | 'list' | 'create' | 'update' | 'delete';
const ROLES: Role[] = ['signed-out', 'no-role', 'viewer', 'responder', 'admin'];
const OPS: Op[] = ['get', 'list', 'create', 'update', 'delete'];
const uidOf = (r: Role) => `uid-${r}`;

interface Collection {
  name: string;
  /** Path of an existing document (seeded) and of a new one. */
  existing: string;
  fresh: string;
  /** The new document's path when it depends on the writer (users/{uid}: one's own). */
  freshFor?: (uid: string) => string;
  createData: (uid: string) => Record<string, unknown>;
  updateData: Record<string, unknown> | ((uid: string) => Record<string, unknown>);
  allowed: Record<Op, Role[]>;
}

const READERS: Role[] = ['viewer', 'responder', 'admin'];
/** Everyone, signed in or not: only the status page's public projection. */
const EVERYONE: Role[] = ROLES;
const NOBODY: Role[] = [];
const readOnly = { get: READERS, list: READERS, create: NOBODY, update: NOBODY, delete: NOBODY };
const publicReadOnly = { get: EVERYONE, list: EVERYONE, create: NOBODY, update: NOBODY, delete: NOBODY };
const pipelineOnly = { get: NOBODY, list: NOBODY, create: NOBODY, update: NOBODY, delete: NOBODY };

const serverTime = () => firebase.firestore.FieldValue.serverTimestamp();
/** An id shaped like the ones add() and doc() generate: the only update ids clients may use. */
const AUTO_ID = 'NewUpdate00000000001';

const COLLECTIONS: Collection[] = [
  { name: 'incidents', existing: 'incidents/inc1', fresh: 'incidents/new', createData: () => ({ title: 'x', status: 'triggered' }), updateData: { status: 'closed' }, allowed: readOnly },
  { name: 'timeline', existing: 'incidents/inc1/timeline/e1', fresh: 'incidents/inc1/timeline/new', createData: (uid) => ({ type: 'note', actor: uid, message: 'x' }), updateData: { message: 'rewritten' }, allowed: readOnly },
  { name: 'alerts', existing: 'incidents/inc1/alerts/a1', fresh: 'incidents/inc1/alerts/new', createData: () => ({ status: 'firing' }), updateData: { status: 'resolved' }, allowed: readOnly },
  { name: 'checklist', existing: 'incidents/inc1/checklist/s1', fresh: 'incidents/inc1/checklist/new', createData: () => ({ text: 'x', done: false }), updateData: { done: true }, allowed: readOnly },
  {
    name: 'updates', existing: 'incidents/inc1/updates/u1', fresh: `incidents/inc1/updates/${AUTO_ID}`,
    createData: (uid) => ({ action: 'acknowledge', requestedBy: uid }), updateData: { result: { ok: true } },
    allowed: { get: READERS, list: READERS, create: ['responder', 'admin'], update: NOBODY, delete: NOBODY },
  },
  // Public status page updates are status updates too: responders publish, and approve each other's drafts.
  {
    name: 'updates (publish_status)', existing: 'incidents/inc1/updates/u1', fresh: `incidents/inc1/updates/${AUTO_ID}`,
    createData: (uid) => ({ action: 'publish_status', requestedBy: uid, message: 'Some orders fail.', componentStatus: { checkout: 'partial_outage' }, title: 'Orders fail', phase: 'identified' }),
    updateData: { message: 'rewritten' },
    allowed: { get: READERS, list: READERS, create: ['responder', 'admin'], update: NOBODY, delete: NOBODY },
  },
  {
    name: 'updates (approve_status)', existing: 'incidents/inc1/updates/u1', fresh: `incidents/inc1/updates/${AUTO_ID}`,
    createData: (uid) => ({ action: 'approve_status', requestedBy: uid, draft: 'update-AbCdEfGhIjKlMnOpQrSt' }), updateData: { result: { ok: true } },
    allowed: { get: READERS, list: READERS, create: ['responder', 'admin'], update: NOBODY, delete: NOBODY },
  },
  {
    name: 'postmortems', existing: 'postmortems/inc1', fresh: 'postmortems/new', createData: () => ({ status: 'draft' }),
    updateData: (uid) => ({ summary: 'We changed the retry policy.', updatedBy: uid, updatedAt: serverTime() }),
    allowed: { get: READERS, list: READERS, create: NOBODY, update: ['responder', 'admin'], delete: NOBODY },
  },
  { name: 'postmortem markdown', existing: 'postmortems/inc1/exports/markdown', fresh: 'postmortems/inc1/exports/new', createData: () => ({ markdown: '# x' }), updateData: { markdown: '# rewritten' }, allowed: readOnly },
  { name: 'deploys', existing: 'deploys/d1', fresh: 'deploys/new', createData: () => ({ service: 'x', version: '1' }), updateData: { version: '2' }, allowed: readOnly },
  { name: 'stats', existing: 'stats/s1', fresh: 'stats/new', createData: () => ({ incidents: 1 }), updateData: { incidents: 2 }, allowed: readOnly },
  { name: 'drills', existing: 'drills/r1', fresh: 'drills/new', createData: () => ({ score: 1 }), updateData: { score: 2 }, allowed: readOnly },
  // Raw bodies can hold personal data: admins only.
  {
    name: 'rejectedAlerts', existing: 'rejectedAlerts/x1', fresh: 'rejectedAlerts/new', createData: () => ({ raw: 'x' }), updateData: { reason: 'y' },
    allowed: { get: ['admin'], list: ['admin'], create: NOBODY, update: NOBODY, delete: NOBODY },
  },
  {
    name: 'config', existing: 'config/slackUsers', fresh: 'config/new', createData: () => ({ U123: 'uid' }), updateData: { U999: 'uid-z' },
    allowed: { get: READERS, list: READERS, create: ['admin'], update: ['admin'], delete: ['admin'] },
  },
  {
    name: 'notifications', existing: 'notifications/n1', fresh: 'notifications/new', createData: () => ({ kind: 'x' }), updateData: { status: 'sent' },
    allowed: { get: ['admin'], list: ['admin'], create: NOBODY, update: NOBODY, delete: NOBODY },
  },
  { name: 'groups (internal)', existing: 'groups/g1', fresh: 'groups/new', createData: () => ({ incidentId: 'x' }), updateData: { incidentId: 'y' }, allowed: { get: NOBODY, list: NOBODY, create: NOBODY, update: NOBODY, delete: NOBODY } },
  // Slack response_urls let whoever holds one post as the app: server-side only, like the ids of handled Slack requests.
  {
    name: 'slackResponses (internal)', existing: 'slackResponses/u1', fresh: 'slackResponses/new', createData: () => ({ responseUrl: 'https://hooks.slack.com/x' }), updateData: { responseUrl: 'https://evil.example/' },
    allowed: { get: NOBODY, list: NOBODY, create: NOBODY, update: NOBODY, delete: NOBODY },
  },
  {
    name: 'slackRequests (internal)', existing: 'slackRequests/r1', fresh: 'slackRequests/new', createData: () => ({ kind: 'command' }), updateData: { kind: 'x' },
    allowed: { get: NOBODY, list: NOBODY, create: NOBODY, update: NOBODY, delete: NOBODY },
  },
  { name: 'statusPage', existing: 'statusPage/summary', fresh: 'statusPage/new', createData: () => ({ status: 'operational' }), updateData: { status: 'major_outage' }, allowed: publicReadOnly },
  {
    name: 'statusPage incidents', existing: 'statusPage/summary/incidents/p1', fresh: 'statusPage/summary/incidents/new',
    createData: () => ({ title: 'Fake outage' }), updateData: { title: 'Rewritten' }, allowed: publicReadOnly,
  },
  {
    name: 'statusPage history', existing: 'statusPage/summary/history/checkout', fresh: 'statusPage/summary/history/new',
    createData: () => ({ status: 'major_outage' }), updateData: { status: 'operational' }, allowed: publicReadOnly,
  },
  { name: 'statusSubscribers', existing: 'statusSubscribers/s1', fresh: 'statusSubscribers/new', createData: () => ({ email: 'x@example.com' }), updateData: { status: 'confirmed' }, allowed: pipelineOnly },
  {
    name: 'silences', existing: 'silences/s1', fresh: `silences/${AUTO_ID}`, createData: (uid) => newSilence(uid),
    updateData: (uid) => ({ expiredAt: serverTime(), expiredBy: uid }),
    allowed: { get: READERS, list: READERS, create: ['responder', 'admin'], update: ['responder', 'admin'], delete: NOBODY },
  },
  { name: 'silencedAlerts', existing: 'silencedAlerts/h1', fresh: 'silencedAlerts/new', createData: () => ({ status: 'held' }), updateData: { status: 'released' }, allowed: readOnly },
  { name: 'openedWindows (internal)', existing: 'openedWindows/d1', fresh: 'openedWindows/new', createData: () => ({ name: 'w' }), updateData: { name: 'x' }, allowed: pipelineOnly },
  { name: 'inhibitors (internal)', existing: 'inhibitors/i1', fresh: 'inhibitors/new', createData: () => ({ incidentId: 'x' }), updateData: { incidentId: 'y' }, allowed: pipelineOnly },
  { name: 'heartbeats (internal)', existing: 'heartbeats/nightly', fresh: 'heartbeats/new', createData: () => ({ missed: false }), updateData: { missed: true }, allowed: pipelineOnly },
  { name: 'noiseState (internal)', existing: 'noiseState/storm', fresh: 'noiseState/new', createData: () => ({ recent: [] }), updateData: { storm: null }, allowed: pipelineOnly },
  { name: 'mail', existing: 'mail/m1', fresh: 'mail/new', createData: () => ({ to: 'x@example.com', message: { subject: 'x' } }), updateData: { to: 'y@example.com' }, allowed: pipelineOnly },
  // Paging: a person writes their own profile (the seeded one is the responder's); responders create and cancel overrides.
  {
    name: 'users', existing: 'users/uid-responder', fresh: 'users/new', freshFor: (uid) => `users/${uid}`,
    createData: () => ({ name: 'Pat', email: 'pat@example.com', phone: '+33612345678', notify: [{ channel: 'email', after: '0m' }, { channel: 'sms', after: '2m' }] }), updateData: { name: 'Pat R.' },
    allowed: { get: READERS, list: READERS, create: READERS, update: ['responder'], delete: ['responder'] },
  },
  {
    name: 'oncallOverrides', existing: 'oncallOverrides/o1', fresh: 'oncallOverrides/new', createData: (uid) => overrideData(uid), updateData: { uid: 'uid-someone-else' },
    allowed: { get: READERS, list: READERS, create: ['responder', 'admin'], update: NOBODY, delete: ['responder', 'admin'] },
  },
  { name: 'pages', existing: 'incidents/inc1/pages/p1', fresh: 'incidents/inc1/pages/new', createData: (uid) => ({ uid, channel: 'sms', status: 'sent' }), updateData: { status: 'acknowledged' }, allowed: readOnly },
  { name: 'paging', existing: 'incidents/inc1/paging/c0', fresh: 'incidents/inc1/paging/c1', createData: () => ({ status: 'stopped' }), updateData: { status: 'stopped' }, allowed: readOnly },
  { name: 'smsReplyCodes (internal)', existing: 'smsReplyCodes/+33612345678', fresh: 'smsReplyCodes/+15550001111', createData: () => ({ open: {} }), updateData: { open: {} }, allowed: pipelineOnly },
  { name: 'pageAcks (internal)', existing: 'pageAcks/k1', fresh: 'pageAcks/new', createData: () => ({ incidentId: 'inc1' }), updateData: { incidentId: 'x' }, allowed: pipelineOnly },
  { name: 'oncallHandoffs (internal)', existing: 'oncallHandoffs/h1', fresh: 'oncallHandoffs/new', createData: () => ({ uid: 'x' }), updateData: { uid: 'y' }, allowed: pipelineOnly },
];

/** A valid override in `uid`'s name: 4 hours from 2030-01-01. */
function overrideData(uid: string, over: Record<string, unknown> = {}) {
  const start = new Date('2030-01-01T09:00:00Z');
  return {
    schedule: 'primary', uid: 'uid-carol', start: firebase.firestore.Timestamp.fromDate(start), end: firebase.firestore.Timestamp.fromDate(new Date(start.getTime() + 4 * 3_600_000)),
    createdBy: uid, createdAt: serverTime(), reason: 'covering', ...over,
  };
}

let env: RulesTestEnvironment;

const ts = (iso: string) => firebase.firestore.Timestamp.fromDate(new Date(iso));
/** A silence a responder may create: from now for 2 hours, in their own name. */
const newSilence = (uid: string, over: Record<string, unknown> = {}) => {
  const now = Date.now();
  return { matchers: { service: 'checkout' }, startsAt: firebase.firestore.Timestamp.fromMillis(now), endsAt: firebase.firestore.Timestamp.fromMillis(now + 2 * 3600e3), createdBy: uid, comment: 'database migration', createdAt: serverTime(), ...over };
};

async function seed() {
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    await db.doc('incidents/inc1').set({ title: 'Checkout down', status: 'triggered', severity: 'SEV2' });
    await db.doc('incidents/inc1/timeline/e1').set({ type: 'incident_opened', actor: 'system', message: 'opened' });
    await db.doc('incidents/inc1/alerts/a1').set({ status: 'firing' });
    await db.doc('incidents/inc1/checklist/s1').set({ text: 'Triage', done: false });
    await db.doc('incidents/inc1/updates/u1').set({ action: 'acknowledge', requestedBy: 'uid-responder' });
    await db.doc('postmortems/inc1').set({ status: 'draft', summary: '', timeline: [{ message: 'opened' }], metrics: { timeToResolve: 60 }, owner: 'uid-responder' });
    for (const p of ['deploys/d1', 'stats/s1', 'drills/r1', 'rejectedAlerts/x1', 'config/slackUsers', 'notifications/n1', 'groups/g1', 'slackResponses/u1', 'slackRequests/r1', 'postmortems/inc1/exports/markdown']) {
      await db.doc(p).set({ seeded: true });
    }
    await db.doc('statusPage/summary').set({ status: 'degraded', components: [{ id: 'checkout', name: 'Checkout', status: 'degraded' }] });
    await db.doc('statusPage/summary/incidents/p1').set({ title: 'Slow checkout', phase: 'investigating' });
    await db.doc('statusPage/summary/history/checkout').set({ days: { '2026-11-30': 'degraded' } });
    await db.doc('statusSubscribers/s1').set({ email: 'visitor@example.com', status: 'confirmed' });
    await db.doc('mail/m1').set({ to: 'visitor@example.com', message: { subject: 'x', text: 'y' } });
    await db.doc('users/uid-responder').set({ name: 'Rita', email: 'rita@example.com', notify: [{ channel: 'email', after: '0m' }] });
    await db.doc('oncallOverrides/o1').set({ schedule: 'primary', uid: 'uid-carol', start: new Date('2030-01-01T09:00:00Z'), end: new Date('2030-01-01T13:00:00Z'), createdBy: 'uid-responder' });
    await db.doc('incidents/inc1/pages/p1').set({ uid: 'uid-responder', level: 0, channel: 'sms', status: 'sent', at: new Date(), error: null });
    await db.doc('incidents/inc1/paging/c0').set({ cycle: 0, status: 'paging' });
    for (const p of ['smsReplyCodes/+33612345678', 'pageAcks/k1', 'oncallHandoffs/h1']) await db.doc(p).set({ seeded: true });
    await db.doc('silences/s1').set({ matchers: { service: 'checkout' }, startsAt: ts('2026-11-30T10:00:00Z'), endsAt: ts('2100-01-01T00:00:00Z'), createdBy: 'uid-responder', comment: 'migration' });
    for (const p of ['silencedAlerts/h1', 'openedWindows/d1', 'inhibitors/i1', 'heartbeats/nightly', 'noiseState/storm']) await db.doc(p).set({ seeded: true });
  });
}

function firestoreAs(role: Role) {
  if (role === 'signed-out') return env.unauthenticatedContext().firestore();
  if (role === 'no-role') return env.authenticatedContext(uidOf(role)).firestore();
  return env.authenticatedContext(uidOf(role), { role }).firestore();
}

beforeAll(async () => {
  setLogLevel('silent'); // refused writes are the point here; keep their logs out of the output
  const [host, port] = (process.env.FIRESTORE_EMULATOR_HOST ?? '127.0.0.1:8080').split(':');
  env = await initializeTestEnvironment({
    projectId: 'demo-rules-matrix',
    firestore: { rules: fs.readFileSync(path.join(ROOT, 'firestore.rules'), 'utf8'), host, port: Number(port) },
  });
});
afterAll(async () => env?.cleanup());

describe('security rules matrix', () => {
  const cells = COLLECTIONS.flatMap((c) => ROLES.flatMap((role) => OPS.map((op) => ({ c, role, op, allowed: c.allowed[op].includes(role) }))));

  it(`checks ${cells.length} cells (${ROLES.length} roles × ${COLLECTIONS.length} collections × ${OPS.length} operations)`, async () => {
    await seed();
    const failures: string[] = [];
    for (const { c, role, op, allowed } of cells) {
      const db = firestoreAs(role);
      const parent = c.existing.split('/').slice(0, -1).join('/');
      const attempt = (): Promise<unknown> => {
        switch (op) {
          case 'get': return db.doc(c.existing).get();
          case 'list': return db.collection(parent).get();
          case 'create': return db.doc(c.freshFor ? c.freshFor(uidOf(role)) : c.fresh).set(c.createData(uidOf(role)));
          case 'update': return db.doc(c.existing).update(typeof c.updateData === 'function' ? c.updateData(uidOf(role)) : c.updateData);
          case 'delete': return db.doc(c.existing).delete();
        }
      };
      try {
        if (allowed) await assertSucceeds(attempt() as Promise<void>);
        else await assertFails(attempt() as Promise<void>);
      } catch (e) {
        failures.push(`${role} ${op} ${c.name}: expected ${allowed ? 'allowed' : 'denied'} (${(e as Error).message.split('\n')[0]})`);
      }
      // Writes that succeeded change the data; put it back for the next cell.
      if (allowed && (op === 'create' || op === 'update' || op === 'delete')) await seed();
    }
    console.log(`rules matrix: ${cells.length} cells checked, ${cells.filter((c) => c.allowed).length} allowed, ${failures.length} wrong`);
    expect(failures).toEqual([]);
  });
});

describe('security rules: the sharp edges', () => {
  const me = uidOf('responder');
  /** A new update under an auto-generated id (what the console's doc() gives). */
  const newUpdate = (db: ReturnType<typeof firestoreAs>) => db.collection('incidents/inc1/updates').doc();

  it('a responder may not write an update in someone else\'s name, or an unknown action, or set its result', async () => {
    await seed();
    const db = firestoreAs('responder');
    await assertFails(newUpdate(db).set({ action: 'acknowledge', requestedBy: 'uid-someone-else' }));
    await assertFails(newUpdate(db).set({ action: 'delete_everything', requestedBy: me }));
    await assertFails(newUpdate(db).set({ action: 'acknowledge', requestedBy: me, result: { ok: true } }));
    await assertFails(newUpdate(db).set({ action: 'set_severity', requestedBy: me, severity: 'SEV9' }));
    await assertFails(db.collection('incidents/nope/updates').doc().set({ action: 'acknowledge', requestedBy: me }));
    await assertSucceeds(newUpdate(db).set({ action: 'set_severity', requestedBy: me, severity: 'SEV1' }));
    await assertSucceeds(newUpdate(db).set({ action: 'note', requestedBy: me, message: 'looking' }));
  });

  it('an update\'s optional fields are typed, and only the action that uses one may carry it', async () => {
    await seed();
    const db = firestoreAs('responder');
    // Each refused write differs from an accepted one by the one field named.
    await assertSucceeds(newUpdate(db).set({ action: 'acknowledge', requestedBy: me, via: 'console', requestedAt: serverTime(), message: 'on it' }));
    await assertFails(newUpdate(db).set({ action: 'acknowledge', requestedBy: me, severity: 'SEV1' }));
    await assertFails(newUpdate(db).set({ action: 'acknowledge', requestedBy: me, severity: 42 }));
    await assertFails(newUpdate(db).set({ action: 'resolve', requestedBy: me, commander: { uid: 'x' } }));
    await assertFails(newUpdate(db).set({ action: 'note', requestedBy: me, message: 'x', step: 'step-1' }));
    await assertFails(newUpdate(db).set({ action: 'acknowledge', requestedBy: me, done: 'yes' }));
    await assertFails(newUpdate(db).set({ action: 'acknowledge', requestedBy: me, via: 'slack' }));
    await assertFails(newUpdate(db).set({ action: 'acknowledge', requestedBy: me, via: 7 }));
    await assertFails(newUpdate(db).set({ action: 'acknowledge', requestedBy: me, message: 12 }));
    await assertFails(newUpdate(db).set({ action: 'assign_commander', requestedBy: me, commander: 'x'.repeat(129) }));
    await assertSucceeds(newUpdate(db).set({ action: 'assign_commander', requestedBy: me, commander: 'uid-bob' }));
    await assertFails(newUpdate(db).set({ action: 'check_step', requestedBy: me, step: 'triage', done: 'yes' }));
    await assertFails(newUpdate(db).set({ action: 'check_step', requestedBy: me, step: 5, done: true }));
    await assertSucceeds(newUpdate(db).set({ action: 'check_step', requestedBy: me, step: 'triage', done: true }));
  });

  it('a publish_status update carries a message, known statuses, a title and phase of the right types, and nothing of another action', async () => {
    await seed();
    const db = firestoreAs('responder');
    const publish = (over: Record<string, unknown>) => newUpdate(db).set({ action: 'publish_status', requestedBy: me, message: 'Some orders fail.', ...over });
    await assertSucceeds(publish({ componentStatus: 'partial_outage', via: 'console', requestedAt: serverTime() }));
    await assertSucceeds(publish({ componentStatus: { checkout: 'major_outage', payments: 'degraded' }, title: 'Orders fail', phase: 'identified' }));
    await assertSucceeds(publish({}));
    await assertFails(publish({ message: '' }));
    await assertFails(newUpdate(db).set({ action: 'publish_status', requestedBy: me }));
    await assertFails(publish({ message: 'x'.repeat(5001) }));
    await assertFails(publish({ componentStatus: 'on fire' }));
    await assertFails(publish({ componentStatus: { checkout: 'on fire' } }));
    await assertFails(publish({ componentStatus: {} }));
    await assertFails(publish({ componentStatus: Object.fromEntries(Array.from({ length: 51 }, (_, n) => [`c${n}`, 'degraded'])) }));
    await assertFails(publish({ componentStatus: 3 }));
    await assertFails(publish({ title: '' }));
    await assertFails(publish({ title: 'x'.repeat(201) }));
    await assertFails(publish({ phase: 'panicking' }));
    await assertFails(publish({ severity: 'SEV1' }));
    await assertFails(publish({ publicMessage: 'closing' }));
    await assertFails(publish({ draft: 'd1' }));
    // Only publish_status carries the public fields.
    await assertFails(newUpdate(db).set({ action: 'note', requestedBy: me, message: 'x', componentStatus: 'degraded' }));
    await assertFails(newUpdate(db).set({ action: 'acknowledge', requestedBy: me, phase: 'identified' }));
    await assertFails(newUpdate(db).set({ action: 'note', requestedBy: me, message: 'x', title: 'y' }));
    // A viewer publishes nothing.
    await assertFails(newUpdate(firestoreAs('viewer')).set({ action: 'publish_status', requestedBy: uidOf('viewer'), message: 'x' }));
  });

  it('approve_status names at most the draft it approves; a resolve may carry the closing public message', async () => {
    await seed();
    const db = firestoreAs('responder');
    await assertSucceeds(newUpdate(db).set({ action: 'approve_status', requestedBy: me }));
    await assertSucceeds(newUpdate(db).set({ action: 'approve_status', requestedBy: me, draft: 'update-AbCdEfGhIjKlMnOpQrSt' }));
    await assertFails(newUpdate(db).set({ action: 'approve_status', requestedBy: me, draft: '' }));
    await assertFails(newUpdate(db).set({ action: 'approve_status', requestedBy: me, draft: 'x'.repeat(201) }));
    await assertFails(newUpdate(db).set({ action: 'approve_status', requestedBy: me, draft: 7 }));
    await assertFails(newUpdate(db).set({ action: 'approve_status', requestedBy: me, message: 'a changed text' }));
    await assertFails(newUpdate(db).set({ action: 'note', requestedBy: me, message: 'x', draft: 'd1' }));
    await assertSucceeds(newUpdate(db).set({ action: 'resolve', requestedBy: me, message: 'rolled back', publicMessage: 'Orders work again.' }));
    await assertFails(newUpdate(db).set({ action: 'resolve', requestedBy: me, publicMessage: '' }));
    await assertFails(newUpdate(db).set({ action: 'resolve', requestedBy: me, publicMessage: 'x'.repeat(5001) }));
    await assertFails(newUpdate(db).set({ action: 'resolve', requestedBy: me, publicMessage: 5 }));
    await assertFails(newUpdate(db).set({ action: 'mitigate', requestedBy: me, publicMessage: 'Orders work again.' }));
  });

  it('the pipeline\'s own update ids cannot be taken: clients use auto-generated ids only', async () => {
    await seed();
    const db = firestoreAs('admin');
    const ack = { action: 'close', requestedBy: uidOf('admin') };
    await assertFails(db.doc('incidents/inc1/updates/postmortem-published').set(ack));
    await assertFails(db.doc('incidents/inc1/updates/my-own-id').set(ack));
    await assertFails(db.doc('incidents/inc1/updates/abcdefghijklmnopqrs').set(ack)); // 19 characters
    await assertSucceeds(db.doc('incidents/inc1/updates/abcdefghijklmnopqrst').set(ack)); // 20: the auto-id shape
    await assertSucceeds(db.collection('incidents/inc1/updates').doc().set(ack));
  });

  it('a viewer\'s update is refused', async () => {
    await seed();
    await assertFails(newUpdate(firestoreAs('viewer')).set({ action: 'acknowledge', requestedBy: uidOf('viewer') }));
  });

  const edit = (fields: Record<string, unknown>, by = me) => ({ ...fields, updatedBy: by, updatedAt: serverTime() });
  const item = (over: Record<string, unknown> = {}) => ({ title: 'Cap retries', owner: 'uid-responder', dueAt: firebase.firestore.Timestamp.fromDate(new Date('2030-01-01T00:00:00Z')), done: false, ...over });

  it('a responder edits postmortem text but not its frozen timeline, metrics or owner, and follows the status order', async () => {
    await seed();
    const db = firestoreAs('responder');
    await assertSucceeds(db.doc('postmortems/inc1').update(edit({ rootCause: 'A retry storm', actionItems: [{ title: 'Cap retries', owner: 'uid-responder', dueAt: null, done: false }] })));
    await assertFails(db.doc('postmortems/inc1').update(edit({ timeline: [] })));
    await assertFails(db.doc('postmortems/inc1').update(edit({ metrics: { timeToResolve: 1 } })));
    await assertFails(db.doc('postmortems/inc1').update(edit({ owner: 'uid-me' })));
    await assertFails(db.doc('postmortems/inc1').update(edit({ status: 'published' })));
    await assertSucceeds(db.doc('postmortems/inc1').update(edit({ status: 'in_review' })));
    await assertSucceeds(db.doc('postmortems/inc1').update(edit({ status: 'published' })));
    await assertFails(db.doc('postmortems/inc1').update(edit({ summary: 'after publishing' })));
  });

  it('every postmortem edit names its writer and the server time', async () => {
    await seed();
    const db = firestoreAs('responder');
    await assertFails(db.doc('postmortems/inc1').update({ summary: 'no writer' , updatedAt: serverTime() }));
    await assertFails(db.doc('postmortems/inc1').update({ summary: 'someone else', updatedBy: 'uid-someone-else', updatedAt: serverTime() }));
    await assertFails(db.doc('postmortems/inc1').update({ summary: 'no time', updatedBy: me }));
    await assertFails(db.doc('postmortems/inc1').update({ summary: 'a time of my own', updatedBy: me, updatedAt: new Date('2020-01-01T00:00:00Z') }));
    await assertSucceeds(db.doc('postmortems/inc1').update(edit({ summary: 'named' })));
    // A second edit by the same person still sets updatedAt (updatedBy unchanged is fine).
    await assertSucceeds(db.doc('postmortems/inc1').update({ impact: 'again', updatedAt: serverTime() }));
  });

  it('postmortem text sections are text of at most 20,000 characters', async () => {
    await seed();
    const db = firestoreAs('responder');
    await assertFails(db.doc('postmortems/inc1').update(edit({ summary: 42 })));
    await assertFails(db.doc('postmortems/inc1').update(edit({ gotLucky: ['a list'] })));
    await assertFails(db.doc('postmortems/inc1').update(edit({ impact: 'x'.repeat(20_001) })));
    await assertSucceeds(db.doc('postmortems/inc1').update(edit({ impact: 'x'.repeat(20_000) })));
  });

  it('action items are {title ≤ 500, owner, dueAt timestamp|null, done bool}, at most 10', async () => {
    await seed();
    const db = firestoreAs('responder');
    const items = (...list: unknown[]) => db.doc('postmortems/inc1').update(edit({ actionItems: list }));
    await assertFails(items(item({ dueAt: '2030-01-01' })));
    await assertFails(items(item({ dueAt: 1893456000 })));
    await assertFails(items(item({ done: 'no' })));
    await assertFails(items(item({ title: 7 })));
    await assertFails(items(item({ title: 'x'.repeat(501) })));
    await assertFails(items(item({ owner: 12 })));
    await assertFails(items({ title: 'no done', owner: null, dueAt: null }));
    await assertFails(items({ title: 'no owner or dueAt', done: false }));
    await assertFails(items('just a string'));
    // A bad item anywhere in the list is caught, not only the first.
    await assertFails(items(...Array.from({ length: 9 }, () => item()), item({ dueAt: 'soon' })));
    await assertFails(db.doc('postmortems/inc1').update(edit({ actionItems: 'not a list' })));
    await assertFails(items(...Array.from({ length: 11 }, () => item())));
    await assertSucceeds(items(item({ title: 'x'.repeat(500), owner: null, dueAt: null, done: true })));
    await assertSucceeds(items(...Array.from({ length: 10 }, (_, n) => item({ title: `item ${n}` }))));
  });

  it('the worst case fits in the rules\' 1,000 expressions: 10 items and every section in one edit', async () => {
    await seed();
    const sections = ['summary', 'impact', 'detection', 'response', 'rootCause', 'contributingFactors', 'wentWell', 'wentPoorly', 'gotLucky'];
    const texts = Object.fromEntries(sections.map((k) => [k, `${k}: ${'y'.repeat(19_000)}`]));
    const tenItems = Array.from({ length: 10 }, () => item({ title: 'z'.repeat(500) }));
    await assertSucceeds(firestoreAs('responder').doc('postmortems/inc1').update(edit({ ...texts, status: 'in_review', actionItems: tenItems })));
  });

  it('a visitor who is not signed in reads the status page and nothing else', async () => {
    await seed();
    const visitor = firestoreAs('signed-out');
    const summary = await assertSucceeds(visitor.doc('statusPage/summary').get());
    expect(summary.get('status')).toBe('degraded');
    expect((await assertSucceeds(visitor.collection('statusPage/summary/incidents').get())).size).toBe(1);
    await assertFails(visitor.doc('incidents/inc1').get());
    await assertFails(visitor.collection('incidents').get());
    await assertFails(visitor.doc('statusSubscribers/s1').get());
    await assertFails(visitor.doc('mail/m1').get());
    await assertFails(visitor.doc('statusPage/summary').set({ status: 'operational' }));
  });

  it("a person writes only their own profile, every field typed: E.164 phone, Slack id, at most 10 notify steps of known channels", async () => {
    await seed();
    const db = firestoreAs('viewer');
    const mine = db.doc(`users/${uidOf('viewer')}`);
    const ok = { name: 'Vic', email: 'vic@example.com', phone: '+15551234567', slackUserId: 'U0VIC', notify: [{ channel: 'slack', after: '0m' }, { channel: 'voice', after: '5m' }], updatedAt: serverTime() };
    await assertSucceeds(mine.set(ok));
    await assertFails(db.doc('users/uid-responder').set(ok));
    await assertFails(mine.set({ ...ok, phone: '0612345678' }));
    await assertFails(mine.set({ ...ok, email: 'not an email' }));
    await assertFails(mine.set({ ...ok, slackUserId: 'alice' }));
    await assertFails(mine.set({ ...ok, role: 'admin' }));
    await assertFails(mine.set({ ...ok, notify: [{ channel: 'pager', after: '0m' }] }));
    await assertFails(mine.set({ ...ok, notify: [{ channel: 'sms', after: 'soon' }] }));
    await assertFails(mine.set({ ...ok, notify: [{ channel: 'sms', delay: '5m' }] }));
    await assertFails(mine.set({ ...ok, notify: Array.from({ length: 11 }, () => ({ channel: 'email', after: '0m' })) }));
    await assertFails(mine.set({ ...ok, notify: [...Array.from({ length: 9 }, () => ({ channel: 'email', after: '0m' })), { channel: 'email', after: 5 }] }));
    await assertSucceeds(mine.set({ ...ok, notify: Array.from({ length: 10 }, () => ({ channel: 'email', after: '0m' })) }));
    await assertFails(mine.set({ ...ok, updatedAt: new Date('2020-01-01T00:00:00Z') }));
    await assertFails(firestoreAs('no-role').doc(`users/${uidOf('no-role')}`).set({ name: 'Nobody' }));
  });

  it('an override is in the writer\'s name, at the server time, ends after it starts and lasts at most 31 days; nobody edits one', async () => {
    await seed();
    const db = firestoreAs('responder');
    const hours = (h: number) => firebase.firestore.Timestamp.fromDate(new Date(new Date('2030-01-01T09:00:00Z').getTime() + h * 3_600_000));
    await assertSucceeds(db.collection('oncallOverrides').doc().set(overrideData(me)));
    await assertFails(db.collection('oncallOverrides').doc().set(overrideData('uid-someone-else')));
    await assertFails(db.collection('oncallOverrides').doc().set(overrideData(me, { createdAt: new Date('2020-01-01T00:00:00Z') })));
    await assertFails(db.collection('oncallOverrides').doc().set(overrideData(me, { end: hours(0) })));
    await assertFails(db.collection('oncallOverrides').doc().set(overrideData(me, { end: hours(31 * 24 + 1) })));
    await assertSucceeds(db.collection('oncallOverrides').doc().set(overrideData(me, { end: hours(31 * 24) })));
    await assertFails(db.collection('oncallOverrides').doc().set(overrideData(me, { schedule: 'bad/id' })));
    await assertFails(db.collection('oncallOverrides').doc().set(overrideData(me, { uid: 'a/b' })));
    await assertFails(db.collection('oncallOverrides').doc().set(overrideData(me, { reason: 'x'.repeat(501) })));
    await assertFails(db.collection('oncallOverrides').doc().set(overrideData(me, { priority: 1 })));
    await assertFails(db.doc('oncallOverrides/o1').update({ end: hours(2) }));
    await assertFails(firestoreAs('viewer').collection('oncallOverrides').doc().set(overrideData(uidOf('viewer'))));
  });

  it('a silence is a responder\'s own, says what it holds and why, lasts at most 30 days, and is only ever ended early', async () => {
    await seed();
    const db = firestoreAs('responder');
    const fresh = () => db.collection('silences').doc();
    const hour = 3600e3;
    await assertSucceeds(fresh().set(newSilence(me)));
    await assertSucceeds(fresh().set(newSilence(me, { matchers: { alertname: { regex: '^(?:Disk.*)$' }, labels: { instance: 'db-1' } } })));
    await assertFails(fresh().set(newSilence('uid-someone-else')));
    await assertFails(fresh().set(newSilence(me, { matchers: {} })));
    await assertFails(fresh().set(newSilence(me, { matchers: { pod: 'x' } }))); // a label goes under labels
    await assertFails(fresh().set(newSilence(me, { matchers: { service: { startsWith: 'check' } } })));
    await assertFails(fresh().set(newSilence(me, { comment: '   ' })));
    await assertFails(fresh().set(newSilence(me, { comment: 'x'.repeat(1001) })));
    await assertFails(fresh().set(newSilence(me, { endsAt: firebase.firestore.Timestamp.fromMillis(Date.now() - hour) })));
    await assertFails(fresh().set(newSilence(me, { endsAt: firebase.firestore.Timestamp.fromMillis(Date.now() + 31 * 24 * hour) })));
    await assertFails(fresh().set(newSilence(me, { endsAt: '2100-01-01' })));
    await assertFails(fresh().set(newSilence(me, { expiredAt: serverTime() })));
    await assertFails(db.doc('silences/my-own-id').set(newSilence(me)));
    await assertFails(firestoreAs('viewer').collection('silences').doc().set(newSilence(uidOf('viewer'))));
    // Ending one early: the server time and the writer, nothing else, once.
    await assertFails(db.doc('silences/s1').update({ endsAt: serverTime() }));
    await assertFails(db.doc('silences/s1').update({ expiredAt: serverTime(), expiredBy: 'uid-someone-else' }));
    await assertFails(db.doc('silences/s1').update({ expiredAt: ts('2026-11-30T11:00:00Z'), expiredBy: me }));
    await assertFails(db.doc('silences/s1').update({ expiredAt: serverTime(), expiredBy: me, comment: 'rewritten' }));
    await assertSucceeds(db.doc('silences/s1').update({ expiredAt: serverTime(), expiredBy: me }));
    await assertFails(db.doc('silences/s1').update({ expiredAt: serverTime(), expiredBy: me }));
    await assertFails(db.doc('silences/s1').delete());
  });

  it('nobody rewrites or deletes a timeline entry, not even an admin', async () => {
    await seed();
    await assertFails(firestoreAs('admin').doc('incidents/inc1/timeline/e1').update({ message: 'edited' }));
    await assertFails(firestoreAs('admin').doc('incidents/inc1/timeline/e1').delete());
  });
});
