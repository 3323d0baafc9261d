// npm run bench:counter [-- --quick | --runs N --seconds S --concurrency C]
// Holds per second on ONE hot SKU: SkuStock (durable) against MemoryStock (the in-memory ceiling),
// each measured from inside workerd and end to end over HTTP. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { renderTable, type Summary } from './counter/report.ts';
import { runCounter } from './counter/run.ts';
import { SKU } from './counter/scenarios.ts';
import { apiClient } from './lib/api.ts';
import { positive } from './lib/args.ts';
import { configDrift } from './lib/config-drift.ts';
import { filesystemOf, machineInfo } from './lib/machine.ts';
import { writeResults } from './lib/results.ts';
import { num } from './lib/table.ts';
import { startWranglerDev } from './lib/wrangler-dev.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    concurrency: { type: 'string' },
  },
});
const settings = {
  quick: args.quick,
  runs: positive(args.runs, args.quick ? 1 : 3),
  /** Each measured run, per configuration. */
  seconds: positive(args.seconds, args.quick ? 1 : 8),
  warmupSeconds: args.quick ? 0.5 : 2,
  /** Requests in flight: concurrent calls inside the Worker, or autocannon connections. */
  concurrency: positive(args.concurrency, 16),
};
/** A row with more failures than this is reported as broken (exit code 1). */
const MAX_FAILED_SHARE = 0.01;

const main = async () => {
  // Static assets (web/dist, a build output) play no part in the API; the Worker treats ASSETS as optional.
  const drift = configDrift('wrangler.toml', 'bench/wrangler.toml', ['ASSETS']);
  if (drift.length > 0) {
    throw new Error(
      `bench/wrangler.toml no longer mirrors wrangler.toml:\n  ${drift.join('\n  ')}`,
    );
  }
  const key = `bench_${randomBytes(24).toString('hex')}`;
  const started = Date.now();
  const machineBefore = machineInfo();
  console.log(
    `bench:counter${settings.quick ? ' (quick)' : ''}: ${settings.runs} run(s) x ${settings.seconds} s per row, ${settings.concurrency} in flight`,
  );
  const server = await startWranglerDev({
    config: 'bench/wrangler.toml',
    vars: { ADMIN_KEY: key },
    logLevel: process.env.BENCH_WRANGLER_LOG === 'info' ? 'info' : 'warn',
  });
  const stateFs = filesystemOf(server.persistTo);
  const since = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  console.log(`  ready after ${since()}; state in ${server.persistTo} (${stateFs})`);
  try {
    const api = apiClient(server.url, key);
    const { summaries, ratios } = await runCounter({ url: server.url, key, api }, settings, (l) =>
      console.log(l.trim() === 'warmed up' ? `  warmed up after ${since()}` : l),
    );
    console.log(`\n${renderTable(summaries)}\n`);
    console.log(
      `durable/memory (median holds/s): inside workerd ${num(ratios.insideWorkerd, 3)}, over HTTP ${num(ratios.http, 3)}\n` +
        'Latency: median of the runs [min-max]; inside workerd the clock moves only across I/O (whole ms).\n' +
        '(e) counts requests/s of a route that does nothing: the ceiling of the wrangler dev proxy.',
    );
    const path = await writeResults(settings.quick ? 'counter-quick' : 'counter', {
      bench: 'counter',
      settings,
      sku: SKU,
      startedAt: new Date(started).toISOString(),
      wallSeconds: (Date.now() - started) / 1000,
      machine: { ...machineBefore, loadAverageAfter: machineInfo().loadAverage },
      stateFilesystem: stateFs,
      ratios,
      summaries,
    });
    console.log(`Results: ${path}`);
    reportFailures(summaries);
  } catch (error) {
    console.error(`--- wrangler log (last lines) ---\n${server.logTail(40)}`);
    throw error;
  } finally {
    await server.stop();
  }
};

const reportFailures = (summaries: readonly Summary[]) => {
  for (const s of summaries.filter((s) => s.failed > 0)) {
    const broken = s.failed > s.requests * MAX_FAILED_SHARE || s.perSecond.min === 0;
    console.error(
      `${broken ? 'BROKEN' : 'note'}: (${s.id}) ${s.failed} of ${s.requests} requests failed ${JSON.stringify(s.errors)}`,
    );
    if (broken) process.exitCode = 1;
  }
};

await main();
