import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SkuSyncDetail } from '../../protocol/connections';
import {
  connect,
  drain,
  makeShop,
  must,
  pokeAll,
  published,
  sim,
  statusOf,
  takeOverAlarms,
} from '../connectors/sync-support/world';
import { deliver, processAll, SHOPIFY_SECRET, setInbound, shopifyHeaders } from './support';

// Orders in and the sync out, together (docs/orders.md, "Echo suppression"): a marketplace that
// sold units already took them off its own count, so the mesh never pushes that drop back.

const LOCATION_ID = 'gid://shopify/Location/1';

type ShopListing = {
  items: { inventoryItemId: string; locationId: string; available: number }[];
  totals: { applied: number; stale: number; unchanged: number; sold: number; duplicates: number };
};

/** A seeded generator, so a failure replays the same way. */
const random = (seed: number) => {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
};

afterEach(() => {
  vi.useRealTimers();
});

/** A live Shopify connection and inbound orders for a new channel over SKUs with this stock. */
const shopifyChannel = async (stock: number[]) => {
  const { channel, skus, location } = await makeShop(stock);
  const shop = `${channel}-shop`;
  const itemOf = new Map(skus.map((s, n) => [s, `gid://shopify/InventoryItem/${60_000 + n}`]));
  await connect(channel, {
    kind: 'shopify',
    settings: { shop, locationId: LOCATION_ID },
    credentials: { accessToken: 'shpat_echo0123456789abcdef' },
  });
  const ndjson = skus.map((sku) => JSON.stringify({ sku, inventoryItemId: itemOf.get(sku) }));
  await must(
    `/v1/channels/${channel}/mappings/import`,
    { rawBody: ndjson.join('\n'), headers: { 'content-type': 'application/x-ndjson' } },
    200,
  );
  await setInbound(channel, { kind: 'shopify', secret: SHOPIFY_SECRET });
  await sim('shopify', 'webhooks', shop, { secret: SHOPIFY_SECRET });
  return { channel, skus, location, shop, itemOf };
};

/** A shopper buys on the shop: its count drops there, and its orders/create webhook comes in. */
const shopOrder = async (
  channel: string,
  shop: string,
  lines: { sku: string; quantity: number; inventoryItemId: string }[],
) => {
  const placed = await sim<{ delivery: { body: string } }>('shopify', 'order', shop, {
    lines: lines.map((l) => ({ ...l, locationId: LOCATION_ID })),
  });
  // Signed again on the test's clock (moved ahead by takeOverAlarms), which the route judges by.
  const { body } = placed.delivery;
  const res = await deliver(channel, 'shopify', body, await shopifyHeaders('orders/create', body));
  expect(res.status).toBe(200);
};

const listedOf = async (channel: string, sku: string) =>
  (await must<SkuSyncDetail>(`/v1/channels/${channel}/sync/skus/${sku}`, {}, 200)).listed.quantity;

describe('echo suppression', () => {
  it('never pushes back the decrement of 200 marketplace orders, and the shops end on the listed quantities', async () => {
    const next = random(20261202);
    // Four shops of 50 orders each: one channel's orders are processed one after another.
    const shops = await Promise.all(
      Array.from({ length: 4 }, () => shopifyChannel(Array(8).fill(40))),
    );
    takeOverAlarms();
    for (const s of shops) await drain(s.channel);
    const before = await Promise.all(
      shops.map((s) => sim<ShopListing>('shopify', 'listing', s.shop)),
    );
    for (let round = 0; round < 5; round++) {
      const orders = shops.map(({ skus, itemOf }) =>
        Array.from({ length: 10 }, () => {
          const sku = skus[Math.floor(next() * skus.length)] ?? '';
          const quantity = 1 + Math.floor(next() * 2);
          return [{ sku, quantity, inventoryItemId: itemOf.get(sku) ?? '' }];
        }),
      );
      await Promise.all(
        shops.map(async ({ channel, shop }, n) => {
          for (const lines of orders[n] ?? []) await shopOrder(channel, shop, lines);
          await processAll(channel);
        }),
      );
      for (const { channel, skus } of shops) {
        await published(skus);
        await pokeAll(channel);
        await drain(channel);
      }
    }
    for (const [n, { channel, shop, skus, itemOf }] of shops.entries()) {
      const after = await sim<ShopListing>('shopify', 'listing', shop);
      const was = before[n]?.totals;
      expect(after.totals.sold).toBeGreaterThanOrEqual(50);
      // No push set a level to what it held, and none compared against a count an order had moved.
      expect(after.totals.unchanged).toBe(was?.unchanged);
      expect(after.totals.stale).toBe(was?.stale);
      expect(after.totals.applied).toBe(was?.applied);
      for (const sku of skus) {
        const level = after.items.find((i) => i.inventoryItemId === itemOf.get(sku));
        expect(level?.available).toBe(await listedOf(channel, sku));
      }
      const status = await statusOf(channel);
      expect(status.counts.avoided).toBeGreaterThan(0);
      expect(status.queue.depth).toBe(status.queue.unmapped);
    }
  }, 120_000);
});
