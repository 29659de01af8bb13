import { defineConfig } from 'vitest/config';

// Generous limits: the suite must pass on a loaded 2-core machine (a test's own pace is never
// asserted; a hang still fails). Measured figures are in docs/testing.md.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // A scratch folder per run, where the serverless tests share one `serverless package`.
    globalSetup: ['test/serverless/global-setup.ts'],
    // `npm test` runs with --coverage: the engine and the replay must stay this well covered
    // (docs/testing.md "Coverage"). Code run in child processes (the CLI tests) is not counted.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', ['json-summary', { file: 'coverage-summary.json' }]],
      reportsDirectory: 'test-output/coverage',
      thresholds: {
        'src/engine/**': { lines: 98, statements: 98, functions: 98, branches: 95 },
        'src/replay/**': { lines: 95, statements: 94, functions: 95, branches: 85 },
      },
    },
  },
});
