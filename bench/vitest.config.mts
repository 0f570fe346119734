import { defineConfig } from 'vitest/config';

// Benchmarks: run with `npx vitest run -c bench/vitest.config.mts` (PATH must
// reach the venv's `jupyter`). They write bench/RESULTS.md; they are not
// part of the test run.
export default defineConfig({
  test: {
    include: ['bench/**/*.bench.ts'],
    environment: 'node',
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    fileParallelism: false
  }
});
