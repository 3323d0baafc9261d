import autocannon from 'autocannon';
import type { LoadResult } from './load-result.ts';

export type HttpLoadOptions = {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSec: number;
};

/**
 * Drives one URL with autocannon for a fixed time and reports it as a LoadResult: `perSecond`
 * counts 2xx answers only, latency covers every answer (autocannon's histogram, in ms).
 */
export const httpLoad = async (o: HttpLoadOptions): Promise<LoadResult> => {
  const r = await autocannon({
    url: o.url,
    method: o.method,
    ...(o.headers && { headers: o.headers }),
    ...(o.body !== undefined && { body: o.body }),
    connections: o.connections,
    duration: o.durationSec,
    pipelining: 1,
  });
  const errors: Record<string, number> = {};
  for (const [status, stat] of Object.entries(r.statusCodeStats ?? {})) {
    if (!status.startsWith('2')) errors[`http_${status}`] = stat.count ?? 0;
  }
  if (r.errors > 0) errors.connection = r.errors;
  const failed = r.non2xx + r.errors;
  return {
    ok: r['2xx'],
    failed,
    errors,
    elapsedMs: r.duration * 1000,
    perSecond: r['2xx'] / r.duration,
    concurrency: o.connections,
    latencyMs: {
      count: r.requests.total,
      min: r.latency.min,
      mean: r.latency.mean,
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
    },
  };
};
