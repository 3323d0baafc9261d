import { z } from 'zod';
import { MarketplaceOrderId } from '../../protocol/orders';
import { MAX_CART_LINES } from '../../protocol/reservations';
import { MAX_QUANTITY } from '../../protocol/stock';

// What every inbound source (Shopify webhook, Amazon notification or poll, Standard Webhooks)
// becomes once verified and parsed: one of three events about one marketplace order.

const Quantity = z.number().int().min(1).max(MAX_QUANTITY);
const Ref = z.string().min(1).max(200);

export const InboundLine = z.object({
  lineId: z.string().min(1).max(100).nullable(),
  ref: Ref,
  quantity: Quantity,
});
export type InboundLine = z.infer<typeof InboundLine>;

/** How a refunded line goes back: `none` leaves stock alone. */
export const Restock = z.enum(['none', 'cancel', 'return']);
export type Restock = z.infer<typeof Restock>;

export const RefundLine = z.object({
  lineId: z.string().min(1).max(100).nullable(),
  ref: Ref.nullable(),
  quantity: Quantity,
  restock: Restock,
});
export type RefundLine = z.infer<typeof RefundLine>;

export const OrderEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('order'),
    orderId: MarketplaceOrderId,
    lines: z.array(InboundLine).min(1).max(MAX_CART_LINES),
  }),
  z.object({ type: z.literal('cancel'), orderId: MarketplaceOrderId }),
  z.object({
    type: z.literal('refund'),
    orderId: MarketplaceOrderId,
    refundId: z.string().min(1).max(100),
    lines: z.array(RefundLine).max(MAX_CART_LINES),
  }),
]);
export type OrderEvent = z.infer<typeof OrderEvent>;

/** Where an event came from. */
export type Source = 'webhook' | 'notification' | 'poll';

/** A parse that failed says why, for the coded refusal. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Parses JSON text, or says it is not JSON. */
export const jsonOf = (text: string): Parsed<unknown> => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, message: 'The body is not valid JSON' };
  }
};

/** The first zod issue as one line. */
export const issueOf = (error: z.ZodError): string => {
  const first = error.issues[0];
  return first ? `${first.path.map(String).join('.') || 'body'}: ${first.message}` : 'invalid';
};
