import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readD1Migrations } from '@cloudflare/vitest-pool-workers';
import type { D1Database } from '@cloudflare/workers-types/2023-07-01/index.ts';
import type { TestProject } from 'vitest/node';
import { getPlatformProxy, unstable_readConfig, unstable_startWorker } from 'wrangler';

// vitest globalSetup of the CLI tests: the real Worker, started once through wrangler's
// startWorker API on a fresh state directory with its own admin key and no demo data.

const root = join(import.meta.dirname, '..', '..', '..');

/**
 * The D1 migrations, applied through a local D1 binding on the state the Worker will use: in
 * seconds, where `wrangler d1 migrations apply` (a second wrangler process) takes several times longer.
 */
const applyMigrations = async (state: string) => {
  // A config of the D1 binding alone (the same database id, so the same file): the whole
  // wrangler.toml would make workerd warn about Durable Objects that have no code here.
  const { d1_databases } = unstable_readConfig({ config: join(root, 'wrangler.toml') });
  const configPath = join(state, 'd1-only.json');
  await writeFile(
    configPath,
    JSON.stringify({ name: 'd1-only', compatibility_date: '2025-01-01', d1_databases }),
  );
  const proxy = await getPlatformProxy<{ DB: D1Database }>({
    configPath,
    envFiles: [],
    persist: { path: join(state, 'v3') },
  });
  try {
    for (const { queries } of await readD1Migrations(join(root, 'migrations'))) {
      await proxy.env.DB.batch(queries.map((q) => proxy.env.DB.prepare(q)));
    }
  } finally {
    await proxy.dispose();
  }
};

declare module 'vitest' {
  export interface ProvidedContext {
    meshUrl: string;
    adminKey: string;
  }
}

export default async function setup(project: TestProject) {
  // No network: wrangler's metrics and miniflare's Request.cf download stay off.
  process.env.WRANGLER_SEND_METRICS = 'false';
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  const state = await mkdtemp(join(tmpdir(), 'stockmesh-cli-'));
  const adminKey = `smk_cli_test_${Math.random().toString(36).slice(2)}`;
  await applyMigrations(state);
  const worker = await unstable_startWorker({
    config: join(root, 'wrangler.toml'),
    envFiles: [],
    bindings: {
      ADMIN_KEY: { type: 'secret_text', value: adminKey },
      // Seals connector credentials (the mappings import needs a connected channel).
      CONNECTOR_SECRET: {
        type: 'secret_text',
        value: 'cli-test-connector-secret-of-32-characters',
      },
    },
    dev: {
      server: { hostname: '127.0.0.1', port: 0 },
      inspector: false,
      persist: state,
      watch: false,
      logLevel: 'warn',
    },
  });
  await worker.ready;
  const url = (await worker.url).origin;
  project.provide('meshUrl', url);
  project.provide('adminKey', adminKey);
  return async () => {
    await worker.dispose();
    await rm(state, { recursive: true, force: true });
  };
}
