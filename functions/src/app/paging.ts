// Use cases: paging (contract §10). Three steps, each idempotent:
//  1. startPaging (onIncidentWritten): an incident that now needs paging (it
//     opened, reopened, or rose to a paged severity while unacknowledged) gets
//     the first escalation task of its cycle: `esc-<id>-0-0`, due at once.
//  2. runEscalation (escalateIncident task): one level of the policy. It
//     resolves whom the level pages (who is on call then, overrides included),
//     records `paged` (and `escalated`) through decide(), enqueues a
//     notification task per person and the next level's task at its time.
//     Once the incident is acknowledged, mitigated or resolved it does nothing.
//  3. runNotification (pageResponder task): one person's notification rules,
//     users/{uid}.notify. Due steps go out now; each attempt is a pages/{id}
//     document; a step whose channels all failed brings the next one forward
//     at once; a transient failure (Twilio 429/5xx, Slack busy) is tried again
//     a little later; the next due step is its own task. It too stops at the
//     acknowledgement.
// Timers are Cloud Tasks with deterministic ids (a duplicate enqueue is a
// no-op): nothing polls, and no function waits for a timer.
import { escalationStep, escalationTaskId, type EscalationInput, firstEscalationTask, pagingDecision, positionOf } from '../domain/escalation';
import { decide, isRejected } from '../domain/incident';
import { incidentPolicy } from '../domain/lifecycle';
import { type NotificationStep, nextNotifications, notificationSteps, pageId, profileForPaging, type UserProfile } from '../domain/notificationRules';
import { type OncallConfig, type OncallOverride, onCallLookup, parseOncallOverride } from '../domain/oncall';
import { pageEmail, pageSlackDm, pageSms, pageVoiceTwiml } from '../domain/pageMessages';
import { ackLink, PAGE_TOKEN_TTL_SECONDS, signPageToken } from '../domain/pageToken';
import { drillPageTargets, type PageAttemptOutcome, type PagingCommand } from '../domain/paging';
import type { Policy } from '../domain/policy';
import type { Incident } from '../domain/types';
import { log } from '../adapters/logs';
import { SlackCallFailed } from '../adapters/slack';
import { type PhonePort, TwilioError } from '../adapters/twilio';
import type { DirectMessages, EscalationState, PageRecord, PagingStore } from './pagingPorts';
import type { Deps } from './ports';

export const ESCALATION_QUEUE = 'escalateIncident';
export const NOTIFICATION_QUEUE = 'pageResponder';

/** A transient failure (Twilio 429/5xx, a timeout, Slack busy) is tried this many times in all before the step counts as failed. */
export const MAX_TRANSIENT_TRIES = 3;

export interface PagingDeps extends Deps {
  paging: PagingStore;
  oncall: OncallConfig;
  policy: Policy;
}

export interface NotifyDeps extends PagingDeps {
  /** Twilio, or null with the reason (TWILIO_ACCOUNT_SID or TWILIO_FROM is `none`). */
  phone: PhonePort | null;
  phoneOff: string;
  /** Slack DMs, or null with the reason (no SLACK_BOT_TOKEN). */
  dm: DirectMessages | null;
  dmOff: string;
  /** CONSOLE_URL (the console, and /pageAck, /pageVoice behind Hosting rewrites), PAGE_LINK_SECRET (null: not set). */
  links: { consoleUrl: string; secret: string | null };
  /** A fresh single-use key for each link (random). */
  nonce(): string;
}

const ALREADY_EXISTS = 6;
const isAlreadyExists = (e: unknown) => (e as { code?: unknown }).code === ALREADY_EXISTS;

// ---------------------------------------------------------------------------
// 1. Starting

export type StartOutcome = 'enqueued' | 'not_paged' | 'nothing';

/** Whether this write began a cycle that must page, and when that cycle began. */
function cycleStart(before: Incident | null, after: Incident, config: OncallConfig): Date | null {
  if (after.status !== 'triggered') return null;
  if (!before) return after.createdAt;
  if (before.reopenCount !== after.reopenCount) return after.statusChangedAt;
  // Raised to a paged severity (by the rules, or by hand) while nobody has acknowledged it.
  if (!pagingDecision(config, before).page && pagingDecision(config, after).page) return after.updatedAt;
  return null;
}

