import { Hono } from 'hono';
import { z } from 'zod';
import { BackorderPolicy, SkuCode } from '../../protocol/stock';
import { mapLimited } from '../../shared/concurrency';
import worker from '../../workers/index';
import type { BenchEnv } from './bench-env';
import { benchCartRoutes } from './carts';
import { benchCountsRoutes } from './counts';
import { fire } from './fire';
import { benchLedgerRoutes } from './ledger';
import { benchPacedRoutes } from './paced';

const Counter = z.enum(['durable', 'memory']);
const InsideQuery = z.object({
  counter: Counter,
  sku: SkuCode,
  n: z.coerce.number().int().min(1).max(1_000_000).default(1_000_000),
  durationMs: z.coerce.number().int().min(1).max(120_000).default(120_000),
  concurrency: z.coerce.number().int().min(1).max(4096),
  quantity: z.coerce.number().int().min(1).max(1000).default(1),
});
const ConfigureQuery = z.object({
  counter: Counter,
  sku: SkuCode,
  policy: BackorderPolicy.default('deny'),
});

const MEMORY_PREFIX = '/bench/memory';

/** The stub of either counter for a SKU: both expose the same RPC surface. */
const counterStub = (env: BenchEnv, counter: z.infer<typeof Counter>, sku: string) =>
  counter === 'durable'
    ? env.SkuStock.get(env.SkuStock.idFromName(sku))
    : env.MemoryStock.get(env.MemoryStock.idFromName(sku));

export const benchRoutes = new Hono<{ Bindings: BenchEnv }>();

const EmptyQuery = z.object({
  n: z.coerce.number().int().min(1).max(5_000),
  tag: z.string().regex(/^[a-z0-9-]{1,40}$/),
});

// Wakes n empty SQLite objects at once (the memory scenario's floor): all open when it answers.
benchRoutes.post('/bench/empty', async (c) => {
  const q = EmptyQuery.parse(c.req.query());
  const ns = c.env.EmptyObject;
  const ones = await mapLimited(
    Array.from({ length: q.n }, (_, i) => `${q.tag}-${i}`),
    50,
    (name) => ns.get(ns.idFromName(name)).wake(),
  );
  return c.json({ woken: ones.length });
});

// Holds fired from inside workerd straight at one stub: the object's own throughput, no HTTP.
benchRoutes.post('/bench/inside', async (c) => {
  const q = InsideQuery.parse(c.req.query());
  const stub = counterStub(c.env, q.counter, q.sku);
  const command = { op: 'hold' as const, quantity: q.quantity };
  const meta = { actor: 'bench' };
  const result = await fire(async () => {
    const r = await stub.apply(command, meta);
    return r.ok ? null : r.error.code;
  }, q);
  return c.json(result);
});

// Creates a counter without the catalog: always for MemoryStock (POST /v1/skus configures only
// SkuStock), and for SkuStock when the catalog routes are not there.
benchRoutes.post('/bench/configure', async (c) => {
  const { counter, sku, policy } = ConfigureQuery.parse(c.req.query());
  return c.json(await counterStub(c.env, counter, sku).configure({ sku, policy }));
});

// The real gateway, unchanged, with MemoryStock bound where SkuStock is: /bench/memory/v1/... is
// /v1/... (auth, body limit, parsing, catalog checks) against the in-memory counter.
benchRoutes.all(`${MEMORY_PREFIX}/v1/*`, (c) => {
  const url = new URL(c.req.url);
  url.pathname = url.pathname.slice(MEMORY_PREFIX.length);
  // MemoryStock implements SkuStock's RPC methods (CounterRpc); the namespace types differ only
  // through SkuStock's private fields, which a stub never exposes.
  const SkuStock = c.env.MemoryStock as unknown as Env['SkuStock'];
  const env: Env = { ...c.env, SkuStock };
  return worker.fetch(new Request(url, c.req.raw), env, c.executionCtx);
});

// Whole carts reserved through the real gateway from inside workerd (bench/worker/carts.ts).
benchRoutes.route('/', benchCartRoutes);

// Ledger counts and the oversell check, straight from D1 (bench/worker/ledger.ts).
benchRoutes.route('/', benchLedgerRoutes);
// Paced receives and holds fired from inside workerd (bench/worker/paced.ts).
benchRoutes.route('/', benchPacedRoutes);
// The counts scenario's counting window (bench/worker/counts.ts).
benchRoutes.route('/', benchCountsRoutes);

// Touches nothing: what wrangler dev's HTTP proxy serves at best, the bound of every HTTP row.
benchRoutes.get('/bench/noop', (c) => c.text('ok'));

// Bench-only: say what went wrong, so the driver can print it.
benchRoutes.onError((e, c) => c.json({ error: e instanceof Error ? e.message : String(e) }, 500));
