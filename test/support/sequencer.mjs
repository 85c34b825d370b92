// The emulator files run one at a time against one emulator suite, in a fixed
// order: vitest's default (by past duration, else by file size) differs between
// a fresh clone and a warm checkout, and so did what ran next to what.
// - The files most sensitive to load come first, on a quiet suite: the ingestion
//   storm publishes at 10 messages/s, and the Firestore emulator's pessimistic
//   locks degrade badly when it shares the machine with other work. The storm
//   breaker's 25 groups at once (exact counts; every join contends for one
//   state document) come right after it, before the files that leave tasks behind.
// - The browser tests and the drills come last: drills play hundreds of alerts,
//   and their outbox and roll-up tasks run on after each test.
// A file not listed runs in between, in name order.
import path from 'node:path';
import { BaseSequencer } from 'vitest/node';

export const FIRST = [
  'test/emulator/foundation.test.ts',
  'test/emulator/ingestion.test.ts',
  'test/emulator/stormBreaker.test.ts',
  'test/emulator/faults.test.ts',
  'test/emulator/alertmanager.test.ts',
  'test/emulator/lifecycle.test.ts',
  'test/emulator/slack.test.ts',
  'test/emulator/deploys.test.ts',
  'test/emulator/postmortem.test.ts',
  'test/rules/matrix.test.ts',
];
export const LAST = ['test/e2e/console.test.ts', 'test/e2e/status.test.ts', 'test/emulator/drillGenerate.test.ts', 'test/emulator/drills.test.ts'];

/** Where a file (path relative to the project root) runs. */
export function rank(relativePath) {
  const p = relativePath.split(path.sep).join('/');
  if (FIRST.includes(p)) return FIRST.indexOf(p);
  if (LAST.includes(p)) return FIRST.length + 1 + LAST.indexOf(p);
  return FIRST.length;
}

export default class EmulatorOrder extends BaseSequencer {
  async sort(files) {
    const root = this.ctx.config.root;
    const key = (f) => path.relative(root, f.moduleId);
    return [...files].sort((a, b) => rank(key(a)) - rank(key(b)) || key(a).localeCompare(key(b)));
  }
}
