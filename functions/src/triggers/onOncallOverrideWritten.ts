import { onDocumentWritten } from 'firebase-functions/v2/firestore';

/** An override moves hand-overs: enqueue the next one of its schedule (app/handoff.ts). */
export const onOncallOverrideWritten = onDocumentWritten({ document: 'oncallOverrides/{overrideId}', retry: true }, async (event) => {
  const { ensureHandoffs } = await import('../app/handoff.js');
  const { pagingDeps } = await import('../app/compose.js');
  const { withRetries } = await import('../app/retry.js');
  const schedules = [event.data?.before.get('schedule'), event.data?.after.get('schedule')].filter((s): s is string => typeof s === 'string');
  if (schedules.length) await withRetries(() => ensureHandoffs(pagingDeps(), { only: [...new Set(schedules)] }));
});
