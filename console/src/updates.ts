// Status updates: the console writes incidents/{id}/updates/{updateId} as the
// signed-in user, listens to that document, and shows the pipeline's answer.
import { useState } from 'preact/hooks';
import { collection, doc, onSnapshot, serverTimestamp, setDoc } from 'firebase/firestore';
import type { UserAction } from '../../functions/src/domain/incident';
import { type Session, useCleanup } from './hooks';
import { explainError } from './lib/format';

export type UpdateState =
  | { state: 'sending' }
  | { state: 'waiting'; slow: boolean }
  | { state: 'ok' }
  | { state: 'rejected'; reason: string }
  | { state: 'error'; reason: string };

export interface UpdateArgs {
  severity?: string;
  commander?: string;
  message?: string;
  step?: string;
  done?: boolean;
  /** publish_status */
  componentStatus?: string | Record<string, string>;
  title?: string;
  phase?: string;
  /** resolve: the closing public message */
  publicMessage?: string;
  /** approve_status: the draft seen */
  draft?: string;
}

/** How long before "waiting" says the pipeline may not be running. */
const SLOW_MS = 15_000;

export function useUpdates(session: Session, incidentId: string) {
  const [states, setStates] = useState<Record<string, UpdateState>>({});
  const onCleanup = useCleanup();
  const set = (key: string, s: UpdateState) => setStates((prev) => ({ ...prev, [key]: s }));

  /** Sends `action`; `key` names the control whose result to show (default: the action). */
  async function send(action: UserAction, args: UpdateArgs = {}, key: string = action): Promise<boolean> {
    set(key, { state: 'sending' });
    const ref = doc(collection(session.db, 'incidents', incidentId, 'updates'));
    const body: Record<string, unknown> = { action, requestedBy: session.user.uid, requestedAt: serverTimestamp(), via: 'console' };
    for (const [k, v] of Object.entries(args)) if (v !== undefined && v !== '') body[k] = v;
    try {
      await setDoc(ref, body);
    } catch (e) {
      set(key, { state: 'error', reason: explainError(e) });
      return false;
    }
    set(key, { state: 'waiting', slow: false });
    return new Promise<boolean>((resolve) => {
      let done = false;
      const timer = setTimeout(() => {
        if (!done) set(key, { state: 'waiting', slow: true });
      }, SLOW_MS);
      const unsub = onSnapshot(
        ref,
        (snap) => {
          const result = snap.get('result') as { ok?: boolean; reason?: string } | undefined;
          if (!result || done) return;
          done = true;
          clearTimeout(timer);
          unsub();
          if (result.ok) set(key, { state: 'ok' });
          else set(key, { state: 'rejected', reason: result.reason ?? 'the pipeline refused it (no reason given)' });
          resolve(result.ok === true);
        },
        (e) => {
          done = true;
          clearTimeout(timer);
          set(key, { state: 'error', reason: explainError(e) });
          resolve(false);
        },
      );
      onCleanup(() => {
        done = true;
        clearTimeout(timer);
        unsub();
      });
    });
  }

  const busy = (key: string) => {
    const s = states[key]?.state;
    return s === 'sending' || s === 'waiting';
  };
  return { states, send, busy };
}

/** The words shown next to a control. */
export function describeUpdate(s: UpdateState | undefined): string {
  if (!s) return '';
  switch (s.state) {
    case 'sending':
      return 'Sending…';
    case 'waiting':
      return s.slow ? 'Still waiting for the pipeline (are the functions running?)…' : 'Waiting for the pipeline…';
    case 'ok':
      return 'Done';
    case 'rejected':
      return `Rejected: ${s.reason}`;
    case 'error':
      return `Not sent: ${s.reason}`;
  }
}
