import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SkuSyncDetail } from '../../protocol/connections';
import { shardOf } from '../../protocol/shard';
import type { ChannelLag } from '../../protocol/stream';
import { is, openSocket, SHARDS } from '../stream/support';
import type { ErrorBody } from '../support/catalog';
import { api, createKey } from '../support/client';
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
  takeOverAlarms,
} from './sync-support/world';

// GET /v1/channels/{code}/sync and the channel's lag: what the sync to the marketplace shows.

const SECRET = 'whsec_c3RvY2ttZXNoLXNpbXVsYXRvci13ZWJob29rLXNlY3JldA==';
const webhook = (receiver: string) => ({
  kind: 'webhook',
  settings: { url: `https://simulators.test/webhook/${receiver}`, maxBatch: 2 },
  credentials: { secret: SECRET },
});

afterEach(() => {
  vi.useRealTimers();
});

let channel: string;
beforeAll(async () => {
  ({ channel } = await makeShop([3]));
  await connect(channel, webhook('sync-status'));
});

describe('the sync status', () => {
  it('shows state, queue, rates, throttle, last error, lag, counts and each hub', async () => {
    const status = await statusOf(channel);
    expect(status).toMatchObject({
      channel,
      kind: 'webhook',
      state: 'active',
      queue: { depth: expect.any(Number), unmapped: 0, rejected: 0 },
      lagSeconds: expect.any(Number),
      pushesPerSecond: expect.any(Number),
      throttle: { describe: expect.any(String), failures: 0 },
      lastError: null,
      counts: { pushed: expect.any(Number), accepted: expect.any(Number) },
      bulk: null,
      rejectedItems: [],
    });
  });

  it('answers not_connected for a channel with no connection, unknown_channel for none', async () => {
    const other = await makeShop([]);
    const res = await api<ErrorBody>(`/v1/channels/${other.channel}/sync`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_connected');
    const none = await api<ErrorBody>('/v1/channels/no-such-channel/sync');
    expect(none.body.error.code).toBe('unknown_channel');
  });

  it('may be read by admins, viewers and the channel’s own connector keys only', async () => {
    const viewer = await createKey('viewer');
    const own = await createKey('connector', { channels: [channel] });
    const other = await createKey('connector', { channels: [(await makeShop([])).channel] });
    const storefront = await createKey('storefront', { channels: [channel] });
    expect((await api(`/v1/channels/${channel}/sync`, { key: viewer })).status).toBe(200);
    expect((await api(`/v1/channels/${channel}/sync`, { key: own })).status).toBe(200);
    expect((await api(`/v1/channels/${channel}/sync`, { key: other })).status).toBe(403);
    expect((await api(`/v1/channels/${channel}/sync`, { key: storefront })).status).toBe(403);
  });

  it('counts the pushes and shows the marketplace caught up, in the status and the channel lag', async () => {
    const shop = await makeShop([5, 7, 9]);
    // Shopify: the webhook receiver checks signature times against its own clock, not a fake one.
    await connect(shop.channel, {
      kind: 'shopify',
      settings: { shop: 'sync-status-lag', locationId: 'gid://shopify/Location/1' },
      credentials: { accessToken: 'shpat_0123456789abcdef' },
      // Degraded after a second behind: the clock's jump of a year and the wait below degrade it,
      // each catch-up recovers it (and its lag must then be 0, not the SKUs the hubs restamped).
      degradedAfterSeconds: 1,
    });
    for (const [n, sku] of shop.skus.entries()) {
      const body = { inventoryItemId: `gid://shopify/InventoryItem/${n + 1}` };
      await must(`/v1/channels/${shop.channel}/mappings/${sku}`, { method: 'PUT', body }, 200);
    }
    takeOverAlarms();
    await published(shop.skus);
    await pokeAll(shop.channel);
    await drain(shop.channel);
    const status = await statusOf(shop.channel);
    // Every catalog SKU is listed on every channel: those of other tests have no mapping here.
    expect(status.queue.depth).toBe(status.queue.unmapped);
    expect(status.lagSeconds).toBe(0);
    expect(status.counts).toMatchObject({ accepted: 3, rejected: 0 });
    for (const s of status.shards) expect(s.acked).toBe(s.head);
    const [first] = shop.skus;
    const skuPath = `/v1/channels/${shop.channel}/sync/skus/${first}`;
    const synced = await must<SkuSyncDetail>(skuPath, {}, 200);
    expect(synced).toEqual({
      channel: shop.channel,
      sku: first,
      listed: { quantity: 5, rule: 'available' },
      synced: { listed: 5, changedAt: expect.any(String) },
      pushed: { quantity: 5, at: new Date().toISOString() },
      pending: false,
      exposure: { own: 0, others: 0 },
      inFlight: null,
      rejected: null,
      lastError: null,
      mapping: {
        external: { inventoryItemId: 'gid://shopify/InventoryItem/1' },
        source: 'mapping',
        updatedAt: expect.any(String),
      },
    });
    const lag = await must<ChannelLag>(`/v1/channels/${shop.channel}/lag`, {}, 200);
    const sync = lag.connectors.find((c) => c.connector === 'channel-sync');
    expect(sync).toMatchObject({ role: 'connector', behind: 0, lagSeconds: 0 });

    // A change the receiver does not take yet: the marketplace is behind, and the lag says so.
    await sim('shopify', 'faults', 'sync-status-lag', { http5xxRate: 1 });
    const [sku] = shop.skus;
    if (sku === undefined) throw new Error('no SKU');
    await adjust(sku, shop.location, -2);
    await published([sku]);
    await pokeAll(shop.channel);
    vi.setSystemTime(Date.now() + 5_000);
    await drain(shop.channel, 3).catch(() => undefined);
    const behind = await statusOf(shop.channel);
    expect(behind.queue.depth).toBe(behind.queue.unmapped + 1);
    expect(behind.lastError).toMatchObject({ code: 'retry' });
    const stuck = await must<SkuSyncDetail>(skuPath, {}, 200);
    expect(stuck).toMatchObject({
      listed: { quantity: 3 },
      synced: { listed: 3 },
      pushed: { quantity: 5, at: synced.pushed?.at },
      pending: true,
      lastError: { code: 'retry', message: expect.stringContaining('503') },
    });
    const lagging = await must<ChannelLag>(`/v1/channels/${shop.channel}/lag`, {}, 200);
    expect(lagging.connectors.find((c) => c.connector === 'channel-sync')?.behind).toBeGreaterThan(
      0,
    );
    expect(behind.degraded).toMatchObject({ reason: 'lag', exposedSkus: 3 });

    await sim('shopify', 'faults', 'sync-status-lag', { http5xxRate: 0 });
    await drain(shop.channel);
    const caughtUp = await statusOf(shop.channel);
    expect(caughtUp.queue.depth).toBe(caughtUp.queue.unmapped);
    expect(await must<SkuSyncDetail>(skuPath, {}, 200)).toMatchObject({
      pushed: { quantity: 3, at: new Date().toISOString() },
      pending: false,
      lastError: { code: 'retry' },
    });
    // Recovered: the hubs gave the exposed SKUs new cursors, and the sync read and acked them.
    expect(caughtUp.degraded).toBeNull();
    const recovered = await must<ChannelLag>(`/v1/channels/${shop.channel}/lag`, {}, 200);
    expect(recovered.connectors.find((c) => c.connector === 'channel-sync')).toMatchObject({
      behind: 0,
      lagSeconds: 0,
    });
  });

  it('shows one SKU’s sync to the same keys as the status, and refuses unknown SKUs', async () => {
    const shop = await makeShop([2]);
    await connect(shop.channel, webhook('sync-status-sku'));
    const [sku] = shop.skus;
    const path = `/v1/channels/${shop.channel}/sync/skus/${sku}`;
    // The webhook maps every SKU to its own code by default.
    expect(await must<SkuSyncDetail>(path, {}, 200)).toMatchObject({
      listed: { quantity: 2, rule: 'available' },
      pending: true,
      mapping: { external: { code: sku }, source: 'default', updatedAt: null },
    });
    const viewer = await createKey('viewer');
    const own = await createKey('connector', { channels: [shop.channel] });
    const other = await createKey('connector', { channels: [channel] });
    const storefront = await createKey('storefront', { channels: [shop.channel] });
    expect((await api(path, { key: viewer })).status).toBe(200);
    expect((await api(path, { key: own })).status).toBe(200);
    expect((await api<ErrorBody>(path, { key: other })).body.error.code).toBe('forbidden');
    expect((await api<ErrorBody>(path, { key: storefront })).body.error.code).toBe('forbidden');
    const unknown = await api<ErrorBody>(`/v1/channels/${shop.channel}/sync/skus/NO-SUCH-SKU`);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'unknown_sku']);
    const bad = await api<ErrorBody>(`/v1/channels/${shop.channel}/sync/skus/${'x'.repeat(300)}`);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'validation_failed']);
    const unconnected = await makeShop([1]);
    const none = await api<ErrorBody>(
      `/v1/channels/${unconnected.channel}/sync/skus/${unconnected.skus[0]}`,
    );
    expect([none.status, none.body.error.code]).toEqual([404, 'not_connected']);
  });

  it('carries the marketplace lag and queue depth the status shows on the channel’s lag messages', async () => {
    const shop = await makeShop([4, 6]);
    const account = 'sync-status-lag-message';
    // The marketplace takes nothing at first: both SKUs wait, and the lag grows.
    await sim('shopify', 'faults', account, { http5xxRate: 1 });
    await connect(shop.channel, {
      kind: 'shopify',
      settings: { shop: account, locationId: 'gid://shopify/Location/1' },
      credentials: { accessToken: 'shpat_0123456789abcdef' },
      // Degraded after a second behind: the clock's jump of a year and the wait below degrade it,
      // each catch-up recovers it (and its lag must then be 0, not the SKUs the hubs restamped).
      degradedAfterSeconds: 1,
    });
    for (const [n, sku] of shop.skus.entries()) {
      const body = { inventoryItemId: `gid://shopify/InventoryItem/${n + 11}` };
      await must(`/v1/channels/${shop.channel}/mappings/${sku}`, { method: 'PUT', body }, 200);
    }
    const [sku] = shop.skus;
    if (sku === undefined) throw new Error('no SKU');
    const connector = await createKey('connector', { channels: [shop.channel] });
    takeOverAlarms();
    await published(shop.skus);
    const socket = await openSocket(`shard=${shardOf(sku, SHARDS)}&skus=${sku}`, {
      key: connector,
      confirm: true,
    });
    const caught = await socket.waitFor(is('caught-up'));

    await pokeAll(shop.channel);
    await drain(shop.channel, 3).catch(() => undefined);
    vi.setSystemTime(Date.now() + 7_000);
    const behind = await statusOf(shop.channel);
    expect(behind.queue.depth - behind.queue.unmapped).toBe(2);
    expect(behind.lagSeconds).toBeGreaterThanOrEqual(7);
    socket.send({ type: 'ack', cursor: caught.cursor });
    const lagging = await socket.waitFor(is('lag'));
    expect(lagging.sync).toEqual({
      lagSeconds: behind.lagSeconds,
      queueDepth: behind.queue.depth,
    });

    // Once the marketplace takes them, the next answer says it caught up.
    await sim('shopify', 'faults', account, { http5xxRate: 0 });
    await drain(shop.channel);
    const caughtUp = await statusOf(shop.channel);
    expect(caughtUp.lagSeconds).toBe(0);
    // Alarms are the test's here: a publish that failed under load is retried by published().
    await adjust(sku, shop.location, -1);
    await published([sku]);
    const update = await socket.waitFor(is('update'));
    await pokeAll(shop.channel);
    await drain(shop.channel);
    socket.send({ type: 'ack', cursor: update.cursor });
    const current = await socket.waitFor(is('lag', (m) => m.acked === update.cursor));
    expect(current.sync).toEqual({ lagSeconds: 0, queueDepth: caughtUp.queue.unmapped });
    socket.ws.close();
  });
});
