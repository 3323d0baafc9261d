// npx tsx bench/carts-flash.ts [--carts N --skus N --units N --concurrency C --seed S]
// Issue 15's flash sale: carts of 3-8 lines over a few scarce SKUs at one warehouse, many in
// flight over HTTP, until most are refused. Prints carts/s and p50/p99 for held and refused carts
// apart (a refused cart should cost less than a held one), then checks that the units SkuStock
// holds reserved are exactly what the held carts hold and that no SKU is reserved beyond stock.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { devFetch } from './lib/api.ts';
import { positive } from './lib/args.ts';
import { machineInfo } from './lib/machine.ts';
import { summarize } from './lib/stats.ts';
import { absorbProxyReset, startTarget } from './suite/target.ts';

const { values: args } = parseArgs({
  options: {
    carts: { type: 'string' },
    skus: { type: 'string' },
    units: { type: 'string' },
    concurrency: { type: 'string' },
    seed: { type: 'string' },
  },
});
const s = {
  carts: positive(args.carts, 2000),
  skus: positive(args.skus, 30),
  /** Units of each SKU: enough for a few hundred carts of the 2,000. */
  units: positive(args.units, 60),
  concurrency: positive(args.concurrency, 100),
  seed: positive(args.seed, 20101201),
};

/** mulberry32, so every run (and both trees of a before/after) sends the same carts. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const Stock = z.object({
  locations: z.array(z.object({ onHand: z.number(), reserved: z.number() })),
  totals: z.object({ reserved: z.number() }),
});
const ErrorBody = z.object({ error: z.object({ code: z.string() }) });

/** wrangler dev's proxy answers some failures in plain text. */
const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const main = async () => {
  const load = machineInfo();
  const t = await startTarget();
  try {
    const run = Date.now().toString(36).toUpperCase();
    await t.api.post('/v1/locations', {
      code: `FLASH-${run}`,
      name: 'Flash DC',
      kind: 'warehouse',
      region: 'BENCH',
      country: 'GB',
      latitude: 53.48,
      longitude: -2.24,
    });
    const channel = `flash-${run.toLowerCase()}`;
    await t.api.post('/v1/channels', {
      code: channel,
      name: 'Flash sale',
      kind: 'storefront',
      locations: [`FLASH-${run}`],
    });
    const skus = Array.from({ length: s.skus }, (_, i) => `FLASH-${run}-${i}`);
    for (const code of skus) {
      await t.api.post('/v1/skus', { code, title: `Flash ${code}`, backorderPolicy: 'deny' });
      await t.api.post(`/v1/skus/${code}/receive`, { location: `FLASH-${run}`, quantity: s.units });
    }
    const next = random(s.seed);
    const carts = Array.from({ length: s.carts }, () => {
      const count = 3 + Math.floor(next() * 6);
      const chosen = [...skus].sort(() => next() - 0.5).slice(0, count);
      return chosen.map((sku) => ({ sku, quantity: 1 + Math.floor(next() * 2) }));
    });
    const headers = { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' };
    const held: number[] = [];
    const refused: number[] = [];
    const errors: Record<string, number> = {};
    const expected = new Map<string, number>();
    let i = 0;
    const started = performance.now();
    const loop = async () => {
      for (let n = i++; n < carts.length; n = i++) {
        const lines = carts[n] ?? [];
        const body = JSON.stringify({ channel, lines, ttlSeconds: 3600 });
        const at = performance.now();
        const res = await fetch(`${t.url}/v1/reservations`, { method: 'POST', headers, body });
        const text = await res.text();
        const ms = performance.now() - at;
        if (res.status === 201) {
          held.push(ms);
          for (const l of lines) expected.set(l.sku, (expected.get(l.sku) ?? 0) + l.quantity);
          continue;
        }
        const code = ErrorBody.safeParse(safeJson(text)).data?.error.code ?? `http_${res.status}`;
        errors[code] = (errors[code] ?? 0) + 1;
        if (code === 'insufficient_stock') refused.push(ms);
      }
    };
    await Promise.all(Array.from({ length: s.concurrency }, loop));
    const seconds = (performance.now() - started) / 1000;
    const h = summarize(held.sort((a, b) => a - b));
    const r = summarize(refused.sort((a, b) => a - b));
    const all = summarize([...held, ...refused].sort((a, b) => a - b));
    const f = (v: number) => v.toFixed(0);
    console.log(
      `flash sale: ${s.carts} carts of 3-8 lines over ${s.skus} SKUs x ${s.units} units, ${s.concurrency} in flight over HTTP; load ${load.loadAverage.join(' ')}`,
    );
    console.log(
      `  ${(s.carts / seconds).toFixed(1)} carts/s (${seconds.toFixed(1)} s), p50 ${f(all.p50)} ms, p99 ${f(all.p99)} ms`,
    );
    console.log(`  held ${held.length}: p50 ${f(h.p50)} ms, p99 ${f(h.p99)} ms`);
    console.log(`  refused ${refused.length}: p50 ${f(r.p50)} ms, p99 ${f(r.p99)} ms`);
    console.log(`  other answers ${JSON.stringify(errors)}`);
    // The proxy resets its connection after a long burst: the next GET would wait for ever.
    await absorbProxyReset(t);
    let exact = true;
    let oversold = false;
    for (const sku of skus) {
      const res = await devFetch(`${t.url}/v1/skus/${sku}/stock`, { headers });
      const view = Stock.parse(JSON.parse(await res.text()));
      if (view.totals.reserved !== (expected.get(sku) ?? 0)) exact = false;
      if (view.locations.some((l) => l.reserved > l.onHand)) oversold = true;
    }
    console.log(
      `  reserved = units held carts hold: ${exact}; any SKU reserved beyond stock: ${oversold}`,
    );
    if (!exact || oversold) process.exitCode = 1;
  } finally {
    await t.stop();
  }
};

await main();
