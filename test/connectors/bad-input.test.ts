import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../protocol/connections';
import type { ErrorBody } from '../support/catalog';
import { api } from '../support/client';
import {
  connect,
  drain,
  makeShop,
  must,
  sim,
  statusOf,
  takeOverAlarms,
} from './sync-support/world';

// Bad input at push time: credentials or settings the marketplace refuses, an item it does not
// know, answers it garbles. Each shows as a coded error (never a 500), the connection is marked
// failing where the connection itself is at fault, and nothing is lost once it is fixed.

const LOCATION_ID = 'gid://shopify/Location/1';
const GOOD_TOKEN = 'shpat_0123456789abcdef0123456789abcdef';

type ShopListing = {
  items: { inventoryItemId: string; locationId: string; available: number }[];
};

afterEach(() => {
  vi.useRealTimers();
});

/** A channel with two stocked SKUs, each mapped to a Shopify inventory item. */
const shopifyChannel = async (shop: string, settings: Record<string, unknown>, token: string) => {
  const { channel, skus } = await makeShop([3, 5]);
  takeOverAlarms();
  await connect(channel, {
    kind: 'shopify',
    settings: { shop, locationId: LOCATION_ID, ...settings },
    credentials: { accessToken: token },
  });
  const items = skus.map((_, n) => `gid://shopify/InventoryItem/${81_000 + n}`);
  for (const [n, sku] of skus.entries()) {
    await must(
      `/v1/channels/${channel}/mappings/${sku}`,
      { method: 'PUT', body: { inventoryItemId: items[n] } },
      200,
    );
  }
  return { channel, skus, items };
};

const shows = async (shop: string, locationId = LOCATION_ID) => {
  const listing = await sim<ShopListing>('shopify', 'listing', shop);
  return listing.items
    .filter((i) => i.locationId === locationId)
    .map((i) => [i.inventoryItemId, i.available])
    .sort();
};

describe('bad input at push time', () => {
  it('marks the connection failing on refused credentials, and pushes everything once they are fixed', async () => {
    const shop = 'bad-credentials';
    const { channel, items } = await shopifyChannel(shop, {}, 'shpat_revoked_0123456789abcdef');
    await drain(channel, 3).catch(() => undefined);
    const failing = await statusOf(channel);
    expect(failing).toMatchObject({
      state: 'failing',
      queue: { depth: 2 },
      lastError: { code: 'credentials_invalid' },
      counts: { accepted: 0 },
    });
    const read = await must<Connection>(`/v1/channels/${channel}/connection`, {}, 200);
    expect(read).toMatchObject({ state: 'failing', lastError: { code: 'credentials_invalid' } });
    expect(await shows(shop)).toEqual([]);

    await must(
      `/v1/channels/${channel}/connection`,
      { method: 'PATCH', body: { credentials: { accessToken: GOOD_TOKEN } } },
      200,
    );
    await drain(channel);
    expect(await shows(shop)).toEqual([
      [items[0], 3],
      [items[1], 5],
    ]);
    expect(await statusOf(channel)).toMatchObject({
      state: 'active',
      queue: { depth: 0 },
      counts: { accepted: 2 },
    });
  });

  it('reports an item Shopify does not know as rejected, without failing the connection', async () => {
    const shop = 'bad-item';
    const { channel, skus, items } = await shopifyChannel(shop, {}, GOOD_TOKEN);
    await must(
      `/v1/channels/${channel}/mappings/${skus[1]}`,
      { method: 'PUT', body: { inventoryItemId: 'gid://shopify/InventoryItem/4049' } },
      200,
    );
    await drain(channel);
    const status = await statusOf(channel);
    expect(status).toMatchObject({
      state: 'active',
      queue: { rejected: 1 },
      counts: { accepted: 1, rejected: 1 },
      rejectedItems: [{ sku: skus[1], quantity: 5, code: 'INVALID_INVENTORY_ITEM' }],
    });
    expect(status.queue.depth - status.queue.unmapped).toBe(0);
    expect(await shows(shop)).toEqual([[items[0], 3]]);

    // Fixing the mapping pushes the SKU again, to its new item, and forgets the refusal.
    await must(
      `/v1/channels/${channel}/mappings/${skus[1]}`,
      { method: 'PUT', body: { inventoryItemId: items[1] } },
      200,
    );
    await drain(channel);
    expect(await shows(shop)).toEqual([
      [items[0], 3],
      [items[1], 5],
    ]);
    expect(await statusOf(channel)).toMatchObject({
      queue: { rejected: 0 },
      counts: { accepted: 2, rejected: 1 },
      rejectedItems: [],
    });
  });

  it('marks the connection failing when Shopify does not know its location, and pushes once it is fixed', async () => {
    const shop = 'bad-location';
    const wrong = 'gid://shopify/Location/4040';
    const { channel, items } = await shopifyChannel(shop, { locationId: wrong }, GOOD_TOKEN);
    await drain(channel, 3).catch(() => undefined);
    expect(await statusOf(channel)).toMatchObject({
      state: 'failing',
      queue: { rejected: 0 },
      lastError: { code: 'settings_invalid', message: expect.stringContaining('INVALID_LOCATION') },
      counts: { accepted: 0, rejected: 0 },
    });
    await must(
      `/v1/channels/${channel}/connection`,
      { method: 'PATCH', body: { settings: { locationId: LOCATION_ID } } },
      200,
    );
    await drain(channel);
    expect(await shows(shop)).toEqual([
      [items[0], 3],
      [items[1], 5],
    ]);
    expect(await statusOf(channel)).toMatchObject({ state: 'active', counts: { accepted: 2 } });
  });

  it('marks the connection failing while every answer is garbage, then catches up', async () => {
    const shop = 'bad-answers';
    await sim('shopify', 'faults', shop, { garbageRate: 1 });
    const { channel, items } = await shopifyChannel(shop, {}, GOOD_TOKEN);
    for (let run = 0; run < 6; run++) await drain(channel, 1).catch(() => undefined);
    const failing = await statusOf(channel);
    expect(failing.state).toBe('failing');
    expect(failing.queue.depth - failing.queue.unmapped).toBe(2);
    expect(failing.lastError?.code).toBeDefined();
    await sim('shopify', 'faults', shop, { garbageRate: 0 });
    await drain(channel);
    expect(await shows(shop)).toEqual([
      [items[0], 3],
      [items[1], 5],
    ]);
    const caughtUp = await statusOf(channel);
    expect(caughtUp.state).toBe('active');
    expect(caughtUp.queue.depth - caughtUp.queue.unmapped).toBe(0);
  });

  it('answers malformed admin requests with a coded 4xx, never a 500', async () => {
    const { channel } = await makeShop([]);
    const path = `/v1/channels/${channel}/connection`;
    const cases: [string, Parameters<typeof api>[1], number, string][] = [
      [path, { method: 'PUT', rawBody: '{"kind":', headers: {} }, 400, 'invalid_json'],
      [path, { method: 'PUT', body: { kind: 'shopify', settings: {} } }, 400, 'validation_failed'],
      [path, { method: 'PATCH', body: {} }, 400, 'validation_failed'],
      [path, { method: 'PATCH', body: { settings: { shop: 'x' } } }, 404, 'not_connected'],
      [`${path}/test`, { method: 'POST' }, 404, 'not_connected'],
      [`/v1/channels/${channel}/sync`, {}, 404, 'not_connected'],
    ];
    for (const [url, options, status, code] of cases) {
      const res = await api<ErrorBody>(url, options);
      expect([url, res.status, res.body.error?.code]).toEqual([url, status, code]);
    }
  });
});
