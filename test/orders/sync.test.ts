import { runDurableObjectAlarm } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SkuSyncDetail } from '../../protocol/connections';
import {
  adjust,
  connect,
  drain,
  makeShop,
  must,
  pokeAll,
  published,
  sim,
  statusOf,
  stockOf,
  syncStub,
  takeOverAlarms,
} from '../connectors/sync-support/world';
import { uniq } from '../support/client';
import {
  AMAZON_SECRET,
  deliver,
  ordersOf,
  processAll,
  SHOPIFY_SECRET,
  setInbound,
  shopifyHeaders,
} from './support';

// Orders in and the sync out, together (docs/orders.md, "Echo suppression"): a marketplace that
// sold units already took them off its own count, so the mesh never pushes that drop back.

const LOCATION_ID = 'gid://shopify/Location/1';

type ShopListing = {
  items: { inventoryItemId: string; locationId: string; available: number }[];
  totals: {
    applied: number;
    stale: number;
    unchanged: number;
    sold: number;
    restocked: number;
    duplicates: number;
  };
};

type SellerListing = {
  items: { sku: string; quantity: number }[];
  totals: { applied: number; unchanged: number; sold: number; restocked: number };
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

/**
 * A live Shopify connection and inbound orders for a new channel over SKUs with this stock, or
 * over another channel's warehouse and SKUs (`over`).
 */
const shopifyChannel = async (
  stock: number[],
  rules: Record<string, unknown> = {},
  degradedAfterSeconds?: number,
  over?: { skus: string[]; location: string },
): Promise<{
  channel: string;
  skus: string[];
  location: string;
  shop: string;
  itemOf: Map<string, string>;
}> => {
  let made: { channel: string; skus: string[]; location: string };
  if (over === undefined) made = await makeShop(stock, rules);
  else {
    const code = uniq('mk').toLowerCase();
    await must('/v1/channels', {
      body: { code, name: code, kind: 'marketplace', locations: [over.location], ...rules },
    });
    made = { channel: code, skus: over.skus, location: over.location };
  }
  const { channel, skus, location } = made;
  const shop = `${channel}-shop`;
  const itemOf = new Map(skus.map((s, n) => [s, `gid://shopify/InventoryItem/${60_000 + n}`]));
  await connect(channel, {
    kind: 'shopify',
    settings: { shop, locationId: LOCATION_ID },
    credentials: { accessToken: 'shpat_echo0123456789abcdef' },
    ...(degradedAfterSeconds === undefined ? {} : { degradedAfterSeconds }),
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

/**
 * A live Amazon connection and inbound ORDER_CHANGE notifications for a new channel over SKUs
 * with this stock; seller SKUs are our codes (the default mapping).
 */
const amazonChannel = async (stock: number[]) => {
  const { channel, skus, location } = await makeShop(stock);
  const seller = uniq('A')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 20);
  await connect(channel, {
    kind: 'amazon',
    settings: { sellerId: seller, marketplaceIds: ['A1F83G8C2ARO7P'], productType: 'PRODUCT' },
    credentials: {
      clientId: 'amzn1.application-oa2-client.echo',
      clientSecret: 'echo-client-secret',
      refreshToken: `Atzr|${seller}|echo`,
    },
  });
  await setInbound(channel, { kind: 'amazon', secret: AMAZON_SECRET });
  return { channel, skus, location, seller };
};

type Notice = {
  orderId: string;
  notification: { detail: { NotificationMetadata: { PublishTime: string } } };
};

/** Sends an ORDER_CHANGE notification on, published on the test's clock, which the route judges by. */
const notify = async (channel: string, { notification }: Notice) => {
  notification.detail.NotificationMetadata.PublishTime = new Date().toISOString();
  const res = await deliver(channel, 'amazon', JSON.stringify(notification), {
    'x-stockmesh-secret': AMAZON_SECRET,
  });
  expect(res.status).toBe(200);
};

/** One channel as the echo tests see it, whatever its marketplace. */
type Market = {
  channel: string;
  skus: string[];
  marketplace: 'shopify' | 'amazon';
  account: string;
  /** A buyer orders on the marketplace: its count drops there, and the order comes in. */
  order(lines: { sku: string; quantity: number }[]): Promise<void>;
  /** What the marketplace shows per SKU, and how many of our pushes it applied. */
  shows(): Promise<{
    quantity: Map<string, number | undefined>;
    totals: { applied: number; unchanged: number; stale: number; sold: number };
  }>;
};

const shopifyMarket = async (stock: number[]): Promise<Market> => {
  const { channel, skus, shop, itemOf } = await shopifyChannel(stock);
  return {
    channel,
    skus,
    marketplace: 'shopify',
    account: shop,
    order: (lines) =>
      shopOrder(
        channel,
        shop,
        lines.map((l) => ({ ...l, inventoryItemId: itemOf.get(l.sku) ?? '' })),
      ),
    shows: async () => {
      const l = await sim<ShopListing>('shopify', 'listing', shop);
      const level = new Map(l.items.map((i) => [i.inventoryItemId, i.available]));
      return {
        quantity: new Map(skus.map((sku) => [sku, level.get(itemOf.get(sku) ?? '')])),
        totals: l.totals,
      };
    },
  };
};

const amazonMarket = async (stock: number[]): Promise<Market> => {
  const { channel, skus, seller } = await amazonChannel(stock);
  return {
    channel,
    skus,
    marketplace: 'amazon',
    account: seller,
    order: async (lines) => {
      const items = lines.map((l) => ({ sellerSku: l.sku, quantity: l.quantity }));
      await notify(channel, await sim<Notice>('amazon', 'order', seller, { items }));
    },
    shows: async () => {
      const l = await sim<SellerListing>('amazon', 'listing', seller);
      const offer = new Map(l.items.map((i) => [i.sku, i.quantity]));
      // Amazon's patches are absolute: no compare to go stale.
      return {
        quantity: new Map(skus.map((sku) => [sku, offer.get(sku)])),
        totals: { ...l.totals, stale: 0 },
      };
    },
  };
};

/**
 * Keeps the simulated accounts in memory while the mesh works: workerd evicts an object idle for
 * 10 s, and an account with it (docs/connectors.md, "Simulators"); a loaded machine can take that
 * long to process a round of orders.
 */
const keepAlive = (shops: readonly string[], sellers: readonly string[] = []) => {
  const timer = setInterval(() => {
    for (const shop of shops) void sim('shopify', 'listing', shop).catch(() => undefined);
    for (const seller of sellers) void sim('amazon', 'listing', seller).catch(() => undefined);
  }, 2_000);
  return () => clearInterval(timer);
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
  it('never pushes back the decrement of 200 marketplace orders on Shopify and Amazon, and the marketplaces end on the listed quantities', async () => {
    const next = random(20261202);
    // Four channels of 50 orders each, two per marketplace: one channel's orders are processed
    // one after another, and 200 orders in all keep the file's time where it was.
    const markets = await Promise.all([
      shopifyMarket(Array(8).fill(40)),
      shopifyMarket(Array(8).fill(40)),
      amazonMarket(Array(8).fill(40)),
      amazonMarket(Array(8).fill(40)),
    ]);
    const stop = keepAlive(
      markets.filter((m) => m.marketplace === 'shopify').map((m) => m.account),
      markets.filter((m) => m.marketplace === 'amazon').map((m) => m.account),
    );
    takeOverAlarms();
    for (const m of markets) await drain(m.channel);
    const before = await Promise.all(markets.map((m) => m.shows()));
    for (const [n, m] of markets.entries()) {
      // The first sync reached each marketplace: every SKU shows the whole stock.
      expect([m.marketplace, [...(before[n]?.quantity.values() ?? [])]]).toEqual([
        m.marketplace,
        Array(8).fill(40),
      ]);
    }
    for (let round = 0; round < 5; round++) {
      const orders = markets.map(({ skus }) =>
        Array.from({ length: 10 }, () => {
          const sku = skus[Math.floor(next() * skus.length)] ?? '';
          return [{ sku, quantity: 1 + Math.floor(next() * 2) }];
        }),
      );
      await Promise.all(
        markets.map(async (m, n) => {
          for (const lines of orders[n] ?? []) await m.order(lines);
          await processAll(m.channel);
        }),
      );
      for (const { channel, skus } of markets) {
        await published(skus);
        await pokeAll(channel);
        await drain(channel);
      }
    }
    for (const [n, m] of markets.entries()) {
      const after = await m.shows();
      const was = before[n]?.totals;
      expect(after.totals.sold - (was?.sold ?? 0)).toBeGreaterThanOrEqual(50);
      // No push set a level to what it held, and none compared against a count an order had moved.
      expect([
        m.marketplace,
        after.totals.unchanged,
        after.totals.stale,
        after.totals.applied,
      ]).toEqual([m.marketplace, was?.unchanged, was?.stale, was?.applied]);
      for (const sku of m.skus) {
        expect([m.marketplace, sku, after.quantity.get(sku)]).toEqual([
          m.marketplace,
          sku,
          await listedOf(m.channel, sku),
        ]);
      }
      const status = await statusOf(m.channel);
      expect(status.counts.avoided).toBeGreaterThan(0);
      expect(status.queue.depth).toBe(status.queue.unmapped);
    }
    stop();
  }, 120_000);
  it('never pushes back the units a marketplace cancellation put back either: no push for a sale and its cancel, one for the next change', async () => {
    const { channel, shop, skus, itemOf, location } = await shopifyChannel([10]);
    const [sku = ''] = skus;
    const inventoryItemId = itemOf.get(sku) ?? '';
    const stop = keepAlive([shop]);
    takeOverAlarms();
    await drain(channel);
    const settle = async () => {
      await processAll(channel);
      await published(skus);
      await pokeAll(channel);
      await drain(channel);
    };
    const before = await sim<ShopListing>('shopify', 'listing', shop);
    const placed = await sim<{ id: number; delivery: { body: string } }>('shopify', 'order', shop, {
      lines: [{ sku, quantity: 3, inventoryItemId, locationId: LOCATION_ID }],
    });
    const sold = placed.delivery.body;
    await deliver(channel, 'shopify', sold, await shopifyHeaders('orders/create', sold));
    await settle();
    expect(await listedOf(channel, sku)).toBe(7);
    const cancelled = await sim<{ delivery: { body: string } }>('shopify', 'cancel', shop, {
      id: placed.id,
    });
    const body = cancelled.delivery.body;
    await deliver(channel, 'shopify', body, await shopifyHeaders('orders/cancelled', body));
    await settle();
    const after = await sim<ShopListing>('shopify', 'listing', shop);
    expect(after.totals.restocked - before.totals.restocked).toBe(3);
    // Neither the sale's drop nor the cancel's rise went back to the shop, and nothing was stale.
    expect(after.totals.applied - before.totals.applied).toBe(0);
    expect(after.totals.stale - before.totals.stale).toBe(0);
    const level = (l: ShopListing) => l.items.find((i) => i.inventoryItemId === inventoryItemId);
    expect([level(after)?.available, await listedOf(channel, sku)]).toEqual([10, 10]);
    expect((await statusOf(channel)).counts.avoided).toBe(2);
    // A change of our own is pushed, once.
    await adjust(sku, location, 1);
    await settle();
    const last = await sim<ShopListing>('shopify', 'listing', shop);
    expect(last.totals.applied - before.totals.applied).toBe(1);
    expect(level(last)?.available).toBe(11);
    stop();
  }, 60_000);
  it('never pushes back what an Amazon order took and its cancellation gave back: no push for either, one for the next change', async () => {
    const { channel, skus, seller, location } = await amazonChannel([10]);
    const [sku = ''] = skus;
    const stop = keepAlive([], [seller]);
    takeOverAlarms();
    await drain(channel);
    const settle = async () => {
      await processAll(channel);
      await published(skus);
      await pokeAll(channel);
      await drain(channel);
    };
    const offer = async () => {
      const l = await sim<SellerListing>('amazon', 'listing', seller);
      return { quantity: l.items.find((i) => i.sku === sku)?.quantity, totals: l.totals };
    };
    const before = await offer();
    expect(before.quantity).toBe(10);
    const placed = await sim<Notice>('amazon', 'order', seller, {
      items: [{ sellerSku: sku, quantity: 3 }],
    });
    expect((await offer()).quantity).toBe(7);
    await notify(channel, placed);
    await settle();
    expect(await listedOf(channel, sku)).toBe(7);
    await notify(
      channel,
      await sim<Notice>('amazon', 'cancel', seller, { orderId: placed.orderId }),
    );
    await settle();
    const after = await offer();
    expect(after.totals.restocked - before.totals.restocked).toBe(3);
    // Neither the sale's drop nor the cancel's rise went back to Amazon.
    expect(after.totals.applied - before.totals.applied).toBe(0);
    expect([after.quantity, await listedOf(channel, sku)]).toEqual([10, 10]);
    expect((await statusOf(channel)).counts.avoided).toBe(2);
    // A change of our own is pushed, once.
    await adjust(sku, location, 1);
    await settle();
    const last = await offer();
    expect(last.totals.applied - before.totals.applied).toBe(1);
    expect(last.quantity).toBe(11);
    stop();
  }, 60_000);
});

type Delivery = { eventId: string; type: string };

/** Two Shopify channels over one warehouse: `stale` lists half, `live` all of it. */
const twoChannels = async (stock: number[], degradedAfterSeconds: number) => {
  const stale = await shopifyChannel(stock, { percentage: 50 }, degradedAfterSeconds);
  const live = await shopifyChannel([], {}, degradedAfterSeconds, stale);
  return { stale, live };
};

describe('a degraded channel', () => {
  it('exposes what its stopped marketplace shows, so no unit sells twice, signals once and recovers exactly', async () => {
    const { stale, live } = await twoChannels([10, 10, 10], 5);
    const { skus } = stale;
    const hook = await must<{ id: string }>('/v1/webhooks', {
      body: { url: 'https://hooks.degraded.test/in', events: ['channel_degraded'] },
    });
    const stop = keepAlive([stale.shop, live.shop]);
    takeOverAlarms();
    await drain(stale.channel);
    await drain(live.channel);
    const buyAll = async (c: typeof stale, each: number) => {
      for (const sku of skus) {
        await shopOrder(c.channel, c.shop, [
          { sku, quantity: each, inventoryItemId: c.itemOf.get(sku) ?? '' },
        ]);
      }
      await processAll(c.channel);
      await published(skus);
    };
    // The stale shop stops answering; the live one sells one of each meanwhile.
    await sim('shopify', 'faults', stale.shop, { http5xxRate: 1 });
    await buyAll(live, 1);
    await pokeAll(stale.channel);
    await pokeAll(live.channel);
    await drain(live.channel);
    for (let run = 0; run < 4; run++) {
      vi.setSystemTime(Date.now() + 3_000);
      await runDurableObjectAlarm(syncStub(stale.channel));
    }
    const degraded = await statusOf(stale.channel);
    expect(degraded.degraded).toMatchObject({ reason: 'lag', exposedSkus: 3 });
    // It still shows 5 of each; the live channel lists 9 - 5.
    await pokeAll(live.channel);
    await drain(live.channel);
    for (const sku of skus) {
      const detail = await must<SkuSyncDetail>(
        `/v1/channels/${live.channel}/sync/skus/${sku}`,
        {},
        200,
      );
      expect(detail.listed).toEqual({ quantity: 4, rule: 'exposed' });
      expect(detail.exposure).toEqual({ own: 0, others: 5 });
      expect(detail.pushed?.quantity).toBe(4);
      const own = await must<SkuSyncDetail>(
        `/v1/channels/${stale.channel}/sync/skus/${sku}`,
        {},
        200,
      );
      expect(own.exposure.own).toBe(5);
    }
    // Each shop sells all it shows: 4 on the live one, 5 on the stopped one; every order is served.
    await buyAll(live, 4);
    await buyAll(stale, 5);
    for (const c of [live, stale]) {
      expect((await ordersOf(c.channel, '&status=oversold')).length).toBe(0);
      expect((await ordersOf(c.channel, '&status=committed')).length).toBe(c === live ? 6 : 3);
    }
    for (const sku of skus) expect((await stockOf(sku)).totals.available).toBe(0);

    // Back up: it catches up, the exposure goes, and the live channel lists exactly the stock.
    await sim('shopify', 'faults', stale.shop, { http5xxRate: 0 });
    for (const sku of skus)
      await must(
        `/v1/skus/${sku}/receive`,
        { body: { location: stale.location, quantity: 8 } },
        200,
      );
    await published(skus);
    await pokeAll(stale.channel);
    vi.setSystemTime(Date.now() + 120_000);
    await drain(stale.channel);
    expect((await statusOf(stale.channel)).degraded).toBeNull();
    await pokeAll(live.channel);
    await drain(live.channel);
    const shopOf = async (c: typeof stale) =>
      (await sim<ShopListing>('shopify', 'listing', c.shop)).items;
    const liveShop = await shopOf(live);
    const staleShop = await shopOf(stale);
    for (const sku of skus) {
      expect(liveShop.find((i) => i.inventoryItemId === live.itemOf.get(sku))?.available).toBe(8);
      expect(staleShop.find((i) => i.inventoryItemId === stale.itemOf.get(sku))?.available).toBe(4);
      const detail = await must<SkuSyncDetail>(
        `/v1/channels/${live.channel}/sync/skus/${sku}`,
        {},
        200,
      );
      expect(detail.exposure.others).toBe(0);
    }
    const deliveries = (
      await must<{ items: Delivery[] }>(`/v1/webhooks/${hook.id}/deliveries?limit=100`, {}, 200)
    ).items.filter((d) => d.eventId.startsWith(`channel_degraded:${stale.channel}:`));
    expect(deliveries.filter((d) => !d.eventId.endsWith(':recovered')).length).toBe(1);
    expect(deliveries.filter((d) => d.eventId.endsWith(':recovered')).length).toBe(1);
    stop();
  }, 120_000);
});
