// The emulator files' fixed order: load-sensitive files first, drills last.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIRST, LAST, rank } from '../support/sequencer.mjs';

const ROOT = path.resolve(__dirname, '..', '..');

describe('emulator file order', () => {
  it('names only files that exist', () => {
    for (const f of [...FIRST, ...LAST]) expect(fs.existsSync(path.join(ROOT, f)), f).toBe(true);
  });

  it('runs the storm before anything that leaves work behind, and the drills last', () => {
    expect(rank('test/emulator/foundation.test.ts')).toBe(0);
    expect(rank('test/emulator/ingestion.test.ts')).toBeLessThan(rank('test/emulator/postmortem.test.ts'));
    expect(rank('test/emulator/stormBreaker.test.ts')).toBeLessThan(rank('test/emulator/faults.test.ts'));
    expect(rank('test/emulator/new-feature.test.ts')).toBeGreaterThan(rank('test/rules/matrix.test.ts'));
    expect(rank('test/emulator/new-feature.test.ts')).toBeLessThan(rank('test/e2e/console.test.ts'));
    expect(rank('test/emulator/drills.test.ts')).toBeGreaterThan(rank('test/e2e/console.test.ts'));
  });
});
