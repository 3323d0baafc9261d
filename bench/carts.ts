// npm run bench:carts [-- --quick | --runs N --seconds S --concurrency C --days D]
// Whole-cart reservations per second and their latency, for the real carts of the order stream
// (their real line counts), reserved from inside workerd and end to end. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type CartRun, httpRun, insideRun, type RunOptions } from './carts/runs.ts';
import { createCatalog, settle } from './carts/setup.ts';
import { loadCarts } from './carts/stream.ts';
import { apiClient } from './lib/api.ts';
import { positive } from './lib/args.ts';
import { filesystemOf, machineInfo } from './lib/machine.ts';
import { writeResults } from './lib/results.ts';
import { percentile, spread } from './lib/stats.ts';
import { formatTable, num } from './lib/table.ts';
import { startWranglerDev } from './lib/wrangler-dev.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    concurrency: { type: 'string' },
    days: { type: 'string' },
    'max-skus': { type: 'string' },
  },
});
const settings = {
  quick: args.quick,
  runs: positive(args.runs, args.quick ? 1 : 3),
  seconds: positive(args.seconds, args.quick ? 2 : 10),
  warmupSeconds: args.quick ? 0 : 2,
  concurrency: positive(args.concurrency, 8),
  /** Days of the order stream whose carts are replayed, in order… */
  days: positive(args.days, 13),
  /**
   * …up to the carts that name this many SKUs. The local runtime runs every object in one
   * process and slows down as thousands of SQLite-backed objects are live (with the stream's
   * 2,583 SKUs, SQLITE_NOMEM; with 1,348, /v1/health timed out), so by default the first carts
   * of the first day: real carts with their real line counts, on a catalog it can hold.
   */
  maxSkus: positive(args['max-skus'], args.quick ? 200 : 600),
};

type Row = { id: string; via: string; run: (o: RunOptions, seconds: number) => Promise<CartRun> };
const ROWS: Row[] = [
  { id: 'a', via: 'inside workerd (bench Worker → gateway → Checkout → SkuStock)', run: insideRun },
  { id: 'b', via: 'end to end (HTTP through wrangler dev)', run: httpRun },
];

const Stock = z.object({ totals: z.object({ reserved: z.number() }) });

const main = async () => {
  const started = Date.now();
  const machineBefore = machineInfo();
  const { carts, skus } = loadCarts(settings.days, settings.maxSkus);
  const sizes = carts.map((c) => c.length).sort((a, b) => a - b);
  console.log(
    `bench:carts${settings.quick ? ' (quick)' : ''}: ${carts.length} real carts over ${skus.length} SKUs ` +
      `(lines per cart: median ${percentile(sizes, 50)}, p99 ${percentile(sizes, 99)}, max ${sizes.at(-1)}), ` +
      `${settings.runs} run(s) x ${settings.seconds} s per row, ${settings.concurrency} carts in flight`,
  );
  const key = `bench_${randomBytes(24).toString('hex')}`;
  const server = await startWranglerDev({
    config: 'bench/wrangler.toml',
    vars: { ADMIN_KEY: key },
  });
  const stateFs = filesystemOf(server.persistTo);
  try {
    const api = apiClient(server.url, key);
    const setupStarted = Date.now();
    await createCatalog(server.url, key, api, skus);
    console.log(
      `  catalog: ${skus.length} SKUs stocked in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s (state on ${stateFs})`,
    );
    const settled = await settle(server.url, key);
    console.log(
      settled.unflushed === 0
        ? `  ledger flushed ${(settled.ms / 1000).toFixed(1)} s later; measuring`
        : `  ledger still ${settled.unflushed ?? 'an unknown number of'} events behind after ${(settled.ms / 1000).toFixed(0)} s; measuring anyway`,
    );
    const options: RunOptions = { url: server.url, key, carts, concurrency: settings.concurrency };
    let heldUnits = 0;
    if (settings.warmupSeconds > 0) {
      for (const row of ROWS) heldUnits += (await row.run(options, settings.warmupSeconds)).units;
    }
    const results = new Map<string, CartRun[]>(ROWS.map((r) => [r.id, []]));
    // Runs interleave (a b, a b, ...) so that load from other processes hits both rows alike.
    for (let run = 1; run <= settings.runs; run++) {
      for (const row of ROWS) {
        const r = await row.run(options, settings.seconds);
        heldUnits += r.units;
        results.get(row.id)?.push(r);
        console.log(
          `  run ${run} (${row.id}): ${num(r.perSecond, 1)} carts/s, ${num((r.lines / r.elapsedMs) * 1000)} lines/s, ` +
            `p50 ${num(r.latencyMs.p50, 1)} ms, p99 ${num(r.latencyMs.p99, 1)} ms` +
            (r.failed > 0 ? `, ${r.failed} failed ${JSON.stringify(r.errors)}` : ''),
        );
      }
    }
    const summaries = ROWS.map((row) => summarise(row, results.get(row.id) ?? []));
    console.log(`\n${renderTable(summaries)}\n`);
    const reconciled = await reconcile(api, skus, heldUnits);
    console.log(
      `Reconciled: SkuStock holds ${num(reconciled.reserved)} units reserved, the carts that succeeded ${num(heldUnits)}` +
        (reconciled.ok ? ' (equal)' : ' (MISMATCH)'),
    );
    const path = await writeResults(settings.quick ? 'carts-quick' : 'carts', {
      bench: 'carts',
      settings,
      carts: {
        count: carts.length,
        skus: skus.length,
        linesMedian: percentile(sizes, 50),
        linesMax: sizes.at(-1),
      },
      startedAt: new Date(started).toISOString(),
      wallSeconds: (Date.now() - started) / 1000,
      machine: { ...machineBefore, loadAverageAfter: machineInfo().loadAverage },
      stateFilesystem: stateFs,
      settled,
      reconciled,
      summaries,
    });
    console.log(`Results: ${path}`);
    if (!reconciled.ok || summaries.some((s) => s.failed > 0)) process.exitCode = 1;
  } catch (error) {
    console.error(`--- wrangler log (last lines) ---\n${server.logTail(40)}`);
    throw error;
  } finally {
    await server.stop();
  }
};

