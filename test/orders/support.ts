import { createExecutionContext, runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { hmacBase64 } from '../../objects/channel-orders/hmac';
import { sign } from '../../objects/channel-sync/adapters/standard-webhooks';
import type { OrderPage, OrderView } from '../../protocol/orders';
import type { StockView } from '../../protocol/stock';
import worker from '../../workers/index';
import { api } from '../support/client';

// What the orders tests share: the channel's inbound set up, signed deliveries as each
// marketplace sends them, the object's alarm driven to the end, and what was reserved.

export const SHOPIFY_SECRET = 'shpss_orders_test_client_secret_01';
export const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const AMAZON_SECRET = 'eventbridge-orders-test-secret-01';

export const ordersStub = (channel: string) =>
  env.ChannelOrders.get(env.ChannelOrders.idFromName(channel));

export const setInbound = async (channel: string, body: Record<string, unknown>) => {
  const res = await api(`/v1/channels/${channel}/inbound`, { method: 'PUT', body });
  if (res.status !== 200)
    throw new Error(`inbound ${channel}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

/** POSTs raw bytes to the public inbound route, with no API key. */
export const deliver = async (
  channel: string,
  kind: 'shopify' | 'amazon' | 'webhook',
  body: string,
  headers: Record<string, string>,
) => {
  const res = await worker.fetch(
    new Request(`http://stockmesh.test/v1/inbound/${channel}/${kind}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }),
    env,
    createExecutionContext(),
  );
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { error?: { code: string } },
  };
};

let events = 0;
/** Headers Shopify sends with `body` (fresh event id unless given). */
export const shopifyHeaders = async (
  topic: string,
  body: string,
  over: { eventId?: string; triggeredAt?: string; secret?: string } = {},
) => ({
  'x-shopify-topic': topic,
  'x-shopify-hmac-sha256': await hmacBase64(
    over.secret ?? SHOPIFY_SECRET,
    new TextEncoder().encode(body),
  ),
  'x-shopify-event-id': over.eventId ?? `evt-${Date.now()}-${events++}`,
  'x-shopify-triggered-at': over.triggeredAt ?? new Date().toISOString(),
  'x-shopify-shop-domain': 'shop-a.myshopify.com',
});

export const shopifyOrder = (id: number, lines: [string, number][]) =>
  JSON.stringify({
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    cancelled_at: null,
    line_items: lines.map(([sku, quantity], i) => ({
      id: id * 100 + i,
      sku,
      variant_id: 7_000 + i,
      quantity,
    })),
  });

export const webhookHeaders = (id: string, body: string, at = Math.floor(Date.now() / 1000)) =>
  sign(WEBHOOK_SECRET, id, at, body);

/** Runs the object's alarm until its inbox is empty. */
export const processAll = async (channel: string, most = 200) => {
  for (let i = 0; i < most; i++) {
    await runDurableObjectAlarm(ordersStub(channel));
    if ((await ordersStub(channel).settle()) === 0) return;
  }
  throw new Error(`channel ${channel}: inbox not empty after ${most} runs`);
};

export const stockOf = async (sku: string) => (await api<StockView>(`/v1/skus/${sku}/stock`)).body;

export const ordersOf = async (channel: string, query = '') => {
  const items: OrderView[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `channel=${channel}&limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`;
    const res: { status: number; body: OrderPage } = await api<OrderPage>(`/v1/orders?${q}`);
    if (res.status !== 200) throw new Error(`orders: ${res.status} ${JSON.stringify(res.body)}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
};

/** A paused Shopify connection (nothing pushed) mapping each SKU to an inventory item. */
export const connectShopify = async (channel: string, skus: readonly string[]) => {
  const put = await api(`/v1/channels/${channel}/connection`, {
    method: 'PUT',
    body: {
      kind: 'shopify',
      settings: { shop: channel, locationId: 'gid://shopify/Location/1' },
      credentials: { accessToken: 'shpat_orders0123456789abcdef' },
      paused: true,
    },
  });
  if (put.status !== 200) throw new Error(`connection: ${put.status} ${JSON.stringify(put.body)}`);
  const ndjson = skus.map((sku, n) =>
    JSON.stringify({ sku, inventoryItemId: `gid://shopify/InventoryItem/${90_000 + n}` }),
  );
  const res = await api(`/v1/channels/${channel}/mappings/import`, {
    rawBody: ndjson.join('\n'),
    headers: { 'content-type': 'application/x-ndjson' },
  });
  if (res.status !== 200) throw new Error(`mappings: ${res.status} ${JSON.stringify(res.body)}`);
};
