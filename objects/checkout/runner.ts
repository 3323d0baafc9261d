import type { AppError, Result } from '../../protocol/errors';
import type { ReservationStatus } from '../../protocol/reservations';
import type { StockView } from '../../protocol/stock';
import type { Cart, CartHold, Op, OpKind } from './cart';
import { planCart, type StockAt } from './route';
import {
  type Action,
  type CallResult,
  callFor,
  holdsFromPlan,
  MAX_ATTEMPTS,
  outcome,
  ownerOf,
  reached,
  refusal,
  type StockCall,
  shortage,
  unknownSkus,
} from './saga';

// Runs a cart's op in flight to its end: plan, act on every hold, compensate on failure. Every
// step is saved before its calls go out, and every call carries an idempotency key, so running
// it again from the saved cart (after a crash) repeats nothing and finishes the same way.

export type Ports = {
  now: () => number;
  /** Persists the cart and arms the alarm for it; returns it. */
  save: (cart: Cart) => Cart;
  /** Each SKU's stock; throws when a SKU cannot be reached. */
  readStock: (skus: readonly string[]) => Promise<Map<string, Result<StockView>>>;
  /** One result per call, in order; never throws (a failed call is `unknown`). */
  call: (calls: readonly StockCall[], actor: string) => Promise<CallResult[]>;
};

/**
 * A SkuStock could not be reached: the op stays in flight and the alarm resumes it. What failed
 * is the `cause`, for the logs.
 */
export class Unsettled extends Error {
  override readonly name = 'Unsettled';
}

/** A call that threw is sent again at once this many times in all before the op waits. */
const CALL_TRIES = 3;

const ACTION: Record<OpKind, Action> = {
  reserve: 'hold',
  commit: 'commit',
  extend: 'extend',
  release: 'release',
  expire: 'release',
};

/** Runs the cart's op in flight, if any, to its end; returns the cart as it ends. */
export const drive = async (cart: Cart, ports: Ports): Promise<Cart> => {
  let c = cart;
  for (let op = c.op; op; op = c.op) {
    if (op.phase === 'planning') c = await plan(c, op, ports);
    else if (op.phase === 'acting') c = await act(c, op, ports);
    else c = await compensate(c, op, ports);
  }
  return c;
};

const finish = (
  cart: Cart,
  status: ReservationStatus,
  failure: AppError | null,
  ports: Ports,
  patch: Partial<Cart> = {},
): Cart => ports.save({ ...cart, ...patch, status, failure, op: null, updatedAt: ports.now() });

const plan = async (cart: Cart, op: Op, ports: Ports): Promise<Cart> => {
  const { items, candidates, basis, channel, ttlSeconds } = cart.input;
  const skus = [...new Set(items.map((i) => i.sku))];
  const views = await ports.readStock(skus).catch((e: unknown) => {
    throw new Unsettled(
      `Reservation ${cart.input.reservationId}: could not read stock; the cart's alarm will try again`,
      { cause: e },
    );
  });
  const stock = new Map<string, StockAt>();
  const unknown = new Set<string>();
  for (const sku of skus) {
    const view = views.get(sku);
    if (!view?.ok) unknown.add(sku);
    else {
      const available = new Map(view.value.locations.map((l) => [l.location, l.available]));
      stock.set(sku, { policy: view.value.policy, available });
    }
  }
  if (unknown.size > 0) return finish(cart, 'failed', unknownSkus(cart, unknown), ports);
  const planned = planCart({ items, candidates, basis, stock, allowSplit: channel.allowSplit });
  if (!planned.ok) return finish(cart, 'failed', shortage(cart, planned.short), ports);
  const now = ports.now();
  // The intent: every hold about to be asked for, saved before the first call goes out.
  return ports.save({
    ...cart,
    holds: holdsFromPlan(cart, planned),
    routes: planned.routes.map(({ reason, note }) => ({ reason, note })),
    shipments: planned.shipments,
    expiresAt: now + ttlSeconds * 1000,
    op: { ...op, phase: 'acting' },
    updatedAt: now,
  });
};

/** Which holds an action is sent to (again, after a crash: their keys make it a replay). */
const targets = (h: CartHold, action: Action): boolean => {
  if (h.pending !== null) return h.pending === action;
  if (action === 'hold') return h.state === 'planned';
  if (action === 'cancel') return h.state === 'committed';
  return h.state === 'held';
};

