// Noise control in one call: what happens to an alert before it may open an
// incident. The pieces have their own homes (silences, maintenance,
// heartbeats, inhibition, storm); this is the order they apply in:
//
//   1. a heartbeat's watchdog (Alertmanager's Watchdog): a ping, never an
//      incident, firing or resolved;
//   2. a resolved alert passes (a resolve always reaches what it resolves);
//   3. a silence, then 4. a maintenance window: held aside (silencedAlerts),
//      counted, nobody told, until `until`; look at it again then, and if it
//      is still firing and nothing holds it any more, it opens its incident;
//   5. inhibition: attached to the inhibiting alert's incident;
//   6. otherwise it passes, and the storm breaker (stormStep) decides
//      whether its new group opens an incident, opens the storm or joins it.
//
// Call it for an alert that would open (or reopen) an incident; an alert that
// joins an incident that is already open keeps joining it. Watchdog alerts
// are the exception: screen every alert for them first.
import { type HeartbeatsConfig, watchdogFor } from './heartbeats';
import { type FiringAlert, type InhibitRule, inhibitorFor } from './inhibition';
import { activeWindow, type MaintenanceConfig, nextWindowEnd, type OpenedWindow } from './maintenance';
import { silenceEnd, silenceFor, type StoredSilence } from './silences';
import type { NormalizedAlert } from './types';

export interface NoiseContext {
  heartbeats: HeartbeatsConfig;
  /** The silences that may be active (e.g. endsAt after now). */
  silences: readonly StoredSilence[];
  maintenance: MaintenanceConfig;
  /** Windows that deploys opened (windowFromDeploy) and that may still be open. */
  openedWindows: readonly OpenedWindow[];
  inhibit: readonly InhibitRule[];
  /** Firing alerts that may inhibit (canInhibit), with their incidents, oldest first. */
  firing: readonly FiringAlert[];
}

export type Screening =
  /** A watchdog alert: `ping` (firing) records a ping of `heartbeat`; resolved, it is dropped. */
  | { kind: 'watchdog'; heartbeat: string; ping: boolean }
  | { kind: 'silenced'; silenceId: string; until: Date }
  | { kind: 'maintenance'; window: string; deployId: string | null; until: Date }
  | { kind: 'inhibited'; incidentId: string; inhibitor: string; rule: string }
  | { kind: 'pass' };

export function screenAlert(alert: NormalizedAlert, ctx: NoiseContext, now: Date): Screening {
  const heartbeat = watchdogFor(alert, ctx.heartbeats);
  if (heartbeat !== null) return { kind: 'watchdog', heartbeat, ping: alert.status === 'firing' };
  if (alert.status !== 'firing') return { kind: 'pass' };

  const silence = silenceFor(alert, ctx.silences, now);
  if (silence) return { kind: 'silenced', silenceId: silence.id, until: silenceEnd(silence) };

  const window = activeWindow(alert, ctx.maintenance, now, ctx.openedWindows);
  if (window) {
    const until = nextWindowEnd(alert, ctx.maintenance, now, ctx.openedWindows) ?? window.endsAt;
    return { kind: 'maintenance', window: window.name, deployId: window.deployId, until };
  }

  const inhibition = inhibitorFor(alert, ctx.firing, ctx.inhibit);
  if (inhibition) {
    return {
      kind: 'inhibited',
      incidentId: inhibition.inhibitor.incidentId,
      inhibitor: inhibition.inhibitor.alert.fingerprint,
      rule: inhibition.rule.name ?? `inhibit rule ${inhibition.ruleIndex + 1}`,
    };
  }
  return { kind: 'pass' };
}

/**
 * Takes the watchdog alerts out of a batch (screen every alert for them
 * first): a firing one is a ping of its heartbeat, a resolved one is dropped
 * (the watcher stopped: the deadline will raise the miss). Drills keep theirs.
 */
export function splitWatchdogs(alerts: readonly NormalizedAlert[], heartbeats: HeartbeatsConfig, drillId: string | null): { pings: string[]; dropped: number; rest: NormalizedAlert[] } {
  if (drillId !== null || heartbeats.heartbeats.every((h) => h.watchdog === null)) return { pings: [], dropped: 0, rest: [...alerts] };
  const pings = new Set<string>();
  const rest: NormalizedAlert[] = [];
  let dropped = 0;
  for (const a of alerts) {
    const name = watchdogFor(a, heartbeats);
    if (name === null) rest.push(a);
    else if (a.status === 'firing') pings.add(name);
    else dropped += 1;
  }
  return { pings: [...pings], dropped, rest };
}
