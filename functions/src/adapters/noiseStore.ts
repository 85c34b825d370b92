// NoiseStore on Firestore: silences/{id} (written by responders, and by the
// Slack command through here), silencedAlerts/{id} read by hold, the windows
// deploys opened (openedWindows/{deployId}) and the heartbeats' states.
// Held records are written in ingest transactions (adapters/incidentStore.ts).
import type { HeartbeatDoc, NoiseStore } from '../app/ports';
import type { OpenedWindow } from '../domain/maintenance';
import type { SilencedAlert } from '../domain/silencedAlerts';
import { decode } from './firestoreCodec';
import { col } from './store';

const ALREADY_EXISTS = 6;

async function created(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (e) {
    if ((e as { code?: unknown }).code === ALREADY_EXISTS) return false;
    throw e;
  }
}

export const firestoreNoiseStore: NoiseStore = {
  async silence(id) {
    const snap = await col.silences().doc(id).get();
    return snap.exists ? decode<Record<string, unknown>>(snap.data()) : null;
  },

  createSilence(id, silence) {
    return created(col.silences().doc(id).create(silence));
  },

  async markSilence(id, problem) {
    const ref = col.silences().doc(id);
    const snap = await ref.get();
    if (!snap.exists || (snap.get('problem') ?? null) === problem) return;
    await ref.update({ problem });
  },

  async heldBy(holdKey, limit) {
    const snap = await col.silencedAlerts().where('holdKey', '==', holdKey).where('status', '==', 'held').limit(limit).get();
    return snap.docs.map((d) => ({ id: d.id, record: decode<SilencedAlert>(d.data()) }));
  },

  putOpenedWindow(w: OpenedWindow) {
    return created(col.openedWindows().doc(w.deployId).create(w));
  },

  async heartbeats() {
    const snap = await col.heartbeats().get();
    return new Map(snap.docs.map((d) => [d.id, decode<HeartbeatDoc>(d.data())]));
  },
};
