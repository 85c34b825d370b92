// On call in the console: the schedules of config/oncall.yaml (baked in at
// build time), the overrides and people read live from Firestore, and the
// domain's own shifts() to say who is on call now and next. The config is a
// parameter (lib/oncallConfig.ts holds the built-in one), so these run in unit tests.
import { type OncallConfig, type OncallOverride, parseOncallOverride, type Schedule, type Shift, shifts } from '../../../functions/src/domain/oncall';
import { toDate } from './format';

export { labelOf, personLabel, type UserRow } from './people';

export const TWO_WEEKS_MS = 14 * 86_400_000;

/** oncallOverrides/{id} as stored (Timestamps). */
export interface OverrideRow {
  id: string;
  schedule?: unknown;
  uid?: unknown;
  start?: unknown;
  end?: unknown;
  createdBy?: unknown;
  createdAt?: unknown;
  reason?: unknown;
}

/** The valid overrides among the documents (an invalid one is ignored, as the pipeline ignores it). */
export function overridesOf(rows: readonly OverrideRow[], config: OncallConfig): OncallOverride[] {
  const ids = Object.keys(config.schedules);
  return rows.flatMap((r) => {
    const data = { ...r, start: toDate(r.start) ?? r.start, end: toDate(r.end) ?? r.end, createdAt: toDate(r.createdAt) ?? undefined, reason: typeof r.reason === 'string' && r.reason ? r.reason : undefined };
    const { id: _id, ...rest } = data;
    const parsed = parseOncallOverride(r.id, rest, ids);
    return parsed.ok ? [parsed.override] : [];
  });
}

export interface ScheduleView {
  schedule: Schedule;
  now: Shift | null;
  /** From now, two weeks. */
  upcoming: Shift[];
}

export function scheduleViews(overrides: readonly OncallOverride[], at: Date, config: OncallConfig): ScheduleView[] {
  return Object.values(config.schedules).map((schedule) => {
    const list = shifts(schedule, overrides, at, new Date(at.getTime() + TWO_WEEKS_MS));
    const now = list[0] && list[0].start.getTime() <= at.getTime() ? list[0] : null;
    return { schedule, now, upcoming: list };
  });
}
