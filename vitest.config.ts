import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { build } from 'esbuild';
import { configDefaults, defineConfig } from 'vitest/config';

// The marketplace simulators (simulators/) run beside the Worker under test as an auxiliary
// worker, reached through the test-only MARKETPLACES service binding. Miniflare takes auxiliary
// workers as built JavaScript, so they are bundled here first.
async function buildSimulators(): Promise<string> {
  const outfile = path.join(import.meta.dirname, 'node_modules/.cache/stockmesh/simulators.mjs');
  await build({
    entryPoints: [path.join(import.meta.dirname, 'simulators/index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import'],
    external: ['cloudflare:*', 'node:*'],
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * Small test files that run one after another in one runtime (`isolate: false`): each would
 * otherwise pay its own runtime start, Worker import and D1 migrations (about 2 s on these
 * machines). They name their SKUs, locations and keys per run, so they share storage safely;
 * files that create hundreds of objects, or need an empty hub or D1, keep a runtime each.
 */
const SHARED_RUNTIME = [
  'test/security/!(ledger-query-plans|auth-stream-abuse).test.ts',
  'test/checkout/{catalog-check,cleanup,crash,reservations,unreachable-stock}.test.ts',
  'test/objects/{sku-stock-basics,transfer-incoming}.test.ts',
  'test/ledger/crash-recovery.test.ts',
  'test/{auth,catalog-cache,channels,content-type,health,keys,ledger-http,ledger,locations,skus,stock-api}.test.ts',
];

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));
  const simulators = await buildSimulators();
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
            // Encrypts connector credentials (a Worker secret in production, .dev.vars locally).
            CONNECTOR_SECRET: 'test-connector-secret-0123456789abcdef',
          },
          serviceBindings: { MARKETPLACES: 'marketplaces' },
          workers: [
            {
              name: 'marketplaces',
              modules: true,
              scriptPath: simulators,
              compatibilityDate: '2026-05-01',
              compatibilityFlags: ['nodejs_compat'],
              durableObjects: {
                SHOPIFY: 'ShopifyShopSim',
                AMAZON: 'AmazonSellerSim',
                WEBHOOK: 'WebhookReceiverSim',
                GOOGLE_ADS: 'GoogleAdsSim',
                MERCHANT: 'MerchantSim',
                META_ADS: 'MetaAdsSim',
              },
            },
          ],
        },
      }),
    ],
    test: {
      // Tests that need the runtime: bindings, objects, the Worker. Pure modules' unit tests run
      // in Node (vitest.unit.config.ts); the stock wall's with a browser (vitest.web.config.ts);
      // the command line's against wrangler (vitest.cli.config.ts).
      projects: [
        {
          extends: true as const,
          test: { name: 'shared', include: SHARED_RUNTIME, isolate: false },
        },
        {
          extends: true as const,
          test: {
            name: 'own',
            include: ['test/**/*.test.ts'],
            exclude: [...configDefaults.exclude, 'test/web/**', 'test/cli/**', ...SHARED_RUNTIME],
          },
        },
      ],
      setupFiles: ['./test/setup.ts'],
      // Generous: a test fails on what it asserts, not on a CI machine shared with other work
      // (the imports of a few thousand SKUs take ~8 s quiet and have taken 40 s under load).
      testTimeout: 90_000,
      // Prebundles the libraries the Worker imports, so each test file's new runtime loads a few
      // modules instead of hundreds: about a third less setup per file on these machines.
      deps: {
        optimizer: {
          ssr: {
            enabled: true,
            include: [
              'hono',
              'hono/http-exception',
              'hono/factory',
              'hono/combine',
              'hono/body-limit',
              '@hono/zod-openapi',
              'zod',
              'drizzle-orm',
              'drizzle-orm/durable-sqlite',
              'drizzle-orm/durable-sqlite/migrator',
              'drizzle-orm/sqlite-core',
              'drizzle-orm/d1',
              'partyserver',
              'fast-check',
            ],
          },
        },
      },
    },
  };
});
