import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    restoreMocks: true,
    // Most test time is waiting on servers and timers, not CPU: run four files at once even on two
    // cores (vitest's default on a 2-core machine is one at a time, which took ~6 minutes).
    maxWorkers: 4,
  },
});
