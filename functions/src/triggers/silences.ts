import { onDocumentWritten } from 'firebase-functions/v2/firestore';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';

/** A silence was created, expired early or deleted: its end (the release of what it held) and its reminder are scheduled. */
export const onSilenceWritten = onDocumentWritten({ document: 'silences/{silenceId}', retry: true }, async (event) => {
  const { silenceWritten } = await import('../app/silences.js');
  const { noiseDeps } = await import('../app/compose.js');
  const { withRetries } = await import('../app/retry.js');
  const { decode } = await import('../adapters/firestoreCodec.js');
  const after = event.data?.after.exists ? decode<Record<string, unknown>>(event.data.after.data()) : null;
  await withRetries(() => silenceWritten(event.params.silenceId, after, noiseDeps()));
});

/** A silence's or a window's end: the alerts it held are held on, or released into ingestion. */
export const releaseSilenced = onTaskDispatched<{ holdKey: string; until?: number; round?: number; dueAt?: number }>(
  { retryConfig: { maxAttempts: 20, minBackoffSeconds: 1, maxBackoffSeconds: 60 }, rateLimits: { maxConcurrentDispatches: 10 } },
  async (req) => {
    const { releaseHeld } = await import('../app/silences.js');
    const { noiseDeps } = await import('../app/compose.js');
    const { withRetries } = await import('../app/retry.js');
    const { assertDue } = await import('../adapters/tasks.js');
    assertDue(req.data.dueAt);
    await withRetries(() => releaseHeld(req.data.holdKey, noiseDeps(), req.data.round ?? 0));
  },
);

/** Before a silence ends: its owner is reminded (Slack DM, else the announcement channel). */
export const remindSilence = onTaskDispatched<{ silenceId: string; at: number; dueAt?: number }>(
  { retryConfig: { maxAttempts: 10, minBackoffSeconds: 1, maxBackoffSeconds: 60 } },
  async (req) => {
    const { remindSilence: remind } = await import('../app/silences.js');
    const { noiseDeps } = await import('../app/compose.js');
    const { consoleUrl } = await import('../params.js');
    const { assertDue } = await import('../adapters/tasks.js');
    assertDue(req.data.dueAt);
    await remind(req.data.silenceId, req.data.at, { ...noiseDeps(), consoleUrl: consoleUrl() });
  },
);
