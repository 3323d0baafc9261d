import { z } from 'zod';
import { type AppError, err, ok, type Result } from '../../protocol/errors';
import type { ReservationStatus, ShortLine } from '../../protocol/reservations';
import { CHECKOUT_KEY_PREFIX, type Command, HoldStatus } from '../../protocol/stock';
import type { Cart, CartHold, HoldState, Op, OpKind } from './cart';
import type { ReserveInput } from './input';
import type { ItemShort, Plan } from './route';

// The cart's state transitions, pure: what to send to each SkuStock, what its answer means, and
// what the cart becomes. runner.ts sequences them around the calls.

/** An op still in flight this long after it started is resumed by the alarm (a crash). */
export const RESUME_DELAY_MS = 10_000;
/** A plan whose holds lose a race to other carts is re-planned once, then the cart fails. */
export const MAX_ATTEMPTS = 2;
/**
 * A finished cart is kept this long after it ends, so a retry under its Idempotency-Key gets the
 * first answer for at least as long as SkuStock keeps keys (24 h); then its object forgets it.
 */
export const CART_RETENTION_MS = 24 * 3600 * 1000;

/** One call to a SkuStock; `key` makes a resend of it a replay. */
export type StockCall = { sku: string; key?: string; command: Command };
/** A call's answer; `unknown` when it threw and may or may not have been applied. */
export type CallResult =
  | { ok: true }
  | { ok: false; error: AppError }
  | { ok: false; unknown: string };

export type Action = 'hold' | 'commit' | 'extend' | 'release' | 'cancel';

export const newCart = (input: ReserveInput, now: number): Cart => ({
  input,
  status: 'pending',
  op: {
    kind: 'reserve',
    phase: 'planning',
    n: 1,
    actor: input.actor,
    failure: null,
    resumeAt: now + RESUME_DELAY_MS,
  },
  attempt: 1,
  ops: 1,
  holds: [],
  routes: [],
  shipments: [],
  failure: null,
  heldAt: null,
  expiresAt: null,
  createdAt: now,
  updatedAt: now,
});

/** The cart with a new op in flight. */
export const startOp = (
  cart: Cart,
  kind: OpKind,
  actor: string,
  now: number,
  fields: Pick<Op, 'ttlSeconds' | 'ref' | 'deadline'> = {},
): Cart => ({
  ...cart,
  ops: cart.ops + 1,
  op: {
    kind,
    phase: 'acting',
    n: cart.ops + 1,
    actor,
    failure: null,
    resumeAt: now + RESUME_DELAY_MS,
    ...fields,
  },
  updatedAt: now,
});

/** The status a reader sees: a held cart past its deadline is expired, alarm or not. */
export const effectiveStatus = (cart: Cart, now: number): ReservationStatus =>
  cart.status === 'held' && cart.expiresAt !== null && now >= cart.expiresAt
    ? 'expired'
    : cart.status;

/** Has the cart ended (committed, released, expired, failed), with no op in flight? */
export const isFinished = (cart: Cart): boolean =>
  cart.op === null && cart.status !== 'held' && cart.status !== 'pending';

/** When a finished cart is forgotten: a retention period after it ended. */
export const forgetAt = (cart: Cart): number => cart.updatedAt + CART_RETENTION_MS;

/**
 * When the object's alarm must next run: to resume an op, at the cart's deadline, or to forget
 * a finished cart.
 */
export const nextAlarm = (cart: Cart): number | null => {
  if (cart.op) return cart.op.resumeAt;
  if (cart.status === 'held') return cart.expiresAt;
  return isFinished(cart) ? forgetAt(cart) : null;
};

/** May `kind` run on the cart now? `done` when it already has (a repeated commit or release). */
export const guard = (
  cart: Cart,
  kind: 'commit' | 'release' | 'extend',
  now: number,
  channels: readonly string[] | null,
): Result<'run' | 'done'> => {
  const { reservationId, channel } = cart.input;
  if (channels !== null && !channels.includes(channel.code)) {
    return err(
      'forbidden',
      `This key may not act on reservation ${reservationId} of channel ${channel.code}`,
    );
  }
  const status = effectiveStatus(cart, now);
  if (
    (kind === 'commit' && status === 'committed') ||
    (kind === 'release' && status === 'released')
  ) {
    return ok('done');
  }
  if (status === 'held') return ok('run');
  return err(
    status === 'expired' ? 'hold_expired' : 'invalid_state',
    `Reservation ${reservationId} is ${status}; ${kind} needs a held reservation`,
    { reservationId, status },
  );
};

