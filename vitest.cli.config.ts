import { defineConfig } from 'vitest/config';

// The command line's tests, in Node: `stockmesh` runs as a child process against the real Worker,
// started once for the whole run by the global setup (fresh state, its own admin key, no demo).
// The CLI's pure modules have their tests beside them.
export default defineConfig({
  test: {
    include: ['test/cli/**/*.test.ts', 'cli/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./test/cli/support/mesh.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
