import { describe, expect, it } from 'vitest';
import { makeShop } from '../connectors/sync-support/world';
import { api } from '../support/client';
import {
  connectShopify,
  deliver,
  ordersOf,
  processAll,
  SHOPIFY_SECRET,
  setInbound,
  shopifyHeaders,
  shopifyOrder,
  stockOf,
} from './support';

// The last unit, wanted at once by a Shopify order and a storefront cart: one wins, the other
// is refused (the cart) or recorded oversold with its shortfall (the order); never below zero.

describe('oversell race', () => {
  it('gives the last unit to one of them; the loser is a 409 cart or an oversold order', async () => {
    for (let round = 0; round < 3; round++) {
      const { channel, skus } = await makeShop([1]);
      const sku = skus[0] ?? '';
      await connectShopify(channel, skus);
      await setInbound(channel, { kind: 'shopify', secret: SHOPIFY_SECRET });
      const body = shopifyOrder(7000 + round, [[sku, 1]]);
      expect(
        (await deliver(channel, 'shopify', body, await shopifyHeaders('orders/create', body)))
          .status,
      ).toBe(200);
      const [cart] = await Promise.all([
        api<{ reservationId: string }>('/v1/reservations', {
          body: { channel, lines: [{ sku, quantity: 1 }] },
        }),
        processAll(channel),
      ]);
      const [order] = await ordersOf(channel);
      const stock = await stockOf(sku);
      if (cart.status === 201) {
        expect(order).toMatchObject({
          status: 'oversold',
          shortfall: [{ sku, requested: 1, available: 0, short: 1 }],
        });
        expect(stock.totals.reserved).toBe(1);
        expect(stock.totals.committed).toBe(0);
      } else {
        expect(cart.status).toBe(409);
        expect(order?.status).toBe('committed');
        expect(stock.totals.committed).toBe(1);
      }
      expect(stock.totals.available).toBe(0);
      const oversold = await ordersOf(channel, '&status=oversold');
      expect(oversold.length).toBe(cart.status === 201 ? 1 : 0);
    }
  });
});
