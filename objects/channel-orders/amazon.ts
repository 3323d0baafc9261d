import { z } from 'zod';
import { MarketplaceOrderId } from '../../protocol/orders';
import { issueOf, jsonOf, type OrderEvent, type Parsed } from './event';
import { constantTimeEqual } from './hmac';
import type { Headers, Verified } from './shopify';

// Amazon orders in. ORDER_CHANGE notifications arrive over HTTPS from an EventBridge API
// destination whose connection sends a shared secret header; searchOrders (Orders API
// 2026-01-01) is polled from a persisted lastUpdatedAfter cursor, so a lost notification is
// still caught. Both become the same events, and an order seen twice is reserved once.

/** The header the EventBridge connection (API key authorization) sends. */
export const SECRET_HEADER = 'x-stockmesh-secret';
/** EventBridge retries for up to 24 hours; older publications are stale. */
export const AMAZON_TOLERANCE_MS = 24 * 3600 * 1000;
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const Item = z.object({
  OrderItemId: z.string().min(1).max(100).optional(),
  SellerSKU: z.string().min(1).max(200),
  Quantity: z.number().int().min(0),
});

const Notification = z.object({
  NotificationType: z.literal('ORDER_CHANGE'),
  EventTime: z.string().optional(),
  Payload: z.object({
    OrderChangeNotification: z.object({
      AmazonOrderId: MarketplaceOrderId,
      OrderChangeType: z.string().optional(),
      Summary: z
        .object({ OrderStatus: z.string(), OrderItems: z.array(Item).default([]) })
        .optional(),
    }),
  }),
  NotificationMetadata: z.object({
    NotificationId: z.string().min(1).max(200),
    PublishTime: z.string(),
  }),
});
type Notification = z.infer<typeof Notification>;

/** The notification itself, whether EventBridge wrapped it in `detail` or not. */
const unwrap = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && 'detail' in value ? value.detail : value;

/** The ORDER_CHANGE notification in the body, checked. */
export const readNotification = (body: string): Parsed<Notification> => {
  const json = jsonOf(body);
  if (!json.ok) return json;
  const parsed = Notification.safeParse(unwrap(json.value));
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, message: issueOf(parsed.error) };
};

/** The shared secret header first; then the notification id and its publication time. */
export const verifyAmazon = (
  secret: string,
  headers: Headers,
  body: string,
  now: number,
): Verified & { notification?: Notification } => {
  const given = headers.get(SECRET_HEADER);
  if (!given || !constantTimeEqual(given, secret)) {
    return {
      ok: false,
      code: 'signature_invalid',
      message: `${SECRET_HEADER} is missing or wrong: set it in the EventBridge connection's API key authorization`,
    };
  }
  const n = readNotification(body);
  if (!n.ok) return { ok: false, code: 'signature_invalid', message: n.message };
  const at = Date.parse(n.value.NotificationMetadata.PublishTime);
  if (Number.isNaN(at) || at < now - AMAZON_TOLERANCE_MS || at > now + CLOCK_SKEW_MS) {
    return {
      ok: false,
      code: 'delivery_stale',
      message: `PublishTime ${n.value.NotificationMetadata.PublishTime} is not within 24 hours of now`,
    };
  }
  return {
    ok: true,
    deliveryId: `amazon:${n.value.NotificationMetadata.NotificationId}`,
    at,
    notification: n.value,
  };
};

const CANCELLED = new Set(['Canceled', 'Cancelled', 'CANCELLED']);

type AmazonItem = { lineId: string | null; ref: string; quantity: number };

const orderEvents = (orderId: string, cancelled: boolean, items: AmazonItem[]): OrderEvent[] => {
  if (cancelled) return [{ type: 'cancel', orderId }];
  const lines = items.filter((i) => i.quantity > 0);
  return lines.length === 0 ? [] : [{ type: 'order', orderId, lines }];
};

/** The events an ORDER_CHANGE notification carries: the order, or its cancellation. */
export const notificationEvents = (n: Notification): OrderEvent[] => {
  const o = n.Payload.OrderChangeNotification;
  if (!o.Summary) return [];
  const items = o.Summary.OrderItems.map((i) => ({
    lineId: i.OrderItemId ?? null,
    ref: i.SellerSKU,
    quantity: i.Quantity,
  }));
  return orderEvents(o.AmazonOrderId, CANCELLED.has(o.Summary.OrderStatus), items);
};

export type PollSettings = {
  sellerId: string;
  marketplaceIds: string[];
  region: 'na' | 'eu' | 'fe';
  baseUrl?: string | undefined;
};

const spBase = (s: PollSettings) =>
  (s.baseUrl ?? `https://sellingpartnerapi-${s.region}.amazon.com`).replace(/\/+$/, '');

/** GET searchOrders: orders updated at or after `since`, a page at a time. */
export const searchOrdersUrl = (s: PollSettings, since: number, token: string | null): string => {
  const q = new URLSearchParams({
    lastUpdatedAfter: new Date(since).toISOString(),
    marketplaceIds: s.marketplaceIds.join(','),
    includedData: 'FULFILLMENT',
    maxResultsPerPage: '100',
  });
  if (token !== null) q.set('paginationToken', token);
  return `${spBase(s)}/orders/2026-01-01/orders?${q}`;
};

const SearchOrders = z.object({
  orders: z.array(
    z.object({
      orderId: MarketplaceOrderId,
      lastUpdatedTime: z.string(),
      fulfillment: z.object({ fulfillmentStatus: z.string() }).partial().optional(),
      orderItems: z
        .array(
          z.object({
            orderItemId: z.string().min(1).max(100).optional(),
            quantityOrdered: z.number().int().min(0),
            product: z.object({ sellerSku: z.string().min(1).max(200) }),
          }),
        )
        .default([]),
    }),
  ),
  pagination: z.object({ nextToken: z.string().min(1).optional() }).optional(),
});

export type SearchPage = {
  events: OrderEvent[];
  lastUpdated: number | null;
  nextToken: string | null;
};

/**
 * A searchOrders page: its events, the latest update it shows, and the next page's token. An
 * order updated after `upTo` is left out (its notification is likely on its way) and does not
 * move the cursor, so the next poll asks for it again.
 */
export const parseSearchOrders = (
  body: string,
  upTo = Number.POSITIVE_INFINITY,
): Parsed<SearchPage> => {
  const json = jsonOf(body);
  if (!json.ok) return json;
  const parsed = SearchOrders.safeParse(json.value);
  if (!parsed.success) return { ok: false, message: issueOf(parsed.error) };
  let lastUpdated: number | null = null;
  const events = parsed.data.orders.flatMap((o) => {
    const at = Date.parse(o.lastUpdatedTime);
    if (at > upTo) return [];
    if (!Number.isNaN(at)) lastUpdated = Math.max(lastUpdated ?? at, at);
    const items = o.orderItems.map((i) => ({
      lineId: i.orderItemId ?? null,
      ref: i.product.sellerSku,
      quantity: i.quantityOrdered,
    }));
    return orderEvents(o.orderId, o.fulfillment?.fulfillmentStatus === 'CANCELLED', items);
  });
  return {
    ok: true,
    value: { events, lastUpdated, nextToken: parsed.data.pagination?.nextToken ?? null },
  };
};
