import { Hono } from 'hono';
import { z } from 'zod';
import { LocationCode, SkuCode } from '../../protocol/stock';
import { histogram, summarize } from '../lib/stats';
import type { BenchEnv } from './bench-env';

const PacedBody = z.object({
  skus: z.array(SkuCode).min(1).max(10_000),
  location: LocationCode,
  /** Operations a second, alternating receive and hold (quantity 1) round-robin over the SKUs. */
  rate: z.number().min(1).max(100_000),
  durationMs: z.number().int().min(1).max(10_000),
  maxInFlight: z.number().int().min(1).max(4096).default(256),
  /** Index of the first operation, so that consecutive parts continue the round-robin. */
  first: z.number().int().min(0).default(0),
});

/**
 * Open-loop operations fired from inside workerd straight at SkuStock stubs, paced by the clock:
 * the ledger's lag at a rate the wrangler dev HTTP proxy cannot carry on a small machine.
 */
export const benchPacedRoutes = new Hono<{ Bindings: BenchEnv }>();

benchPacedRoutes.post('/bench/paced', async (c) => {
  const o = PacedBody.parse(await c.req.json());
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let [sent, ok, failed, inFlight] = [0, 0, 0, 0];
  const meta = { actor: 'bench' };
  const fire = (i: number) => {
    const n = o.first + i;
    const sku = o.skus[n % o.skus.length] ?? '';
    const hold = Math.floor(n / o.skus.length) % 2 === 1;
    const command = hold
      ? { op: 'hold' as const, quantity: 1 }
      : { op: 'receive' as const, location: o.location, quantity: 1 };
    const stub = c.env.SkuStock.get(c.env.SkuStock.idFromName(sku));
    const at = performance.now();
    inFlight++;
    return stub
      .apply(command, meta)
      .then(
        (r) => {
          if (r.ok) ok++;
          else {
            failed++;
            errors[r.error.code] = (errors[r.error.code] ?? 0) + 1;
          }
        },
        () => {
          failed++;
          errors.thrown = (errors.thrown ?? 0) + 1;
        },
      )
      .finally(() => {
        inFlight--;
        latencies.push(performance.now() - at);
      });
  };
  const pending: Promise<void>[] = [];
  const started = Date.now();
  let owed = 0;
  // Date.now() advances across I/O only; each 5 ms timer is I/O, so the pacing follows the clock.
  while (Date.now() - started < o.durationMs) {
    owed = Math.floor(((Date.now() - started) * o.rate) / 1000);
    while (sent < owed && inFlight < o.maxInFlight) pending.push(fire(sent++));
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
  const elapsedMs = Date.now() - started;
  return c.json({
    sent,
    ok,
    failed,
    errors,
    behind: Math.max(0, owed - sent),
    elapsedMs,
    perSecond: (ok / elapsedMs) * 1000,
    latencyMs: summarize(latencies),
    histogramMs: histogram(latencies),
  });
});
