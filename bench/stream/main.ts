// npm run bench:stream [-- --quick | --runs N --seconds S]
// Stream latency (an accepted change to its arrival at subscribers) with 1, 100 and 1,000
// subscribers while 200 changes a second flow, and the counter's holds per second with and
// without 1,000 subscribers attached. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { apiClient } from '../lib/api.ts';
import { positive } from '../lib/args.ts';
import { filesystemOf, machineInfo } from '../lib/machine.ts';
import { writeResults } from '../lib/results.ts';
import { startWranglerDev } from '../lib/wrangler-dev.ts';
import { renderReport } from './report.ts';
import { runStream } from './run.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    seconds: { type: 'string' },
  },
});
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
    const { latency, holds } = await runStream({ url: server.url, key, api }, settings);
    console.log(`\n${renderReport(latency, holds.perSecond, settings.subscribers)}\n`);
    const path = await writeResults(settings.quick ? 'stream-quick' : 'stream', {
      bench: 'stream',
      settings,
      startedAt: new Date(started).toISOString(),
      wallSeconds: (Date.now() - started) / 1000,
      machine: { ...machineBefore, loadAverageAfter: machineInfo().loadAverage },
      stateFilesystem: filesystemOf(server.persistTo),
      latency,
      holds,
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