/** Sends `action` to the chosen holds until each has an answer; returns every hold of the cart. */
const settle = async (
  cart: Cart,
  op: Op,
  chosen: (h: CartHold) => Action | null,
  ports: Ports,
): Promise<CartHold[]> => {
  const holds = [...cart.holds];
  const owner = ownerOf(cart);
  let todo = holds.flatMap((h, i) => {
    const action = chosen(h);
    return action === null ? [] : [{ i, action }];
  });
  for (let attempt = 0; attempt < CALL_TRIES && todo.length > 0; attempt++) {
    const calls = todo.map(({ i, action }) => callFor(cart, op, holds[i] as CartHold, action));
    const results = await ports.call(calls, op.actor);
    todo.forEach(({ i, action }, j) => {
      const result = results[j] ?? { ok: false, unknown: 'no answer' };
      holds[i] = outcome(holds[i] as CartHold, action, result, owner);
    });
    todo = todo.filter(({ i }) => holds[i]?.pending !== null);
  }
  if (todo.length > 0) {
    ports.save({ ...cart, holds, updatedAt: ports.now() });
    throw new Unsettled(
      `Reservation ${cart.input.reservationId}: ${todo.length} SkuStock call(s) got no answer; the cart's alarm will finish the ${op.kind}`,
    );
  }
  return holds;
};

const act = async (cart: Cart, op: Op, ports: Ports): Promise<Cart> => {
  const action = ACTION[op.kind];
  const holds = await settle(cart, op, (h) => (targets(h, action) ? action : null), ports);
  const now = ports.now();
  const c = ports.save({ ...cart, holds, updatedAt: now });
  const expired = c.expiresAt !== null && now >= c.expiresAt;
  if (reached(holds, action) && !(op.kind === 'reserve' && expired)) {
    switch (op.kind) {
      case 'reserve':
        return finish(c, 'held', null, ports, { heldAt: now });
      case 'commit':
        return finish(c, 'committed', null, ports);
      case 'extend':
        return finish(c, 'held', null, ports, { expiresAt: op.deadline ?? c.expiresAt });
      case 'release':
        return finish(c, 'released', null, ports);
      case 'expire':
        return finish(c, 'expired', null, ports);
    }
  }
  return ports.save({ ...c, op: { ...op, phase: 'compensating', failure: failureOf(c, op) } });
};

const failureOf = (cart: Cart, op: Op): AppError => {
  const id = cart.input.reservationId;
  if (op.kind === 'reserve') {
    const refused = cart.holds.filter((h) => h.state === 'refused');
    if (refused.length > 0) return refusal(cart, refused);
    return {
      code: 'hold_expired',
      message: `Reservation ${id}: its holds expired before they were all placed`,
    };
  }
  if (cart.holds.some((h) => h.state === 'expired')) {
    return {
      code: 'hold_expired',
      message: `Reservation ${id} expired before every hold could ${op.kind}`,
      details: { reservationId: id },
    };
  }
  const first = cart.holds.find((h) => h.error !== null)?.error;
  return {
    code: first?.code ?? 'internal',
    message: `Reservation ${id}: ${op.kind} failed: ${first?.message ?? 'a hold did not answer'}`,
    details: { reservationId: id },
  };
};

/** Undoes what the op did: commits are cancelled, holds released; then the cart ends or re-plans. */
const compensate = async (cart: Cart, op: Op, ports: Ports): Promise<Cart> => {
  const undo = (h: CartHold): Action | null => {
    if (h.pending === 'release' || h.pending === 'cancel') return h.pending;
    if (h.state === 'held') return 'release';
    if (h.state === 'committed') return 'cancel';
    return null;
  };
  const holds = await settle(cart, op, undo, ports);
  const failure = op.failure ?? { code: 'internal', message: 'compensated without a failure' };
  const c = { ...cart, holds };
  const race = op.kind === 'reserve' && failure.code === 'insufficient_stock';
  if (race && cart.attempt < MAX_ATTEMPTS) {
    // Stock moved under the plan: every hold is back, so plan again from fresh stock, once.
    return ports.save({
      ...c,
      attempt: cart.attempt + 1,
      op: { ...op, phase: 'planning', failure: null },
      updatedAt: ports.now(),
    });
  }
  const status: ReservationStatus = failure.code === 'hold_expired' ? 'expired' : 'failed';
  return finish(c, status, failure, ports, { expiresAt: null });
};
