// Programs some tests need besides Node and Java: a test file names them in a
// comment line `// needs: chromium, prometheus`. `npm test` leaves out a file
// whose programs are missing and lists it, with the command that installs
// them; with CI=true (`.ci/run` installs them) a missing program fails the run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export const TOOLS = {
  chromium: {
    candidates: () => [process.env.CHROMIUM_PATH, '/usr/bin/chromium', 'chromium', 'chromium-browser'],
    package: 'chromium',
  },
  prometheus: { candidates: () => [process.env.PROMETHEUS_PATH, 'prometheus'], package: 'prometheus' },
  alertmanager: { candidates: () => [process.env.ALERTMANAGER_PATH, 'prometheus-alertmanager', 'alertmanager'], package: 'prometheus-alertmanager' },
};

/** The path of a program, or null. */
export function findTool(name) {
  const tool = TOOLS[name];
  if (!tool) throw new Error(`unknown tool "${name}" (known: ${Object.keys(TOOLS).join(', ')})`);
  for (const c of tool.candidates()) {
    if (!c) continue;
    if (c.includes('/')) {
      if (fs.existsSync(c)) return c;
      continue;
    }
    try {
      const p = execFileSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (p) return p;
    } catch {
      // not on PATH
    }
  }
  return null;
}

/** The one command that installs these tools (Debian/Ubuntu). */
export function installCommand(names) {
  return `sudo apt-get install ${[...new Set(names.map((n) => TOOLS[n].package))].join(' ')}`;
}

/** The tools a test file declares with `// needs: a, b`. */
export function needsOf(text) {
  const m = /^\/\/ needs: (.+)$/m.exec(text);
  return m ? m[1].split(',').map((s) => s.trim()).filter(Boolean) : [];
}

/** Throws, naming the install command, when a program a test needs is missing. */
export function requireTool(name) {
  const p = findTool(name);
  if (!p) throw new Error(`${name} is not installed: ${installCommand([name])} (.ci/run installs it), or set ${name.toUpperCase()}_PATH`);
  return p;
}
