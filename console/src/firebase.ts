// Starts the Firebase Web SDK: the web app config from Hosting's
// /__/firebase/init.json, and on a loopback host the Auth and Firestore
// emulators (ports: ?emulatorPorts=firestore:18080,auth:19099, else what the
// Hosting emulator reports, else 8080/9099).
import { type FirebaseApp, type FirebaseOptions, initializeApp } from 'firebase/app';
import { type Auth, browserLocalPersistence, connectAuthEmulator, indexedDBLocalPersistence, initializeAuth } from 'firebase/auth';
import { connectFirestoreEmulator, type Firestore, getFirestore } from 'firebase/firestore';
import { connectFunctionsEmulator, type Functions, getFunctions } from 'firebase/functions';
import { DEMO_CONFIG, type EmulatorPorts, isLocalHost, parseEmulatorPorts, parseInitJsEmulators, resolveEmulatorPorts } from './lib/emulators';

export interface Services {
  app: FirebaseApp;
  auth: Auth;
  db: Firestore;
  /** The callables (generateDrill, runDrill), in us-central1. */
  functions: Functions;
  /** The emulator ports in use, or null in production. */
  emulators: EmulatorPorts | null;
  projectId: string;
}

async function fetchText(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { cache: 'no-store' });
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

async function webConfig(local: boolean): Promise<FirebaseOptions> {
  const text = await fetchText('/__/firebase/init.json');
  if (text) {
    try {
      const config = JSON.parse(text) as FirebaseOptions | null;
      if (config && typeof config.projectId === 'string') return config;
    } catch {
      // Not JSON: the dev server answers unknown paths with index.html.
    }
  }
  if (local) return { ...DEMO_CONFIG };
  throw new Error('This page could not load its Firebase configuration (/__/firebase/init.json): serve it with Firebase Hosting.');
}

async function emulatorPorts(): Promise<EmulatorPorts> {
  const query = parseEmulatorPorts(new URLSearchParams(location.search).get('emulatorPorts'));
  if (query.firestore && query.auth) return resolveEmulatorPorts(query, {});
  const js = await fetchText('/__/firebase/init.js?useEmulator=true');
  return resolveEmulatorPorts(query, js ? parseInitJsEmulators(js) : {});
}

export async function startFirebase(): Promise<Services> {
  const local = isLocalHost(location.hostname);
  const [config, ports] = await Promise.all([webConfig(local), local ? emulatorPorts() : Promise.resolve(null)]);
  const app = initializeApp(config);
  // No popup/redirect resolver at start-up (no hidden iframe); Google sign-in passes one when used.
  const auth = initializeAuth(app, { persistence: [indexedDBLocalPersistence, browserLocalPersistence] });
  const db = getFirestore(app);
  const functions = getFunctions(app, 'us-central1');
  if (ports) {
    connectFunctionsEmulator(functions, '127.0.0.1', ports.functions ?? 5001);
    // The console shows its own "emulator" badge, so the SDK's banner is not needed.
    connectAuthEmulator(auth, `http://127.0.0.1:${ports.auth}`, { disableWarnings: true });
    connectFirestoreEmulator(db, '127.0.0.1', ports.firestore);
  }
  return { app, auth, db, functions, emulators: ports, projectId: config.projectId ?? '' };
}
