import { defineConfig } from 'vitest/config';

// The unit tests of the pure decisions and the engine's planning (no database, no server): what `npm run mutation`
// runs against each mutant.
export default defineConfig({
  test: {
    include: [
      'test/balance-decide.test.ts',
      'test/sequence.test.ts',
      'test/round-planner.test.ts',
      'test/round-queue.test.ts',
      'test/plan.test.ts',
      'test/webhook-core.test.ts',
    ],
  },
});
