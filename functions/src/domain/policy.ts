// The incident policy, kept in config/policy.yaml (README: "Configuration").
import { z } from 'zod';
import { inhibitRulesSchema } from './inhibition';
import { nonEmptyMatchBlockSchema } from './match';
import { MAX_SILENCE_DAYS, SILENCE_REMINDER_MINUTES } from './silences';
import { DEFAULT_STORM } from './storm';
import { SEVERITIES } from './types';

const minutes = z.number().positive();

export const policySchema = z
  .object({
    /** An alert that fires within this many minutes after its incident resolved reopens it. */
    reopenWindowMinutes: minutes.default(30),
    /** Resolve an incident by itself when every one of its alerts has resolved. */
    autoResolve: z.boolean().default(true),
    /** A flapping incident: after this many reopens it no longer resolves by itself (it says so once), until someone resolves it. */
    flapReopens: z.number().int().min(1).default(3),
    postmortem: z
      .object({
        requiredFor: z.array(z.enum(SEVERITIES)).default(['SEV1', 'SEV2']),
        /** Created (as an optional draft) for these severities too. */
        draftFor: z.array(z.enum(SEVERITIES)).default(['SEV3', 'SEV4']),
        dueDays: z.number().positive().default(5),
        actionItemDueDays: z.number().positive().default(14),
      })
      .strict()
      .prefault({}),
    deploys: z
      .object({
        /** Deploys of the same service this long before an incident are linked to it. */
        windowMinutes: minutes.default(120),
        /** Match the environment too (a deploy without an environment matches any). */
        matchEnvironment: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    reminders: z
      .object({
        unacknowledged: z
          .object({
            severities: z.array(z.enum(SEVERITIES)).default(['SEV1', 'SEV2']),
            everyMinutes: minutes.default(5),
            /** Mentions added on each further reminder: the first, the second, the third and later. */
            escalation: z.array(z.string()).default(['', '<!here>', '<!channel>']),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** The storm breaker (domain/storm.ts): more than maxNewIncidents new incidents within windowMinutes open one storm incident. */
    storm: z
      .object({
        enabled: z.boolean().default(DEFAULT_STORM.enabled),
        maxNewIncidents: z.number().int().min(1).default(DEFAULT_STORM.maxNewIncidents),
        windowMinutes: minutes.default(DEFAULT_STORM.windowMinutes),
        /** The storm ends after this many minutes with no new group joining it. */
        quietMinutes: minutes.default(DEFAULT_STORM.quietMinutes),
        /** Only alerts that fit count and join (e.g. { environment: production }); absent: every alert. */
        match: nonEmptyMatchBlockSchema('storm.match').optional(),
      })
      .strict()
      .prefault({}),
    /** Inhibition rules (domain/inhibition.ts): `{ source, target, equal }`, in order. */
    inhibit: inhibitRulesSchema.default([]),
    silences: z
      .object({
        /** The longest silence, from the console or Slack. */
        maxDays: z.number().positive().default(MAX_SILENCE_DAYS),
        /** Remind the silence's creator this many minutes before it ends. */
        reminderMinutes: minutes.default(SILENCE_REMINDER_MINUTES),
      })
      .strict()
      .prefault({}),
    /** Public status page updates (domain/publicUpdates.ts). */
    statusPage: z
      .object({
        /** Public updates of these severities are drafts until a second responder approves them. */
        approvalFor: z.array(z.enum(SEVERITIES)).default([]),
        /** A published incident of these severities gets a reminder in its channel when no public update went out for this many minutes. */
        cadenceMinutes: z.partialRecord(z.enum(SEVERITIES), minutes).default({ SEV1: 30, SEV2: 30 }),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Policy = z.output<typeof policySchema>;

export const DEFAULT_POLICY: Policy = policySchema.parse({});
