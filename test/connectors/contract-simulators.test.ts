import { describe, expect, it } from 'vitest';
import { sign, verify } from '../../objects/channel-sync/adapters/standard-webhooks';
import { AmazonSeller } from '../../simulators/amazon/seller';
import { routeOf } from '../../simulators/route';
import type { SimRequest } from '../../simulators/shared/sim-http';
import { ShopifyShop } from '../../simulators/shopify/shop';
import { DEFAULT_WEBHOOK_SECRET, WebhookReceiver } from '../../simulators/webhook/receiver';

// The simulators refuse what the marketplaces refuse: a suite that passes against a lenient
// simulator proves nothing, so these cases pin the limits and validations themselves.

const T0 = Date.UTC(2026, 0, 5, 9);
const LOC = 'gid://shopify/Location/7001';
const item = (i: number) => `gid://shopify/InventoryItem/${20_000 + i}`;

function gql(
  query: string,
  variables: object,
  version = '2026-07',
  token = 'shpat_sim',
): SimRequest {
  return {
    method: 'POST',
    url: `https://sim.test/shopify/shop-a/admin/api/${version}/graphql.json`,
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': token },
    body: JSON.stringify({ query, variables }),
  };
}
const SET = `mutation($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) { inventoryAdjustmentGroup { id } userErrors { code field message } } }`;
const SET_NO_KEY = `mutation($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) { inventoryAdjustmentGroup { id } userErrors { code field message } } }`;
const input = (n: number, extra: object = { changeFromQuantity: null }, reason = 'correction') => ({
  name: 'available',
  reason,
  referenceDocumentUri: 'gid://stockmesh/PushAttempt/t',
  quantities: Array.from({ length: n }, (_, i) => ({
    inventoryItemId: item(i),
    locationId: LOC,
    quantity: 3,
    ...extra,
  })),
});
const body = async (p: Promise<{ body: string }>) => JSON.parse((await p).body);

