import { defineConfig } from 'vitest/config';
import EmulatorOrder from './test/support/sequencer.mjs';

export default defineConfig({
  test: {
    // The sequencer is a root option (vitest ignores it in a project).
    sequence: { sequencer: EmulatorOrder },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          // Reads the built functions (npm test builds first): what a deploy would create.
          name: 'deploy',
          include: ['test/deploy/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'emulator',
          include: ['test/emulator/**/*.test.ts', 'test/rules/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          // One emulator suite is shared: files run one at a time, in a fixed order (see the sequencer).
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          globalSetup: ['test/support/globalSetup.ts'],
        },
      },
    ],
  },
});