/** An incident was written: start its escalation when it needs one. */
export async function startPaging(before: Incident | null, after: Incident | null, deps: PagingDeps): Promise<StartOutcome> {
  if (!after) return 'nothing';
  const openedAt = cycleStart(before, after, deps.oncall);
  if (!openedAt) return 'nothing';
  const cycle = after.reopenCount;
  const participants = after.drill && after.drillId ? await deps.paging.drillParticipants(after.drillId) : null;
  const decision = pagingDecision(deps.oncall, after, participants);
  if (!decision.page) {
    // Paging is configured but this incident does not page: say why (the console shows it).
    const newCycle = !before || before.reopenCount !== after.reopenCount;
    if (deps.oncall.page && newCycle) {
      await deps.paging.saveEscalation(after.id, { cycle, status: 'not_paged', reason: decision.reason, policyId: null, level: null, round: null, nextAt: null, updatedAt: deps.clock.now() });
    }
    return 'not_paged';
  }
  if (decision.warning) log.warn(decision.warning, { event: 'paging_policy_warning', incidentId: after.id });
  const input: EscalationInput = { incidentId: after.id, policyId: decision.policyId, policy: decision.policy, openedAt, cycle };
  const task = firstEscalationTask(input);
  await deps.tasks.enqueue(ESCALATION_QUEUE, escalationPayload(input, task), { id: task.taskId, at: task.at });
  log.info('paging started', { event: 'paging_started', incidentId: after.id, cycle, policyId: decision.policyId, chosenBy: decision.chosenBy });
  return 'enqueued';
}

function escalationPayload(input: EscalationInput, p: { level: number; round: number }): Record<string, unknown> {
  return { incidentId: input.incidentId, cycle: input.cycle, policyId: input.policyId, openedAt: input.openedAt.getTime(), level: p.level, round: p.round };
}

// ---------------------------------------------------------------------------
// 2. One escalation level

export interface EscalationTaskData {
  incidentId: string;
  cycle: number;
  policyId: string;
  openedAt: number;
  level?: number;
  round?: number;
  /** The task after the last level: nobody acknowledged. */
  end?: boolean;
}

export type EscalationOutcome = { kind: 'paged'; uids: string[]; next: string | null } | { kind: 'stopped'; reason: string } | { kind: 'exhausted' } | { kind: 'invalid'; reason: string };

/** The task that records the end of an escalation nobody acknowledged. */
export const escalationEndTaskId = (incidentId: string, cycle: number) => `${escalationTaskId(incidentId, { level: 0, round: 0 }, cycle).replace(/-0-0(-c\d+)?$/, '')}-end${cycle > 0 ? `-c${cycle}` : ''}`;

/** The overrides in effect from `since`, valid ones only (a bad document is logged and ignored). */
export async function activeOverrides(paging: PagingStore, config: OncallConfig, since: Date): Promise<OncallOverride[]> {
  const ids = Object.keys(config.schedules);
  const out: OncallOverride[] = [];
  for (const { id, data } of await paging.overrides(since)) {
    const r = parseOncallOverride(id, data, ids);
    if (r.ok) out.push(r.override);
    else log.warn('on-call override ignored', { event: 'oncall_override_invalid', overrideId: id, reason: r.reason });
  }
  return out;
}

async function stop(deps: PagingDeps, incidentId: string, cycle: number, policyId: string | null, reason: string, position: { level: number; round: number } | null): Promise<EscalationOutcome> {
  await deps.paging.saveEscalation(incidentId, { cycle, status: 'stopped', reason, policyId, level: position?.level ?? null, round: position?.round ?? null, nextAt: null, updatedAt: deps.clock.now() });
  log.info('escalation stopped', { event: 'escalation_stopped', incidentId, cycle, reason });
  return { kind: 'stopped', reason };
}

/** Commits a paging command; a duplicate task finds its entries written already (ALREADY_EXISTS) and carries on. */
async function commitPaging(deps: PagingDeps, incidentId: string, command: PagingCommand, cause: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    return await deps.store.run(async (tx) => {
      const incident = await tx.incident(incidentId);
      const result = decide(incident, command, { now: deps.clock.now(), policy: incidentPolicy(deps.policy), cause });
      if (isRejected(result)) return { ok: false as const, reason: result.rejected };
      tx.commit(result);
      return { ok: true as const };
    });
  } catch (e) {
    if (isAlreadyExists(e)) return { ok: true };
    throw e;
  }
}

