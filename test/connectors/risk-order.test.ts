import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChannelSync } from '../../objects/ChannelSync';
import type { HttpRequest } from '../../objects/channel-sync/adapter';
import { shardOf } from '../../protocol/shard';
import type { SkuUpdate } from '../../protocol/sku-update';
import { streamHub } from '../../shared/stubs';
import { uniq } from '../support/client';
import {
  connect,
  drain,
  makeShop,
  must,
  pokeAll,
  published,
  sim,
  sqlOf,
  statusOf,
  syncStub,
  takeOverAlarms,
  timersOf,
} from './sync-support/world';

// Risk order through the real Worker, the ChannelSync object and the Amazon simulator: while a
// bulk job carries 2,605 SKUs to Amazon (a first sync, then a rule change over every SKU), a SKU
// that sells out reaches the simulator within a second of the object's time, over the per-item
// patchListingsItem path (5 requests/s, burst 5), not after the feed.
//
// The object's clock is the test's fake clock, and each marketplace request moves it on by what
// it would take on the wire (LATENCY_MS, plus the upload of the feed document at about 1 MB/s):
// a bulk step sent ahead of the sell-out shows as time lost, as it would in production.

const SKUS = 2605;
const LATENCY_MS = 250;
const MS_PER_KIB = 1;
const WITHIN_MS = 1000;
const MARKETPLACE_UK = 'A1F83G8C2ARO7P';

type AmazonListing = {
  items: { sku: string; quantity: number; applied: number }[];
  totals: { patches: number; applied: number; throttled: number; feeds: number };
};
type Sent = { method: string; url: string; at: number };

/** Stock of the n-th SKU: 2 to 40 units, so halving the listed quantity never reaches 0. */
const stockOf = (n: number) => 2 + (n % 39);