const RELEASE_REASON: Record<OpKind, string> = {
  reserve: 'cart_failed',
  commit: 'cart_failed',
  extend: 'cart_expired',
  expire: 'cart_expired',
  release: 'cart_released',
};

/**
 * The command for one hold of the cart. A resent hold is answered already_exists by its id (the
 * hold id carries the cart id), so it needs no idempotency key: a hold refused under contention
 * then costs SkuStock no write. The other actions carry a key, so a resend replays the first answer.
 */
export const callFor = (cart: Cart, op: Op, hold: CartHold, action: Action): StockCall => {
  const { holdId, sku } = hold;
  const key = action === 'hold' ? undefined : `${CHECKOUT_KEY_PREFIX}${holdId}:${op.n}:${action}`;
  const i = cart.input;
  const command = ((): Command => {
    switch (action) {
      case 'hold':
        return {
          op: 'hold',
          holdId,
          quantity: hold.quantity,
          locations: [hold.location],
          ttlSeconds: i.ttlSeconds,
          channel: i.channel.code,
          ref: i.reservationId,
        };
      case 'commit':
        return { op: 'commit', holdId, ref: op.ref ?? i.reservationId };
      case 'extend':
        return { op: 'extend', holdId, ttlSeconds: op.ttlSeconds ?? i.ttlSeconds };
      case 'release':
        return { op: 'release', holdId, reason: RELEASE_REASON[op.kind] };
      case 'cancel':
        return { op: 'cancel', holdId, reason: RELEASE_REASON[op.kind] };
    }
  })();
  return key === undefined ? { sku, command } : { sku, key, command };
};

const StatusDetails = z.object({ status: HoldStatus });
/** What SkuStock says of a hold that already exists under the id a cart asked for. */
const ExistingHold = StatusDetails.extend({
  channel: z.string().nullable(),
  ref: z.string().nullable(),
  quantity: z.number().int(),
  locations: z.array(z.string()),
});

/** Whose holds a cart places: its channel, and its reservation id as each hold's ref. */
export type HoldOwner = { channel: string; ref: string };
export const ownerOf = (cart: Cart): HoldOwner => ({
  channel: cart.input.channel.code,
  ref: cart.input.reservationId,
});

/** Is the hold SkuStock already has the one this cart placed (a resend), and not another's? */
const isOurs = (hold: CartHold, owner: HoldOwner, details: unknown): boolean => {
  const said = ExistingHold.safeParse(details);
  if (!said.success) return false;
  const { channel, ref, quantity, locations } = said.data;
  return (
    channel === owner.channel &&
    ref === owner.ref &&
    quantity === hold.quantity &&
    locations.length === 1 &&
    locations[0] === hold.location
  );
};
const FROM_STOCK: Record<HoldStatus, HoldState> = {
  held: 'held',
  committed: 'committed',
  shipped: 'committed',
  released: 'released',
  expired: 'expired',
  cancelled: 'cancelled',
};

/** Where a hold stands after `action` answered `result`; `owner` is the cart's. */
export const outcome = (
  hold: CartHold,
  action: Action,
  result: CallResult,
  owner: HoldOwner,
): CartHold => {
  if (result.ok) {
    const state: Record<Action, HoldState> = {
      hold: 'held',
      commit: 'committed',
      extend: 'held',
      release: 'released',
      cancel: 'cancelled',
    };
    return { ...hold, state: state[action], error: null, pending: null };
  }
  if ('unknown' in result) return { ...hold, pending: action };
  const { error } = result;
  const settled = { ...hold, error, pending: null };
  const said = StatusDetails.safeParse(error.details);
  if (action === 'hold' && error.code === 'already_exists') {
    // A resent hold that had landed stands where SkuStock says; a hold that is not this cart's
    // exactly is never taken for it: the cart would report units it does not hold.
    if (said.success && isOurs(hold, owner, error.details)) {
      return { ...settled, error: null, state: FROM_STOCK[said.data.status] };
    }
    const message = `SKU ${hold.sku}: hold id ${hold.holdId} is taken by a hold this cart did not place`;
    return { ...settled, error: { code: 'already_exists', message }, state: 'refused' };
  }
  if (action === 'hold') return { ...settled, state: 'refused' };
  if (error.code === 'unknown_hold') return { ...settled, state: 'refused', error: null };
  if (error.code === 'hold_expired') return { ...settled, state: 'expired' };
  // The hold is not where the action needs it; it is where SkuStock says it is.
  return said.success ? { ...settled, state: FROM_STOCK[said.data.status] } : settled;
};