export async function runEscalation(data: EscalationTaskData, deps: PagingDeps): Promise<EscalationOutcome> {
  const position = positionOf(data);
  if (typeof data?.incidentId !== 'string' || typeof data.policyId !== 'string' || typeof data.openedAt !== 'number' || typeof data.cycle !== 'number' || (!position && !data.end)) {
    log.warn('escalation task ignored: bad payload', { event: 'escalation_invalid', data: JSON.stringify(data).slice(0, 500) });
    return { kind: 'invalid', reason: 'bad payload' };
  }
  const { incidentId, cycle, policyId } = data;
  const loaded = await deps.store.incident(incidentId);
  if (!loaded) return { kind: 'invalid', reason: `incident ${incidentId} does not exist` };
  const incident = loaded.incident;
  const policy = deps.oncall.escalationPolicies[policyId];
  if (!policy) return stop(deps, incidentId, cycle, policyId, `escalation policy "${policyId}" is no longer in config/oncall.yaml`, position);
  const input: EscalationInput = { incidentId, policyId, policy, openedAt: new Date(data.openedAt), cycle };
  const now = deps.clock.now();

  if (data.end) {
    const r = await commitPaging(deps, incidentId, { action: 'escalation_exhausted', cycle, policyId, rounds: policy.repeat + 1 }, `esc-c${cycle}-end`);
    if (!r.ok) return stop(deps, incidentId, cycle, policyId, r.reason, null);
    await deps.paging.saveEscalation(incidentId, { cycle, status: 'exhausted', reason: 'nobody acknowledged', policyId, level: policy.levels.length - 1, round: policy.repeat, nextAt: null, updatedAt: now });
    log.warn('escalation exhausted: nobody acknowledged', { event: 'escalation_exhausted', incidentId, cycle, policyId });
    return { kind: 'exhausted' };
  }
  const pos = position as { level: number; round: number };
  // Lowered below the paged severities (or paging switched off) since: stop.
  const participants = incident.drill && incident.drillId ? await deps.paging.drillParticipants(incident.drillId) : null;
  const still = pagingDecision(deps.oncall, incident, participants);
  if (!still.page && incident.status === 'triggered' && incident.reopenCount === cycle) return stop(deps, incidentId, cycle, policyId, still.reason, pos);

  const stepAt = new Date(Math.min(now.getTime(), input.openedAt.getTime()));
  const lookup = onCallLookup(deps.oncall, await activeOverrides(deps.paging, deps.oncall, stepAt));
  const d = escalationStep(input, pos, { status: incident.status, reopenCount: incident.reopenCount }, lookup);
  if (d.kind === 'stop') return stop(deps, incidentId, cycle, policyId, d.message, pos);
  if (d.kind === 'done') return stop(deps, incidentId, cycle, policyId, d.message, pos);

  const { uids, note } = incident.drill ? drillPageTargets(d.step.uids, pos, participants) : { uids: d.step.uids, note: null };
  const names = Object.fromEntries(await deps.paging.names(uids));
  const before = pos.level > 0 ? policy.levels[pos.level - 1] : pos.round > 0 ? policy.levels[policy.levels.length - 1] : undefined;
  const command: PagingCommand = {
    action: 'page_level',
    cycle,
    level: pos.level,
    round: pos.round,
    levels: policy.levels.length,
    rounds: policy.repeat + 1,
    policyId,
    waitedSeconds: before?.afterSeconds ?? null,
    uids,
    targets: d.step.targets.map((t) => ({ target: t.target, uid: t.uid })),
    note,
    names,
  };
  const committed = await commitPaging(deps, incidentId, command, `esc-c${cycle}-l${pos.level}-r${pos.round}`);
  if (!committed.ok) return stop(deps, incidentId, cycle, policyId, committed.reason, pos);

  for (const uid of uids) {
    const payload: NotificationTaskData = { incidentId, cycle, level: pos.level, round: pos.round, uid, pagedAt: now.getTime() };
    await deps.tasks.enqueue(NOTIFICATION_QUEUE, payload as unknown as Record<string, unknown>, { id: notificationTaskId(payload, 'first') });
  }
  let nextAt: Date;
  if (d.next) {
    await deps.tasks.enqueue(ESCALATION_QUEUE, escalationPayload(input, d.next), { id: d.next.taskId, at: d.next.at });
    nextAt = d.next.at;
  } else {
    nextAt = d.exhaustedAt ?? now;
    await deps.tasks.enqueue(ESCALATION_QUEUE, { ...escalationPayload(input, pos), end: true }, { id: escalationEndTaskId(incidentId, cycle), at: nextAt });
  }
  await deps.paging.saveEscalation(incidentId, { cycle, status: 'paging', reason: null, policyId, level: pos.level, round: pos.round, nextAt, updatedAt: now });
  log.info('escalation level paged', { event: 'escalation_paged', incidentId, cycle, level: pos.level, round: pos.round, uids, unresolved: d.unresolved });
  return { kind: 'paged', uids, next: d.next?.taskId ?? null };
}

