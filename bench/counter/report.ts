import type { LoadResult } from '../lib/load-result.ts';
import { type Spread, spread } from '../lib/stats.ts';
import { formatTable, num } from '../lib/table.ts';
import type { Scenario } from './scenarios.ts';

export type Summary = {
  id: string;
  counter: string;
  via: string;
  perSecond: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  requests: number;
  failed: number;
  errors: Record<string, number>;
  runs: LoadResult[];
};

/** Min, median and max across the runs of one configuration. */
export const summarise = (s: Scenario, runs: LoadResult[]): Summary => {
  const errors: Record<string, number> = {};
  for (const r of runs) {
    for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  }
  return {
    id: s.id,
    counter: s.counter,
    via: s.via,
    perSecond: spread(runs.map((r) => r.perSecond)),
    p50Ms: spread(runs.map((r) => r.latencyMs.p50)),
    p99Ms: spread(runs.map((r) => r.latencyMs.p99)),
    requests: runs.reduce((n, r) => n + r.ok + r.failed, 0),
    failed: runs.reduce((n, r) => n + r.failed, 0),
    errors,
    runs,
  };
};

/** One run's line, printed as it completes. */
export const runLine = (run: number, s: Scenario, r: LoadResult): string =>
  `  run ${run} (${s.id}) ${s.counter} ${s.via}: ${num(r.perSecond)}/s, p50 ${num(r.latencyMs.p50, 1)} ms, p99 ${num(r.latencyMs.p99, 1)} ms` +
  (r.failed > 0 ? `, ${r.failed} failed ${JSON.stringify(r.errors)}` : '');

const latencyCell = (s: Spread) =>
  s.min === s.max ? num(s.median, 1) : `${num(s.median, 1)} [${num(s.min, 1)}-${num(s.max, 1)}]`;

/** The table: throughput min/median/max, latency median [min-max] across runs. */
export const renderTable = (summaries: readonly Summary[]): string =>
  formatTable(
    ['', 'counter', 'measured', 'holds/s min', 'median', 'max', 'p50 ms', 'p99 ms', 'failed'],
    summaries.map((s) => [
      `(${s.id})`,
      s.counter,
      s.via,
      num(s.perSecond.min),
      num(s.perSecond.median),
      num(s.perSecond.max),
      latencyCell(s.p50Ms),
      latencyCell(s.p99Ms),
      num(s.failed),
    ]),
  );
