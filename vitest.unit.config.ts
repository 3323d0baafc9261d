import { configDefaults, defineConfig } from 'vitest/config';

// Unit tests of pure modules (the rules beside each object, the gateway's helpers, the client's
// bookkeeping): they import nothing from the Workers runtime, so they run in plain Node, where a
// file costs milliseconds instead of the seconds the Workers pool spends starting each file.
// Anything that needs a binding, an object or the Worker belongs under test/ (vitest.config.ts).
export default defineConfig({
  test: {
    include: [
      'objects/**/*.test.ts',
      'workers/**/*.test.ts',
      'shared/**/*.test.ts',
      'protocol/**/*.test.ts',
      'client/**/*.test.ts',
      'bench/policy/**/*.test.ts',
      'bench/suite/**/*.test.ts',
    ],
    exclude: [...configDefaults.exclude],
    environment: 'node',
  },
});
