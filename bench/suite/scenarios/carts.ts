import { z } from 'zod';
import { type CartRun, httpRun, insideRun, type RunOptions } from '../../carts/runs.ts';
import { createCatalog, settle } from '../../carts/setup.ts';
import { loadCarts } from '../../carts/stream.ts';
import { devFetch } from '../../lib/api.ts';
import { percentile } from '../../lib/stats.ts';
import { check, type Figure, figure, type Scenario, type Size } from '../types.ts';

/** bench:carts's sizes (bench/carts.ts), cut for smoke; 5 s runs to keep the suite near 15 min. */
const SIZES = {
  smoke: { runs: 1, seconds: 0.5, warmupSeconds: 0, concurrency: 4, maxSkus: 60 },
  quick: { runs: 1, seconds: 2, warmupSeconds: 0, concurrency: 8, maxSkus: 200 },
  full: { runs: 3, seconds: 5, warmupSeconds: 2, concurrency: 8, maxSkus: 600 },
} satisfies Record<Size, unknown>;

/** A row with more failed carts than this fails the scenario. */
const MAX_FAILED_SHARE = 0.01;

const ROWS = [
  { id: 'inside', label: 'inside workerd', run: insideRun },
  { id: 'http', label: 'end to end (HTTP)', run: httpRun },
] as const;

const Stock = z.object({ totals: z.object({ reserved: z.number() }) });

/**
 * bench:carts's measurement (bench/carts/) on the suite's server: the order stream's real carts
 * (their real line counts) reserved whole through the gateway, from inside workerd and over HTTP,
 * runs interleaved; then the units SkuStock holds reserved must equal what the carts held.
 */
export const carts: Scenario = {
  name: 'carts',
  description: 'Real carts of the order stream reserved whole: carts/s and p50/p99',
  run: async (ctx) => {
    const t = ctx.target;
    const s = { ...SIZES[ctx.size], runs: ctx.runs ?? SIZES[ctx.size].runs };
    const { carts: list, skus } = loadCarts(13, s.maxSkus);
    await createCatalog(t.url, t.key, t.api, skus);
    await settle(t.url, t.key);
    const o: RunOptions = { url: t.url, key: t.key, carts: list, concurrency: s.concurrency };
    let heldUnits = 0;
    if (s.warmupSeconds > 0) {
      for (const row of ROWS) heldUnits += (await row.run(o, s.warmupSeconds)).units;
    }
    const results = new Map<string, CartRun[]>(ROWS.map((r) => [r.id, []]));
    for (let run = 1; run <= s.runs; run++) {
      for (const row of ROWS) {
        const r = await row.run(o, s.seconds);
        heldUnits += r.units;
        results.get(row.id)?.push(r);
        ctx.log(
          `  run ${run} ${row.label}: ${r.perSecond.toFixed(1)} carts/s, p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms` +
            (r.failed > 0 ? `, ${r.failed} failed ${JSON.stringify(r.errors)}` : ''),
        );
      }
    }
    let reserved = 0;
    for (let i = 0; i < skus.length; i += 32) {
      const views = await Promise.all(
        skus.slice(i, i + 32).map(async (sku) => {
          const res = await devFetch(`${t.url}/v1/skus/${encodeURIComponent(sku)}/stock`, {
            headers: { authorization: `Bearer ${t.key}` },
          });
          return Stock.parse(JSON.parse(await res.text()));
        }),
      );
      for (const v of views) reserved += v.totals.reserved;
    }
    const figures: Figure[] = ROWS.flatMap((row) => {
      const runs = results.get(row.id) ?? [];
      return [
        figure(
          `${row.label}: carts/s`,
          'carts/s',
          runs.map((r) => r.perSecond),
          1,
        ),
        figure(
          `${row.label}: cart lines/s`,
          'lines/s',
          runs.map((r) => (r.lines / r.elapsedMs) * 1000),
        ),
        figure(
          `${row.label}: p50`,
          'ms',
          runs.map((r) => r.latencyMs.p50),
          1,
        ),
        figure(
          `${row.label}: p99`,
          'ms',
          runs.map((r) => r.latencyMs.p99),
          1,
        ),
      ];
    });
    // Run i of both rows ran back to back, so each run gives one ratio.
    const inside = results.get('inside') ?? [];
    figures.push(
      figure(
        'end to end / inside workerd (carts/s)',
        'ratio',
        (results.get('http') ?? []).map((r, i) => r.perSecond / (inside[i]?.perSecond ?? NaN)),
        3,
      ),
    );
    const sizes = list.map((c) => c.length).sort((a, b) => a - b);
    const all = [...results.values()].flat();
    const failed = all.reduce((n, r) => n + r.failed, 0);
    const made = all.reduce((n, r) => n + r.ok + r.failed, 0);
    return {
      parameters: {
        ...s,
        carts: list.length,
        skus: skus.length,
        linesPerCart: {
          median: percentile(sizes, 50),
          p99: percentile(sizes, 99),
          max: sizes.at(-1),
        },
      },
      figures,
      checks: [
        check(
          `failed carts under ${MAX_FAILED_SHARE * 100}%`,
          failed <= made * MAX_FAILED_SHARE && made > 0,
          `${failed} of ${made}`,
        ),
        check(
          'units SkuStock holds reserved = units the carts held',
          reserved === heldUnits,
          `${reserved} reserved, ${heldUnits} held`,
        ),
      ],
      data: { results: Object.fromEntries(results), reserved, heldUnits },
    };
  },
};