describe('Shopify simulator', () => {
  it('refuses 251 quantities in one call (Shopify input arrays hold at most 250)', async () => {
    const shop = new ShopifyShop('shop-a', T0);
    const res = await body(shop.handle(gql(SET, { input: input(251), key: 'k' }), T0));
    expect(res.errors[0].extensions.code).toBe('MAX_INPUT_SIZE_EXCEEDED');
    expect(shop.totals.applied).toBe(0);
  });

  it('requires @idempotent and an explicit changeFromQuantity from 2026-04, not in 2026-01', async () => {
    const shop = new ShopifyShop('shop-a', T0);
    const noKey = await body(shop.handle(gql(SET_NO_KEY, { input: input(1) }), T0));
    expect(noKey.errors[0].message).toMatch(/@idempotent/);
    const noChangeFrom = await body(shop.handle(gql(SET, { input: input(1, {}), key: 'k1' }), T0));
    expect(noChangeFrom.data.inventorySetQuantities.userErrors[0].field).toEqual([
      'input',
      'quantities',
      '0',
      'changeFromQuantity',
    ]);
    const old = await body(shop.handle(gql(SET_NO_KEY, { input: input(1, {}) }, '2026-01'), T0));
    expect(old.data.inventorySetQuantities.userErrors).toEqual([]);
  });

  it('validates the document against the schema and the reason against Shopify list', async () => {
    const shop = new ShopifyShop('shop-a', T0);
    const unknownField = await body(shop.handle(gql('{ shop { name plan } }', {}), T0));
    expect(unknownField.errors[0].message).toMatch(/Cannot query field "plan"/);
    const reason = await body(
      shop.handle(
        gql(SET, { input: input(1, { changeFromQuantity: null }, 'sync'), key: 'k2' }),
        T0,
      ),
    );
    expect(reason.data.inventorySetQuantities.userErrors[0].code).toBe('INVALID_REASON');
  });

  it('replays an idempotency key without applying again, and refuses it with other variables', async () => {
    const shop = new ShopifyShop('shop-a', T0);
    const first = await body(shop.handle(gql(SET, { input: input(2), key: 'same' }), T0));
    const again = await body(shop.handle(gql(SET, { input: input(2), key: 'same' }), T0));
    expect(again.data).toEqual(first.data);
    expect(shop.totals.applied).toBe(2);
    expect(shop.totals.replayed).toBe(1);
    const other = await body(shop.handle(gql(SET, { input: input(3), key: 'same' }), T0));
    expect(other.data.inventorySetQuantities.userErrors[0].code).toBe(
      'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
    );
  });

  it('throttles once the 2,000-point Standard bucket is spent, and restores 100 points a second', async () => {
    const shop = new ShopifyShop('shop-a', T0);
    for (let i = 0; i < 200; i++) {
      const ok = await body(shop.handle(gql(SET, { input: input(1), key: `b${i}` }), T0));
      expect(ok.errors).toBeUndefined();
    }
    const throttled = await body(shop.handle(gql(SET, { input: input(1), key: 'b200' }), T0));
    expect(throttled.errors[0].extensions.code).toBe('THROTTLED');
    expect(throttled.extensions.cost.throttleStatus).toEqual({
      maximumAvailable: 2000,
      currentlyAvailable: 0,
      restoreRate: 100,
    });
    const later = await body(shop.handle(gql(SET, { input: input(1), key: 'b200' }), T0 + 100));
    expect(later.errors).toBeUndefined();
  });

  it('gives Plus a 20,000-point bucket restoring 1,000 a second', async () => {
    const shop = new ShopifyShop('shop-a', T0);
    shop.setPlan('plus', T0);
    const res = await body(shop.handle(gql('{ shop { name } }', {}), T0));
    expect(res.extensions.cost.throttleStatus).toMatchObject({
      maximumAvailable: 20000,
      restoreRate: 1000,
    });
  });

  it('refuses a query costing more than 1,000 points whatever the bucket holds', async () => {
    const shop = new ShopifyShop('shop-a', T0);
    const fields = Array.from(
      { length: 400 },
      (_, i) =>
        `a${i}: inventoryItem(id: "${item(i)}") { inventoryLevel(locationId: "${LOC}") { quantities(names: ["available"]) { quantity } } }`,
    );
    const res = await body(shop.handle(gql(`{ ${fields.join(' ')} }`, {}), T0));
    expect(res.errors[0].extensions.code).toBe('MAX_COST_EXCEEDED');
  });

  it('answers 401 to a revoked token and to expired credentials', async () => {
    const shop = new ShopifyShop('shop-a', T0);
    expect(
      (await shop.handle(gql('{ shop { name } }', {}, '2026-07', 'shpat_revoked'), T0)).status,
    ).toBe(401);
    shop.setFaults({ expireCredentials: true });
    expect((await shop.handle(gql('{ shop { name } }', {}), T0)).status).toBe(401);
  });
});

