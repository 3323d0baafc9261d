// The demo's channel connectors (`npm start`): web-uk → a simulated Shopify shop, amazon-eu → a
// simulated Amazon seller, ebay-uk → a simulated webhook receiver, all in the marketplace
// simulators (simulators/, docs/connectors.md#simulators) that `npm start` runs beside the mesh
// and binds to it as MARKETPLACES. The settings name the marketplaces' real hosts: the binding
// routes them to the simulators.
import { z } from 'zod';
export type Marketplace = 'shopify' | 'amazon' | 'webhook';

export type DemoConnection = {
  channel: string;
  marketplace: Marketplace;
  /** The simulated account: Shopify shop, Amazon seller id, webhook receiver. */
  account: string;
  /** The body of PUT /v1/channels/{channel}/connection (the webhook's secret is added per start). */
  connection: { kind: Marketplace; settings: object; credentials: object };
  /** NDJSON for POST /v1/channels/{channel}/mappings/import; null: the default mapping serves. */
  mappings: ((skus: readonly string[]) => string) | null;
};

const SHOP = 'stockmesh-demo';
const SELLER = 'A2STOCKMESHDEMO';
/** Amazon.co.uk and Amazon.de. */
const AMAZON_EU = ['A1F83G8C2ARO7P', 'A1PA6795UKMFR9'];

/** Shopify's id of a SKU's inventory item: stable for the demo catalog (sorted by code). */
export const inventoryItemId = (index: number) =>
  `gid://shopify/InventoryItem/${7_000_000 + index}`;

/** The seller SKU the demo lists a SKU under on Amazon. */
export const sellerSku = (sku: string) => `SM-${sku}`.slice(0, 40);

const ndjson = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n');

export const DEMO_CONNECTIONS: DemoConnection[] = [
  {
    channel: 'web-uk',
    marketplace: 'shopify',
    account: SHOP,
    connection: {
      kind: 'shopify',
      settings: { shop: SHOP, apiVersion: '2026-07', locationId: 'gid://shopify/Location/7001' },
      credentials: { accessToken: 'shpat_stockmesh_demo' },
    },
    mappings: (skus) =>
      ndjson(skus.map((sku, i) => ({ sku, inventoryItemId: inventoryItemId(i) }))),
  },
  {
    channel: 'amazon-eu',
    marketplace: 'amazon',
    account: SELLER,
    connection: {
      kind: 'amazon',
      settings: { sellerId: SELLER, marketplaceIds: AMAZON_EU, productType: 'HOME', region: 'eu' },
      credentials: {
        clientId: 'amzn1.application-oa2-client.stockmeshdemo',
        clientSecret: 'stockmesh-demo-client-secret',
        refreshToken: `Atzr|${SELLER}|demo`,
      },
    },
    mappings: (skus) => ndjson(skus.map((sku) => ({ sku, sellerSku: sellerSku(sku) }))),
  },
  {
    channel: 'ebay-uk',
    marketplace: 'webhook',
    account: 'ebay-uk',
    connection: {
      kind: 'webhook',
      // Any host: the simulators route /webhook/{receiver} by path.
      settings: { url: 'https://ebay-bridge.simulators.test/webhook/ebay-uk', maxBatch: 100 },
      // The signing secret is made afresh at each start and given to the receiver too.
      credentials: {},
    },
    // The receiver takes our SKU codes (the webhook adapter's default mapping).
    mappings: null,
  },
];

/** Where the simulators show what a demo marketplace lists. */
export const listingUrl = (simulators: string, c: DemoConnection) =>
  `${simulators}/_sim/${c.marketplace}/listing?account=${encodeURIComponent(c.account)}`;

type Call = (
  method: string,
  route: string,
  body?: string,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: unknown }>;

const check = (what: string, res: { status: number; body: unknown }, ...ok: number[]) => {
  if (!ok.includes(res.status)) {
    throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  }
};

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
const webhookSecret = () =>
  `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64')}`;

