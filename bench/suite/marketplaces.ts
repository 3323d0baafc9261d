import { z } from 'zod';
import { devFetch } from '../lib/api.ts';
import { type DevServer, startWranglerDev } from '../lib/wrangler-dev.ts';
import { sleep } from './setup.ts';
import type { Target } from './types.ts';

// The marketplace simulators (simulators/) for the connectors scenario: started beside the bench
// Worker on the run's dev registry (its MARKETPLACES binding then reaches them), connections to
// their accounts, and what each account lists, with the time each item was last set.

export type Kind = 'shopify' | 'amazon' | 'webhook';

/** One channel of the bench connected to one simulated account. */
export type Account = {
  channel: string;
  kind: Kind;
  account: string;
  plan?: 'standard' | 'plus';
};

export const LOCATION_ID = 'gid://shopify/Location/7001';
const WEBHOOK_SECRET = 'whsec_c3RvY2ttZXNoLWJlbmNoLXdlYmhvb2stc2VjcmV0LTAx';

/** Shopify's id of the SKU at `index` of the catalog. */
export const inventoryItemId = (index: number) =>
  `gid://shopify/InventoryItem/${5_000_000 + index}`;

export const startSimulators = (t: Target): Promise<DevServer> =>
  startWranglerDev({
    config: 'simulators/wrangler.toml',
    registry: t.registry,
    d1: false,
    readyPath: '/_sim',
  });

const connection = (a: Account) => {
  if (a.kind === 'shopify') {
    return {
      kind: 'shopify',
      settings: { shop: a.account, apiVersion: '2026-07', locationId: LOCATION_ID },
      credentials: { accessToken: 'shpat_bench' },
    };
  }
  if (a.kind === 'amazon') {
    return {
      kind: 'amazon',
      settings: {
        sellerId: a.account,
        marketplaceIds: ['A1F83G8C2ARO7P'],
        productType: 'HOME',
        region: 'eu',
      },
      credentials: {
        clientId: 'amzn1.application-oa2-client.bench',
        clientSecret: 'bench',
        refreshToken: `Atzr|${a.account}|bench`,
      },
    };
  }
  return {
    kind: 'webhook',
    settings: { url: `https://bench.simulators.test/webhook/${a.account}`, maxBatch: 100 },
    credentials: { secret: WEBHOOK_SECRET },
  };
};

const call = async (t: Target, method: string, path: string, body?: string, type?: string) => {
  const res = await devFetch(
    `${t.url}${path}`,
    {
      method,
      headers: {
        authorization: `Bearer ${t.key}`,
        ...(body !== undefined && { 'content-type': type ?? 'application/json' }),
      },
      ...(body !== undefined && { body }),
    },
    120_000,
  );
  const text = await res.text();
  return { status: res.status, text };
};

const expectOk = (what: string, r: { status: number; text: string }, ...ok: number[]) => {
  if (!ok.includes(r.status)) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 300)}`);
};

/** An admin call to the simulators (reset, plan, faults, config). */
export const simAdmin = async (sims: DevServer, a: Account, action: string, body?: object) => {
  const res = await fetch(`${sims.url}/_sim/${a.kind}/${action}?account=${a.account}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (!res.ok) throw new Error(`/_sim/${a.kind}/${action}: ${res.status} ${await res.text()}`);
};

/** A fresh account (plan and webhook secret set), and the channel connected anew, paused. */
export const connectPaused = async (
  t: Target,
  sims: DevServer,
  a: Account,
  skus: readonly string[],
) => {
  await simAdmin(sims, a, 'reset');
  if (a.plan !== undefined) await simAdmin(sims, a, 'plan', { plan: a.plan });
  if (a.kind === 'webhook') await simAdmin(sims, a, 'config', { secret: WEBHOOK_SECRET });
  const route = `/v1/channels/${a.channel}/connection`;
  expectOk(`disconnect ${a.channel}`, await call(t, 'DELETE', route), 204, 404);
  // The first attempt may come before the simulators' registration reached the bench Worker.
  // Never degraded here: the bench's channels share one warehouse, so a degraded channel's
  // exposure (docs/connectors.md, Degraded channels) would take the others' listings to 0 while
  // Amazon's feeds lag behind a 50/s run, and the Shopify figures would measure that instead.
  const body = JSON.stringify({ ...connection(a), paused: true, degradedAfterSeconds: 86_400 });
  expectOk(`connect ${a.channel}`, await call(t, 'PUT', route, body), 200);
  if (a.kind === 'shopify') {
    const lines = skus.map((sku, i) =>
      JSON.stringify({ sku, inventoryItemId: inventoryItemId(i) }),
    );
    const res = await call(
      t,
      'POST',
      `/v1/channels/${a.channel}/mappings/import`,
      lines.join('\n'),
      'application/x-ndjson',
    );
    expectOk(`mappings of ${a.channel}`, res, 200);
  }
};

export const pause = async (t: Target, a: Account) =>
  expectOk(
    `pause ${a.channel}`,
    await call(t, 'POST', `/v1/channels/${a.channel}/connection/pause`),
    200,
  );

