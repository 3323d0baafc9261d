import { z } from 'zod';
import { AppError } from '../../protocol/errors';
import { ReservationStatus, RouteReason } from '../../protocol/reservations';
import { ReserveInput } from './input';

// The Checkout object's one record: the cart's intent and the saga's progress. It is written
// before every call out to a SkuStock, so a restarted object knows what it was doing.

/** Where one SkuStock hold of the cart stands, as far as the Checkout knows. */
export const HoldState = z.enum([
  'planned',
  'held',
  'refused',
  'committed',
  'released',
  'expired',
  'cancelled',
]);
export type HoldState = z.infer<typeof HoldState>;

export const CartHold = z.object({
  holdId: z.string(),
  item: z.number().int(),
  sku: z.string(),
  location: z.string(),
  quantity: z.number().int(),
  state: HoldState,
  /** The last refusal SkuStock answered for this hold. */
  error: AppError.nullable(),
  /** An action whose answer never came (the call threw): it is sent again, same key, to settle. */
  pending: z.enum(['hold', 'commit', 'extend', 'release', 'cancel']).nullable(),
});
export type CartHold = z.infer<typeof CartHold>;

export const OpKind = z.enum(['reserve', 'commit', 'release', 'extend', 'expire']);
export type OpKind = z.infer<typeof OpKind>;

/**
 * The saga step in flight. `planning`: reading stock (nothing held yet); `acting`: the op's
 * calls (hold, commit, extend, release) are out; `compensating`: undoing after a failure.
 */
export const Op = z.object({
  kind: OpKind,
  phase: z.enum(['planning', 'acting', 'compensating']),
  /** Sequence number of the op on this cart: part of every idempotency key it sends. */
  n: z.number().int(),
  actor: z.string(),
  /** Extend: the new lifetime, and the deadline the cart gets once every hold has it. */
  ttlSeconds: z.number().int().optional(),
  deadline: z.number().optional(),
  /** Commit: the order id. */
  ref: z.string().optional(),
  /** Why the op is compensating; the cart's failure once it has. */
  failure: AppError.nullable(),
  /** When the alarm resumes the op if the object stopped before finishing it. */
  resumeAt: z.number(),
});
export type Op = z.infer<typeof Op>;

export const ItemRoute = z.object({ reason: RouteReason, note: z.string() });

export const Cart = z.object({
  input: ReserveInput,
  status: ReservationStatus,
  op: Op.nullable(),
  /** Plans tried so far (a hold lost to a concurrent cart re-plans once). */
  attempt: z.number().int(),
  /** Ops started so far. */
  ops: z.number().int(),
  holds: z.array(CartHold),
  /** Per item: why it is held where it is. */
  routes: z.array(ItemRoute),
  shipments: z.array(z.string()),
  failure: AppError.nullable(),
  /** When every hold was first in place; null while pending, and for a cart that failed. */
  heldAt: z.number().nullable(),
  /** Epoch ms; every hold of the cart expires at or after it. */
  expiresAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Cart = z.infer<typeof Cart>;
