import WebSocket from 'ws';
import { z } from 'zod';
import { createStockmeshClient, type StockStream } from '../../../client/index.ts';
import { shardOf } from '../../../protocol/shard.ts';
import type { DevServer } from '../../lib/wrangler-dev.ts';
import { measure, type OpCounts, type WindowSettings } from '../counts/measure.ts';
import { BRANDS, model, renderModel } from '../counts/model.ts';
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
import { createLocation, importSkus, postBatch } from '../setup.ts';
import { check, type Figure, figure, type Scenario, type Size } from '../types.ts';

// npm run bench -- counts: what each user operation costs in the units Cloudflare bills, counted
// on the bench Worker started with BENCH_COUNTS=on (bench/worker/counting.ts), then the cost and
// capacity model of bench/README.md computed from those counts (counts/model.ts).

const SIZES = {
  // Under ~10 s with the server already up: one operation per window, a 2-line cart, and only
  // the operations the model needs (no single-SKU commit or release, no single-line warehouse
  // batches, no channel).
  smoke: { n: 1, cartLines: 2, batchLines: 10, subscribers: 2, channel: false, every: false },
  quick: { n: 10, cartLines: 3, batchLines: 100, subscribers: 10, channel: true, every: true },
  full: { n: 20, cartLines: 3, batchLines: 100, subscribers: 10, channel: true, every: true },
} satisfies Record<Size, unknown>;

const SETTLE: Record<Size, WindowSettings> = {
  smoke: { minSettleMs: 600, pollMs: 200, maxSettleMs: 4_000 },
  quick: { minSettleMs: 1_200, pollMs: 500, maxSettleMs: 15_000 },
  full: { minSettleMs: 1_500, pollMs: 700, maxSettleMs: 20_000 },
};

const LOCATION = 'CT-WH';
const CHANNEL = 'ct-web';
const SHOP_LOCATION = 'CT-SHOP-WH';
const SHOP: Account = { channel: 'ct-shopify', kind: 'shopify', account: 'ct-shop', plan: 'plus' };
const SHOP_SECRET = 'shpss_bench_counts_0123456789abcdef';
const STOCK = 100_000;
const SHARDS = 4; // bench/wrangler.toml STREAM_SHARDS
const SHARD = 0;

const HoldAnswer = z.object({ hold: z.object({ holdId: z.string() }) });
const Reservation = z.object({ reservationId: z.string(), status: z.literal('held') });

/** `n` SKU codes `stem-i` that hash to the stream shard the subscribers listen to. */
const codes = (stem: string, n: number): string[] => {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const code = `CT-${stem}-${i}`;
    if (shardOf(code, SHARDS) === SHARD) out.push(code);
  }
  return out;
};

