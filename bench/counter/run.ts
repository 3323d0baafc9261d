import type { ApiClient } from '../lib/api.ts';
import type { LoadResult } from '../lib/load-result.ts';
import { runLine, type Summary, summarise } from './report.ts';
import { createCatalog, scenarios } from './scenarios.ts';

export type CounterSettings = {
  runs: number;
  /** Each measured run, per configuration. */
  seconds: number;
  warmupSeconds: number;
  /** Requests in flight: concurrent calls inside the Worker, or autocannon connections. */
  concurrency: number;
};

/** Far above any rate seen here, so no run can run a counter dry. */
const MAX_HOLDS_PER_SECOND = 100_000;

export type CounterRun = {
  summaries: Summary[];
  /** durable/memory of the median holds/s, inside workerd (a/b) and over HTTP (c/d). */
  ratios: { insideWorkerd: number; http: number };
};

/**
 * The five rows of bench:counter against a running bench Worker: catalog, warm-up, then the runs
 * interleaved (a b c d e, a b c d e, ...) so that drift on a shared machine hits every row.
 */
export const runCounter = async (
  target: { url: string; key: string; api: ApiClient },
  settings: CounterSettings,
  log: (line: string) => void = console.log,
): Promise<CounterRun> => {
  await createCatalog(target.api);
  const all = scenarios({
    ...target,
    concurrency: settings.concurrency,
    unitsPerRun: Math.ceil(MAX_HOLDS_PER_SECOND * settings.seconds),
  });
  for (const s of all) {
    await s.prepare();
    await s.run(settings.warmupSeconds);
  }
  log('  warmed up');
  const results = new Map<string, LoadResult[]>(all.map((s) => [s.id, []]));
  for (let run = 1; run <= settings.runs; run++) {
    for (const s of all) {
      await s.prepare();
      const r = await s.run(settings.seconds);
      results.get(s.id)?.push(r);
      log(runLine(run, s, r));
    }
  }
  const summaries = all.map((s) => summarise(s, results.get(s.id) ?? []));
  const median = (id: string) => summaries.find((s) => s.id === id)?.perSecond.median ?? NaN;
  return {
    summaries,
    ratios: { insideWorkerd: median('a') / median('b'), http: median('c') / median('d') },
  };
};
