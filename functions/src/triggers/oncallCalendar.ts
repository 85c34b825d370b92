import { onRequest } from 'firebase-functions/v2/https';
import { consoleUrl, PAGE_LINK_SECRET, readSecret, refuseMisconfigured } from '../params';

/** GET /oncallCalendar/{schedule}.ics?token=… (a Hosting rewrite): a schedule's shifts as an iCalendar feed. */
export const oncallCalendar = onRequest({ secrets: [PAGE_LINK_SECRET], invoker: 'public', memory: '256MiB', concurrency: 1, maxInstances: 5, timeoutSeconds: 30 }, async (req, res) => {
  if (refuseMisconfigured(res, [PAGE_LINK_SECRET])) return;
  const { serveOncallCalendar } = await import('../app/oncallCalendarHttp.js');
  await serveOncallCalendar(req, res, { secret: readSecret(PAGE_LINK_SECRET), consoleUrl: consoleUrl() });
});
