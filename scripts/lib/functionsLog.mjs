// Function executions as the Functions emulator reports them on its stdout
// (firebase-tools 15: lib/emulator/functionsRuntimeWorker.js):
//   i  functions: Beginning execution of "us-central1-onAlertPublished"
//   i  functions: Finished "us-central1-onAlertPublished" in 123.45ms
// Each line is stamped with the time it arrived, so the bench can count the
// executions within a time window, by function.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const ANSI = /\u001b\[[0-9;]*m/g;
const BEGIN = /Beginning execution of "([^"]+)"/;
const FINISH = /Finished "([^"]+)" in ([\d.]+)ms/;

/** "us-central1-onAlertPublished" → "onAlertPublished". */
export function functionName(triggerKey) {
  return triggerKey.replace(/^[a-z]+-[a-z]+\d+-/, '');
}

export class InvocationLog {
  constructor() {
    this.begins = []; // {at, fn}
    this.finishes = []; // {at, fn, ms}
    this.running = new Map();
    this.lastAt = 0;
  }

  /** Feeds one line of the emulator's stdout, received at `at` (ms). */
  line(text, at = Date.now()) {
    const plain = text.replace(ANSI, '');
    let m = BEGIN.exec(plain);
    if (m) {
      const fn = functionName(m[1]);
      this.begins.push({ at, fn });
      this.running.set(fn, (this.running.get(fn) ?? 0) + 1);
      this.lastAt = at;
      return;
    }
    m = FINISH.exec(plain);
    if (m) {
      const fn = functionName(m[1]);
      this.finishes.push({ at, fn, ms: Number(m[2]) });
      this.running.set(fn, Math.max(0, (this.running.get(fn) ?? 0) - 1));
      this.lastAt = at;
    }
  }

  /** Executions begun and not yet finished, by function (only those with some). */
  runningNow() {
    return Object.fromEntries([...this.running].filter(([, n]) => n > 0));
  }

  /** Executions that began within [from, to], by function, with their total. */
  between(from, to) {
    const byFunction = {};
    for (const b of this.begins) if (b.at >= from && b.at <= to) byFunction[b.fn] = (byFunction[b.fn] ?? 0) + 1;
    const total = Object.values(byFunction).reduce((a, b) => a + b, 0);
    return { total, byFunction };
  }

  activity() {
    return { lastAt: this.lastAt, begun: this.begins.length, running: this.runningNow() };
  }
}

/**
 * Runs a command with its stdout going to `outFile`, a regular file, and reads
 * that file as it grows (every `pollMs`): each new line goes to
 * `onLine(text, at)`, `at` the time it was read. A file, not a pipe: Node
 * writes to a pipe synchronously on Linux, so a reader that falls behind
 * would stall the Functions emulator (and, through it, every worker's logging).
 * stderr is inherited. `onSpawn(child)` is called once the command has started.
 * Resolves with the exit code once the file is read to its end.
 */
export function runTailingStdout(cmd, args, { onLine, onSpawn, outFile, pollMs = 100, ...opts } = {}) {
  const out = fs.openSync(outFile, 'w');
  const input = fs.openSync(outFile, 'r');
  let position = 0;
  let rest = '';
  const buffer = Buffer.alloc(1 << 16);
  const drain = () => {
    for (;;) {
      const n = fs.readSync(input, buffer, 0, buffer.length, position);
      if (n <= 0) break;
      position += n;
      const at = Date.now();
      const lines = (rest + buffer.toString('utf8', 0, n)).split('\n');
      rest = lines.pop() ?? '';
      for (const text of lines) onLine?.(text, at);
    }
  };
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', out, 'inherit'] });
    onSpawn?.(child);
    const timer = setInterval(drain, pollMs);
    const finish = (code) => {
      clearInterval(timer);
      drain();
      if (rest) onLine?.(rest, Date.now());
      fs.closeSync(input);
      fs.closeSync(out);
      resolve(code);
    };
    child.on('error', (e) => {
      console.error(`could not run ${cmd}: ${e.message}`);
      finish(127);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}
