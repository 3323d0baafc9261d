import { z } from 'zod';
import { json, type SimResponse } from '../shared/sim-http';

// The simulated seller's orders: placed and cancelled through the admin API, served by
// searchOrders (Orders API 2026-01-01: lastUpdatedAfter, paginationToken, maxResultsPerPage ≤ 100)
// and told as ORDER_CHANGE notifications in an EventBridge event, which the caller sends on.

export const PlaceOrder = z.object({
  orderId: z.string().min(1).optional(),
  items: z
    .array(z.object({ sellerSku: z.string().min(1), quantity: z.number().int().min(1) }))
    .min(1),
  marketplaceId: z.string().default('A1F83G8C2ARO7P'),
});
/**
 * A cancellation before shipment. `restock: false` is a seller's cancellation for lack of
 * inventory (reason NoInventory), which leaves the offer's quantity as it is; any other reason
 * (a buyer's cancellation) gives the units back.
 */
export const CancelOrder = z.object({
  orderId: z.string().min(1),
  restock: z.boolean().default(true),
});

type SimOrder = {
  orderId: string;
  marketplaceId: string;
  status: 'UNSHIPPED' | 'CANCELLED';
  items: { orderItemId: string; sellerSku: string; quantity: number }[];
  createdTime: number;
  lastUpdatedTime: number;
};

const iso = (ms: number) => new Date(ms).toISOString();

export class SellerOrders {
  private readonly orders = new Map<string, SimOrder>();
  private ids = 0;
  private notifications = 0;

  constructor(private readonly seller: string) {}

  /** Places an order; its ORDER_CHANGE notification, to send on. */
  place(input: z.input<typeof PlaceOrder>, now: number) {
    const p = PlaceOrder.parse(input);
    this.ids++;
    const orderId =
      p.orderId ?? `206-${String(1_000_000 + this.ids)}-${String(7_000_000 + this.ids)}`;
    const order: SimOrder = {
      orderId,
      marketplaceId: p.marketplaceId,
      status: 'UNSHIPPED',
      items: p.items.map((i, n) => ({ orderItemId: `${orderId}-${n}`, ...i })),
      createdTime: now,
      lastUpdatedTime: now,
    };
    this.orders.set(orderId, order);
    return { orderId, notification: this.notify(order, now) };
  }

  /** Cancels an unshipped order; its ORDER_CHANGE notification, to send on. */
  cancel(input: unknown, now: number) {
    const { orderId } = CancelOrder.parse(input);
    const order = this.orders.get(orderId);
    if (!order) return { error: `no order ${orderId}` };
    if (order.status === 'CANCELLED') return { error: `order ${orderId} is already cancelled` };
    order.status = 'CANCELLED';
    order.lastUpdatedTime = now;
    return { orderId, notification: this.notify(order, now) };
  }

  /** GET /orders/2026-01-01/orders. */
  search(url: URL): SimResponse {
    const after = Date.parse(url.searchParams.get('lastUpdatedAfter') ?? '');
    if (Number.isNaN(after) || url.searchParams.has('createdAfter')) {
      return json(400, {
        errors: [
          {
            code: 'InvalidInput',
            message: 'Exactly one of createdAfter and lastUpdatedAfter is required',
          },
        ],
      });
    }
    const size = Math.min(
      100,
      Math.max(1, Number(url.searchParams.get('maxResultsPerPage') ?? 100)),
    );
    const from = Number(url.searchParams.get('paginationToken') ?? 0);
    const matching = [...this.orders.values()]
      .filter((o) => o.lastUpdatedTime >= after)
      .sort((a, b) => a.lastUpdatedTime - b.lastUpdatedTime);
    const page = matching.slice(from, from + size);
    const next = from + size < matching.length ? String(from + size) : undefined;
    return json(200, {
      orders: page.map((o) => ({
        orderId: o.orderId,
        createdTime: iso(o.createdTime),
        lastUpdatedTime: iso(o.lastUpdatedTime),
        salesChannel: { channelName: 'AMAZON', marketplaceId: o.marketplaceId },
        fulfillment: { fulfillmentStatus: o.status, fulfilledBy: 'MERCHANT' },
        orderItems: o.items.map((i) => ({
          orderItemId: i.orderItemId,
          quantityOrdered: i.quantity,
          product: { sellerSku: i.sellerSku },
        })),
      })),
      ...(next !== undefined && { pagination: { nextToken: next } }),
    });
  }

  /** The EventBridge event an ORDER_CHANGE notification for the order arrives in. */
  private notify(o: SimOrder, now: number) {
    this.notifications++;
    return {
      version: '0',
      id: `evb-${this.seller}-${this.notifications}`,
      'detail-type': 'ORDER_CHANGE',
      source: 'aws.partner/sellingpartnerapi.amazon.com/amzn1.sellerapps.app.sim',
      time: iso(now),
      detail: {
        NotificationVersion: '1.0',
        NotificationType: 'ORDER_CHANGE',
        PayloadVersion: '1.0',
        EventTime: iso(now),
        Payload: {
          OrderChangeNotification: {
            NotificationLevel: 'OrderLevel',
            SellerId: this.seller,
            AmazonOrderId: o.orderId,
            OrderChangeType: 'OrderStatusChange',
            OrderChangeTrigger: {
              TimeOfOrderChange: iso(now),
              ChangeReason: 'Order status changed',
            },
            Summary: {
              MarketplaceId: o.marketplaceId,
              OrderStatus: o.status === 'CANCELLED' ? 'Canceled' : 'Unshipped',
              FulfillmentType: 'MFN',
              OrderItems: o.items.map((i) => ({
                OrderItemId: i.orderItemId,
                SellerSKU: i.sellerSku,
                Quantity: i.quantity,
              })),
            },
          },
        },
        NotificationMetadata: {
          ApplicationId: 'amzn1.sellerapps.app.sim',
          SubscriptionId: `sub-${this.seller}`,
          PublishTime: iso(now),
          NotificationId: `ntf-${this.seller}-${this.notifications}`,
        },
      },
    };
  }
}
