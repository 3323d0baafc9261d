import { describe, expect, it } from 'vitest';
import { notificationEvents, parseSearchOrders, searchOrdersUrl, verifyAmazon } from './amazon';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const SECRET = 'eventbridge-shared-secret-0123';

const notification = (status: string, publish = '2026-11-30T11:59:00Z') =>
  JSON.stringify({
    version: '0',
    'detail-type': 'ORDER_CHANGE',
    detail: {
      NotificationVersion: '1.0',
      NotificationType: 'ORDER_CHANGE',
      PayloadVersion: '1.0',
      EventTime: '2026-11-30T11:58:59Z',
      Payload: {
        OrderChangeNotification: {
          NotificationLevel: 'OrderLevel',
          SellerId: 'A2STOCKMESHDEMO',
          AmazonOrderId: '206-1234567-1234567',
          OrderChangeType: 'OrderStatusChange',
          Summary: {
            MarketplaceId: 'A1F83G8C2ARO7P',
            OrderStatus: status,
            OrderItems: [{ OrderItemId: '1', SellerSKU: 'SM-85123A', Quantity: 2 }],
          },
        },
      },
      NotificationMetadata: { NotificationId: 'n-1', PublishTime: publish },
    },
  });

describe('verifyAmazon', () => {
  it('accepts the shared secret header and reads the notification inside EventBridge', () => {
    const v = verifyAmazon(
      SECRET,
      new Headers({ 'x-stockmesh-secret': SECRET }),
      notification('Unshipped'),
      NOW,
    );
    expect(v).toMatchObject({ ok: true, deliveryId: 'amazon:n-1' });
    expect(v.notification && notificationEvents(v.notification)).toEqual([
      {
        type: 'order',
        orderId: '206-1234567-1234567',
        lines: [{ lineId: '1', ref: 'SM-85123A', quantity: 2 }],
      },
    ]);
  });

  it('refuses a missing or wrong secret, and a publication older than a day', () => {
    const body = notification('Unshipped');
    expect(verifyAmazon(SECRET, new Headers(), body, NOW)).toMatchObject({
      code: 'signature_invalid',
    });
    expect(
      verifyAmazon(SECRET, new Headers({ 'x-stockmesh-secret': `${SECRET}x` }), body, NOW),
    ).toMatchObject({ code: 'signature_invalid' });
    const old = notification('Unshipped', '2026-11-28T11:59:00Z');
    expect(
      verifyAmazon(SECRET, new Headers({ 'x-stockmesh-secret': SECRET }), old, NOW),
    ).toMatchObject({ code: 'delivery_stale' });
  });

  it('reads a Canceled status as the cancellation', () => {
    const v = verifyAmazon(
      SECRET,
      new Headers({ 'x-stockmesh-secret': SECRET }),
      notification('Canceled'),
      NOW,
    );
    expect(v.notification && notificationEvents(v.notification)).toEqual([
      { type: 'cancel', orderId: '206-1234567-1234567' },
    ]);
  });
});

describe('searchOrders', () => {
  it('asks for orders updated since the cursor, a page at a time', () => {
    const url = new URL(
      searchOrdersUrl(
        { sellerId: 'A2X', marketplaceIds: ['A1F83G8C2ARO7P'], region: 'eu' },
        NOW,
        'tok',
      ),
    );
    expect(url.origin + url.pathname).toBe(
      'https://sellingpartnerapi-eu.amazon.com/orders/2026-01-01/orders',
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      lastUpdatedAfter: '2026-11-30T12:00:00.000Z',
      marketplaceIds: 'A1F83G8C2ARO7P',
      includedData: 'FULFILLMENT',
      maxResultsPerPage: '100',
      paginationToken: 'tok',
    });
  });

  it('reads orders, cancellations, the latest update and the next token', () => {
    const body = JSON.stringify({
      orders: [
        {
          orderId: '206-1',
          lastUpdatedTime: '2026-11-30T10:00:00Z',
          fulfillment: { fulfillmentStatus: 'UNSHIPPED' },
          orderItems: [{ orderItemId: 'i1', quantityOrdered: 3, product: { sellerSku: 'SM-1' } }],
        },
        {
          orderId: '206-2',
          lastUpdatedTime: '2026-11-30T11:00:00Z',
          fulfillment: { fulfillmentStatus: 'CANCELLED' },
          orderItems: [],
        },
      ],
      pagination: { nextToken: 'next' },
    });
    expect(parseSearchOrders(body)).toEqual({
      ok: true,
      value: {
        events: [
          { type: 'order', orderId: '206-1', lines: [{ lineId: 'i1', ref: 'SM-1', quantity: 3 }] },
          { type: 'cancel', orderId: '206-2' },
        ],
        lastUpdated: Date.parse('2026-11-30T11:00:00Z'),
        nextToken: 'next',
      },
    });
  });

  it('leaves orders updated after the grace line to their notifications, cursor before them', () => {
    const order = (orderId: string, at: string) => ({
      orderId,
      lastUpdatedTime: at,
      orderItems: [{ quantityOrdered: 1, product: { sellerSku: 'SM-1' } }],
    });
    const body = JSON.stringify({
      orders: [order('old', '2026-11-30T10:00:00Z'), order('young', '2026-11-30T10:00:31Z')],
    });
    const upTo = Date.parse('2026-11-30T10:00:30Z');
    const page = parseSearchOrders(body, upTo);
    expect(page.ok && page.value.events.map((e) => e.orderId)).toEqual(['old']);
    expect(page.ok && page.value.lastUpdated).toBe(Date.parse('2026-11-30T10:00:00Z'));
    const none = parseSearchOrders(
      JSON.stringify({ orders: [order('young', '2026-11-30T10:00:31Z')] }),
      upTo,
    );
    expect(none.ok && none.value).toEqual({ events: [], lastUpdated: null, nextToken: null });
  });
});
