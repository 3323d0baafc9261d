// Pure statistics shared by the bench Worker and the Node driver: no runtime-specific APIs.

export type LatencySummary = {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
};

export type Spread = { min: number; median: number; max: number };

/** Nearest-rank percentile of an ascending array; NaN when it is empty. */
export const percentile = (sorted: ArrayLike<number>, p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
};

/** Count, mean and the usual percentiles of a set of latencies (any unit). */
export const summarize = (values: ArrayLike<number>): LatencySummary => {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
};

/** Min, median and max across repeated runs (the median of an even count is the mean of the middle two). */
export const spread = (values: readonly number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] ?? Number.NaN)
      : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
  return {
    min: sorted[0] ?? Number.NaN,
    median,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
};

/** Latency counts by value, rounded to 0.1 ms: exact for workerd's whole-ms clock, and mergeable. */
export type Histogram = Record<string, number>;

export const histogram = (values: Iterable<number>): Histogram => {
  const h: Histogram = {};
  for (const v of values) {
    const key = String(Math.round(v * 10) / 10);
    h[key] = (h[key] ?? 0) + 1;
  }
  return h;
};

export const mergeHistograms = (hs: readonly Histogram[]): Histogram => {
  const merged: Histogram = {};
  for (const h of hs) for (const [k, n] of Object.entries(h)) merged[k] = (merged[k] ?? 0) + n;
  return merged;
};

/** The same summary as `summarize`, from a histogram. */
export const summarizeHistogram = (h: Histogram): LatencySummary => {
  const buckets = Object.entries(h)
    .map(([k, n]) => [Number(k), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const count = buckets.reduce((s, [, n]) => s + n, 0);
  const at = (p: number) => {
    const rank = Math.min(count, Math.max(1, Math.ceil((p / 100) * count)));
    let seen = 0;
    for (const [v, n] of buckets) {
      seen += n;
      if (seen >= rank) return v;
    }
    return Number.NaN;
  };
  const sum = buckets.reduce((s, [v, n]) => s + v * n, 0);
  return {
    count,
    min: buckets[0]?.[0] ?? Number.NaN,
    mean: count === 0 ? Number.NaN : sum / count,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: buckets[buckets.length - 1]?.[0] ?? Number.NaN,
  };
};
