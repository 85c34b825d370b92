// CPU time of an emulator suite, by process kind, for `npm run bench`: every
// `intervalMs` it reads /proc for the descendants of one process (the
// `firebase emulators:exec` child) and keeps each one's user + system time.
// `between(from, to)` then says how many CPU milliseconds each kind used in a
// window: Functions workers, the Firestore and Pub/Sub emulators (Java), the
// Functions emulator itself (firebase-tools, node), and the bench's own script
// inside emulators:exec. Measured outside the code under test. Linux only:
// elsewhere `available` is false and every window is null.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export const CPU_KINDS = ['functions workers', 'Firestore emulator', 'Pub/Sub emulator', 'Functions emulator (firebase-tools)', 'bench driver', 'other'];

/** The kind of a process, from its command line. */
export function kindOf(cmdline) {
  if (cmdline.includes('functionsEmulatorRuntime')) return 'functions workers';
  if (/\bjava\b/.test(cmdline) && /firestore/i.test(cmdline)) return 'Firestore emulator';
  if (/\bjava\b/.test(cmdline) && /pubsub/i.test(cmdline)) return 'Pub/Sub emulator';
  if (/bench-(pipeline|floor)\.mjs/.test(cmdline)) return 'bench driver';
  if (/firebase(-tools)?\b.*emulators:exec|\bemulators:exec\b/.test(cmdline)) return 'Functions emulator (firebase-tools)';
  return 'other';
}

function ticksPerSecond() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** {pid: {ppid, ticks}} of every process, or null when /proc cannot be read. */
function readProc() {
  let pids;
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const out = new Map();
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) in parentheses: state ppid … utime(14) stime(15).
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(pid), { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Starts sampling the descendants of `rootPid` (and it); {available, between(from, to), stop()}. */
export function startCpuSampler(rootPid, { intervalMs = 500 } = {}) {
  const available = process.platform === 'linux' && readProc() !== null;
  const hz = ticksPerSecond();
  const kinds = new Map(); // pid → kind
  const samples = []; // {t, ticks: Map pid → ticks}
  const sample = () => {
    const procs = readProc();
    if (!procs) return;
    const children = new Map();
    for (const [pid, p] of procs) {
      if (!children.has(p.ppid)) children.set(p.ppid, []);
      children.get(p.ppid).push(pid);
    }
    const ticks = new Map();
    const stack = [rootPid];
    while (stack.length) {
      const pid = stack.pop();
      const p = procs.get(pid);
      if (!p) continue;
      ticks.set(pid, p.ticks);
      if (!kinds.has(pid)) {
        let cmd = '';
        try {
          cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        } catch {
          // gone
        }
        kinds.set(pid, pid === rootPid ? 'Functions emulator (firebase-tools)' : kindOf(cmd));
      }
      stack.push(...(children.get(pid) ?? []));
    }
    samples.push({ t: Date.now(), ticks });
  };
  const timer = available ? setInterval(sample, intervalMs) : null;
  if (available) sample();
  /** The last sample taken at or before `t` (the first one if none). */
  const at = (t) => {
    let best = samples[0];
    for (const s of samples) {
      if (s.t > t) break;
      best = s;
    }
    return best;
  };
  return {
    available,
    /**
     * CPU milliseconds by kind between two times: each process's ticks at the
     * last sample before `to` less those before `from` (a process started in
     * the window counts all its time, its start included; one that ended
     * loses its time after its last sample), and how many processes of each
     * kind started in the window (a Functions worker is a cold start).
     */
    between(from, to) {
      if (!available || samples.length === 0) return null;
      const a = at(from);
      const b = at(to);
      const ms = Object.fromEntries(CPU_KINDS.map((k) => [k, 0]));
      const started = Object.fromEntries(CPU_KINDS.map((k) => [k, 0]));
      for (const [pid, ticks] of b.ticks) {
        const kind = kinds.get(pid) ?? 'other';
        ms[kind] += ((ticks - (a.ticks.get(pid) ?? 0)) * 1000) / hz;
        if (!a.ticks.has(pid)) started[kind] += 1;
      }
      return { ms, started, seconds: (b.t - a.t) / 1000 };
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