describe('Amazon simulator', () => {
  const SELLER = 'A2SIMSELLER01';
  async function token(seller: AmazonSeller, now: number) {
    const res = await seller.handle(
      {
        method: 'POST',
        url: 'https://api.amazon.com/auth/o2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&refresh_token=Atzr|${SELLER}&client_id=amzn1.application-oa2-client.x&client_secret=s`,
      },
      now,
    );
    return JSON.parse(res.body).access_token as string;
  }
  const patch = (token: string, sku = 'TEE-1'): SimRequest => ({
    method: 'PATCH',
    url: `https://sellingpartnerapi-eu.amazon.com/listings/2021-08-01/items/${SELLER}/${sku}?marketplaceIds=A1F83G8C2ARO7P`,
    headers: { 'content-type': 'application/json', 'x-amz-access-token': token },
    body: JSON.stringify({
      productType: 'SHIRT',
      patches: [
        {
          op: 'merge',
          path: '/attributes/fulfillment_availability',
          value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 4 }],
        },
      ],
    }),
  });

  it('allows a burst of 5 patches, then 429, then 5 a second', async () => {
    const seller = new AmazonSeller(SELLER, T0);
    const t = await token(seller, T0);
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await seller.handle(patch(t), T0)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await seller.handle(patch(t), T0 + 200)).status).toBe(200);
  });

  it('expires access tokens after 3,600 s and refuses unknown LWA clients', async () => {
    const seller = new AmazonSeller(SELLER, T0);
    const t = await token(seller, T0);
    const expired = await seller.handle(patch(t), T0 + 3_600_000);
    expect(expired.status).toBe(403);
    expect(expired.body).toMatch(/expired/);
    const badClient = await seller.handle(
      {
        method: 'POST',
        url: 'https://api.amazon.com/auth/o2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&refresh_token=Atzr|${SELLER}&client_id=nope&client_secret=s`,
      },
      T0,
    );
    expect(badClient.status).toBe(401);
  });

  it('accepts 5 JSON_LISTINGS_FEED submissions per 5 minutes and refuses the sixth', async () => {
    const seller = new AmazonSeller(SELLER, T0);
    const t = await token(seller, T0);
    const sp = (method: string, path: string, b?: object): SimRequest => ({
      method,
      url: `https://sellingpartnerapi-eu.amazon.com${path}`,
      headers: { 'content-type': 'application/json', 'x-amz-access-token': t },
      body: b ? JSON.stringify(b) : '',
    });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const doc = JSON.parse(
        (
          await seller.handle(
            sp('POST', '/feeds/2021-06-30/documents', {
              contentType: 'application/json; charset=UTF-8',
            }),
            T0,
          )
        ).body,
      );
      await seller.handle(
        {
          method: 'PUT',
          url: doc.url,
          headers: { 'content-type': 'application/json; charset=UTF-8' },
          body: JSON.stringify({ header: { sellerId: SELLER, version: '2.0' }, messages: [] }),
        },
        T0,
      );
      statuses.push(
        (
          await seller.handle(
            sp('POST', '/feeds/2021-06-30/feeds', {
              feedType: 'JSON_LISTINGS_FEED',
              marketplaceIds: ['A1F83G8C2ARO7P'],
              inputFeedDocumentId: doc.feedDocumentId,
            }),
            T0,
          )
        ).status,
      );
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('takes an order off the offer it sells, never beyond it, and gives a cancelled one back once', async () => {
    const seller = new AmazonSeller(SELLER, T0);
    const t = await token(seller, T0);
    expect((await seller.handle(patch(t, 'TEE-1'), T0)).status).toBe(200);
    const shows = () => seller.listing(T0).items.find((i) => i.sku === 'TEE-1')?.quantity;
    expect(shows()).toBe(4);
    const items = (quantity: number) => [
      { sellerSku: 'TEE-1', quantity },
      { sellerSku: 'NEVER-LISTED', quantity: 1 },
    ];
    const first = seller.placeOrder({ items: items(3) }, T0);
    expect(shows()).toBe(1);
    expect(seller.placeOrder({ items: items(2) }, T0)).toEqual({
      error: 'SKU TEE-1 shows 1: an order of 2 cannot be placed',
    });
    const second = seller.placeOrder({ items: [{ sellerSku: 'TEE-1', quantity: 1 }] }, T0);
    expect(shows()).toBe(0);
    if ('error' in first || 'error' in second) throw new Error('orders refused');
    // A buyer's cancellation gives the units back, once; a seller's for no inventory does not.
    seller.cancelOrder({ orderId: first.orderId }, T0);
    expect(seller.cancelOrder({ orderId: first.orderId }, T0)).toEqual({
      error: `order ${first.orderId} is already cancelled`,
    });
    seller.cancelOrder({ orderId: second.orderId, restock: false }, T0);
    expect(shows()).toBe(3);
    expect(seller.totals).toMatchObject({ sold: 4, restocked: 3 });
    expect(seller.listing(T0).items.map((i) => i.sku)).toEqual(['TEE-1']);
  });
});

