import type { LoadResult } from '../lib/load-result.ts';
import { histogram, summarize } from '../lib/stats.ts';

/** What one call reports: the error code of an expected failure, or null on success. */
export type Call = () => Promise<string | null>;

export type FireOptions = {
  /** At most this many calls… */
  n: number;
  /** …and none started after this long. */
  durationMs: number;
  concurrency: number;
};

/**
 * Makes calls with at most `concurrency` in flight until `n` are made or `durationMs` has passed,
 * and times each one. In workerd the clock only advances across I/O (an RPC await is I/O), so
 * latencies are whole milliseconds at best.
 */
export const fire = async (call: Call, o: FireOptions): Promise<LoadResult> => {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const deadline = performance.now() + o.durationMs;
  let made = 0;
  let failed = 0;
  const fail = (code: string) => {
    failed++;
    errors[code] = (errors[code] ?? 0) + 1;
  };
  const loop = async () => {
    while (made < o.n && performance.now() < deadline) {
      made++;
      const started = performance.now();
      try {
        const code = await call();
        if (code !== null) fail(code);
      } catch (e) {
        fail(e instanceof Error && 'overloaded' in e ? 'overloaded' : 'thrown');
      }
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.n) }, loop));
  const elapsedMs = performance.now() - started;
  return {
    ok: made - failed,
    failed,
    errors,
    elapsedMs,
    perSecond: ((made - failed) / elapsedMs) * 1000,
    concurrency: o.concurrency,
    latencyMs: summarize(latencies),
    histogramMs: histogram(latencies),
  };
};
