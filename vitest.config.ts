import { defineConfig } from 'vitest/config'

// Test files run in separate processes, two at a time (the machine has 2 cores).
// Each file gets its own database (see test/helpers/database.ts).
// Workspace packages resolve to their TypeScript sources through the `source` export condition.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts', 'simulator/test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    env: { NODE_ENV: 'test' },
    pool: 'forks',
    maxWorkers: 2,
    // Generous: heavy tests (100k-record syncs, browsers) share 2 cores with everything else in CI.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
})
