import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChannelSync } from '../../objects/ChannelSync';
import type { ChannelLag } from '../../protocol/stream';
import { api, uniq } from '../support/client';
import {
  connect,
  drain,
  must,
  pokeAll,
  published,
  sim,
  statusOf,
  syncStub,
  takeOverAlarms,
} from './sync-support/world';

// End to end through the real Worker, the ChannelSync object and the Shopify simulator: random
// stock changes over many SKUs while the simulator throttles and fails at random and the object is
// killed at random points, mid-request included. In the end the marketplace shows every SKU's
// listed quantity, and no push attempt was applied twice. The issue's size: 2,000 changes over 300
// SKUs. What the test waits for is asked in parallel (the SKUs' publishes, the hubs' pokes, the
// connection beside the stock), so its time is the mesh's work, not round trips one by one.

const SKUS = 300;
const CHANGES = 2000;
const ROUNDS = 10;
const LOCATION_ID = 'gid://shopify/Location/1';

type ShopListing = {
  items: { inventoryItemId: string; locationId: string; available: number }[];
  totals: { applied: number; replayed: number; throttled: number; duplicates: number };
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
const never = () => new Promise<void>(() => {});

afterEach(() => {
  vi.useRealTimers();
});

/**
 * Arms the live object to die (as a crash or a deploy would) around its `nth` marketplace request:
 * before it goes out, or after the marketplace answered and before the answer is recorded.
 */
const crashAt = (channel: string, nth: number, when: 'before' | 'after') =>
  runInDurableObject(syncStub(channel), (instance: ChannelSync, state) => {
    let sent = 0;
    const die = async () => {
      sent++;
      if (sent < nth) return;
      state.abort('crash');
      await never();
    };
    if (when === 'before') instance.seam.beforeSend = die;
    else instance.seam.afterSend = die;
  });

describe('the sync to a marketplace, end to end', () => {
  it(`converges after ${CHANGES} random changes over ${SKUS} SKUs, restarts and simulator faults, applying no push twice`, async () => {
    const next = random(20261122);
    const pick = (n: number) => Math.floor(next() * n);
    const location = uniq('WH');
    await must('/v1/locations', {
      body: {
        code: location,
        name: 'E2E warehouse',
        kind: 'warehouse',
        region: 'UK',
        country: 'GB',
        latitude: 53.48,
        longitude: -2.24,
      },
    });
    const channel = uniq('e2e').toLowerCase();
    await must('/v1/channels', {
      body: { code: channel, name: channel, kind: 'marketplace', locations: [location] },
    });
    const skus = Array.from({ length: SKUS }, (_, n) => `${uniq('E2E')}-${n}`);
    const csv = `code,title\n${skus.map((s) => `${s},E2E ${s}`).join('\n')}\n`;
    await must('/v1/skus/import', { rawBody: csv, headers: { 'content-type': 'text/csv' } }, 200);
    const onHand = new Map(skus.map((s) => [s, pick(12)]));
    const receipts = skus
      .filter((s) => (onHand.get(s) ?? 0) > 0)
      .map((sku) => ({ op: 'receive', sku, location, quantity: onHand.get(sku) }));
    const shop = uniq('e2e-shop').toLowerCase();
    const itemOf = new Map(skus.map((s, n) => [s, `gid://shopify/InventoryItem/${70_000 + n}`]));
    const ndjson = skus.map((sku) => JSON.stringify({ sku, inventoryItemId: itemOf.get(sku) }));
    await Promise.all([
      must('/v1/movements/batch', { body: { lines: receipts } }, 200),
      connect(channel, {
        kind: 'shopify',
        settings: { shop, locationId: LOCATION_ID },
        credentials: { accessToken: 'shpat_e2e0123456789abcdef' },
        // The fake clock's jumps (a year, then seconds to a minute per run) would degrade the
        // channel and recover it again and again, each time restamping its SKUs on every hub:
        // degraded channels have their own tests (sync-status, test/orders/sync).
        degradedAfterSeconds: 86_400,
      }).then(() =>
        must(
          `/v1/channels/${channel}/mappings/import`,
          { rawBody: ndjson.join('\n'), headers: { 'content-type': 'application/x-ndjson' } },
          200,
        ),
      ),
    ]);
    takeOverAlarms();

    let crashes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const lines = Array.from({ length: CHANGES / ROUNDS }, () => {
        const sku = skus[pick(SKUS)] ?? '';
        const current = onHand.get(sku) ?? 0;
        // A sale or a count correction, never below zero on hand.
        let delta = pick(9) - 5;
        if (delta === 0 || current + delta < 0) delta = current > 0 && next() < 0.5 ? -current : 3;
        onHand.set(sku, current + delta);
        return { op: 'adjust', sku, location, delta };
      });
      const faults = {
        throttle: next() < 0.15,
        http5xxRate: next() < 0.5 ? 0.3 : 0,
        garbageRate: next() < 0.3 ? 0.2 : 0,
      };
      await Promise.all([
        must('/v1/movements/batch', { body: { lines } }, 200),
        sim('shopify', 'faults', shop, faults),
      ]);
      await published([...new Set(lines.map((l) => l.sku))]);
      await pokeAll(channel);
      const runs = 1 + pick(5);
      for (let run = 0; run < runs; run++) {
        if (next() < 0.35) {
          crashes++;
          await crashAt(channel, 1 + pick(3), next() < 0.5 ? 'before' : 'after');
        }
        vi.setSystemTime(Date.now() + pick(3000));
        // A run the object dies in fails here; the restarted object resumes from its storage.
        await runDurableObjectAlarm(syncStub(channel)).catch(() => undefined);
      }
    }
    await sim('shopify', 'faults', shop, { throttle: false, http5xxRate: 0, garbageRate: 0 });
    await runInDurableObject(syncStub(channel), (instance: ChannelSync) => {
      instance.seam.beforeSend = undefined;
      instance.seam.afterSend = undefined;
    });
    await pokeAll(channel);
    await drain(channel, 2000);

    expect(crashes).toBeGreaterThan(5);
    const listing = await sim<ShopListing>('shopify', 'listing', shop);
    const shows = new Map(
      listing.items
        .filter((i) => i.locationId === LOCATION_ID)
        .map((i) => [i.inventoryItemId, i.available]),
    );
    const wrong = skus.filter((sku) => shows.get(itemOf.get(sku) ?? '') !== onHand.get(sku));
    expect(wrong).toEqual([]);
    expect(listing.totals.duplicates).toBe(0);
    const status = await statusOf(channel);
    expect(status).toMatchObject({ state: 'active', queue: { depth: 0 }, lagSeconds: 0 });
    const lag = await api<ChannelLag>(`/v1/channels/${channel}/lag`);
    expect(lag.body.connectors.find((c) => c.connector === 'channel-sync')?.behind).toBe(0);
  }, 300_000);
});
