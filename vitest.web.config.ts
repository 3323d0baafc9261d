import { defineConfig } from 'vitest/config';

// The stock wall's tests, in Node (not the Workers pool): unit tests of web/ and the simulator,
// and browser tests that drive Debian's Chromium against `wrangler dev`. One file at a time:
// each browser suite runs its own wrangler and browser on a 2-core machine.
export default defineConfig({
  test: {
    include: ['test/web/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./test/web/support/build-once.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    // Starting wrangler and seeding the 2,605-SKU demo takes minutes on a busy machine.
    hookTimeout: 900_000,
  },
});
