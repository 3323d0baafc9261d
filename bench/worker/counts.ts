import { Hono } from 'hono';
import type { BenchEnv } from './bench-env';
import { countingEnabled, readCounts, startCounting, stopCounting } from './counting';

/**
 * The counts scenario's window (counting.ts): start, read, stop. Only in a bench Worker started
 * with BENCH_COUNTS=on; elsewhere 404, so no other scenario can turn counting on by mistake.
 */
export const benchCountsRoutes = new Hono<{ Bindings: BenchEnv }>();

benchCountsRoutes.use('/bench/counts/*', async (c, next) => {
  if (!countingEnabled(c.env)) {
    return c.json({ error: 'this bench Worker was not started with BENCH_COUNTS=on' }, 404);
  }
  await next();
});

benchCountsRoutes.post('/bench/counts/start', (c) => {
  startCounting();
  return c.json({ ok: true });
});
// POST, like start and stop: after a long request wrangler dev's proxy may hang a GET (README).
benchCountsRoutes.post('/bench/counts/read', (c) => c.json(readCounts() ?? null));
benchCountsRoutes.post('/bench/counts/stop', (c) => c.json(stopCounting() ?? null));
