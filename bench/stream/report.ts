import type { LatencySummary, Spread } from '../lib/stats.ts';
import { spread } from '../lib/stats.ts';
import { formatTable, num } from '../lib/table.ts';
import type { ChangeRun } from './changes.ts';

export type LatencyRun = {
  subscribers: number;
  run: number;
  changes: ChangeRun;
  changesPerSecond: number;
  /** Updates received over (changes accepted × subscribers). */
  delivered: number;
  resyncs: number;
  latencyMs: LatencySummary;
};

const cell = (s: Spread, digits = 0) =>
  s.min === s.max
    ? num(s.median, digits)
    : `${num(s.median, digits)} [${num(s.min, digits)}-${num(s.max, digits)}]`;

/** One row per subscriber count (median of the runs [min-max]), then the counter's holds. */
export const renderReport = (
  runs: readonly LatencyRun[],
  holds: Record<'http' | 'inside', { without: Spread; with: Spread }>,
  levels: readonly number[],
): string => {
  const rows = levels.map((level) => {
    const mine = runs.filter((r) => r.subscribers === level);
    const of = (f: (r: LatencyRun) => number) => spread(mine.map(f));
    return [
      num(level),
      cell(of((r) => r.changesPerSecond)),
      `${cell(
        of((r) => r.delivered * 100),
        1,
      )}%`,
      cell(of((r) => r.latencyMs.p50)),
      cell(of((r) => r.latencyMs.p99)),
      cell(of((r) => r.latencyMs.max)),
      num(mine.reduce((s, r) => s + r.resyncs, 0)),
    ];
  });
  const latency = formatTable(
    ['subscribers', 'changes/s', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'resyncs'],
    rows,
  );
  const counter = formatTable(
    ['holds/s on one SKU', 'over HTTP', 'inside workerd'],
    [
      ['no subscriber', cell(holds.http.without), cell(holds.inside.without)],
      [`${levels.at(-1)} subscribers attached`, cell(holds.http.with), cell(holds.inside.with)],
    ],
  );
  return `Latency: the change's event time in SkuStock to its arrival at each subscriber.\n${latency}\n\n${counter}`;
};
