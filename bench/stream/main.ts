// npm run bench:stream [-- --quick | --runs N --seconds S]
// Stream latency (an accepted change to its arrival at subscribers) with 1, 100 and 1,000
// subscribers while 200 changes a second flow, and the counter's holds per second with and
// without 1,000 subscribers attached. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { apiClient } from '../lib/api.ts';
import type { LoadResult } from '../lib/load-result.ts';
import { filesystemOf, machineInfo } from '../lib/machine.ts';
import { writeResults } from '../lib/results.ts';
import { spread, summarize } from '../lib/stats.ts';
import { startWranglerDev } from '../lib/wrangler-dev.ts';
import { createCatalog } from './catalog.ts';
import { driveChanges } from './changes.ts';
import { type HoldTarget, holdsInsideWorkerd, holdsOverHttp } from './holds.ts';
import { SubscriberPool } from './pool.ts';
import { type LatencyRun, renderReport } from './report.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    seconds: { type: 'string' },
  },
});
const positive = (v: string | undefined, fallback: number) => {
  const n = v === undefined ? fallback : Number(v);
  if (!(n > 0)) throw new Error(`expected a positive number, got ${v}`);
  return n;
};
const settings = {
  quick: args.quick,
  runs: positive(args.runs, args.quick ? 1 : 3),
  seconds: positive(args.seconds, args.quick ? 1 : 8),
  warmupSeconds: args.quick ? 0 : 0.5,
  changesPerSecond: 200,
  skus: args.quick ? 100 : 200,
  subscribers: [1, 100, 1000],
  holdConcurrency: 16,
  /** Time after the last change for its updates to arrive before a window is closed. */
  drainMs: args.quick ? 500 : 1000,
};

const main = async () => {
  const key = `bench_${randomBytes(24).toString('hex')}`;
  const started = Date.now();
  const machineBefore = machineInfo();
  console.log(
    `bench:stream${settings.quick ? ' (quick)' : ''}: ${settings.runs} run(s) x ${settings.seconds} s per row`,
  );
  // The bench Worker: the real gateway and objects, plus /bench/inside to fire holds from workerd.
  const server = await startWranglerDev({
    config: 'bench/wrangler.toml',
    vars: { ADMIN_KEY: key },
  });
  try {
    const api = apiClient(server.url, key);
    const shards = 4;
    const catalog = await createCatalog(api, settings.skus, shards);
    const target: HoldTarget = {
      url: server.url,
      key,
      sku: catalog.hot,
      concurrency: settings.holdConcurrency,
    };
    type Holds = { http: LoadResult[]; inside: LoadResult[] };
    const holdRuns = async (label: string): Promise<Holds> => {
      if (settings.warmupSeconds > 0) await holdsOverHttp(target, settings.warmupSeconds);
      const out: Holds = { http: [], inside: [] };
      for (let run = 1; run <= settings.runs; run++) {
        const http = await holdsOverHttp(target, settings.seconds);
        const inside = await holdsInsideWorkerd(target, settings.seconds);
        console.log(
          `  holds ${label}, run ${run}: ${Math.round(http.perSecond)}/s over HTTP, ${Math.round(inside.perSecond)}/s inside workerd, ${http.failed + inside.failed} failed`,
        );
        out.http.push(http);
        out.inside.push(inside);
      }
      return out;
    };

    const holdsWithout = await holdRuns('with no subscriber');
    const subs = new SubscriberPool(server.url, key, shards);
    const latency: LatencyRun[] = [];
    for (const level of settings.subscribers) {
      const opening = Date.now();
      await subs.grow(level);
      console.log(`  ${level} subscriber(s) caught up (${Date.now() - opening} ms to open)`);
      if (settings.warmupSeconds > 0) {
        const warmup = {
          url: server.url,
          key,
          skus: catalog.skus,
          seconds: settings.warmupSeconds,
        };
        await driveChanges({ ...warmup, rate: settings.changesPerSecond });
      }
      let resyncs = 0;
      for (let run = 1; run <= settings.runs; run++) {
        await subs.start();
        const changes = await driveChanges({
          url: server.url,
          key,
          skus: catalog.skus,
          rate: settings.changesPerSecond,
          seconds: settings.seconds,
        });
        await new Promise((r) => setTimeout(r, settings.drainMs));
        const { samples, resyncs: total } = await subs.stop();
        const r: LatencyRun = {
          subscribers: level,
          run,
          changes,
          changesPerSecond: (changes.ok / changes.elapsedMs) * 1000,
          delivered: samples.length / Math.max(1, changes.ok * level),
          resyncs: total - resyncs,
          latencyMs: summarize(samples),
        };
        resyncs = total;
        latency.push(r);
        console.log(
          `  ${level} subscriber(s), run ${run}: ${Math.round(r.changesPerSecond)} changes/s (POST p50 ${r.changes.requestMs.p50} ms), arrival p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms, delivered ${(r.delivered * 100).toFixed(1)}%`,
        );
      }
    }
    const holdsWith = await holdRuns(`with ${subs.count} subscribers`);
    await subs.close();

    const perSecond = (runs: LoadResult[]) => spread(runs.map((r) => r.perSecond));
    const holdsPerSecond = {
      http: { without: perSecond(holdsWithout.http), with: perSecond(holdsWith.http) },
      inside: { without: perSecond(holdsWithout.inside), with: perSecond(holdsWith.inside) },
    };
    console.log(`\n${renderReport(latency, holdsPerSecond, settings.subscribers)}\n`);
    const path = await writeResults(settings.quick ? 'stream-quick' : 'stream', {
      bench: 'stream',
      settings,
      startedAt: new Date(started).toISOString(),
      wallSeconds: (Date.now() - started) / 1000,
      machine: { ...machineBefore, loadAverageAfter: machineInfo().loadAverage },
      stateFilesystem: filesystemOf(server.persistTo),
      latency,
      holds: { without: holdsWithout, with: holdsWith, perSecond: holdsPerSecond },
    });
    console.log(`Results: ${path}`);
  } catch (error) {
    console.error(`--- wrangler log (last lines) ---\n${server.logTail(40)}`);
    throw error;
  } finally {
    await server.stop();
  }
};

await main();
process.exit(process.exitCode ?? 0);