// ---------------------------------------------------------------------------
// 3. One person's notification rules

export interface NotificationTaskData {
  incidentId: string;
  cycle: number;
  level: number;
  round: number;
  uid: string;
  /** When the level paged (the person's `after`s count from here). */
  pagedAt: number;
  /** A step to try again after a transient failure: its index and the tries so far. */
  retry?: { step: number; tries: number };
}

/** `page-<incident>-c0-l1-r0-<uid>-<run>`: one task per person, level and run (first, a due time, a retry). */
export function notificationTaskId(d: Pick<NotificationTaskData, 'incidentId' | 'cycle' | 'level' | 'round' | 'uid'>, run: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');
  return `page-${safe(d.incidentId)}-c${d.cycle}-l${d.level}-r${d.round}-${safe(d.uid).slice(0, 128)}-${run}`.slice(0, 480);
}

type StepResult =
  | { status: 'sent'; to: string | null; ref: string | null }
  | { status: 'failed'; error: string; to: string | null }
  | { status: 'transient'; error: string; retryAfterSeconds: number | null };

export type NotificationOutcome = { kind: 'stopped'; reason: string } | { kind: 'ran'; sent: number; failed: number; retrying: number; nextAt: Date | null } | { kind: 'invalid'; reason: string };

function parseNotification(data: unknown): NotificationTaskData | null {
  const d = data as Partial<NotificationTaskData> | null;
  if (!d || typeof d.incidentId !== 'string' || typeof d.uid !== 'string' || typeof d.pagedAt !== 'number') return null;
  if (![d.cycle, d.level, d.round].every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)) return null;
  const retry = d.retry && typeof d.retry.step === 'number' && typeof d.retry.tries === 'number' ? { step: d.retry.step, tries: d.retry.tries } : undefined;
  return { incidentId: d.incidentId, cycle: d.cycle as number, level: d.level as number, round: d.round as number, uid: d.uid, pagedAt: d.pagedAt, ...(retry ? { retry } : {}) };
}

interface StepContext {
  deps: NotifyDeps;
  incident: Incident;
  user: UserProfile;
  task: NotificationTaskData;
  now: Date;
}

/** A signed one-time link for this page, or null without PAGE_LINK_SECRET. */
function token(ctx: StepContext, pid: string): string | null {
  const secret = ctx.deps.links.secret;
  if (!secret) return null;
  return signPageToken({ incidentId: ctx.incident.id, uid: ctx.user.uid, pageId: pid, nonce: ctx.deps.nonce(), expiresAt: new Date(ctx.now.getTime() + PAGE_TOKEN_TTL_SECONDS * 1000) }, secret);
}

const base = (url: string) => url.replace(/\/+$/, '');

/** Where the one-time link of a page points (the console's Hosting rewrite /pageAck), or the console itself without a secret. */
function ackUrlFor(ctx: StepContext, pid: string): string {
  const t = token(ctx, pid);
  return t ? ackLink(`${base(ctx.deps.links.consoleUrl)}/pageAck`, t) : `${base(ctx.deps.links.consoleUrl)}/#/incidents/${encodeURIComponent(ctx.incident.id)}`;
}

function twilioFailure(e: unknown): StepResult {
  if (e instanceof TwilioError) return e.transient ? { status: 'transient', error: e.message, retryAfterSeconds: e.retryAfterSeconds } : { status: 'failed', error: e.message, to: null };
  return { status: 'transient', error: (e as Error).message ?? String(e), retryAfterSeconds: null };
}

async function stillWaiting(deps: PagingDeps, ids: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const id of ids) if ((await deps.store.incident(id))?.incident.status === 'triggered') out.add(id);
  return out;
}

