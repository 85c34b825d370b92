#!/usr/bin/env node
// npm run build: compile the functions, validate every config file, runbook
// and drill scenario (a broken file fails the build with its path and line),
// then build the responder console.
import './lib/node22.mjs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from './lib/emulators.mjs';
import { run } from './lib/run.mjs';

const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
const code = await run(tsc, ['-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT });
if (code !== 0) {
  console.error('build: TypeScript compilation failed (see above).');
  process.exit(code);
}
// The report script's own code (tools/): compiled beside, never deployed.
if ((await run(tsc, ['-p', path.join(ROOT, 'tsconfig.tools.json')], { cwd: ROOT })) !== 0) {
  console.error('build: TypeScript compilation of tools/ failed (see above).');
  process.exit(1);
}
const require = createRequire(import.meta.url);
const { validateProjectFiles } = require(path.join(ROOT, 'lib/functions/src/adapters/configFiles.js'));
const result = validateProjectFiles();
if (result.issues.length > 0) {
  console.error(`build: ${result.issues.length} problem(s) in the project's config:`);
  for (const line of result.issues) console.error(`  ${line}`);
  process.exit(1);
}
const vite = path.join(ROOT, 'node_modules', '.bin', 'vite');
if ((await run(vite, ['build', '--logLevel', 'warn', '--config', path.join(ROOT, 'console', 'vite.config.mts')], { cwd: ROOT })) !== 0) {
  console.error('build: the console (console/) did not build (see above).');
  process.exit(1);
}
console.log(`build: ok (${result.summary}; console in console/dist)`);
