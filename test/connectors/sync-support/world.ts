import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { vi } from 'vitest';
import type { ChannelSync } from '../../../objects/ChannelSync';
import type { Connection, SyncStatus } from '../../../protocol/connections';
import type { StockView } from '../../../protocol/stock';
import { api, uniq } from '../../support/client';

// The pieces the ChannelSync runtime tests share: a catalog with stock, a connection, the object's
// alarm driven by hand under a fake clock, the object's own SQLite, and the simulators.

/** A fresh stub: one to an aborted object stays broken, a new one reaches the restarted object. */
export const syncStub = (channel: string) =>
  env.ChannelSync.get(env.ChannelSync.idFromName(channel));
const stockStub = (sku: string) => env.SkuStock.get(env.SkuStock.idFromName(sku));

export const must = async <T = unknown>(
  path: string,
  options: Parameters<typeof api>[1] = {},
  status = 201,
): Promise<T> => {
  const res = await api<T>(path, options);
  if (res.status !== status) {
    throw new Error(
      `${options.method ?? 'POST'} ${path}: ${res.status} ${JSON.stringify(res.body)}`,
    );
  }
  return res.body;
};

/** A warehouse, a marketplace channel it feeds, and SKUs with the given stock there. */
export const makeShop = async (stock: number[], rules: Record<string, unknown> = {}) => {
  const location = uniq('WH');
  await must('/v1/locations', {
    body: {
      code: location,
      name: `Warehouse ${location}`,
      kind: 'warehouse',
      region: 'UK',
      country: 'GB',
      latitude: 53.48,
      longitude: -2.24,
    },
  });
  const channel = uniq('mk').toLowerCase();
  await must('/v1/channels', {
    body: { code: channel, name: channel, kind: 'marketplace', locations: [location], ...rules },
  });
  const skus: string[] = [];
  for (const quantity of stock) {
    const sku = uniq('SKU');
    await must('/v1/skus', { body: { code: sku, title: `Test ${sku}` } });
    if (quantity > 0) await must(`/v1/skus/${sku}/receive`, { body: { location, quantity } }, 200);
    skus.push(sku);
  }
  return { location, channel, skus };
};

/** Moves a SKU's stock at the location by `delta` (an adjustment). */
export const adjust = (sku: string, location: string, delta: number) =>
  must(`/v1/skus/${sku}/adjust`, { body: { location, delta, reason: 'cycle_count' } }, 200);

/** What the SKU's stock counter holds now. */
export const stockOf = (sku: string) => must<StockView>(`/v1/skus/${sku}/stock`, {}, 200);

/**
 * Waits until each SKU's latest state reached its hub (asking, never sleeping; 50 SKUs at a time).
 * A publish that failed (a busy hub) is retried by the SKU's alarm after a backoff (60 s at most),
 * which takeOverAlarms keeps from firing: move the clock past it and run it here.
 */
export const published = async (skus: readonly string[]) => {
  const one = async (sku: string) => {
    for (let attempt = 0; !(await stockStub(sku).published()); attempt++) {
      if (attempt === 20) throw new Error(`SKU ${sku}: its state never reached the hub`);
      if (vi.isFakeTimers()) {
        vi.setSystemTime(Date.now() + 61_000);
        await runDurableObjectAlarm(stockStub(sku));
      } else await new Promise((r) => setTimeout(r, 250));
    }
  };
  for (let i = 0; i < skus.length; i += 50) await Promise.all(skus.slice(i, i + 50).map(one));
};

export const connect = (channel: string, body: Record<string, unknown>) =>
  must<Connection>(`/v1/channels/${channel}/connection`, { method: 'PUT', body }, 200);

export const statusOf = (channel: string, key?: string) =>
  must<SyncStatus>(`/v1/channels/${channel}/sync`, key === undefined ? {} : { key }, 200);

/**
 * Fakes Date and moves it a year ahead: every alarm the objects set is then a year away in real
 * time, so none fires by itself mid-test, and the test runs each one.
 */
export const takeOverAlarms = () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 365 * 24 * 3600 * 1000);
};

/** The object's named deadlines, as its AlarmScheduler keeps them. */
export const timersOf = (channel: string) =>
  runInDurableObject(syncStub(channel), (_i: ChannelSync, state) =>
    state.storage.sql.exec<{ name: string; at: number }>('SELECT name, at FROM timers').toArray(),
  );

/**
 * Runs the object's alarm while it has sync work due, moving the clock to each deadline (the
 * slow poll alone does not count): how the platform would drive it, without waiting.
 *
 * The simulators keep real time (they are another Worker, whose clock the test does not fake), so
 * a marketplace's rate limit refills only as real time passes. While the channel is throttled,
 * the drain also waits for real, up to a second, before the next run: otherwise a fast machine
 * retries faster than any bucket refills and the channel never gets through.
 */
export const drain = async (channel: string, most = 500): Promise<number> => {
  for (let runs = 0; runs < most; runs++) {
    const sync = (await timersOf(channel)).find((t) => t.name === 'sync');
    if (sync === undefined) return runs;
    const wait = sync.at - Date.now();
    if (wait > 0 && (await statusOf(channel)).throttle.failures > 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 1000)));
    }
    vi.setSystemTime(Math.max(Date.now(), sync.at));
    await runDurableObjectAlarm(syncStub(channel));
  }
  throw new Error(`channel ${channel}: still syncing after ${most} alarm runs`);
};

/** Wakes the object as a hub would after a change on every shard. */
export const pokeAll = async (channel: string) => {
  const shards = Array.from({ length: Number(env.STREAM_SHARDS) }, (_, shard) => shard);
  await Promise.all(shards.map((shard) => syncStub(channel).poke(shard)));
};

/** Rows of the object's own SQLite table. */
export const sqlOf = (channel: string, query: string) =>
  runInDurableObject(syncStub(channel), (_i: ChannelSync, state) =>
    state.storage.sql.exec<Record<string, SqlStorageValue>>(query).toArray(),
  );

/** Calls the simulators' admin API (docs/connectors.md#simulators). */
export const sim = async <T = unknown>(
  marketplace: 'shopify' | 'amazon' | 'webhook',
  action: string,
  account: string,
  body?: unknown,
): Promise<T> => {
  const marketplaces = env.MARKETPLACES;
  if (marketplaces === undefined) throw new Error('the MARKETPLACES binding is missing');
  const url = `https://simulators.test/_sim/${marketplace}/${action}?account=${encodeURIComponent(account)}`;
  const res = await marketplaces.fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`simulator ${marketplace} ${action}: ${res.status}`);
  return res.json();
};
