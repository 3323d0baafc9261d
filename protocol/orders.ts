import { z } from 'zod';
import { ChannelCode } from './catalog';
import { AppError } from './errors';

// Marketplace orders in (docs/orders.md): each order a channel's marketplace sends or is polled
// for becomes one committed whole-cart reservation, recorded per channel by ChannelOrders.

/** Where a channel's orders come from; the inbound route and its signature follow from it. */
export const InboundKind = z.enum(['shopify', 'amazon', 'webhook']);
export type InboundKind = z.infer<typeof InboundKind>;

/** The marketplace's order id, as it names the order. */
export const MarketplaceOrderId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\w.:-]+$/, 'an order id is 1-100 of letters, digits and _ . : -');

const AmazonPoll = z.strictObject({
  sellerId: z.string().regex(/^[A-Z0-9]{5,32}$/, 'an Amazon selling partner id like "A2EXAMPLE1"'),
  marketplaceIds: z
    .array(z.string().regex(/^[A-Z0-9]{5,20}$/))
    .min(1)
    .max(50),
  region: z.enum(['na', 'eu', 'fe']).default('eu'),
  /** Overrides https://sellingpartnerapi-{region}.amazon.com (a simulator, a proxy). */
  baseUrl: z.url().optional(),
  /** Overrides the LWA token endpoint https://api.amazon.com/auth/o2/token. */
  lwaUrl: z.url().optional(),
  clientId: z.string().min(1).max(200),
  clientSecret: z.string().min(1).max(500),
  refreshToken: z.string().min(1).max(2000),
  intervalSeconds: z.number().int().min(10).max(3600).default(60),
  /**
   * An order updated less than this long ago is left to its notification (the next poll takes it
   * if none came), so each order's `source` says how it really arrived.
   */
  graceSeconds: z.number().int().min(0).max(3600).default(30),
  /** The first poll asks for orders updated since this time (default: when polling was set). */
  since: z.iso.datetime().optional(),
});

/** PUT /v1/channels/{code}/inbound: how the channel's marketplace sends orders in. */
export const InboundPut = z.strictObject({
  kind: InboundKind,
  secret: z
    .string()
    .min(16, 'a secret of 16 characters or more')
    .max(500)
    .describe(
      "Shopify: the app's client secret (it signs X-Shopify-Hmac-Sha256). Webhook: the whsec_ signing secret. Amazon: the value the EventBridge API destination sends in x-stockmesh-secret",
    ),
  poll: AmazonPoll.optional().describe('Amazon only: poll searchOrders as a fallback'),
});
export type InboundPut = z.infer<typeof InboundPut>;

export const InboundView = z.object({
  channel: ChannelCode,
  kind: InboundKind,
  url: z.string().describe('Where the marketplace sends orders (path; prefix with your host)'),
  polling: z
    .object({
      intervalSeconds: z.number().int(),
      graceSeconds: z.number().int(),
      since: z.string(),
      lastPollAt: z.string().nullable(),
    })
    .nullable(),
  counts: z.object({
    received: z.number().int(),
    duplicates: z.number().int(),
    refused: z.number().int(),
    pending: z.number().int(),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type InboundView = z.infer<typeof InboundView>;

export const OrderStatus = z.enum([
  'pending',
  'committed',
  'oversold',
  'unmapped',
  'cancelled',
  'failed',
]);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const OrderLine = z.object({
  /** The marketplace's line id, when it has one (refunds name it). */
  lineId: z.string().nullable(),
  /** What the marketplace calls the item (Shopify SKU, Amazon seller SKU, webhook code). */
  ref: z.string(),
  quantity: z.number().int(),
  /** Our SKU, or null when the connection's mapping does not name one. */
  sku: z.string().nullable(),
  /** Why the line is not mapped. */
  unmapped: z.enum(['no_mapping', 'not_in_catalog']).nullable(),
});
export type OrderLine = z.infer<typeof OrderLine>;

export const Shortfall = z.object({
  sku: z.string(),
  requested: z.number().int(),
  available: z.number().int(),
  short: z.number().int(),
});
export type Shortfall = z.infer<typeof Shortfall>;

export const OrderHold = z.object({
  sku: z.string(),
  holdId: z.string(),
  location: z.string(),
  quantity: z.number().int(),
  /** Units given back to stock by a cancellation or a refund with restock. */
  restocked: z.number().int(),
});
export type OrderHold = z.infer<typeof OrderHold>;

export const OrderNote = z.object({ at: z.string(), message: z.string() });

export const OrderView = z.object({
  channel: ChannelCode,
  orderId: z.string(),
  status: OrderStatus,
  source: z.enum(['webhook', 'notification', 'poll']).nullable(),
  lines: z.array(OrderLine),
  reservationId: z.string().nullable(),
  holds: z.array(OrderHold),
  shortfall: z.array(Shortfall),
  failure: AppError.nullable(),
  /** Refunds applied, by the marketplace's refund id. */
  refunds: z.array(z.string()),
  notes: z.array(OrderNote),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrderView = z.infer<typeof OrderView>;

export const OrderListQuery = z.object({
  status: OrderStatus.optional(),
  channel: ChannelCode.optional(),
  cursor: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*\.\d+$/, 'the nextCursor of the previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type OrderListQuery = z.infer<typeof OrderListQuery>;

export const OrderPage = z.object({ items: z.array(OrderView), nextCursor: z.string().nullable() });
export type OrderPage = z.infer<typeof OrderPage>;
