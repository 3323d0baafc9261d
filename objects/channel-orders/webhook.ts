import { z } from 'zod';
import { MarketplaceOrderId } from '../../protocol/orders';
import { verify } from '../channel-sync/adapters/standard-webhooks';
import { issueOf, jsonOf, type OrderEvent, type Parsed } from './event';
import type { Headers, Verified } from './shopify';

// Orders in from any system that signs per Standard Webhooks (webhook-id, webhook-timestamp within
// 5 minutes, webhook-signature v1), in the body shape docs/orders.md gives.

/** Checks the signature over `{id}.{timestamp}.{body}` and the timestamp's tolerance. */
export const verifyWebhook = async (
  secret: string,
  headers: Headers,
  body: string,
  now: number,
): Promise<Verified> => {
  const checked = await verify(secret, headers, body, Math.floor(now / 1000));
  if (!checked.ok) {
    if (checked.code === 'timestamp_out_of_range') {
      return {
        ok: false,
        code: 'delivery_stale',
        message: 'webhook-timestamp is more than 5 minutes from now',
      };
    }
    return {
      ok: false,
      code: 'signature_invalid',
      message:
        checked.code === 'missing_headers'
          ? 'webhook-id, webhook-timestamp and webhook-signature are required'
          : 'webhook-signature does not match: another secret, or a body changed on the way',
    };
  }
  const id = headers.get('webhook-id') ?? '';
  return {
    ok: true,
    deliveryId: `webhook:${id}`,
    at: Number(headers.get('webhook-timestamp')) * 1000,
  };
};

const Line = z.strictObject({
  lineId: z.string().min(1).max(100).optional(),
  code: z.string().min(1).max(200),
  quantity: z.number().int().min(1),
});

const Body = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('order.created'),
    data: z.object({ orderId: MarketplaceOrderId, lines: z.array(Line).min(1) }),
  }),
  z.object({ type: z.literal('order.cancelled'), data: z.object({ orderId: MarketplaceOrderId }) }),
  z.object({
    type: z.literal('order.refunded'),
    data: z.object({
      orderId: MarketplaceOrderId,
      refundId: z.string().min(1).max(100),
      lines: z.array(Line.extend({ restock: z.enum(['none', 'cancel', 'return']) })),
    }),
  }),
]);

/** The event a Standard Webhooks order message carries. */
export const parseWebhook = (body: string): Parsed<OrderEvent> => {
  const json = jsonOf(body);
  if (!json.ok) return json;
  const parsed = Body.safeParse(json.value);
  if (!parsed.success) return { ok: false, message: issueOf(parsed.error) };
  const m = parsed.data;
  if (m.type === 'order.cancelled')
    return { ok: true, value: { type: 'cancel', orderId: m.data.orderId } };
  if (m.type === 'order.created') {
    const lines = m.data.lines.map((l) => ({
      lineId: l.lineId ?? null,
      ref: l.code,
      quantity: l.quantity,
    }));
    return { ok: true, value: { type: 'order', orderId: m.data.orderId, lines } };
  }
  const lines = m.data.lines.map((l) => ({
    lineId: l.lineId ?? null,
    ref: l.code,
    quantity: l.quantity,
    restock: l.restock,
  }));
  return {
    ok: true,
    value: { type: 'refund', orderId: m.data.orderId, refundId: m.data.refundId, lines },
  };
};
