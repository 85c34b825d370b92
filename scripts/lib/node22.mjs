// The pipeline runs on Node.js 22 in production (nodejs22), so every script
// runs on 22 too. `npm run …` already puts the project's own Node 22 (the
// `node` dev dependency, node_modules/.bin/node) first on PATH; a script
// started by hand with another Node is run again with that one.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_MAJOR = 22;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const local = path.join(root, 'node_modules', 'node', 'bin', 'node');

if (Number(process.versions.node.split('.')[0]) !== NODE_MAJOR) {
  if (!fs.existsSync(local)) {
    console.error(`This project runs on Node.js ${NODE_MAJOR}; this is ${process.version}, and the project's own Node ${NODE_MAJOR} is not installed: run \`npm install\` first.`);
    process.exit(1);
  }
  const bin = path.dirname(local);
  const r = spawnSync(local, process.argv.slice(1), { stdio: 'inherit', env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` } });
  process.exit(r.status ?? 1);
}