export const resume = async (t: Target, a: Account) =>
  expectOk(
    `resume ${a.channel}`,
    await call(t, 'POST', `/v1/channels/${a.channel}/connection/resume`),
    200,
  );

/** The channel's sync status (GET /v1/channels/{code}/sync) as text, for a run's log. */
export const syncStatus = async (t: Target, a: Account): Promise<string> =>
  (await call(t, 'GET', `/v1/channels/${a.channel}/sync`)).text;

/** Probes the connection until the simulators answer through the binding (registry delay). */
export const waitReachable = async (t: Target, a: Account, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await call(t, 'POST', `/v1/channels/${a.channel}/connection/test`);
    if (r.status === 200 && JSON.parse(r.text).ok === true) return;
    if (Date.now() > deadline)
      throw new Error(`${a.channel} never reached its simulator: ${r.text}`);
    await sleep(250);
  }
};

const ShopifyListing = z.object({
  items: z.array(z.object({ inventoryItemId: z.string(), available: z.number(), at: z.number() })),
  totals: z.object({ requests: z.number(), throttled: z.number(), duplicates: z.number() }),
});
const AmazonListing = z.object({
  items: z.array(z.object({ sku: z.string(), quantity: z.number(), at: z.number() })),
  totals: z.object({
    requests: z.number(),
    patches: z.number(),
    throttled: z.number(),
    feeds: z.number(),
  }),
});
const WebhookListing = z.object({
  items: z.array(z.object({ sku: z.string(), quantity: z.number() })),
  totals: z.object({ requests: z.number() }),
});

export type Listed = {
  /** Our SKU → the quantity the marketplace shows and when it was set (ms; 0 if unknown). */
  items: Map<string, { quantity: number; at: number }>;
  requests: number;
  throttled: number;
  /** Shopify: pushes applied twice to one item (must stay 0). */
  duplicates: number;
};

/** What the account lists, by our SKU code. */
export const listing = async (
  sims: DevServer,
  a: Account,
  skuOfItem: ReadonlyMap<string, string>,
): Promise<Listed> => {
  const res = await fetch(`${sims.url}/_sim/${a.kind}/listing?account=${a.account}`);
  const body: unknown = await res.json();
  const items = new Map<string, { quantity: number; at: number }>();
  if (a.kind === 'shopify') {
    const l = ShopifyListing.parse(body);
    for (const i of l.items) {
      const sku = skuOfItem.get(i.inventoryItemId);
      if (sku !== undefined) items.set(sku, { quantity: i.available, at: i.at });
    }
    return { items, ...l.totals };
  }
  if (a.kind === 'amazon') {
    const l = AmazonListing.parse(body);
    for (const i of l.items) items.set(i.sku, { quantity: i.quantity, at: i.at });
    return { items, requests: l.totals.patches, throttled: l.totals.throttled, duplicates: 0 };
  }
  const l = WebhookListing.parse(body);
  for (const i of l.items) items.set(i.sku, { quantity: i.quantity, at: 0 });
  return { items, requests: l.totals.requests, throttled: 0, duplicates: 0 };
};

/**
 * Polls the listing until every SKU of `expected` shows its quantity, or `timeoutMs` passes; the
 * last listing and how many matched.
 */
export const waitListed = async (
  sims: DevServer,
  a: Account,
  skuOfItem: ReadonlyMap<string, string>,
  expected: ReadonlyMap<string, number>,
  timeoutMs: number,
  everyMs = 250,
): Promise<{ listed: Listed; matched: number; seenAt: number }> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = await listing(sims, a, skuOfItem);
    let matched = 0;
    for (const [sku, q] of expected) if (listed.items.get(sku)?.quantity === q) matched++;
    if (matched === expected.size || Date.now() > deadline) {
      return { listed, matched, seenAt: Date.now() };
    }
    await sleep(everyMs);
  }
};

/**
 * Empties a Shopify shop's cost bucket with requests the bench sends itself, so what follows runs
 * at the restore rate alone: 100 aliased inventorySetQuantities without @idempotent request 1,000
 * points and change nothing (refused at run time); then 10 of them (100 points) until throttled.
 * At Plus the bucket refills 10 points every 10 ms, so it may be left holding up to ~100 points.
 */
export const drainShopifyBucket = async (sims: DevServer, a: Account) => {
  const field =
    'inventorySetQuantities(input: {name: "available", reason: "correction", quantities: []}) { userErrors { code } }';
  // Down to less than one 10-point mutation left: 1,000-point queries, then 100, then 10.
  for (const fields of [100, 10, 1]) {
    const query = `mutation { ${Array.from({ length: fields }, (_, i) => `m${i}: ${field}`).join(' ')} }`;
    for (let n = 0; ; n++) {
      if (n === 200) throw new Error(`the bucket of ${a.account} never ran dry`);
      const res = await fetch(`${sims.url}/shopify/${a.account}/admin/api/2026-07/graphql.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_bench' },
        body: JSON.stringify({ query }),
      });
      if ((await res.text()).includes('THROTTLED')) break;
    }
  }
};