export const counts: Scenario = {
  name: 'counts',
  counting: true,
  description:
    'Per user operation: Durable Object calls, SQL rows, D1 rows, hub and subscriber messages; then the cost and capacity model at Cloudflare prices',
  run: async (ctx) => {
    const t = ctx.target;
    const s = SIZES[ctx.size];
    const settle = SETTLE[ctx.size];
    const n = s.n;
    const starting = s.channel ? startSimulators(t) : undefined;
    starting?.catch(() => undefined);
    let sims: DevServer | undefined;
    const streams: StockStream[] = [];
    try {
      // --- setup, outside any window ---
      await createLocation(t, LOCATION);
      await t.api.post('/v1/channels', {
        code: CHANNEL,
        name: 'Bench counts',
        kind: 'storefront',
        locations: [LOCATION],
        routing: 'nearest',
        allowSplit: false,
      });
      const singles = codes('H', n);
      const releases = codes('R', n);
      const adjusts = codes('A', n);
      const cartSkus = codes('C', n * s.cartLines);
      const lines = codes('L', Math.max(n, s.batchLines));
      const streamed = codes('S', n);
      const all = [...singles, ...releases, ...adjusts, ...cartSkus, ...lines, ...streamed];
      await importSkus(
        t,
        all.map((code) => ({ code })),
      );
      const opening = await postBatch(
        t,
        all.map((sku) => ({ sku, op: 'receive', location: LOCATION, quantity: STOCK })),
      );
      if (opening.failed > 0) throw new Error(`${opening.failed} opening lines failed`);
      const hold = async (sku: string) =>
        HoldAnswer.parse(await t.api.post(`/v1/skus/${sku}/holds`, { quantity: 1 })).hold.holdId;
      const releaseHolds = await Promise.all(releases.map(hold));

      // The setup's own tail (the opening lines' ledger flush, publishes) settles unmeasured.
      await measure(t, 'setup tail', 1, async () => undefined, settle);

      const measured: OpCounts[] = [];
      const problems = new Set<string>();
      const window = async (op: string, count: number, run: () => Promise<void>) => {
        const c = await measure(t, op, count, run, settle);
        for (const p of c.problems) problems.add(p);
        measured.push(c);
        ctx.log(
          `  ${op}: ${fmt(total(c.calls))} object calls, ${fmt(total(c.sqlWritten))} SQL rows written, ${fmt(c.d1Written)} D1 rows written, ${fmt(c.subscriberMessages)} subscriber messages (settled in ${c.settleSeconds.toFixed(1)} s)`,
        );
        return c;
      };

      // --- the windows ---
      const holdIds: string[] = [];
      await window('hold (one SKU, HTTP)', n, async () => {
        holdIds.push(...(await Promise.all(singles.map(hold))));
      });
      if (s.every) {
        await window('commit a hold', n, async () => {
          await Promise.all(
            singles.map((sku, i) => t.api.post(`/v1/skus/${sku}/holds/${holdIds[i]}/commit`, {})),
          );
        });
      }
      if (s.every) {
        await window('release a hold', n, async () => {
          await Promise.all(
            releases.map((sku, i) =>
              t.api.post(`/v1/skus/${sku}/holds/${releaseHolds[i]}/release`, {}),
            ),
          );
        });
      }
      await window('stock change (adjust, no channel)', n, async () => {
        await Promise.all(
          adjusts.map((sku) =>
            t.api.post(`/v1/skus/${sku}/adjust`, { location: LOCATION, delta: -1 }),
          ),
        );
      });
      const cartIds: string[] = [];
      await window(`cart of ${s.cartLines} lines (reserve)`, n, async () => {
        const carts = Array.from({ length: n }, (_, i) =>
          cartSkus.slice(i * s.cartLines, (i + 1) * s.cartLines),
        );
        const answers = await Promise.all(
          carts.map(async (skus) =>
            Reservation.parse(
              await t.api.post('/v1/reservations', {
                channel: CHANNEL,
                lines: skus.map((sku) => ({ sku, quantity: 1 })),
              }),
            ),
          ),
        );
        cartIds.push(...answers.map((a) => a.reservationId));
      });
      await window(`cart of ${s.cartLines} lines (commit)`, n, async () => {
        await Promise.all(cartIds.map((id) => t.api.post(`/v1/reservations/${id}/commit`, {})));
      });
      for (const op of s.every ? (['count', 'receive'] as const) : []) {
        await window(`warehouse ${op} line (batch of 1)`, n, async () => {
          await Promise.all(
            lines
              .slice(0, n)
              .map((sku, i) =>
                postBatch(t, [
                  op === 'count'
                    ? { sku, op, location: LOCATION, onHand: STOCK - 5 - i, reason: 'cycle_count' }
                    : { sku, op, location: LOCATION, quantity: 3 },
                ]),
              ),
          );
        });
      }
      await window(`batch of ${s.batchLines} receive lines (per batch)`, 1, async () => {
        const answer = await postBatch(
          t,
          lines
            .slice(0, s.batchLines)
            .map((sku) => ({ sku, op: 'receive', location: LOCATION, quantity: 1 })),
        );
        if (answer.failed > 0) throw new Error(`${answer.failed} batch lines failed`);
      });

      // A change delivered to S subscribers: they listen on the SKUs' shard only while measured.
      // Frames counted at the subscribers' sockets: what the hub sent them and what they sent back
      // (acknowledgements, pings; billed at 1 request per 20).
      const frames = { in: 0, out: 0 };
      class CountingWebSocket extends WebSocket {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args);
          this.on('message', () => frames.in++);
          const send = this.send;
          Object.defineProperty(this, 'send', {
            value: (...a: unknown[]) => {
              frames.out++;
              return Reflect.apply(send, this, a);
            },
          });
        }
      }
      const client = createStockmeshClient({
        baseUrl: t.url,
        apiKey: t.key,
        WebSocket: CountingWebSocket,
        shards: SHARDS,
      });
      let delivered = 0;
      await Promise.all(
        Array.from({ length: s.subscribers }, () => {
          const stream = client.stream({ prefix: 'CT-S-', shards: [SHARD] });
          streams.push(stream);
          return new Promise<void>((ready, fail) => {
            stream
              .forEach((e) => {
                if (e.type === 'caught-up') ready();
                else if (e.type === 'update' && !e.replay) delivered++;
              })
              .catch(fail);
          });
        }),
      );
      const framesBefore = { ...frames };
      const streamCounts = await window(
        `stock change to ${s.subscribers} subscribers`,
        n,
        async () => {
          await Promise.all(
            streamed.map((sku) =>
              t.api.post(`/v1/skus/${sku}/adjust`, { location: LOCATION, delta: -1 }),
            ),
          );
        },
      );
      for (const st of streams.splice(0)) st.close();
      // workerd's own count of sent frames misses the hub's (partyserver sends through its own
      // binding of WebSocket.send), so the subscribers' sockets say what crossed the wire.
      streamCounts.subscriberMessages = (frames.in - framesBefore.in) / n;
      streamCounts.subscriberMessagesIn = (frames.out - framesBefore.out) / n;

      // A connected channel: the push of a change, and an order coming in from it.
      if (starting !== undefined) {
        const shopSkus = codes('M', n * 2);
        await createLocation(t, SHOP_LOCATION);
        await t.api.post('/v1/channels', {
          code: SHOP.channel,
          name: 'Bench counts shop',
          kind: 'marketplace',
          locations: [SHOP_LOCATION],
        });
        await importSkus(
          t,
          shopSkus.map((code) => ({ code })),
        );
        await postBatch(
          t,
          shopSkus.map((sku) => ({ sku, op: 'receive', location: SHOP_LOCATION, quantity: STOCK })),
        );
        sims = await starting;
        const simulators = sims;
        await connectPaused(t, simulators, SHOP, shopSkus);
        await waitReachable(t, SHOP);
        await resume(t, SHOP);
        const skuOfItem = new Map(shopSkus.map((sku, i) => [inventoryItemId(i), sku]));
        const listed = new Map(shopSkus.map((sku) => [sku, STOCK]));
        const first = await waitListed(simulators, SHOP, skuOfItem, listed, 60_000);
        if (first.matched < shopSkus.length)
          throw new Error(`first sync: ${first.matched}/${shopSkus.length}`);
        await window('stock change pushed to 1 channel (adjust)', n, async () => {
          await Promise.all(
            shopSkus
              .slice(0, n)
              .map((sku) =>
                t.api.post(`/v1/skus/${sku}/adjust`, { location: SHOP_LOCATION, delta: -1 }),
              ),
          );
        });
        const inbound = await fetch(`${t.url}/v1/channels/${SHOP.channel}/inbound`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'shopify', secret: SHOP_SECRET }),
        });
        if (!inbound.ok) throw new Error(`inbound: ${inbound.status} ${await inbound.text()}`);
        await simPost(simulators, 'webhooks', {
          url: `${t.url}/v1/inbound/${SHOP.channel}/shopify`,
          secret: SHOP_SECRET,
        });
        await window('inbound marketplace order (1 line)', n, async () => {
          for (let i = 0; i < n; i++) {
            const index = n + i;
            await simPost(simulators, 'order', {
              lines: [
                {
                  sku: shopSkus[index],
                  quantity: 1,
                  inventoryItemId: inventoryItemId(index),
                  locationId: LOCATION_ID,
                },
              ],
              deliver: true,
            });
          }
        });
      }

      const table = model(measured, BRANDS);
      ctx.log(`\n${renderModel(measured, table)}`);
      const subscriberCheck = streamCounts.subscriberMessages;
      const figures: Figure[] = measured.flatMap((c) => [
        figure(`${c.op}: Durable Object calls`, 'calls/op', [total(c.calls)], 2),
        figure(`${c.op}: SQL rows written`, 'rows/op', [total(c.sqlWritten)], 1),
        figure(`${c.op}: D1 rows written`, 'rows/op', [c.d1Written], 1),
      ]);
      for (const b of table) {
        figures.push(figure(`model, ${b.brand.name}: monthly cost`, 'USD/month', [b.total], 0));
      }
      return {
        parameters: { ...s, settle, shards: SHARDS },
        figures,
        checks: [
          check(
            'every hook installed',
            problems.size === 0,
            problems.size === 0
              ? 'calls, SQL, D1 and WebSocket hooks all counted'
              : [...problems].join('; '),
          ),
          check(
            'each change reached every subscriber',
            delivered === n * s.subscribers,
            `${delivered} updates received for ${n} changes × ${s.subscribers} subscribers; ${subscriberCheck * n} frames reached them`,
          ),
          check(
            'a hold writes SQL rows and its ledger rows reach D1',
            (measured[0]?.sqlWritten.SkuStock ?? 0) > 0 && (measured[0]?.d1Written ?? 0) > 0,
            `SkuStock rows written ${fmt(measured[0]?.sqlWritten.SkuStock ?? 0)}, D1 rows written ${fmt(measured[0]?.d1Written ?? 0)} per hold`,
          ),
        ],
        data: { counts: measured, model: table },
      };
    } finally {
      for (const st of streams) st.close();
      await sims?.stop();
    }
  },
};

const simPost = async (sims: DevServer, action: string, body: object): Promise<unknown> => {
  const res = await fetch(`${sims.url}/_sim/shopify/${action}?account=${SHOP.account}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`/_sim/shopify/${action}: ${res.status} ${await res.text()}`);
  return res.json();
};

const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
