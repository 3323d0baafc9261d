import { describe, expect, it } from 'vitest';
import { makeShop } from '../connectors/sync-support/world';
import { api } from '../support/client';
import {
  AMAZON_SECRET,
  connectShopify,
  deliver,
  ordersOf,
  processAll,
  SHOPIFY_SECRET,
  setInbound,
  shopifyHeaders,
  shopifyOrder,
  stockOf,
  WEBHOOK_SECRET,
  webhookHeaders,
} from './support';

// Inbound orders are public routes: only a delivery the marketplace signed, not seen before and
// not stale, is recorded. Every refusal has a code, and leaves no order and no reserved unit.

const committed = async (sku: string) => (await stockOf(sku)).totals.committed;

describe('inbound signatures', () => {
  it('refuses a wrong HMAC, a missing one, a stale trigger time and a body changed by one byte', async () => {
    const { channel, skus } = await makeShop([5]);
    const sku = skus[0] ?? '';
    await setInbound(channel, { kind: 'shopify', secret: SHOPIFY_SECRET });
    const body = shopifyOrder(1001, [[sku, 2]]);
    const good = await shopifyHeaders('orders/create', body);
    const cases: [string, string, Record<string, string>, string][] = [
      [
        'wrong secret',
        body,
        await shopifyHeaders('orders/create', body, { secret: 'another-secret-0123456789' }),
        'signature_invalid',
      ],
      ['missing HMAC', body, { ...good, 'x-shopify-hmac-sha256': '' }, 'signature_invalid'],
      [
        'stale',
        body,
        await shopifyHeaders('orders/create', body, {
          triggeredAt: new Date(Date.now() - 7 * 3600_000).toISOString(),
        }),
        'delivery_stale',
      ],
      ['one byte changed', body.replace('"quantity":2', '"quantity":3'), good, 'signature_invalid'],
    ];
    for (const [what, sent, headers, code] of cases) {
      const res = await deliver(channel, 'shopify', sent, headers);
      expect([what, res.status, res.body.error?.code]).toEqual([what, 401, code]);
    }
    await processAll(channel);
    expect(await ordersOf(channel)).toEqual([]);
    expect(await committed(sku)).toBe(0);
    const inbound = await api<{ counts: Record<string, number> }>(
      `/v1/channels/${channel}/inbound`,
    );
    expect(inbound.body.counts).toEqual({ received: 0, duplicates: 0, refused: 4, pending: 0 });
  });

  it('reserves a delivery once: a replayed event id is answered as a duplicate and changes nothing', async () => {
    const { channel, skus } = await makeShop([5]);
    const sku = skus[0] ?? '';
    await setInbound(channel, { kind: 'shopify', secret: SHOPIFY_SECRET });
    await connectShopify(channel, skus);
    const body = shopifyOrder(1002, [[sku, 2]]);
    const headers = await shopifyHeaders('orders/create', body, { eventId: 'evt-replayed' });
    expect(await deliver(channel, 'shopify', body, headers)).toEqual({
      status: 200,
      body: { accepted: true, duplicate: false, events: 1 },
    });
    await processAll(channel);
    // The same event id again, even with another (signed) order in it, is not recorded.
    const other = shopifyOrder(1003, [[sku, 3]]);
    const replay = await shopifyHeaders('orders/create', other, { eventId: 'evt-replayed' });
    for (const [b, h] of [
      [body, headers],
      [other, replay],
    ] as const) {
      expect(await deliver(channel, 'shopify', b, h)).toEqual({
        status: 200,
        body: { accepted: false, duplicate: true, events: 0 },
      });
    }
    await processAll(channel);
    const orders = await ordersOf(channel);
    expect(orders.map((o) => [o.orderId, o.status])).toEqual([['1002', 'committed']]);
    expect(await committed(sku)).toBe(2);
  });

  it('refuses Standard Webhooks orders unsigned, altered or older than 5 minutes', async () => {
    const { channel, skus } = await makeShop([5]);
    const sku = skus[0] ?? '';
    await setInbound(channel, { kind: 'webhook', secret: WEBHOOK_SECRET });
    const body = JSON.stringify({
      type: 'order.created',
      data: { orderId: 'EB-1', lines: [{ code: sku, quantity: 1 }] },
    });
    const signed = await webhookHeaders('msg_1', body);
    const old = await webhookHeaders('msg_2', body, Math.floor(Date.now() / 1000) - 301);
    expect((await deliver(channel, 'webhook', body, {})).body.error?.code).toBe(
      'signature_invalid',
    );
    expect((await deliver(channel, 'webhook', `${body} `, signed)).body.error?.code).toBe(
      'signature_invalid',
    );
    expect((await deliver(channel, 'webhook', body, old)).body.error?.code).toBe('delivery_stale');
    expect((await deliver(channel, 'webhook', body, signed)).status).toBe(200);
    await processAll(channel);
    expect((await ordersOf(channel)).map((o) => o.status)).toEqual(['committed']);
    expect(await committed(sku)).toBe(1);
  });

  it('refuses Amazon notifications without the shared secret, and unknown channels and kinds', async () => {
    const { channel } = await makeShop([5]);
    await setInbound(channel, { kind: 'amazon', secret: AMAZON_SECRET });
    const res = await deliver(channel, 'amazon', '{}', {
      'x-stockmesh-secret': 'wrong-secret-value',
    });
    expect([res.status, res.body.error?.code]).toEqual([401, 'signature_invalid']);
    const shopify = await deliver(channel, 'shopify', '{}', {});
    expect([shopify.status, shopify.body.error?.code]).toEqual([404, 'not_connected']);
    const none = await deliver('no-such-channel', 'amazon', '{}', {});
    expect([none.status, none.body.error?.code]).toEqual([404, 'not_connected']);
    const bad = await deliver(channel, 'ebay' as 'amazon', '{}', {});
    expect([bad.status, bad.body.error?.code]).toEqual([404, 'not_found']);
  });

  it('never returns the secret, and refuses a webhook secret that is not whsec_', async () => {
    const { channel } = await makeShop([]);
    const view = await setInbound(channel, { kind: 'shopify', secret: SHOPIFY_SECRET });
    expect(JSON.stringify(view)).not.toContain(SHOPIFY_SECRET);
    const res = await api(`/v1/channels/${channel}/inbound`, {
      method: 'PUT',
      body: { kind: 'webhook', secret: 'not-a-standard-webhooks-secret' },
    });
    expect([res.status, (res.body as { error: { code: string } }).error.code]).toEqual([
      400,
      'validation_failed',
    ]);
  });
});
