import { z } from 'zod';
import { ChannelCode, LocationCode, Routing, SkuCode } from '../../protocol/catalog';
import { MAX_CART_ITEMS, ReservationId, ShipTo } from '../../protocol/reservations';
import { MAX_HOLD_TTL_SECONDS, MAX_QUANTITY } from '../../protocol/stock';

// What the gateway hands the Checkout object: the cart already authorized, kits expanded and the
// channel's locations ordered by its routing policy, so the object needs no catalog of its own.

export const CartItem = z.object({
  /** The cart line this item belongs to. */
  line: z.number().int().min(0),
  sku: SkuCode,
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
  /** The kit the line names, when this item is one of its components. */
  kit: SkuCode.nullable(),
});
export type CartItem = z.infer<typeof CartItem>;

export const ReserveInput = z.object({
  reservationId: ReservationId,
  /** The client's request, canonical JSON: a retry under the same key must match it. */
  request: z.string(),
  channel: z.object({ code: ChannelCode, routing: Routing, allowSplit: z.boolean() }),
  candidates: z
    .array(z.object({ location: LocationCode, distanceKm: z.number().nullable() }))
    .min(1),
  /** Why the candidates are in this order (for the notes). */
  basis: z.string(),
  lines: z.array(z.object({ sku: SkuCode, quantity: z.number().int(), kit: z.boolean() })).min(1),
  items: z.array(CartItem).min(1).max(MAX_CART_ITEMS),
  shipTo: ShipTo.nullable(),
  ttlSeconds: z.number().int().min(1).max(MAX_HOLD_TTL_SECONDS),
  actor: z.string().min(1),
});
export type ReserveInput = z.infer<typeof ReserveInput>;

/** Who acts on an existing cart: null channels means any channel (admin). */
export const OpMeta = z.object({
  actor: z.string().min(1),
  channels: z.array(z.string()).nullable(),
});
export type OpMeta = z.infer<typeof OpMeta>;

export const CommitInput = OpMeta.extend({
  /** The order id, recorded on every hold as it commits. */
  ref: z.string().min(1).max(128).optional(),
});
export type CommitInput = z.infer<typeof CommitInput>;

export const ExtendInput = OpMeta.extend({
  ttlSeconds: z.number().int().min(1).max(MAX_HOLD_TTL_SECONDS),
});
export type ExtendInput = z.infer<typeof ExtendInput>;