const seller = `RISK${crypto.randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
const sent: Sent[] = [];
let channel: string;
let location: string;
/** Two real SKUs (a SkuStock each) that sell out, one per phase; the rest of the 2,605 below. */
let soldFirst: string;
let soldSecond: string;
const expected = new Map<string, number>();

/** The object's time at which a PATCH for the seller SKU came back from Amazon, if one did. */
const patchedAt = (sku: string) =>
  sent.find((s) => s.method === 'PATCH' && s.url.includes(`/${encodeURIComponent(sku)}?`))?.at;

/** Sells every unit of the SKU (a paid marketplace order) and wakes the sync as its hub would. */
const sellOut = async (sku: string, quantity: number) => {
  await must(`/v1/skus/${sku}/holds`, {
    body: { quantity, channel, holdId: uniq('order'), commit: true },
  });
  await published([sku]);
  await pokeAll(channel);
};

/**
 * Runs the object's alarm at each deadline, as the platform would, until `done` or the deadline
 * passes `until`; returns how many runs it took.
 */
const runUntil = async (done: () => boolean, until: number) => {
  for (let runs = 1; runs <= 50; runs++) {
    const sync = (await timersOf(channel)).find((t) => t.name === 'sync');
    if (sync === undefined || sync.at > until) return runs - 1;
    vi.setSystemTime(Math.max(Date.now(), sync.at));
    await runDurableObjectAlarm(syncStub(channel));
    if (done()) return runs;
  }
  throw new Error('the sync kept running without reaching the marketplace');
};

const pushedOf = async (sku: string) =>
  (await sqlOf(channel, `SELECT pushed FROM items WHERE sku = '${sku}'`))[0]?.pushed;

beforeAll(async () => {
  // Every alarm is the test's to run from here on: none fires by itself mid-test.
  takeOverAlarms();
  const shop = await makeShop([stockOf(0), stockOf(1)]);
  ({ channel, location } = shop);
  [soldFirst = '', soldSecond = ''] = shop.skus;
  expected.set(soldFirst, stockOf(0));
  expected.set(soldSecond, stockOf(1));
  // The other 2,603 SKUs exist only as the rows their SkuStock objects would publish to the hubs:
  // the sync reads nothing else, and thousands of live SKU objects at once exceed workerd's local
  // SQLite memory and this test's time budget.
  const rest = Array.from({ length: SKUS - 2 }, (_, i) => ({
    sku: `${uniq('RISK')}-${i}`,
    quantity: stockOf(i + 2),
  }));
  const shards = Number(env.STREAM_SHARDS);
  const at = new Date().toISOString();
  const rows = rest.map(({ sku, quantity }): SkuUpdate => {
    expected.set(sku, quantity);
    const levels = { onHand: quantity, reserved: 0, committed: 0, unavailable: 0 };
    return {
      sku,
      seq: 1,
      policy: 'deny',
      at,
      locations: [
        {
          location,
          ...levels,
          safetyStock: 0,
          incoming: 0,
          available: quantity,
          backordered: 0,
        },
      ],
      ledger: { flushedSeq: 1, oldestUnflushedAt: null },
    };
  });
  for (let i = 0; i < rows.length; i += 200) {
    await Promise.all(
      rows.slice(i, i + 200).map((row) => streamHub(env, shardOf(row.sku, shards)).publish(row)),
    );
  }
  // Feeds are processed as soon as Amazon is next asked about them.
  await sim('amazon', 'faults', seller, { bulkMs: 0 });
  await connect(channel, {
    kind: 'amazon',
    settings: { sellerId: seller, marketplaceIds: [MARKETPLACE_UK], productType: 'PRODUCT' },
    credentials: {
      clientId: 'amzn1.application-oa2-client.risk',
      clientSecret: 'risk-secret',
      refreshToken: `Atzr|${seller}|risk`,
    },
  });
  await runInDurableObject(syncStub(channel), (instance: ChannelSync) => {
    instance.seam.beforeSend = async (req: HttpRequest) => {
      const kib = Math.ceil((req.body?.length ?? 0) / 1024);
      vi.setSystemTime(Date.now() + LATENCY_MS + kib * MS_PER_KIB);
    };
    instance.seam.afterSend = async (req: HttpRequest) => {
      sent.push({ method: req.method, url: req.url, at: Date.now() });
    };
  });
}, 60_000);

afterAll(() => {
  vi.useRealTimers();
});

describe('risk order during a bulk resync on Amazon', () => {
  it(`a SKU that sells out during the first sync of ${SKUS} SKUs reaches Amazon within 1 s, per item`, async () => {
    // The first run reads every hub and sends the feed: every SKU of the channel is in it.
    await runDurableObjectAlarm(syncStub(channel));
    const started = await statusOf(channel);
    expect(started.bulk?.items).toBe(SKUS);
    expect(started.queue.depth).toBe(SKUS);
    expect(sent.filter((s) => s.method === 'PATCH')).toEqual([]);

    const soldAt = Date.now();
    await sellOut(soldFirst, stockOf(0));
    expected.set(soldFirst, 0);
    await runUntil(() => patchedAt(soldFirst) !== undefined, soldAt + WITHIN_MS);
    const reached = patchedAt(soldFirst);
    expect(reached === undefined ? 'never' : reached - soldAt).toBeLessThanOrEqual(WITHIN_MS);
    // Amazon accepted it while the feed was still being processed.
    expect(await pushedOf(soldFirst)).toBe(0);
    expect((await statusOf(channel)).bulk?.items).toBe(SKUS);

    // The feed then lands with the quantity it carried; the sell-out is pushed once more after it.
    await drain(channel);
    const listing = await sim<AmazonListing>('amazon', 'listing', seller);
    const shows = new Map(listing.items.map((i) => [i.sku, i]));
    const wrong = [...expected].filter(([sku, q]) => shows.get(sku)?.quantity !== q);
    expect(wrong).toEqual([]);
    expect(shows.get(soldFirst)).toMatchObject({ sku: soldFirst, quantity: 0, applied: 3 });
    expect(listing.totals).toMatchObject({ feeds: 1, patches: 2, throttled: 0 });
    expect(await statusOf(channel)).toMatchObject({ state: 'active', queue: { depth: 0 } });
  }, 60_000);

  it(`a SKU that sells out with a rule change over all ${SKUS} SKUs goes before the feed`, async () => {
    // The feed quota's next slot: 5 feeds in 5 minutes go at most one a minute (docs/connectors.md).
    vi.setSystemTime(Date.now() + 60_000);
    const changedAt = Date.now();
    await must(`/v1/channels/${channel}`, { method: 'PATCH', body: { percentage: 50 } }, 200);
    await sellOut(soldSecond, stockOf(1));
    for (const [sku, q] of expected) expected.set(sku, Math.floor(q / 2));
    expected.set(soldSecond, 0);
    const feedsBefore = sent.filter((s) => s.url.endsWith('/feeds/2021-06-30/feeds')).length;

    await runUntil(() => patchedAt(soldSecond) !== undefined, changedAt + WITHIN_MS);
    const reached = patchedAt(soldSecond);
    expect(reached === undefined ? 'never' : reached - changedAt).toBeLessThanOrEqual(WITHIN_MS);
    expect(await pushedOf(soldSecond)).toBe(0);
    // Every other SKU went into the second feed.
    expect((await statusOf(channel)).bulk?.items).toBe(SKUS - 2);
    expect(sent.filter((s) => s.url.endsWith('/feeds/2021-06-30/feeds')).length).toBe(
      feedsBefore + 1,
    );

    await drain(channel);
    const listing = await sim<AmazonListing>('amazon', 'listing', seller);
    const shows = new Map(listing.items.map((i) => [i.sku, i]));
    const wrong = [...expected].filter(([sku, q]) => shows.get(sku)?.quantity !== q);
    expect(wrong).toEqual([]);
    expect(shows.get(soldSecond)).toMatchObject({ sku: soldSecond, quantity: 0, applied: 2 });
    expect(listing.totals).toMatchObject({ feeds: 2, patches: 3, throttled: 0 });
    expect(await statusOf(channel)).toMatchObject({ state: 'active', queue: { depth: 0 } });
  }, 60_000);
});
