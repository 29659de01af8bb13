import { defineConfig } from 'vitest/config';

// Generous limits: the suite must pass on a loaded 2-core machine (a test's own pace is never
// asserted; a hang still fails). Measured figures are in docs/testing.md.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
