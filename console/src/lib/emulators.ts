// Where the emulators are: a query string override, what the Hosting emulator
// says in /__/firebase/init.js?useEmulator=true, else the defaults.

export interface EmulatorPorts {
  firestore: number;
  auth: number;
  /** The Functions emulator (the callables of the drills page); absent: 5001. */
  functions?: number;
}

export const DEFAULT_EMULATOR_PORTS: EmulatorPorts = { firestore: 8080, auth: 9099 };

export const DEMO_CONFIG = { projectId: 'demo-incidents', apiKey: 'demo-key', authDomain: 'localhost' } as const;

export const isLocalHost = (hostname: string) =>
  hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]' || hostname === '::1' || hostname.endsWith('.localhost');

const validPort = (n: number) => Number.isInteger(n) && n > 0 && n < 65536;

/** `firestore:18080,auth:19099` (also `=` instead of `:`) → the ports it names. */
export function parseEmulatorPorts(spec: string | null | undefined): Partial<EmulatorPorts> {
  const out: Partial<EmulatorPorts> = {};
  if (!spec) return out;
  for (const part of spec.split(/[,;\s]+/)) {
    const m = /^(firestore|auth|functions)[:=](\d+)$/i.exec(part.trim());
    if (!m) continue;
    const port = Number(m[2]);
    if (validPort(port)) out[(m[1] ?? '').toLowerCase() as keyof EmulatorPorts] = port;
  }
  return out;
}

/** The ports in the Hosting emulator's init.js (`var firebaseEmulators = {...};`), if any. */
export function parseInitJsEmulators(js: string): Partial<EmulatorPorts> {
  const marker = 'var firebaseEmulators = ';
  const start = js.indexOf(marker);
  if (start < 0) return {};
  const from = start + marker.length;
  if (js[from] !== '{') return {};
  let depth = 0;
  let end = -1;
  for (let i = from; i < js.length; i++) {
    if (js[i] === '{') depth++;
    else if (js[i] === '}' && --depth === 0) {
      end = i + 1;
      break;
    }
  }
  if (end < 0) return {};
  try {
    const parsed = JSON.parse(js.slice(from, end)) as Record<string, { port?: unknown } | undefined>;
    const out: Partial<EmulatorPorts> = {};
    for (const key of ['firestore', 'auth', 'functions'] as const) {
      const port = Number(parsed[key]?.port);
      if (validPort(port)) out[key] = port;
    }
    return out;
  } catch {
    return {};
  }
}

/** Query string first, then what the Hosting emulator said, then the defaults. */
export function resolveEmulatorPorts(query: Partial<EmulatorPorts>, discovered: Partial<EmulatorPorts>): EmulatorPorts {
  return { ...DEFAULT_EMULATOR_PORTS, ...discovered, ...query };
}
