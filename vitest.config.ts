import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));
  return {
    plugins: [
      cloudflareTest({
        main: './workers/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_KEY: 'test-admin-key',
            // A small stream window, so the slow-consumer test needs few messages.
            STREAM_WINDOW: '40',
          },
        },
      }),
    ],
    test: {
      include: [
        'test/**/*.test.ts',
        'objects/**/*.test.ts',
        'workers/**/*.test.ts',
        'protocol/**/*.test.ts',
        'client/**/*.test.ts',
      ],
      // The stock wall's tests run in Node with a browser: vitest.web.config.ts.
      exclude: [...configDefaults.exclude, 'test/web/**'],
      setupFiles: ['./test/setup.ts'],
      testTimeout: 30_000,
    },
  };
});
