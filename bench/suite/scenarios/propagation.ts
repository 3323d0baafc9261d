import { runStream } from '../../stream/run.ts';
import { check, type Figure, figure, type Scenario, type Size } from '../types.ts';

const SIZES = {
  smoke: {
    runs: 1,
    seconds: 0.5,
    warmupSeconds: 0,
    changesPerSecond: 100,
    skus: 20,
    subscribers: [1, 10],
    drainMs: 300,
  },
  quick: {
    runs: 1,
    seconds: 1,
    warmupSeconds: 0,
    changesPerSecond: 200,
    skus: 100,
    subscribers: [1, 100, 1000],
    drainMs: 500,
  },
  full: {
    runs: 3,
    seconds: 5,
    warmupSeconds: 0.5,
    changesPerSecond: 200,
    skus: 200,
    subscribers: [1, 100, 1000],
    drainMs: 1000,
  },
} satisfies Record<Size, unknown>;

/**
 * Below this share of updates delivered, the stream is broken. Not 100%: the counter and the hub
 * coalesce (the latest state of a SKU wins), and updates from the window before can land in it.
 */
const MIN_DELIVERED = 0.5;
/** Adjustments may fail on an overloaded machine (the proxy); more than this is a broken run. */
const MAX_FAILED_SHARE = 0.05;

/** bench:stream's arrival latency (bench/stream/run.ts) at each subscriber count, as figures. */
export const propagation: Scenario = {
  name: 'propagation',
  description:
    'An adjustment to its arrival at every subscriber: p50/p99 at 1, 100 and 1,000 subscribers',
  run: async (ctx) => {
    const t = ctx.target;
    const settings = {
      ...SIZES[ctx.size],
      runs: ctx.runs ?? SIZES[ctx.size].runs,
      holdConcurrency: 16,
      // The hot-SKU holds beside 1,000 subscribers are bench:stream's; the suite measures
      // holds in hot-sku.
      holds: false,
    };
    const { latency } = await runStream(t, settings, ctx.log);
    const figures: Figure[] = [];
    for (const level of settings.subscribers) {
      const runs = latency.filter((r) => r.subscribers === level);
      const n = level.toLocaleString('en-US');
      figures.push(
        figure(
          `${n} subscriber(s): changes/s sent`,
          'changes/s',
          runs.map((r) => r.changesPerSecond),
        ),
        figure(
          `${n} subscriber(s): arrival p50`,
          'ms',
          runs.map((r) => r.latencyMs.p50),
        ),
        figure(
          `${n} subscriber(s): arrival p99`,
          'ms',
          runs.map((r) => r.latencyMs.p99),
        ),
        figure(
          `${n} subscriber(s): delivered`,
          '%',
          runs.map((r) => r.delivered * 100),
          1,
        ),
      );
    }
    const [low, high] = [settings.subscribers[0], settings.subscribers.at(-1)];
    const p99 = (level: number | undefined) =>
      latency.filter((r) => r.subscribers === level).map((r) => r.latencyMs.p99);
    const highP99 = p99(high);
    figures.push(
      figure(
        `arrival p99, ${high?.toLocaleString('en-US')} / ${low} subscriber(s)`,
        'ratio',
        p99(low).map((l, i) => (highP99[i] ?? Number.NaN) / l),
        2,
      ),
    );
    return {
      parameters: settings,
      figures,
      checks: [
        check(
          `every window delivered ≥ ${MIN_DELIVERED * 100}% of updates`,
          latency.every((r) => r.delivered >= MIN_DELIVERED),
          latency.map((r) => `${r.subscribers}: ${(r.delivered * 100).toFixed(1)}%`).join(', '),
        ),
        check(
          `adjustments failed under ${MAX_FAILED_SHARE * 100}%`,
          latency.every(
            (r) => r.changes.failed <= r.changes.sent * MAX_FAILED_SHARE && r.changes.ok > 0,
          ),
          latency.map((r) => `${r.changes.failed}/${r.changes.sent} failed`).join(', '),
        ),
      ],
      data: { latency },
    };
  },
};
