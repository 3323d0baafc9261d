import { z } from 'zod';
import { devFetch } from '../../lib/api.ts';
import { summarize } from '../../lib/stats.ts';
import type { DevServer } from '../../lib/wrangler-dev.ts';
import {
  type Account,
  connectPaused,
  inventoryItemId,
  LOCATION_ID,
  resume,
  startSimulators,
  waitListed,
  waitReachable,
} from '../marketplaces.ts';
import { createLocation, loadInWaves, sleep } from '../setup.ts';
import { check, figure, type Scenario, type Size } from '../types.ts';

// Marketplace orders in (docs/orders.md): a simulated Shopify shop places orders and sends each
// one's signed orders/create webhook to the bench Worker at once; the channel's ChannelOrders
// turns each into a committed cart. Measured: orders in per second, the latency from asking the
// shop to place an order to its committed record, and the echo pushes avoided (the shop took the
// units off its own count, so the sync must not push that drop back). See bench/README.md.

const SIZES = {
  smoke: { skus: 4, orders: 8, inFlight: 2, runs: 1, settleMs: 15_000 },
  quick: { skus: 20, orders: 60, inFlight: 4, runs: 1, settleMs: 30_000 },
  full: { skus: 50, orders: 200, inFlight: 8, runs: 3, settleMs: 60_000 },
} satisfies Record<Size, unknown>;

const LOCATION = 'OR-WH';
const STOCK = 100_000;
const SECRET = 'shpss_bench_orders_0123456789abcdef';
const SHOP: Account = { channel: 'or-shopify', kind: 'shopify', account: 'or-shop', plan: 'plus' };

const Placed = z.object({ id: z.number(), delivered: z.union([z.number(), z.string()]) });
const OrderPage = z.object({
  items: z.array(z.object({ orderId: z.string(), status: z.string(), updatedAt: z.string() })),
  nextCursor: z.string().nullable(),
});
const SyncCounts = z.object({ counts: z.object({ avoided: z.number() }) });
const ShopTotals = z.object({ totals: z.object({ applied: z.number(), sold: z.number() }) });