type Summary = ReturnType<typeof summarise>;

const summarise = (row: Row, runs: CartRun[]) => ({
  id: row.id,
  via: row.via,
  cartsPerSecond: spread(runs.map((r) => r.perSecond)),
  linesPerSecond: spread(runs.map((r) => (r.lines / r.elapsedMs) * 1000)),
  p50Ms: spread(runs.map((r) => r.latencyMs.p50)),
  p99Ms: spread(runs.map((r) => r.latencyMs.p99)),
  carts: runs.reduce((n, r) => n + r.ok, 0),
  failed: runs.reduce((n, r) => n + r.failed, 0),
  errors: Object.fromEntries(
    runs
      .flatMap((r) => Object.entries(r.errors))
      .reduce((m, [k, n]) => m.set(k, (m.get(k) ?? 0) + n), new Map<string, number>()),
  ),
  runs: runs.map(({ histogramMs: _h, ...r }) => r),
});

const renderTable = (summaries: readonly Summary[]) =>
  formatTable(
    [
      '',
      'measured',
      'carts/s min',
      'median',
      'max',
      'lines/s median',
      'p50 ms',
      'p99 ms',
      'carts',
      'failed',
    ],
    summaries.map((s) => [
      `(${s.id})`,
      s.via,
      num(s.cartsPerSecond.min, 1),
      num(s.cartsPerSecond.median, 1),
      num(s.cartsPerSecond.max, 1),
      num(s.linesPerSecond.median),
      `${num(s.p50Ms.median, 1)} [${num(s.p50Ms.min, 1)}-${num(s.p50Ms.max, 1)}]`,
      `${num(s.p99Ms.median, 1)} [${num(s.p99Ms.min, 1)}-${num(s.p99Ms.max, 1)}]`,
      num(s.carts),
      num(s.failed),
    ]),
  );

/** The units SkuStock has reserved over every SKU must be exactly what the successful carts held. */
const reconcile = async (
  api: ReturnType<typeof apiClient>,
  skus: readonly string[],
  held: number,
) => {
  let reserved = 0;
  for (let i = 0; i < skus.length; i += 32) {
    const views = await Promise.all(
      skus.slice(i, i + 32).map((sku) => api.get(`/v1/skus/${encodeURIComponent(sku)}/stock`)),
    );
    for (const v of views) reserved += Stock.parse(v).totals.reserved;
  }
  return { ok: reserved === held, reserved, held };
};

await main();
