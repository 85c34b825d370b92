// Small helpers for the project's scripts: run a command, time it, report.
import { spawn } from 'node:child_process';
import net from 'node:net';

/** Runs a command with inherited stdio; resolves with its exit code. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', ...opts });
    child.on('error', (e) => {
      console.error(`could not run ${cmd}: ${e.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Quotes arguments for a POSIX shell. */
export function shellJoin(args) {
  return args.map((a) => (/^[A-Za-z0-9_\-./:=@%+,]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
}

export function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
