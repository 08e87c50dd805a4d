// @ts-check
/**
 * `npm run mutation`: StrykerJS over the pure decisions (src/core) and the engine's planning, with the unit tests of
 * vitest.mutation.config.ts. The report is written to reports/mutation/.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/core/decisions.ts',
    'src/core/account-rules.ts',
    'src/core/decide.ts',
    'src/core/key-records.ts',
    'src/core/rules.ts',
    'src/core/sequence.ts',
    'src/core/webhook-events.ts',
    'src/core/webhook-retry.ts',
    'src/core/webhook-url.ts',
    'src/engine/plan.ts',
    'src/engine/round-planner.ts',
  ],
  coverageAnalysis: 'perTest',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  concurrency: 2,
  tempDirName: '.stryker-tmp',
};
