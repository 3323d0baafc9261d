import { z } from 'zod';
import { mergeHistograms, summarizeHistogram } from './stats.ts';

// One measured run of a load scenario, whether driven inside workerd or over HTTP: the bench
// Worker answers /bench/inside with this shape, and the Node driver builds the same from autocannon.

export const LatencySummary = z.object({
  count: z.number(),
  min: z.number(),
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  max: z.number(),
});

export const LoadResult = z.object({
  /** Requests that succeeded (a hold taken) and requests that did not. */
  ok: z.number().int(),
  failed: z.number().int(),
  /** Failures by error code (or `thrown` / `http_<status>`), to explain a bad run. */
  errors: z.record(z.string(), z.number()),
  elapsedMs: z.number(),
  perSecond: z.number(),
  concurrency: z.number().int(),
  latencyMs: LatencySummary,
  /** Latency counts by ms (inside workerd only), so that consecutive parts of a run merge exactly. */
  histogramMs: z.record(z.string(), z.number()).optional(),
});
export type LoadResult = z.infer<typeof LoadResult>;

/** One result from consecutive parts of a run; every part must carry its histogram. */
export const mergeParts = (parts: readonly LoadResult[]): LoadResult => {
  const histograms = parts.map((p) => {
    if (p.histogramMs === undefined) throw new Error('mergeParts needs histograms');
    return p.histogramMs;
  });
  const errors: Record<string, number> = {};
  for (const p of parts) {
    for (const [code, n] of Object.entries(p.errors)) errors[code] = (errors[code] ?? 0) + n;
  }
  const ok = parts.reduce((s, p) => s + p.ok, 0);
  const elapsedMs = parts.reduce((s, p) => s + p.elapsedMs, 0);
  const histogramMs = mergeHistograms(histograms);
  return {
    ok,
    failed: parts.reduce((s, p) => s + p.failed, 0),
    errors,
    elapsedMs,
    perSecond: (ok / elapsedMs) * 1000,
    concurrency: parts[0]?.concurrency ?? 0,
    latencyMs: summarizeHistogram(histogramMs),
    histogramMs,
  };
};