const simPost = async (sims: DevServer, action: string, body: object): Promise<unknown> => {
  const res = await fetch(`${sims.url}/_sim/shopify/${action}?account=${SHOP.account}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`/_sim/shopify/${action}: ${res.status} ${await res.text()}`);
  return res.json();
};

const shopTotals = async (sims: DevServer) => {
  const res = await fetch(`${sims.url}/_sim/shopify/listing?account=${SHOP.account}`);
  return ShopTotals.parse(await res.json()).totals;
};

/** Every order of the channel with its status and when it last changed. */
const ordersOf = async (url: string, key: string) => {
  const all = new Map<string, { status: string; updatedAt: number }>();
  let cursor: string | null = null;
  do {
    const q: string = `channel=${SHOP.channel}&limit=500${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await devFetch(`${url}/v1/orders?${q}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const page = OrderPage.parse(await res.json());
    for (const o of page.items)
      all.set(o.orderId, { status: o.status, updatedAt: Date.parse(o.updatedAt) });
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
};

type Run = {
  orders: number;
  failedDeliveries: number;
  committed: number;
  perSecond: number;
  latencyMs: ReturnType<typeof summarize>;
  avoided: number;
  echoPushes: number;
  listedMatched: number;
};

export const orders: Scenario = {
  name: 'orders',
  description:
    'Marketplace orders in through a simulated Shopify shop’s webhooks: orders/s, order → committed latency, echo pushes avoided',
  run: async (ctx) => {
    const t = ctx.target;
    const size = SIZES[ctx.size];
    const runs = ctx.runs ?? size.runs;
    const starting = startSimulators(t);
    starting.catch(() => undefined);
    let sims: DevServer | undefined;
    try {
      const skus = Array.from({ length: size.skus }, (_, i) => `OR-${String(i).padStart(4, '0')}`);
      const skuOfItem = new Map(skus.map((sku, i) => [inventoryItemId(i), sku]));
      await createLocation(t, LOCATION);
      await t.api.post('/v1/channels', {
        code: SHOP.channel,
        name: 'Bench orders',
        kind: 'marketplace',
        locations: [LOCATION],
      });
      await loadInWaves(
        t,
        skus.map((code) => ({ code })),
        (wave) =>
          wave.map((s) => ({ sku: s.code, op: 'receive', location: LOCATION, quantity: STOCK })),
        ctx.log,
      );
      sims = await starting;
      await connectPaused(t, sims, SHOP, skus);
      await waitReachable(t, SHOP);
      await resume(t, SHOP);
      const sold = new Map(skus.map((s) => [s, 0]));
      const expected = () => new Map(skus.map((s) => [s, STOCK - (sold.get(s) ?? 0)]));
      const first = await waitListed(sims, SHOP, skuOfItem, expected(), size.settleMs);
      if (first.matched < skus.length)
        throw new Error(`first sync: ${first.matched}/${skus.length}`);
      const inbound = await devFetch(`${t.url}/v1/channels/${SHOP.channel}/inbound`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'shopify', secret: SECRET }),
      });
      if (!inbound.ok) throw new Error(`inbound: ${inbound.status} ${await inbound.text()}`);
      await simPost(sims, 'webhooks', {
        url: `${t.url}/v1/inbound/${SHOP.channel}/shopify`,
        secret: SECRET,
      });

      const results: Run[] = [];
      let n = 0;
      for (let r = 0; r < runs; r++) {
        const simulators = sims;
        const syncBefore = await t.api.get(`/v1/channels/${SHOP.channel}/sync`);
        const avoidedBefore = SyncCounts.parse(syncBefore).counts.avoided;
        const shopBefore = await shopTotals(simulators);
        const askedAt = new Map<string, number>();
        let failedDeliveries = 0;
        const started = Date.now();
        let next = 0;
        const worker = async () => {
          for (let i = next++; i < size.orders; i = next++) {
            const index = (n + i) % skus.length;
            const sku = skus[index] ?? '';
            sold.set(sku, (sold.get(sku) ?? 0) + 1);
            const line = { sku, quantity: 1, inventoryItemId: inventoryItemId(index) };
            const at = Date.now();
            const placed = Placed.parse(
              await simPost(simulators, 'order', {
                lines: [{ ...line, locationId: LOCATION_ID }],
                deliver: true,
              }),
            );
            askedAt.set(String(placed.id), at);
            if (placed.delivered !== 200) {
              if (failedDeliveries++ === 0) ctx.log(`  a delivery failed: ${placed.delivered}`);
            }
          }
        };
        await Promise.all(Array.from({ length: size.inFlight }, worker));
        n += size.orders;
        // Until every order of the run is committed (or the deadline passes).
        const deadline = Date.now() + size.settleMs;
        let seen = await ordersOf(t.url, t.key);
        const done = () =>
          [...askedAt.keys()].filter((id) => seen.get(id)?.status === 'committed').length;
        while (done() < askedAt.size && Date.now() < deadline) {
          await sleep(100);
          seen = await ordersOf(t.url, t.key);
        }
        const latencies = [...askedAt].flatMap(([id, at]) => {
          const o = seen.get(id);
          return o?.status === 'committed' ? [o.updatedAt - at] : [];
        });
        const last = Math.max(...[...askedAt.keys()].map((id) => seen.get(id)?.updatedAt ?? 0));
        // The shop shows our listed quantities again with no push of the orders' own drops.
        const shown = await waitListed(simulators, SHOP, skuOfItem, expected(), size.settleMs);
        const shopAfter = await shopTotals(simulators);
        const syncAfter = await t.api.get(`/v1/channels/${SHOP.channel}/sync`);
        const run: Run = {
          orders: askedAt.size,
          failedDeliveries,
          committed: latencies.length,
          perSecond: latencies.length / Math.max(0.001, (last - started) / 1000),
          latencyMs: summarize(latencies),
          avoided: SyncCounts.parse(syncAfter).counts.avoided - avoidedBefore,
          echoPushes: shopAfter.applied - shopBefore.applied,
          listedMatched: shown.matched,
        };
        results.push(run);
        ctx.log(
          `  run ${r + 1}: ${run.committed}/${run.orders} committed, ${run.perSecond.toFixed(1)} orders/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, avoided ${run.avoided}, echo pushes ${run.echoPushes}`,
        );
      }
      const all = (f: (r: Run) => number) => results.map(f);
      return {
        parameters: { ...size, runs, stock: STOCK, shop: 'Shopify Plus (simulated)' },
        figures: [
          figure(
            'orders in',
            'orders/s',
            all((r) => r.perSecond),
            1,
          ),
          figure(
            'order → committed min',
            'ms',
            all((r) => r.latencyMs.min),
          ),
          figure(
            'order → committed p50',
            'ms',
            all((r) => r.latencyMs.p50),
          ),
          figure(
            'order → committed p99',
            'ms',
            all((r) => r.latencyMs.p99),
          ),
          figure(
            'order → committed max',
            'ms',
            all((r) => r.latencyMs.max),
          ),
          figure(
            'echo pushes avoided',
            'pushes',
            all((r) => r.avoided),
          ),
          figure(
            'echo pushes sent',
            'pushes',
            all((r) => r.echoPushes),
          ),
        ],
        checks: [
          check(
            'every order delivered and committed once',
            results.every((r) => r.failedDeliveries === 0 && r.committed === r.orders),
            results
              .map((r) => `${r.committed}/${r.orders}, ${r.failedDeliveries} refused`)
              .join('; '),
          ),
          check(
            'the shop ends on our listed quantities',
            results.every((r) => r.listedMatched === skus.length),
            results.map((r) => `${r.listedMatched}/${skus.length} listed`).join('; '),
          ),
        ],
        data: results,
      };
    } finally {
      await (sims ?? (await starting.catch(() => undefined)))?.stop();
    }
  },
};
