import { z } from 'zod';
import { devFetch } from '../lib/api.ts';
import { LoadResult, mergeParts } from '../lib/load-result.ts';
import { histogram, summarize } from '../lib/stats.ts';
import { CHANNEL } from './setup.ts';
import type { Line } from './stream.ts';

/** A run's figures, plus what it held: units and lines of the carts that succeeded. */
export type CartRun = LoadResult & { units: number; lines: number };

export type RunOptions = {
  url: string;
  key: string;
  carts: readonly Line[][];
  concurrency: number;
};

/**
 * Longest request sent through wrangler dev: its proxy resets the connection after one of ~8 s,
 * so a run inside workerd is sent as consecutive parts whose histograms merge exactly.
 */
const PART_MS = 2000;
/** Holds outlive any run, so that nothing expires while the bench still counts it. */
const TTL_SECONDS = 3600;

const InsidePart = LoadResult.extend({ units: z.number(), lines: z.number(), next: z.number() });

/** Where the next run starts in the cart list, so successive runs use different carts. */
let offset = 0;

/** Carts reserved by the bench Worker itself through the real gateway (POST /bench/carts). */
export const insideRun = async (o: RunOptions, seconds: number): Promise<CartRun> => {
  const parts: z.infer<typeof InsidePart>[] = [];
  for (let left = Math.round(seconds * 1000); left > 0; left -= PART_MS) {
    const res = await devFetch(
      `${o.url}/bench/carts`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${o.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          channel: CHANNEL,
          carts: o.carts,
          offset,
          concurrency: o.concurrency,
          durationMs: Math.min(left, PART_MS),
          ttlSeconds: TTL_SECONDS,
        }),
      },
      120_000,
    );
    const text = await res.text();
    if (!res.ok) throw new Error(`/bench/carts answered ${res.status}: ${text.slice(0, 500)}`);
    const part = InsidePart.parse(JSON.parse(text));
    offset = part.next;
    parts.push(part);
  }
  return {
    ...mergeParts(parts),
    units: parts.reduce((s, p) => s + p.units, 0),
    lines: parts.reduce((s, p) => s + p.lines, 0),
  };
};

const ErrorBody = z.object({ error: z.object({ code: z.string() }) });

/** Carts POSTed to /v1/reservations over HTTP through wrangler dev, `concurrency` in flight. */
export const httpRun = async (o: RunOptions, seconds: number): Promise<CartRun> => {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let [ok, failed, units, lines] = [0, 0, 0, 0];
  const deadline = performance.now() + seconds * 1000;
  const headers = { authorization: `Bearer ${o.key}`, 'content-type': 'application/json' };
  const loop = async () => {
    while (performance.now() < deadline) {
      const cart = o.carts[offset++ % o.carts.length] ?? [];
      const body = JSON.stringify({ channel: CHANNEL, lines: cart, ttlSeconds: TTL_SECONDS });
      const started = performance.now();
      const res = await fetch(`${o.url}/v1/reservations`, { method: 'POST', headers, body });
      const text = await res.text();
      latencies.push(performance.now() - started);
      if (res.status === 201) {
        ok++;
        units += cart.reduce((s, l) => s + l.quantity, 0);
        lines += cart.length;
        continue;
      }
      failed++;
      const code = ErrorBody.safeParse(safeJson(text)).data?.error.code ?? `http_${res.status}`;
      errors[code] = (errors[code] ?? 0) + 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: o.concurrency }, loop));
  const elapsedMs = performance.now() - started;
  return {
    ok,
    failed,
    errors,
    elapsedMs,
    perSecond: (ok / elapsedMs) * 1000,
    concurrency: o.concurrency,
    latencyMs: summarize(latencies),
    histogramMs: histogram(latencies),
    units,
    lines,
  };
};

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
