// The postmortem of a resolved incident, through the in-memory store:
// drafted once from the frozen timeline, refreshed after a reopen.
import { describe, expect, it } from 'vitest';
import { applyStatusUpdate } from '../../../functions/src/app/applyUpdate';
import { syncPostmortem } from '../../../functions/src/app/postmortems';
import { incident } from '../../support/factories';
import { world } from '../../support/useCases';

describe('syncPostmortem', () => {
  it('drafts the postmortem of a resolved SEV2 from its timeline, once, and says so in Slack once', async () => {
    const w = world();
    w.store.putIncident(incident({ id: 'inc-1', severity: 'SEV2' }));
    w.store.putUpdate('inc-1', 'u1', { action: 'resolve', requestedBy: 'uid-alice', message: 'rolled back' });
    await applyStatusUpdate('inc-1', 'u1', w.deps);
    expect(await syncPostmortem('inc-1', 'Etc/UTC', w.deps)).toBe('created');
    const pm = w.store.postmortems.get('inc-1');
    expect(pm).toMatchObject({ status: 'draft', required: true, owner: 'uid-alice' });
    expect((pm?.timeline as { type: string }[]).map((e) => e.type)).toEqual(['status_changed']);
    expect(await syncPostmortem('inc-1', 'Etc/UTC', w.deps)).toBe('unchanged');
    expect(w.store.notificationsOf('inc-1').filter((n) => n.kind === 'message')).toHaveLength(1);
  });

  it('does nothing for an open or missing incident', async () => {
    const w = world();
    w.store.putIncident(incident({ id: 'inc-1' }));
    expect(await syncPostmortem('inc-1', 'Etc/UTC', w.deps)).toBe('none');
    expect(await syncPostmortem('gone', 'Etc/UTC', w.deps)).toBe('none');
    expect(w.store.postmortems.size).toBe(0);
  });
});
