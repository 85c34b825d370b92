// The console's status page publishing helpers (console/src/lib/publicUpdates.ts):
// the form's starting values, the publish_status arguments it writes, when the
// resolve offers the closing message, and who may approve a draft.
import { describe, expect, it } from 'vitest';
import { approvalBlocked, initialPhase, initialStatuses, offersClosingMessage, publishArgs } from '../../console/src/lib/publicUpdates';

const components = [
  { id: 'storefront', name: 'Website', services: ['front-end', 'web'] },
  { id: 'checkout', name: 'Checkout', services: ['checkout', 'Cart'] },
  { id: 'payments', name: 'Payments', services: ['payments'] },
];

describe('the publish form', () => {
  it('starts a first update with the components of the incident\'s service as degraded, later ones with what was published', () => {
    expect(initialStatuses(components, 'cart', null)).toEqual({ checkout: 'degraded' });
    expect(initialStatuses(components, 'internal-batch', undefined)).toEqual({});
    expect(initialStatuses(components, null, null)).toEqual({});
    expect(initialStatuses(components, 'cart', { published: 2, componentStatus: { payments: 'major_outage' } })).toEqual({ payments: 'major_outage' });
    // A draft that was never published keeps no statuses of its own on the incident: the service's defaults again.
    expect(initialStatuses(components, 'checkout', { published: 0, componentStatus: {}, draft: { id: 'd' } })).toEqual({ checkout: 'degraded' });
  });

  it('starts with the current phase, investigating after a public resolve', () => {
    expect(initialPhase(null)).toBe('investigating');
    expect(initialPhase({ phase: 'monitoring' })).toBe('monitoring');
    expect(initialPhase({ phase: 'resolved' })).toBe('investigating');
  });

  it('writes only the components given a status, the trimmed text, a title when there is one', () => {
    expect(publishArgs({ message: ' Orders fail. ', title: ' ', phase: 'identified', statuses: { checkout: 'partial_outage', payments: '' } })).toEqual({
      message: 'Orders fail.',
      phase: 'identified',
      componentStatus: { checkout: 'partial_outage' },
    });
    expect(publishArgs({ message: 'x', title: 'Slow', phase: 'investigating', statuses: {} })).toEqual({ message: 'x', title: 'Slow', phase: 'investigating' });
  });
});

describe('resolve and approval', () => {
  it('the resolve offers the closing public message only for an incident on the page and not publicly resolved', () => {
    expect(offersClosingMessage(null)).toBe(false);
    expect(offersClosingMessage({ published: 0, draft: { id: 'd' } })).toBe(false);
    expect(offersClosingMessage({ published: 1, phase: 'identified' })).toBe(true);
    expect(offersClosingMessage({ published: 3, phase: 'resolved' })).toBe(false);
  });

  it('a draft is approved by another responder than its author', () => {
    const draft = { id: 'update-1', by: 'uid-alice' };
    expect(approvalBlocked(draft, 'uid-bob', true)).toBeNull();
    expect(approvalBlocked(draft, 'uid-alice', true)).toBe('You wrote this draft: another responder approves it.');
    expect(approvalBlocked(draft, 'uid-bob', false)).toBe('Only responders approve drafts.');
    expect(approvalBlocked(null, 'uid-bob', true)).toBe('There is no draft.');
  });
});
