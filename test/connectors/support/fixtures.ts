import type { AnyAdapter, PushItem } from '../../../objects/channel-sync/adapter';
import { adapters } from '../../../objects/channel-sync/adapters';
import { AmazonSeller } from '../../../simulators/amazon/seller';
import type { SimAccount, SimRequest, SimResponse } from '../../../simulators/shared/sim-http';
import { ShopifyShop } from '../../../simulators/shopify/shop';
import { DEFAULT_WEBHOOK_SECRET, WebhookReceiver } from '../../../simulators/webhook/receiver';
import type { Conn } from './driver';

// One fixture per adapter: a connection to its simulator, items with their mappings, a way to read
// what the marketplace lists, and what the adapter can do. The contract suite runs the same cases
// over every fixture; a new adapter adds its fixture here.

export const LOCATION = 'gid://shopify/Location/7001';
export const SELLER = 'A2SIMSELLER01';
export const MARKETPLACE_UK = 'A1F83G8C2ARO7P';

export type Sim = SimAccount & { handle(req: SimRequest, now: number): Promise<SimResponse> };

export type Fixture = {
  name: 'shopify' | 'amazon' | 'webhook';
  adapter: AnyAdapter;
  /** A connection to the in-process simulator (base URLs on any host work: path routing). */
  conn(base: string): Conn;
  /** A connection through the MARKETPLACES binding, at the marketplace's real hosts. */
  bindingConn(account: string): Conn;
  badCredentials(conn: Conn): Conn;
  account: string;
  sim(now: number): Sim;
  item(i: number, quantity: number, pushed?: number | null): PushItem;
  /** What the simulator lists for an item, or null if it never heard of it. */
  listed(sim: Sim, item: PushItem): number | null;
  /** Pushes the simulator applied (an idempotent replay is not applied). */
  applied(sim: Sim): number;
  /** Requests the simulator refused as over its rate limit. */
  throttled(sim: Sim): number;
  can: { limit: boolean; stale: boolean; idempotent: boolean; bulk: boolean; token: boolean };
};

const shopifyFixture: Fixture = {
  name: 'shopify',
  adapter: adapters.shopify,
  account: 'shop-a',
  conn: (base) => ({
    settings: {
      shop: 'shop-a',
      apiVersion: '2026-07',
      locationId: LOCATION,
      baseUrl: `${base}/shopify/shop-a`,
    },
    credentials: { accessToken: 'shpat_contract' },
  }),
  bindingConn: (shop) => ({
    settings: { shop, apiVersion: '2026-07', locationId: LOCATION },
    credentials: { accessToken: 'shpat_contract' },
  }),
  badCredentials: (c) => ({ ...c, credentials: { accessToken: 'shpat_revoked' } }),
  sim: (now) => new ShopifyShop('shop-a', now),
  item: (i, quantity, pushed = null) => ({
    sku: `TEE-${i}`,
    external: { inventoryItemId: `gid://shopify/InventoryItem/${10_000 + i}` },
    quantity,
    pushed,
  }),
  listed: (sim, item) => {
    const shop = sim as ShopifyShop;
    const id = (item.external as { inventoryItemId: string }).inventoryItemId;
    return shop.listing(0).items.some((l) => l.inventoryItemId === id)
      ? shop.available(id, LOCATION)
      : null;
  },
  applied: (sim) => (sim as ShopifyShop).totals.applied,
  throttled: (sim) => (sim as ShopifyShop).totals.throttled,
  can: { limit: true, stale: true, idempotent: true, bulk: true, token: false },
};

const amazonFixture: Fixture = {
  name: 'amazon',
  adapter: adapters.amazon,
  account: SELLER,
  conn: (base) => ({
    settings: {
      sellerId: SELLER,
      marketplaceIds: [MARKETPLACE_UK],
      productType: 'SHIRT',
      baseUrl: `${base}/amazon`,
      lwaUrl: `${base}/lwa/auth/o2/token`,
    },
    credentials: {
      clientId: 'amzn1.application-oa2-client.contract',
      clientSecret: 'secret',
      refreshToken: `Atzr|${SELLER}|contract`,
    },
  }),
  bindingConn: (seller) => ({
    settings: {
      sellerId: seller,
      marketplaceIds: [MARKETPLACE_UK],
      productType: 'SHIRT',
      region: 'eu',
    },
    credentials: {
      clientId: 'amzn1.application-oa2-client.contract',
      clientSecret: 'secret',
      refreshToken: `Atzr|${seller}|contract`,
    },
  }),
  badCredentials: (c) => ({
    ...c,
    credentials: {
      clientId: 'amzn1.application-oa2-client.contract',
      clientSecret: 'secret',
      refreshToken: 'Atzr|revoked',
    },
  }),
  sim: (now) => new AmazonSeller(SELLER, now),
  item: (i, quantity, pushed = null) => ({
    sku: `TEE-${i}`,
    external: { sellerSku: `TEE-${i}` },
    quantity,
    pushed,
  }),
  listed: (sim, item) =>
    (sim as AmazonSeller).quantity((item.external as { sellerSku: string }).sellerSku),
  applied: (sim) => (sim as AmazonSeller).totals.applied,
  throttled: (sim) => (sim as AmazonSeller).totals.throttled,
  // Patches are absolute: no compare-and-set, and a resend is applied again to the same effect.
  can: { limit: true, stale: false, idempotent: false, bulk: true, token: true },
};

const webhookFixture: Fixture = {
  name: 'webhook',
  adapter: adapters.webhook,
  account: 'ebay-uk',
  conn: (base) => ({
    settings: { url: `${base}/webhook/ebay-uk`, maxBatch: 100 },
    credentials: { secret: DEFAULT_WEBHOOK_SECRET },
    channel: 'ebay-uk',
  }),
  bindingConn: (receiver) => ({
    settings: { url: `https://simulators.test/webhook/${receiver}`, maxBatch: 100 },
    credentials: { secret: DEFAULT_WEBHOOK_SECRET },
    channel: receiver,
  }),
  badCredentials: (c) => ({
    ...c,
    credentials: { secret: 'whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==' },
  }),
  sim: () => new WebhookReceiver('ebay-uk'),
  item: (i, quantity, pushed = null) => ({
    sku: `TEE-${i}`,
    external: { code: `TEE-${i}` },
    quantity,
    pushed,
  }),
  listed: (sim, item) => {
    const code = (item.external as { code: string }).code;
    return (sim as WebhookReceiver).listing().items.find((l) => l.sku === code)?.quantity ?? null;
  },
  applied: (sim) => (sim as WebhookReceiver).totals.applied,
  throttled: () => 0,
  // A webhook has no rate limit of its own, no compare-and-set and no bulk path; receivers dedupe by webhook-id.
  can: { limit: false, stale: false, idempotent: true, bulk: false, token: false },
};

export const FIXTURES: Fixture[] = [shopifyFixture, amazonFixture, webhookFixture];
