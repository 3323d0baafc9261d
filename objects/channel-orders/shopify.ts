import { z } from 'zod';
import { issueOf, jsonOf, type OrderEvent, type Parsed, type Restock } from './event';
import { constantTimeEqual, hmacBase64 } from './hmac';

// Shopify webhooks in: `orders/create`, `orders/cancelled`, `refunds/create`. Each is signed with
// X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(app client secret, raw body)), carries its event id
// (X-Shopify-Event-Id, the same on every retry) and when it was triggered
// (X-Shopify-Triggered-At, also the same on every retry: Shopify retries for about 4 hours).

/** A delivery triggered longer ago than this is stale (past Shopify's retries, below dedupe). */
export const SHOPIFY_TOLERANCE_MS = 6 * 3600 * 1000;
/** A clock this far ahead of ours is still accepted. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export const SHOPIFY_TOPICS = ['orders/create', 'orders/cancelled', 'refunds/create'] as const;

export type Headers = { get(name: string): string | null };

/** A verified delivery's id and trigger time; or why it is refused. */
export type Verified =
  | { ok: true; deliveryId: string; at: number }
  | { ok: false; code: 'signature_invalid' | 'delivery_stale'; message: string };

/** Checks the HMAC over the exact raw bytes, then the event id and the trigger time. */
export const verifyShopify = async (
  secret: string,
  headers: Headers,
  raw: Uint8Array,
  now: number,
): Promise<Verified> => {
  const given = headers.get('x-shopify-hmac-sha256');
  if (!given) {
    return { ok: false, code: 'signature_invalid', message: 'X-Shopify-Hmac-Sha256 is missing' };
  }
  const expected = await hmacBase64(secret, raw);
  if (!constantTimeEqual(given.trim(), expected)) {
    return {
      ok: false,
      code: 'signature_invalid',
      message:
        "X-Shopify-Hmac-Sha256 does not match the body: a secret other than the app's client secret, or a body changed on the way",
    };
  }
  const deliveryId = headers.get('x-shopify-event-id');
  const triggered = headers.get('x-shopify-triggered-at');
  if (!deliveryId || !triggered) {
    return {
      ok: false,
      code: 'signature_invalid',
      message: 'X-Shopify-Event-Id and X-Shopify-Triggered-At are required',
    };
  }
  const at = Date.parse(triggered);
  if (Number.isNaN(at) || at < now - SHOPIFY_TOLERANCE_MS || at > now + CLOCK_SKEW_MS) {
    return {
      ok: false,
      code: 'delivery_stale',
      message: `X-Shopify-Triggered-At ${triggered} is not within ${SHOPIFY_TOLERANCE_MS / 3600_000} hours of now`,
    };
  }
  return { ok: true, deliveryId: `shopify:${deliveryId}`, at };
};

// Shopify ids are 64-bit; JSON numbers past 2^53 lose digits, so those are refused, not rounded.
const Id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

const LineItem = z.object({
  id: Id,
  sku: z.string().nullish(),
  variant_id: Id.nullish(),
  quantity: z.number().int().min(0),
});

const ShopifyOrder = z.object({
  id: Id,
  cancelled_at: z.string().nullish(),
  line_items: z.array(LineItem),
});

const RESTOCK: Record<string, Restock> = {
  no_restock: 'none',
  cancel: 'cancel',
  return: 'return',
  legacy_restock: 'return',
};

const ShopifyRefund = z.object({
  id: Id,
  order_id: Id,
  refund_line_items: z.array(
    z.object({
      line_item_id: Id,
      quantity: z.number().int().min(0),
      restock_type: z.string(),
      line_item: LineItem.partial().nullish(),
    }),
  ),
});

const refOf = (l: { sku?: string | null; variant_id?: string | null }): string =>
  l.sku?.trim() ? l.sku.trim() : `variant:${l.variant_id ?? 'none'}`;

/** The event a Shopify topic's payload carries. */
export const parseShopify = (topic: string, body: string): Parsed<OrderEvent> => {
  const json = jsonOf(body);
  if (!json.ok) return json;
  if (topic === 'orders/create' || topic === 'orders/cancelled') {
    const order = ShopifyOrder.safeParse(json.value);
    if (!order.success) return { ok: false, message: issueOf(order.error) };
    if (topic === 'orders/cancelled')
      return { ok: true, value: { type: 'cancel', orderId: order.data.id } };
    const lines = order.data.line_items
      .filter((l) => l.quantity > 0)
      .map((l) => ({ lineId: l.id, ref: refOf(l), quantity: l.quantity }));
    if (lines.length === 0) return { ok: false, message: 'line_items: no line with a quantity' };
    return { ok: true, value: { type: 'order', orderId: order.data.id, lines } };
  }
  if (topic === 'refunds/create') {
    const refund = ShopifyRefund.safeParse(json.value);
    if (!refund.success) return { ok: false, message: issueOf(refund.error) };
    const lines = refund.data.refund_line_items
      .filter((l) => l.quantity > 0)
      .map((l) => ({
        lineId: l.line_item_id,
        ref: l.line_item ? refOf(l.line_item) : null,
        quantity: l.quantity,
        restock: RESTOCK[l.restock_type] ?? 'none',
      }));
    return {
      ok: true,
      value: { type: 'refund', orderId: refund.data.order_id, refundId: refund.data.id, lines },
    };
  }
  return {
    ok: false,
    message: `X-Shopify-Topic ${topic || '(missing)'}: subscribe only ${SHOPIFY_TOPICS.join(', ')}`,
  };
};
