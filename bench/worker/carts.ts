import { Hono } from 'hono';
import { z } from 'zod';
import worker from '../../workers/index';
import type { BenchEnv } from './bench-env';
import { fire } from './fire';

const CartsBody = z.object({
  channel: z.string(),
  carts: z.array(z.array(z.object({ sku: z.string(), quantity: z.number().int() })).min(1)).min(1),
  /** Where in `carts` this part starts, so consecutive parts of a run use different carts. */
  offset: z.number().int().min(0).default(0),
  concurrency: z.number().int().min(1).max(1024),
  durationMs: z.number().int().min(1).max(120_000),
  ttlSeconds: z.number().int().min(1).default(3600),
});

/**
 * POST /bench/carts: real carts reserved from inside workerd through the real gateway (auth,
 * validation, routing, the Checkout object and every SkuStock it calls), with no HTTP proxy in
 * the way. The caller's Authorization header is passed on. Answers a LoadResult plus the units
 * held, for the driver's reconciliation.
 */
export const benchCartRoutes = new Hono<{ Bindings: BenchEnv }>().post(
  '/bench/carts',
  async (c) => {
    const body = CartsBody.parse(await c.req.json());
    const authorization = c.req.header('authorization') ?? '';
    let next = body.offset;
    let units = 0;
    let lines = 0;
    const result = await fire(
      async () => {
        const cart = body.carts[next++ % body.carts.length] ?? [];
        const request = new Request('http://bench.local/v1/reservations', {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ channel: body.channel, lines: cart, ttlSeconds: body.ttlSeconds }),
        });
        const res = await worker.fetch(request, c.env, c.executionCtx);
        if (res.status === 201) {
          await res.body?.cancel();
          units += cart.reduce((s, l) => s + l.quantity, 0);
          lines += cart.length;
          return null;
        }
        const text = await res.text();
        return (
          z.object({ error: z.object({ code: z.string() }) }).safeParse(JSON.parse(text)).data
            ?.error.code ?? `http_${res.status}`
        );
      },
      { n: 1_000_000, durationMs: body.durationMs, concurrency: body.concurrency },
    );
    return c.json({ ...result, units, lines, next });
  },
);