/** Did every hold reach what the action aims at? */
export const reached = (holds: readonly CartHold[], action: Action): boolean =>
  holds.every((h) => h.pending === null && REACHED[action](h.state, h.error === null));

const REACHED: Record<Action, (state: HoldState, clean: boolean) => boolean> = {
  hold: (state, clean) => state === 'held' && clean,
  extend: (state, clean) => state === 'held' && clean,
  commit: (state) => state === 'committed',
  release: (state) => state !== 'held' && state !== 'committed',
  cancel: (state) => state !== 'held' && state !== 'committed',
};

/** The holds a plan asks for; ids carry the reservation id and the attempt. */
export const holdsFromPlan = (cart: Cart, plan: Extract<Plan, { ok: true }>): CartHold[] => {
  const prefix = `${cart.input.reservationId}:${cart.attempt}.`;
  const holds: CartHold[] = [];
  plan.routes.forEach((route, item) => {
    const sku = cart.input.items[item]?.sku;
    if (sku === undefined) throw new Error(`plan names item ${item} the cart does not have`);
    for (const pick of route.picks) {
      holds.push({
        holdId: `${prefix}${holds.length}`,
        item,
        sku,
        location: pick.location,
        quantity: pick.quantity,
        state: 'planned',
        error: null,
        pending: null,
      });
    }
  });
  return holds;
};

const shortLine = (cart: Cart, s: ItemShort): ShortLine => {
  const item = cart.input.items[s.item];
  const line = item ? cart.input.lines[item.line] : undefined;
  return {
    line: item?.line ?? -1,
    sku: line?.sku ?? item?.sku ?? '?',
    component: item?.kit === null || item === undefined ? null : item.sku,
    requested: s.requested,
    available: s.at.reduce((sum, a) => sum + a.available, 0),
    locations: s.at.map((a) => a.location),
    availableAt: s.at.map((a) => a.available),
    reason: s.reason,
  };
};

const describeShort = (l: ShortLine): string => {
  const what = l.component === null ? `SKU ${l.sku}` : `kit ${l.sku} component ${l.component}`;
  const where = l.locations.map((loc, i) => `${l.availableAt[i] ?? 0} at ${loc}`).join(', ');
  const hint =
    l.reason === 'split_refused' ? '; enough in total, but the channel does not split lines' : '';
  const race = l.reason === 'taken_concurrently' ? ' (taken by another cart meanwhile)' : '';
  return `line ${l.line} ${what}: requested ${l.requested}, available ${where || 'nowhere'}${race}${hint}`;
};

/** insufficient_stock naming every short line, what it asked for and what is where. */
export const shortage = (cart: Cart, short: readonly ItemShort[]): AppError => {
  const lines = short.map((s) => shortLine(cart, s));
  const shown = lines.slice(0, 3).map(describeShort).join('; ');
  const more = lines.length > 3 ? `; and ${lines.length - 3} more` : '';
  return {
    code: 'insufficient_stock',
    message: `Reservation ${cart.input.reservationId}: nothing held, ${lines.length} of ${cart.input.lines.length} lines short: ${shown}${more}`,
    details: { reservationId: cart.input.reservationId, lines },
  };
};

const Refusal = z.object({
  requested: z.number().int(),
  available: z.array(z.object({ location: z.string(), available: z.number() })),
});

/** The failure of holds SkuStock refused: a shortage when stock moved since the plan. */
export const refusal = (cart: Cart, refused: readonly CartHold[]): AppError => {
  const other = refused.find((h) => h.error && h.error.code !== 'insufficient_stock')?.error;
  if (other) {
    return {
      ...other,
      message: `Reservation ${cart.input.reservationId}: nothing held: ${other.message}`,
    };
  }
  return shortage(
    cart,
    refused.map((h) => {
      const said = Refusal.safeParse(h.error?.details);
      return {
        item: h.item,
        requested: h.quantity,
        at: said.success ? said.data.available : [],
        reason: 'taken_concurrently',
      };
    }),
  );
};

/** unknown_sku naming every line whose SKU (or kit component) has no stock counter. */
export const unknownSkus = (cart: Cart, skus: ReadonlySet<string>): AppError => {
  const lines = cart.input.items
    .filter((i) => skus.has(i.sku))
    .map((i) => ({
      line: i.line,
      sku: cart.input.lines[i.line]?.sku ?? i.sku,
      component: i.kit === null ? null : i.sku,
    }));
  return {
    code: 'unknown_sku',
    message: `Reservation ${cart.input.reservationId}: nothing held, unknown SKU${skus.size > 1 ? 's' : ''} ${[...skus].join(', ')}`,
    details: { reservationId: cart.input.reservationId, lines },
  };
};
