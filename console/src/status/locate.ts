// Where the status page's Firestore answers. Production:
//   https://firestore.googleapis.com/v1/projects/<id>/databases/(default)/documents/<path>
// (the project id from Hosting's /__/firebase/init.json); on a loopback host
// the emulator: http://127.0.0.1:<port>/v1/... (port from
// ?emulatorPorts=firestore:<port>, else what the Hosting emulator reports in
// /__/firebase/init.js?useEmulator=true, else 8080).
import { DEFAULT_EMULATOR_PORTS, DEMO_CONFIG, isLocalHost, parseEmulatorPorts, parseInitJsEmulators } from '../lib/emulators';
import { documentsBase, type FirestoreRest, firestoreRest, PRODUCTION_HOST } from './firestoreRest';

async function fetchText(url: string): Promise<string | null> {
  try {
    const res = await fetch(url);
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

/** The project id (Hosting's /__/firebase/init.json) and where its Firestore answers. */
export async function locateFirestore(): Promise<FirestoreRest> {
  const local = isLocalHost(location.hostname);
  const queryPort = parseEmulatorPorts(new URLSearchParams(location.search).get('emulatorPorts')).firestore;
  const [initJson, initJs] = await Promise.all([fetchText('/__/firebase/init.json'), local && !queryPort ? fetchText('/__/firebase/init.js?useEmulator=true') : Promise.resolve(null)]);
  let projectId: string | null = null;
  try {
    const parsed = initJson ? (JSON.parse(initJson) as { projectId?: unknown } | null) : null;
    if (parsed && typeof parsed.projectId === 'string') projectId = parsed.projectId;
  } catch {
    // Not JSON: a dev server answers unknown paths with a page.
  }
  if (!projectId && !local) throw new Error('This page could not load its Firebase configuration (/__/firebase/init.json): serve it with Firebase Hosting.');
  projectId ??= DEMO_CONFIG.projectId;
  if (!local) return firestoreRest(documentsBase(PRODUCTION_HOST, projectId));
  const port = queryPort ?? (initJs ? parseInitJsEmulators(initJs).firestore : undefined) ?? DEFAULT_EMULATOR_PORTS.firestore;
  return firestoreRest(documentsBase(`http://127.0.0.1:${port}`, projectId));
}
