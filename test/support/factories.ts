// Builders for domain values in tests.
import type { Incident } from '../../functions/src/domain/types';

export const T0 = new Date('2026-11-30T10:00:00.000Z');
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-1',
    title: 'Checkout error rate above 5%',
    status: 'triggered',
    severity: 'SEV2',
    severitySource: 'rules',
    source: 'alertmanager',
    service: 'checkout',
    environment: 'production',
    groupKey: 'alertmanager|checkout|production|HighErrorRate',
    alertCount: 1,
    firingCount: 1,
    createdAt: T0,
    updatedAt: T0,
    statusChangedAt: T0,
    acknowledgedAt: null,
    mitigatedAt: null,
    resolvedAt: null,
    closedAt: null,
    commander: null,
    resolvedBy: null,
    drill: false,
    drillId: null,
    runbook: null,
    slack: null,
    deploys: [],
    links: [],
    routing: { channels: [], mentions: [], invite: [] },
    postmortemRequired: true,
    reopenCount: 0,
    storm: false,
    rolledUpFor: 0,
    flapping: false,
    ...overrides,
  };
}