/**
 * Connects the demo channels afresh: the simulators keep their accounts in memory, so each start
 * meets empty marketplaces, and a connection made anew (DELETE, PUT, mappings) runs the full
 * first sync that lists the whole catalog there. Every step may be repeated.
 */
export const connectDemoChannels = async (o: {
  call: Call;
  /** The simulators' origin, for their admin routes. */
  simulators: string;
  skus: readonly string[];
  log: (line: string) => void;
}): Promise<void> => {
  for (const c of DEMO_CONNECTIONS) {
    const route = `/v1/channels/${c.channel}/connection`;
    check(`disconnecting ${c.channel}`, await o.call('DELETE', route), 204, 404);
    let { credentials } = c.connection;
    if (c.marketplace === 'webhook') {
      const secret = webhookSecret();
      const res = await fetch(`${o.simulators}/_sim/webhook/config?account=${c.account}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ secret }),
      });
      if (!res.ok) throw new Error(`configuring the webhook receiver: HTTP ${res.status}`);
      credentials = { secret };
    }
    // Paused until mapped, or the first sync would push under the default mapping.
    const body = JSON.stringify({ ...c.connection, credentials, paused: true });
    check(`connecting ${c.channel}`, await o.call('PUT', route, body), 200);
    if (c.mappings !== null) {
      const res = await o.call(
        'POST',
        `/v1/channels/${c.channel}/mappings/import`,
        c.mappings(o.skus),
        {
          'content-type': 'application/x-ndjson',
        },
      );
      check(`importing the mappings of ${c.channel}`, res, 200);
    }
    check(`resuming ${c.channel}`, await o.call('POST', `${route}/resume`), 200);
    o.log(`${c.channel} → simulated ${c.marketplace} (${c.account}): connected`);
  }
};

/** The part of GET /v1/channels/{code}/sync the report reads. */
const SyncProgress = z.object({
  counts: z.object({ accepted: z.number() }),
  shards: z.array(z.object({ shard: z.number(), acked: z.number(), head: z.number() })),
});

/**
 * Reports each demo channel's first sync once the marketplace accepted every row the hubs held
 * when it was connected (each hub acknowledged up to its head of then; live traffic goes on
 * meanwhile), or where it stands after `timeoutMs`.
 */
export const reportFirstSyncs = async (o: {
  call: Call;
  simulators: string;
  log: (line: string) => void;
  timeoutMs?: number;
}): Promise<void> => {
  const started = Date.now();
  const deadline = started + (o.timeoutMs ?? 120_000);
  const progress = async (c: DemoConnection) => {
    const res = await o.call('GET', `/v1/channels/${c.channel}/sync`);
    const parsed = SyncProgress.safeParse(res.body);
    return parsed.success ? parsed.data : null;
  };
  const targets = new Map<DemoConnection, Map<number, number>>();
  for (const c of DEMO_CONNECTIONS) {
    const p = await progress(c);
    targets.set(c, new Map((p?.shards ?? []).map((s) => [s.shard, s.head])));
  }
  while (targets.size > 0) {
    for (const [c, heads] of [...targets]) {
      const p = await progress(c);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      // Before its first read a channel lists no shard: not done.
      const caughtUp = (q: NonNullable<typeof p>) =>
        q.shards.length > 0 && q.shards.every((s) => s.acked >= (heads.get(s.shard) ?? s.head));
      if (p !== null && caughtUp(p)) {
        targets.delete(c);
        o.log(
          `${c.channel}: first sync done in ${seconds} s (${p.counts.accepted} SKUs accepted by the simulated ${c.marketplace}): ${listingUrl(o.simulators, c)}`,
        );
      } else if (Date.now() > deadline) {
        targets.delete(c);
        o.log(
          `${c.channel}: first sync still under way after ${seconds} s: GET /v1/channels/${c.channel}/sync`,
        );
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
};
