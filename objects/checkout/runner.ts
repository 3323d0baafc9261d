import type { AppError, Result } from '../../protocol/errors';
import type { ReservationStatus } from '../../protocol/reservations';
import type { StockView } from '../../protocol/stock';
import type { Cart, CartHold, CartStock, Op, OpKind } from './cart';
import { type Plan, planCart, type StockAt } from './route';
import {
  type Action,
  callFor,
  coversCart,
  firstLocationPlan,
  giveBack,
  holdsFromPlan,
  MAX_ATTEMPTS,
  outcome,
  ownerOf,
  reached,
  refusal,
  type StockAnswers,
  type StockCall,
  samePicks,
  shortage,
  stockMap,
  unknownSkus,
} from './saga';

// Runs a cart's op in flight to its end: plan, act on every hold, compensate on failure. The
// intent is saved before any call goes out, each phase's outcome in one write, and every call
// either carries an idempotency key or a hold id naming the cart, so running it again from the
// saved cart (after a crash) repeats nothing and finishes the same way.
//
// A reserve reads no stock first: it holds every line at the first candidate location (what the
// plan is whenever that location can ship the whole cart), and every SkuStock answers with what
// it has left where. A refused cart is then judged on those answers: short, it releases what it
// got and fails (one round of holds, one of releases); if it fits elsewhere, it re-plans.

export type Ports = {
  now: () => number;
  /** Persists the cart and arms the alarm for it; returns it. */
  save: (cart: Cart) => Cart;
  /** Each SKU's stock (a re-plan whose answers a restart lost); throws when one cannot be reached. */
  readStock: (skus: readonly string[]) => Promise<Map<string, Result<StockView>>>;
  /**
   * One result per call, in order, and the stock of each SKU that answered (the `peek` SKUs too,
   * asked for nothing else); never throws (a failed call is `unknown`).
   */
  call: (
    calls: readonly StockCall[],
    actor: string,
    peek?: readonly string[],
  ) => Promise<StockAnswers>;
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
  let planned: Plan = firstLocationPlan(cart);
  if (cart.attempt > 1) {
    const stock = await planStock(cart, op, ports);
    if (!(stock instanceof Map)) return finish(cart, 'failed', stock, ports);
    planned = planCart({ items, candidates, basis, stock, allowSplit: channel.allowSplit });
    if (!planned.ok) return finish(cart, 'failed', shortage(cart, planned.short), ports);
  }
  const now = ports.now();
  const { stock: _used, ...rest } = op;
  // The intent: every hold about to be asked for, saved before the first call goes out.
  return ports.save({
    ...cart,
    holds: holdsFromPlan(cart, planned),
    routes: planned.routes.map(({ reason, note }) => ({ reason, note })),
    shipments: planned.shipments,
    expiresAt: now + ttlSeconds * 1000,
    op: { ...rest, phase: 'acting' },
    updatedAt: now,
  });
};

/** The stock a re-plan works from: the last answers, or a read when a restart lost some. */
const planStock = async (
  cart: Cart,
  op: Op,
  ports: Ports,
): Promise<Map<string, StockAt> | AppError> => {
  if (op.stock && coversCart(cart, op.stock)) return stockMap(op.stock);
  const skus = [...new Set(cart.input.items.map((i) => i.sku))];
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
  return unknown.size > 0 ? unknownSkus(cart, unknown) : stock;
};

/** Which holds an action is sent to (again, after a crash: their keys make it a replay). */
const targets = (h: CartHold, action: Action): boolean => {
  if (h.pending !== null) return h.pending === action;
  if (action === 'hold') return h.state === 'planned';
  if (action === 'cancel') return h.state === 'committed';
  return h.state === 'held';
};

/**
 * Sends `action` to the chosen holds until each has an answer; returns every hold of the cart and
 * what the SKUs that answered have left where.
 */
const settle = async (
  cart: Cart,
  op: Op,
  chosen: (h: CartHold) => Action | null,
  ports: Ports,
  peek: readonly string[] = [],
): Promise<{ holds: CartHold[]; stock: CartStock }> => {
  const holds = [...cart.holds];
  const stock: CartStock = {};
  /** What each SKU that did not answer threw last, for the logs. */
  const unanswered = new Map<string, string>();
  const owner = ownerOf(cart);
  let todo = holds.flatMap((h, i) => {
    const action = chosen(h);
    return action === null ? [] : [{ i, action }];
  });
  for (let attempt = 0; attempt < CALL_TRIES && todo.length > 0; attempt++) {
    const calls = todo.map(({ i, action }) => callFor(cart, op, holds[i] as CartHold, action));
    const answers = await ports.call(calls, op.actor, attempt === 0 ? peek : []);
    Object.assign(stock, answers.stock);
    todo.forEach(({ i, action }, j) => {
      const result = answers.results[j] ?? { ok: false, unknown: 'no answer' };
      if ('unknown' in result) unanswered.set(holds[i]?.sku ?? '?', result.unknown);
      holds[i] = outcome(holds[i] as CartHold, action, result, owner);
    });
    todo = todo.filter(({ i }) => holds[i]?.pending !== null);
  }
  if (todo.length > 0) {
    ports.save({ ...cart, holds, updatedAt: ports.now() });
    throw new Unsettled(
      `Reservation ${cart.input.reservationId}: ${todo.length} SkuStock call(s) got no answer; the cart's alarm will finish the ${op.kind}`,
      { cause: [...unanswered].map(([sku, why]) => `SKU ${sku}: ${why}`).join('; ') },
    );
  }
  return { holds, stock };
};