async function sendStep(ctx: StepContext, step: NotificationStep, pid: string): Promise<StepResult> {
  const { deps, incident, user } = ctx;
  const level = ctx.task.level;
  switch (step.channel) {
    case 'slack': {
      if (!deps.dm) return { status: 'failed', error: deps.dmOff, to: null };
      if (!user.slackUserId && !user.email) return { status: 'failed', error: 'no slackUserId or email in users/{uid}', to: null };
      try {
        const r = await deps.dm.send({ slackUserId: user.slackUserId, email: user.email }, pageSlackDm({ incident, level, ackUrl: '', consoleUrl: deps.links.consoleUrl }));
        return { status: 'sent', to: r.user, ref: r.ts };
      } catch (e) {
        if (e instanceof SlackCallFailed && e.outcome.kind === 'platform_error') return { status: 'failed', error: `Slack: ${e.outcome.error}`, to: user.slackUserId ?? user.email };
        if (e instanceof SlackCallFailed && e.outcome.kind === 'rate_limited') return { status: 'transient', error: e.message, retryAfterSeconds: e.outcome.retryAfterSeconds };
        return { status: 'transient', error: (e as Error).message, retryAfterSeconds: null };
      }
    }
    case 'email': {
      if (!user.email) return { status: 'failed', error: 'no email in users/{uid}', to: null };
      const id = `page-${incident.id}-${pid}`.replace(/\//g, '_').slice(0, 500);
      await deps.paging.queueMail(id, pageEmail({ incident, level, ackUrl: ackUrlFor(ctx, pid), consoleUrl: deps.links.consoleUrl, to: user.email }));
      return { status: 'sent', to: user.email, ref: id };
    }
    case 'sms': {
      if (!user.phone) return { status: 'failed', error: 'no phone in users/{uid}', to: null };
      if (!deps.phone) return { status: 'failed', error: deps.phoneOff, to: user.phone };
      const replyCode = await deps.paging.assignReplyCode(user.phone, { incidentId: incident.id, pageId: pid, at: ctx.now }, (ids) => stillWaiting(deps, ids));
      try {
        const r = await deps.phone.sendSms({ to: user.phone, body: pageSms({ incident, level, ackUrl: ackUrlFor(ctx, pid), consoleUrl: deps.links.consoleUrl, replyCode }) });
        return { status: 'sent', to: user.phone, ref: r.sid };
      } catch (e) {
        const f = twilioFailure(e);
        return f.status === 'failed' ? { ...f, to: user.phone } : f;
      }
    }
    case 'voice': {
      if (!user.phone) return { status: 'failed', error: 'no phone in users/{uid}', to: null };
      if (!deps.phone) return { status: 'failed', error: deps.phoneOff, to: user.phone };
      const t = token(ctx, pid);
      if (!t) return { status: 'failed', error: 'PAGE_LINK_SECRET is not set: a call cannot carry its acknowledgement', to: user.phone };
      try {
        const gatherUrl = `${base(deps.links.consoleUrl)}/pageVoice?t=${encodeURIComponent(t)}`;
        const r = await deps.phone.placeCall({ to: user.phone, twiml: pageVoiceTwiml({ incident, level, gatherUrl }), timeoutSeconds: 30 });
        return { status: 'sent', to: user.phone, ref: r.sid };
      } catch (e) {
        const f = twilioFailure(e);
        return f.status === 'failed' ? { ...f, to: user.phone } : f;
      }
    }
    case 'push':
      return { status: 'failed', error: 'web push is not available yet: add another channel to users/{uid}.notify', to: null };
  }
}

export async function runNotification(raw: unknown, deps: NotifyDeps): Promise<NotificationOutcome> {
  const task = parseNotification(raw);
  if (!task) {
    log.warn('page task ignored: bad payload', { event: 'page_invalid', data: JSON.stringify(raw).slice(0, 500) });
    return { kind: 'invalid', reason: 'bad payload' };
  }
  const loaded = await deps.store.incident(task.incidentId);
  if (!loaded) return { kind: 'invalid', reason: `incident ${task.incidentId} does not exist` };
  const incident = loaded.incident;
  if (incident.reopenCount !== task.cycle) return { kind: 'stopped', reason: `cycle ${task.cycle} is over (the incident reopened)` };
  if (incident.status !== 'triggered') return { kind: 'stopped', reason: `the incident is ${incident.status}` };

  const { user, issues } = profileForPaging(task.uid, await deps.paging.user(task.uid));
  if (issues.length) log.warn('users/{uid} has problems; paging with what works', { event: 'page_profile_issues', incidentId: incident.id, uid: task.uid, issues });
  const steps = notificationSteps(user, new Date(task.pagedAt));
  const records = await deps.paging.pagesOf(incident.id, task);
  const outcomes: (PageAttemptOutcome & { step: number })[] = [];
  const deferred = new Set<number>();
  let retrying = 0;
  const attempts = () => records.map((r) => ({ index: r.step, status: r.status === 'failed' ? ('failed' as const) : ('sent' as const), at: r.at }));

  // A failure brings the next step forward at once: go round until nothing more is due now.
  for (let round = 0; round <= steps.length; round++) {
    const now = deps.clock.now();
    const due = nextNotifications(steps, attempts(), now).send.filter((s) => !deferred.has(s.index));
    if (due.length === 0) break;
    for (const step of due) {
      const pid = pageId({ cycle: task.cycle, level: task.level, round: task.round, uid: task.uid, step: step.index, channel: step.channel });
      const result = await sendStep({ deps, incident, user, task, now }, step, pid);
      const tries = task.retry?.step === step.index ? task.retry.tries + 1 : 1;
      if (result.status === 'transient' && tries < MAX_TRANSIENT_TRIES) {
        deferred.add(step.index);
        retrying++;
        const wait = Math.min(60, result.retryAfterSeconds ?? 5 * 2 ** (tries - 1));
        const retry: NotificationTaskData = { ...task, retry: { step: step.index, tries } };
        await deps.tasks.enqueue(NOTIFICATION_QUEUE, retry as unknown as Record<string, unknown>, { id: notificationTaskId(task, `retry-s${step.index}-${tries}`), at: new Date(now.getTime() + wait * 1000) });
        log.warn('page attempt failed for now: trying again', { event: 'page_retry', incidentId: incident.id, uid: task.uid, channel: step.channel, tries, error: result.error });
        continue;
      }
      const record: PageRecord = {
        pageId: pid,
        uid: task.uid,
        cycle: task.cycle,
        level: task.level,
        round: task.round,
        step: step.index,
        channel: step.channel,
        status: result.status === 'sent' ? 'sent' : 'failed',
        at: deps.clock.now(),
        error: result.status === 'sent' ? null : result.status === 'transient' ? `${result.error} (gave up after ${tries} tries)` : result.error,
        to: result.status === 'transient' ? null : result.to,
        ref: result.status === 'sent' ? result.ref : null,
      };
      await deps.paging.putPage(incident.id, record);
      records.push(record);
      outcomes.push({ step: step.index, channel: step.channel, status: record.status === 'sent' ? 'sent' : 'failed', error: record.error });
      log.info('page attempt', { event: 'page_attempt', incidentId: incident.id, uid: task.uid, level: task.level, channel: step.channel, status: record.status, ...(record.error ? { error: record.error } : {}) });
    }
  }

  if (outcomes.length) {
    const tried = new Map(records.map((r) => [r.step, r.status]));
    const unreachable = steps.every((s) => tried.get(s.index) === 'failed');
    const name = user.name;
    const cause = `page-c${task.cycle}-l${task.level}-r${task.round}-${task.uid}-s${outcomes.map((o) => o.step).sort((a, b) => a - b).join('.')}`;
    await commitPaging(deps, incident.id, { action: 'page_outcome', cycle: task.cycle, level: task.level, round: task.round, uid: task.uid, name, attempts: outcomes.map(({ step: _step, ...o }) => o), unreachable }, cause);
  }
  const later = nextNotifications(steps, attempts(), deps.clock.now());
  const nextAt = later.nextAt;
  if (nextAt) await deps.tasks.enqueue(NOTIFICATION_QUEUE, { ...task, retry: undefined } as unknown as Record<string, unknown>, { id: notificationTaskId(task, `at${nextAt.getTime()}`), at: nextAt });
  return { kind: 'ran', sent: outcomes.filter((o) => o.status === 'sent').length, failed: outcomes.filter((o) => o.status === 'failed').length, retrying, nextAt };
}

export type { EscalationState };