describe('webhook receiver simulator', () => {
  const post = async (secret: string, id: string, ts: number, b: string): Promise<SimRequest> => ({
    method: 'POST',
    url: 'https://simulators.test/webhook/r',
    headers: { 'content-type': 'application/json', ...(await sign(secret, id, ts, b)) },
    body: b,
  });
  const listed = JSON.stringify({
    type: 'stock.listed',
    data: { items: [{ sku: 'A', quantity: 2 }] },
  });

  it('refuses a wrong signature and an old timestamp, and drops a repeated webhook-id', async () => {
    const r = new WebhookReceiver('r');
    const now = T0;
    expect(
      (await r.handle(await post('whsec_d3Jvbmc=', 'm1', now / 1000, listed), now)).status,
    ).toBe(401);
    expect(
      (await r.handle(await post(DEFAULT_WEBHOOK_SECRET, 'm1', now / 1000 - 600, listed), now))
        .status,
    ).toBe(401);
    expect(
      (await r.handle(await post(DEFAULT_WEBHOOK_SECRET, 'm1', now / 1000, listed), now)).status,
    ).toBe(200);
    expect(
      (await r.handle(await post(DEFAULT_WEBHOOK_SECRET, 'm1', now / 1000, listed), now)).status,
    ).toBe(200);
    expect(r.totals).toMatchObject({ accepted: 1, duplicates: 1, refused: 2, applied: 1 });
  });
});

describe('Standard Webhooks signatures', () => {
  it('verifies its own signature and any one of several during a rotation', async () => {
    const h = await sign(DEFAULT_WEBHOOK_SECRET, 'msg_1', 1_700_000_000, '{"a":1}');
    const headers = new Headers({
      ...h,
      'webhook-signature': `v1,bm90LWl0 ${h['webhook-signature']}`,
    });
    expect(await verify(DEFAULT_WEBHOOK_SECRET, headers, '{"a":1}', 1_700_000_010)).toEqual({
      ok: true,
    });
    expect(await verify(DEFAULT_WEBHOOK_SECRET, headers, '{"a":2}', 1_700_000_010)).toEqual({
      ok: false,
      code: 'bad_signature',
    });
  });
});

describe('simulator routing', () => {
  const req = (url: string, headers: Record<string, string> = {}, b = ''): SimRequest => ({
    method: 'POST',
    url,
    headers,
    body: b,
  });
  it('routes by the marketplace host through the binding, and by path prefix on any host', () => {
    expect(routeOf(req('https://shop-a.myshopify.com/admin/api/2026-07/graphql.json'))).toEqual({
      marketplace: 'shopify',
      account: 'shop-a',
    });
    expect(
      routeOf(req('http://localhost:8790/shopify/shop-b/admin/api/2026-07/graphql.json')),
    ).toEqual({ marketplace: 'shopify', account: 'shop-b' });
    expect(
      routeOf(req('https://api.amazon.com/auth/o2/token', {}, 'refresh_token=Atzr|A2SELLER9')),
    ).toEqual({ marketplace: 'amazon', account: 'A2SELLER9' });
    expect(
      routeOf(
        req('https://sellingpartnerapi-eu.amazon.com/feeds/2021-06-30/feeds', {
          'x-amz-access-token': 'Atza|sim.A2SELLER9.1.x',
        }),
      ),
    ).toEqual({ marketplace: 'amazon', account: 'A2SELLER9' });
    expect(routeOf(req('https://simulators.test/webhook/ebay-uk'))).toEqual({
      marketplace: 'webhook',
      account: 'ebay-uk',
    });
    expect(routeOf(req('https://example.com/'))).toBeNull();
  });
});
