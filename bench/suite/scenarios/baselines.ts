import { createCatalog, scenarios } from '../../counter/scenarios.ts';
import type { LoadResult } from '../../lib/load-result.ts';
import type { ClientsRun } from '../baselines/loop.ts';
import { type Postgres, startPostgres } from '../baselines/postgres.ts';
import { type Redis, startRedis } from '../baselines/redis.ts';
import { findPostgres, findRedis } from '../baselines/tools.ts';
import { type Check, check, type Figure, figure, type Scenario, type Size } from '../types.ts';

// npm run bench -- baselines: what a user would pick instead of SkuStock for holds on one hot SKU,
// measured in the same run on the same machine: PostgreSQL (a row-locked conditional UPDATE plus
// the hold's INSERT in one transaction, at 1, 10 and 50 clients) and Redis (one Lua script with
// appendfsync always), beside SkuStock's holds/s inside workerd (the hot-sku scenario's row a).
// Runs interleave (SkuStock, PostgreSQL, Redis, then again) so load from other processes hits all
// alike; the ratios are per run. Never in --smoke: CI needs neither server.

const SIZES = {
  smoke: { runs: 0, seconds: 0, warmupSeconds: 0 },
  quick: { runs: 1, seconds: 2, warmupSeconds: 0.5 },
  full: { runs: 3, seconds: 5, warmupSeconds: 1 },
} satisfies Record<Size, unknown>;

const CLIENTS = [1, 10, 50] as const;
/** SkuStock's calls in flight inside workerd, as in the hot-sku scenario. */
const SKUSTOCK_CONCURRENCY = 16;

type Run = {
  skuStock: LoadResult;
  postgres: ClientsRun[];
  redis: ClientsRun[];
};

const best = (runs: readonly ClientsRun[]) =>
  runs.reduce<ClientsRun | undefined>(
    (b, r) => (b && b.perSecond >= r.perSecond ? b : r),
    undefined,
  );

export const baselines: Scenario = {
  name: 'baselines',
  description:
    'Hot-SKU holds/s: SkuStock inside workerd against PostgreSQL (row-locked UPDATE + INSERT, 1/10/50 clients) and Redis (Lua, appendfsync always)',
  run: async (ctx) => {
    if (ctx.size === 'smoke') {
      ctx.log('  skipped in --smoke: it needs PostgreSQL and Redis, which CI does not have');
      return { parameters: { skipped: 'smoke' }, figures: [], checks: [], data: null };
    }
    const s = { ...SIZES[ctx.size], runs: ctx.runs ?? SIZES[ctx.size].runs };
    const t = ctx.target;
    const pgFound = findPostgres(ctx.log);
    const redisFound = findRedis(ctx.log);
    if (!pgFound.ok) ctx.log(`  PostgreSQL skipped: ${pgFound.why}`);
    if (!redisFound.ok) ctx.log(`  Redis skipped: ${redisFound.why}`);
    let pgServer: Postgres | undefined;
    let redisServer: Redis | undefined;
    try {
      if (pgFound.ok) pgServer = await startPostgres(pgFound.path);
      if (redisFound.ok) redisServer = await startRedis(redisFound.path);
      await createCatalog(t.api);
      const [skuStock] = scenarios({
        ...t,
        concurrency: SKUSTOCK_CONCURRENCY,
        unitsPerRun: Math.ceil(100_000 * s.seconds),
      }).filter((x) => x.id === 'a');
      if (skuStock === undefined) throw new Error('no SkuStock row in the counter scenarios');
      // Warm-up: each once, unmeasured.
      await skuStock.prepare();
      await skuStock.run(s.warmupSeconds);
      await pgServer?.run(10, s.warmupSeconds);
      await redisServer?.run(10, s.warmupSeconds);
      ctx.log('  warmed up');

      const runs: Run[] = [];
      for (let i = 1; i <= s.runs; i++) {
        await skuStock.prepare();
        const sku = await skuStock.run(s.seconds);
        ctx.log(`  run ${i}: SkuStock inside workerd ${Math.round(sku.perSecond)} holds/s`);
        const postgres: ClientsRun[] = [];
        const redis: ClientsRun[] = [];
        for (const clients of CLIENTS) {
          if (pgServer) postgres.push(await pgServer.run(clients, s.seconds));
          if (redisServer) redis.push(await redisServer.run(clients, s.seconds));
        }
        for (const [name, rs] of [
          ['PostgreSQL', postgres],
          ['Redis', redis],
        ] as const) {
          for (const r of rs) {
            ctx.log(
              `  run ${i}: ${name} ${r.clients} clients ${Math.round(r.perSecond)} holds/s (p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms)`,
            );
          }
        }
        runs.push({ skuStock: sku, postgres, redis });
      }

      const figures: Figure[] = [
        figure(
          'SkuStock inside workerd',
          'holds/s',
          runs.map((r) => r.skuStock.perSecond),
        ),
      ];
      const perClients = (pick: (r: Run) => ClientsRun[], name: string) => {
        for (const clients of CLIENTS) {
          const values = runs.flatMap((r) => pick(r).filter((x) => x.clients === clients));
          if (values.length === 0) continue;
          figures.push(
            figure(
              `${name}, ${clients} client${clients === 1 ? '' : 's'}`,
              'holds/s',
              values.map((v) => v.perSecond),
            ),
            figure(
              `${name}, ${clients} client${clients === 1 ? '' : 's'}: p99`,
              'ms',
              values.map((v) => v.p99Ms),
              1,
            ),
          );
        }
      };
      perClients((r) => r.postgres, 'PostgreSQL row-locked UPDATE + INSERT');
      perClients((r) => r.redis, 'Redis Lua, appendfsync always');
      const ratio = (pick: (r: Run) => ClientsRun[], name: string) => {
        const values = runs.flatMap((r) => {
          const b = best(pick(r));
          return b ? [r.skuStock.perSecond / b.perSecond] : [];
        });
        if (values.length > 0) figures.push(figure(name, 'ratio', values, 2));
      };
      ratio((r) => r.postgres, 'SkuStock / best PostgreSQL');
      ratio((r) => r.redis, 'SkuStock / Redis (best of 1/10/50 clients)');

      const checks: Check[] = [
        check(
          'SkuStock failures under 1%',
          runs.every((r) => r.skuStock.failed <= r.skuStock.ok * 0.01),
          runs
            .map((r) => `${r.skuStock.failed} failed ${JSON.stringify(r.skuStock.errors)}`)
            .join('; '),
        ),
        check(
          'no baseline hold refused (stock never runs out)',
          runs.every((r) => [...r.postgres, ...r.redis].every((x) => x.refused === 0)),
          runs.map((r) => [...r.postgres, ...r.redis].map((x) => x.refused).join('/')).join('; '),
        ),
      ];
      return {
        parameters: {
          ...s,
          clients: CLIENTS,
          skuStockConcurrency: SKUSTOCK_CONCURRENCY,
          postgres: pgServer
            ? { version: pgServer.version }
            : { skipped: pgFound.ok ? null : pgFound.why },
          redis: redisServer
            ? { version: redisServer.version }
            : { skipped: redisFound.ok ? null : redisFound.why },
          stateDir: process.env.TMPDIR ?? '/tmp',
        },
        figures,
        checks,
        data: { runs },
      };
    } finally {
      await pgServer?.stop();
      await redisServer?.stop();
    }
  },
};
