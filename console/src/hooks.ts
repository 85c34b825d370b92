// Live Firestore reads as Preact hooks, the session, and the hash route.
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { User } from 'firebase/auth';
import { type DocumentReference, onSnapshot, type Query } from 'firebase/firestore';
import type { Services } from './firebase';
import { explainError } from './lib/format';
import { parseRoute, type Route } from './lib/route';

export type Role = 'viewer' | 'responder' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'responder', 'admin'];

export interface Session extends Services {
  user: User;
  role: Role;
  canRespond: boolean;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in session');
  return s;
}

/** A pending serverTimestamp() reads as the local estimate rather than null. */
const ESTIMATE = { serverTimestamps: 'estimate' } as const;

export interface Live<T> {
  data: T;
  loading: boolean;
  error: string | null;
}

/** A live document (`null` while missing). `key` must change whenever `ref` means another document. */
export function useDoc<T extends object>(ref: DocumentReference | null, key: string): Live<(T & { id: string }) | null> {
  const [state, setState] = useState<Live<(T & { id: string }) | null>>({ data: null, loading: true, error: null });
  useEffect(() => {
    if (!ref) {
      setState({ data: null, loading: false, error: null });
      return;
    }
    setState({ data: null, loading: true, error: null });
    return onSnapshot(
      ref,
      (snap) => setState({ data: snap.exists() ? ({ id: snap.id, ...(snap.data(ESTIMATE) as T) }) : null, loading: false, error: null }),
      (e) => setState({ data: null, loading: false, error: explainError(e) }),
    );
  }, [key]);
  return state;
}

/** A live query's documents. `key` must change whenever `query` changes. */
export function useQuery<T extends object>(query: Query | null, key: string): Live<(T & { id: string })[]> {
  const [state, setState] = useState<Live<(T & { id: string })[]>>({ data: [], loading: true, error: null });
  useEffect(() => {
    if (!query) {
      setState({ data: [], loading: false, error: null });
      return;
    }
    setState({ data: [], loading: true, error: null });
    return onSnapshot(
      query,
      (snap) => setState({ data: snap.docs.map((d) => ({ id: d.id, ...(d.data(ESTIMATE) as T) })), loading: false, error: null }),
      (e) => setState({ data: [], loading: false, error: explainError(e) }),
    );
  }, [key]);
  return state;
}

/** The time, refreshed every `everyMs` (for ages that tick). */
export function useNow(everyMs = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** Unsubscribes everything registered when the component goes away. */
export function useCleanup(): (fn: () => void) => void {
  const fns = useRef<(() => void)[]>([]);
  useEffect(() => () => fns.current.splice(0).forEach((f) => f()), []);
  return (fn) => fns.current.push(fn);
}