const act = async (cart: Cart, op: Op, ports: Ports): Promise<Cart> => {
  const action = ACTION[op.kind];
  const settled = await settle(cart, op, (h) => (targets(h, action) ? action : null), ports);
  const now = ports.now();
  // Not saved on its own: the phase's outcome below is its one write.
  const c: Cart = { ...cart, holds: settled.holds, updatedAt: now };
  const expired = c.expiresAt !== null && now >= c.expiresAt;
  if (reached(c.holds, action) && !(op.kind === 'reserve' && expired)) {
    switch (op.kind) {
      case 'reserve':
        return finish(c, 'held', null, ports, { heldAt: now, ...placed(c, settled.stock) });
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
  const failed: Cart = {
    ...c,
    op: { ...op, phase: 'compensating', failure: failureOf(c, op), stock: settled.stock },
  };
  // With nothing in place to undo, the cart ends (or re-plans) without a write of its own here.
  return c.holds.some((h) => undo(h) !== null)
    ? ports.save(failed)
    : compensate(failed, failed.op ?? op, ports);
};

/**
 * Why a reached cart's holds are where they are. The first plan's notes are completed from the
 * answers (how many locations could have shipped the whole cart, what is backordered), exactly
 * as a plan from a read of the same stock would have said.
 */
const placed = (cart: Cart, stock: CartStock): Pick<Cart, 'routes' | 'shipments'> => {
  const kept = { routes: cart.routes, shipments: cart.shipments };
  if (cart.attempt > 1) return kept;
  const before = giveBack(cart, stock);
  if (!coversCart(cart, before)) return kept;
  const { items, candidates, basis, channel } = cart.input;
  const stocked = stockMap(before);
  const p = planCart({ items, candidates, basis, stock: stocked, allowSplit: channel.allowSplit });
  if (!p.ok || !samePicks(cart, p)) return kept;
  return { routes: p.routes.map(({ reason, note }) => ({ reason, note })), shipments: p.shipments };
};

/** Why the op failed (a refused reserve is judged again once its holds are back). */
const failureOf = (cart: Cart, op: Op): AppError => {
  const id = cart.input.reservationId;
  if (op.kind === 'reserve') {
    const refused = cart.holds.filter((h) => h.state === 'refused');
    const unknown = new Set(
      refused.flatMap((h) => (h.error?.code === 'unknown_sku' ? [h.sku] : [])),
    );
    if (unknown.size > 0) return unknownSkus(cart, unknown);
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

/** What undoes a hold's effect: commits are cancelled, holds released. */
const undo = (h: CartHold): Action | null => {
  if (h.pending === 'release' || h.pending === 'cancel') return h.pending;
  if (h.state === 'held') return 'release';
  if (h.state === 'committed') return 'cancel';
  return null;
};

/**
 * Undoes what the op did, then the cart ends or re-plans (one write either way). A reserve some
 * SkuStock refused for stock asks the refused lines' SKUs for their stock in the same round as
 * the releases, and is judged on those answers, all taken once its own holds are back (and other
 * carts' refused holds, as likely as not, too): short, it fails naming each short line as a plan
 * would; if it fits elsewhere, it re-plans from them.
 */
const compensate = async (cart: Cart, op: Op, ports: Ports): Promise<Cart> => {
  const failure = op.failure ?? { code: 'internal', message: 'compensated without a failure' };
  const refused = cart.holds.filter((h) => h.state === 'refused');
  const judged = op.kind === 'reserve' && failure.code === 'insufficient_stock';
  const undoing = new Set(cart.holds.flatMap((h) => (undo(h) === null ? [] : [h.sku])));
  const peek =
    judged && undoing.size > 0
      ? [...new Set(refused.map((h) => h.sku))].filter((sku) => !undoing.has(sku))
      : [];
  const settled = await settle(cart, op, undo, ports, peek);
  const c = { ...cart, holds: settled.holds };
  if (!judged) return end(c, failure, ports);
  // Nothing of the cart's is held any more: the answers are the stock as others left it.
  const stock = giveBack(c, { ...op.stock, ...settled.stock });
  if (coversCart(c, stock)) {
    const { items, candidates, basis, channel } = c.input;
    const p = planCart({
      items,
      candidates,
      basis,
      stock: stockMap(stock),
      allowSplit: channel.allowSplit,
    });
    if (!p.ok) return end(c, shortage(c, p.short), ports);
  }
  // It fits elsewhere (or a restart lost some answers, and the next plan reads the stock).
  if (c.attempt >= MAX_ATTEMPTS) return end(c, failure, ports);
  const next: Op = { ...op, phase: 'planning', failure: null, stock };
  return plan({ ...c, attempt: c.attempt + 1, op: next, updatedAt: ports.now() }, next, ports);
};

const end = (cart: Cart, failure: AppError, ports: Ports): Cart =>
  finish(cart, failure.code === 'hold_expired' ? 'expired' : 'failed', failure, ports, {
    expiresAt: null,
  });
