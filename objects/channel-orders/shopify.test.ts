import { describe, expect, it } from 'vitest';
import { hmacBase64 } from './hmac';
import { parseShopify, SHOPIFY_TOLERANCE_MS, verifyShopify } from './shopify';

const SECRET = 'shpss_test_client_secret_0123456789';
const NOW = Date.parse('2026-11-30T12:00:00Z');
const enc = (s: string) => new TextEncoder().encode(s);

const signed = async (body: string, over: Record<string, string | null> = {}) => {
  const h: Record<string, string> = {
    'x-shopify-hmac-sha256': await hmacBase64(SECRET, enc(body)),
    'x-shopify-event-id': 'evt-1',
    'x-shopify-triggered-at': new Date(NOW - 1000).toISOString(),
    'x-shopify-topic': 'orders/create',
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete h[k];
    else h[k] = v;
  }
  return new Headers(h);
};

const ORDER = JSON.stringify({
  id: 5940139491234,
  cancelled_at: null,
  line_items: [
    { id: 466157049, sku: 'TEE-BLK-M', variant_id: 39072856, quantity: 2 },
    { id: 466157050, sku: null, variant_id: 457924702, quantity: 1 },
  ],
});

describe('verifyShopify', () => {
  it('accepts the HMAC of the raw body with the client secret', async () => {
    const v = await verifyShopify(SECRET, await signed(ORDER), enc(ORDER), NOW);
    expect(v).toEqual({ ok: true, deliveryId: 'shopify:evt-1', at: NOW - 1000 });
  });

  it('refuses a body changed by one byte', async () => {
    const altered = ORDER.replace('"quantity":2', '"quantity":3');
    const v = await verifyShopify(SECRET, await signed(ORDER), enc(altered), NOW);
    expect(v).toMatchObject({ ok: false, code: 'signature_invalid' });
  });

  it('refuses another secret, a missing HMAC and a missing event id', async () => {
    const other = new Headers(await signed(ORDER));
    other.set('x-shopify-hmac-sha256', await hmacBase64('another-secret-0123456789', enc(ORDER)));
    for (const h of [
      other,
      await signed(ORDER, { 'x-shopify-hmac-sha256': null }),
      await signed(ORDER, { 'x-shopify-event-id': null }),
    ]) {
      expect(await verifyShopify(SECRET, h, enc(ORDER), NOW)).toMatchObject({
        ok: false,
        code: 'signature_invalid',
      });
    }
  });

  it('refuses a delivery triggered longer ago than the tolerance', async () => {
    const old = new Date(NOW - SHOPIFY_TOLERANCE_MS - 1).toISOString();
    const h = await signed(ORDER, { 'x-shopify-triggered-at': old });
    expect(await verifyShopify(SECRET, h, enc(ORDER), NOW)).toMatchObject({
      ok: false,
      code: 'delivery_stale',
    });
  });
});

describe('parseShopify', () => {
  it('reads an order: id, and per line its id, SKU (or variant) and quantity', () => {
    expect(parseShopify('orders/create', ORDER)).toEqual({
      ok: true,
      value: {
        type: 'order',
        orderId: '5940139491234',
        lines: [
          { lineId: '466157049', ref: 'TEE-BLK-M', quantity: 2 },
          { lineId: '466157050', ref: 'variant:457924702', quantity: 1 },
        ],
      },
    });
  });

  it('reads a cancellation and a refund with its restock types', () => {
    expect(parseShopify('orders/cancelled', ORDER)).toEqual({
      ok: true,
      value: { type: 'cancel', orderId: '5940139491234' },
    });
    const refund = JSON.stringify({
      id: 509562969,
      order_id: 5940139491234,
      refund_line_items: [
        {
          line_item_id: 466157049,
          quantity: 1,
          restock_type: 'return',
          line_item: { sku: 'TEE-BLK-M' },
        },
        { line_item_id: 466157050, quantity: 1, restock_type: 'no_restock' },
      ],
    });
    expect(parseShopify('refunds/create', refund)).toEqual({
      ok: true,
      value: {
        type: 'refund',
        orderId: '5940139491234',
        refundId: '509562969',
        lines: [
          { lineId: '466157049', ref: 'TEE-BLK-M', quantity: 1, restock: 'return' },
          { lineId: '466157050', ref: null, quantity: 1, restock: 'none' },
        ],
      },
    });
  });

  it('refuses other topics and bodies that are not orders', () => {
    expect(parseShopify('products/update', ORDER)).toMatchObject({ ok: false });
    expect(parseShopify('orders/create', '{"id":1}')).toMatchObject({ ok: false });
    expect(parseShopify('orders/create', 'not json')).toMatchObject({ ok: false });
  });
});
