// The storm of the bench: 1,000 distinct alerts plus 200 repeats for one group,
// as Alertmanager webhook payloads (one alert per message), in a fixed order.
export const DISTINCT = 1000;
export const REPEATS = 200;

/** The n-th message of the storm (0..1199): every 6th message repeats an earlier alert. */
export function stormMessage(n, service) {
  const repeat = n % 6 === 5;
  const index = repeat ? Math.floor(n / 6) : n - Math.floor(n / 6);
  const alert = {
    status: 'firing',
    fingerprint: `storm-${index}`,
    labels: { alertname: 'PodCrashLooping', service, env: 'production', severity: 'warning', pod: `${service}-${index}` },
    annotations: { summary: `Pod ${service}-${index} is crash looping` },
    startsAt: new Date().toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.local/graph',
  };
  return { version: '4', status: 'firing', receiver: 'pipeline', groupKey: `{}:{alertname="PodCrashLooping"}`, alerts: [alert] };
}

export const STORM_MESSAGES = DISTINCT + REPEATS;

/**
 * Workers to warm before a storm at `rate`/s: one per message a second (enough
 * for ~1 s of handling each), 6 at least, MAX_WARM_WORKERS at most. The Functions emulator
 * starts a worker process per concurrent event and keeps it; a storm that has
 * to start workers as it goes measures their cold starts (seconds each on a
 * busy machine), and whatever an earlier phase happened to leave warm.
 */
export const MAX_WARM_WORKERS = 40;
export function warmWorkers(rate) {
  return Math.min(MAX_WARM_WORKERS, Math.max(6, Math.ceil(rate)));
}

/** Distinct alerts among the first `n` messages of stormMessage() (every 6th repeats one). */
export function distinctOf(n) {
  return n - Math.floor((n + 1) / 6);
}

/** Calls send(n) for n in 0..count-1 at `perSecond`; resolves when all have resolved. */
export async function atRate(count, perSecond, send) {
  const start = Date.now();
  const pending = [];
  for (let n = 0; n < count; n++) {
    const ahead = start + (n * 1000) / perSecond - Date.now();
    if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    pending.push(send(n));
  }
  return Promise.all(pending);
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
