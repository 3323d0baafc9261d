import { err, ok, type Result } from '../../protocol/errors';
import { type CommandOf, DEFAULT_HOLD_TTL_SECONDS, type LevelDelta } from '../../protocol/stock';
import { allocate } from './allocate';
import { mergeDeltas } from './levels';
import type { DecideContext, Decision, HoldRecord, StockState } from './types';

// The reservation lifecycle: hold, extend, release, commit, ship, cancel, return and expiry.

export const decideHold = (
  state: StockState,
  cmd: CommandOf<'hold'>,
  ctx: DecideContext,
  reason: string,
): Result<Decision> => {
  if (ctx.hold) {
    const h = ctx.hold;
    const message = `SKU ${state.sku}: hold ${h.id} already exists`;
    const { channels } = ctx.scope;
    if (channels && (h.channel === null || !channels.includes(h.channel))) {
      return err('already_exists', message, { holdId: h.id });
    }
    // What the hold is, so a caller resending its own hold can tell it from someone else's.
    return err('already_exists', `${message} (${h.status})`, {
      holdId: h.id,
      status: h.status,
      channel: h.channel,
      ref: h.ref,
      quantity: h.quantity,
      locations: h.allocations.map((a) => a.location),
    });
  }
  const eligible = cmd.locations ?? [...state.levels.keys()];
  const picked = allocate({
    sku: state.sku,
    policy: state.policy,
    levels: state.levels,
    eligible,
    quantity: cmd.quantity,
    allowSplit: cmd.allowSplit ?? false,
  });
  if (!picked.ok) return picked;
  const field = cmd.commit ? 'committed' : 'reserved';
  const ttl = cmd.ttlSeconds ?? DEFAULT_HOLD_TTL_SECONDS;
  const hold: HoldRecord = {
    id: cmd.holdId ?? ctx.newId('h'),
    status: cmd.commit ? 'committed' : 'held',
    quantity: cmd.quantity,
    channel: cmd.channel ?? null,
    ref: cmd.ref ?? null,
    allocations: picked.value.map((p) => ({
      location: p.location,
      quantity: p.quantity,
      shipped: 0,
    })),
    returned: 0,
    expiresAt: cmd.commit ? null : ctx.now + ttl * 1000,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  return ok({
    deltas: picked.value.map((p) => ({ location: p.location, [field]: p.quantity })),
    reason: cmd.commit && cmd.reason === undefined ? 'order_placed' : reason,
    hold,
  });
};

type LifecycleCommand = CommandOf<'extend' | 'release' | 'commit' | 'ship' | 'cancel'>;

export const decideHoldLifecycle = (
  state: StockState,
  cmd: LifecycleCommand,
  ctx: DecideContext,
  reason: string,
): Result<Decision> => {
  const h = ctx.hold;
  if (!h)
    return err('unknown_hold', `SKU ${state.sku}: no hold ${cmd.holdId}`, { holdId: cmd.holdId });
  const updated = (patch: Partial<HoldRecord>): HoldRecord => ({
    ...h,
    ...patch,
    updatedAt: ctx.now,
  });
  const wrongState = (expected: string) =>
    err(
      h.status === 'expired' ? 'hold_expired' : 'invalid_state',
      `SKU ${state.sku}: hold ${h.id} is ${h.status}; ${cmd.op} needs a ${expected} hold`,
      { holdId: h.id, status: h.status },
    );
  switch (cmd.op) {
    case 'extend':
      if (h.status !== 'held') return wrongState('held');
      return ok({
        deltas: [],
        reason,
        hold: updated({ expiresAt: ctx.now + cmd.ttlSeconds * 1000 }),
      });
    case 'release':
      if (h.status !== 'held') return wrongState('held');
      return ok({
        deltas: h.allocations.map((a) => ({ location: a.location, reserved: -a.quantity })),
        reason,
        hold: updated({ status: 'released', expiresAt: null }),
      });
    case 'commit':
      if (h.status !== 'held') return wrongState('held');
      return ok({
        deltas: h.allocations.map((a) => ({
          location: a.location,
          reserved: -a.quantity,
          committed: a.quantity,
        })),
        reason,
        hold: updated({ status: 'committed', expiresAt: null }),
      });
    case 'cancel': {
      if (h.status !== 'committed') return wrongState('committed');
      return ok({
        deltas: h.allocations.map((a) => ({
          location: a.location,
          committed: -(a.quantity - a.shipped),
        })),
        reason,
        hold: updated({ status: 'cancelled' }),
      });
    }
    case 'ship':
      return decideShip(state, cmd, ctx, h, reason);
  }
};

const decideShip = (
  state: StockState,
  cmd: CommandOf<'ship'>,
  ctx: DecideContext,
  h: HoldRecord,
  reason: string,
): Result<Decision> => {
  if (h.status !== 'committed') {
    return err(
      h.status === 'expired' ? 'hold_expired' : 'invalid_state',
      `SKU ${state.sku}: hold ${h.id} is ${h.status}; ship needs a committed hold`,
      {
        holdId: h.id,
        status: h.status,
      },
    );
  }
  const outstanding = h.allocations.reduce((s, a) => s + a.quantity - a.shipped, 0);
  const quantity = cmd.quantity ?? outstanding;
  if (quantity > outstanding) {
    return err(
      'invalid_state',
      `SKU ${state.sku}: hold ${h.id} has ${outstanding} left to ship, cannot ship ${quantity}`,
      {
        holdId: h.id,
        outstanding,
        requested: quantity,
      },
    );
  }
  let remaining = quantity;
  const deltas: LevelDelta[] = [];
  const allocations = h.allocations.map((a) => {
    const take = Math.min(a.quantity - a.shipped, remaining);
    remaining -= take;
    if (take > 0) deltas.push({ location: a.location, onHand: -take, committed: -take });
    return { ...a, shipped: a.shipped + take };
  });
  for (const d of deltas) {
    const onHand = state.levels.get(d.location)?.onHand ?? 0;
    const take = -(d.onHand ?? 0);
    if (onHand < take) {
      return err(
        'insufficient_stock',
        `SKU ${state.sku} at ${d.location}: cannot ship ${take}, on hand ${onHand}`,
        {
          sku: state.sku,
          location: d.location,
          requested: take,
          onHand,
        },
      );
    }
  }
  const done = allocations.every((a) => a.shipped === a.quantity);
  return ok({
    deltas,
    reason,
    hold: { ...h, allocations, status: done ? 'shipped' : 'committed', updatedAt: ctx.now },
  });
};

export const decideReturn = (
  state: StockState,
  cmd: CommandOf<'return'>,
  ctx: DecideContext,
  reason: string,
): Result<Decision> => {
  const delta: LevelDelta = { location: cmd.location, onHand: cmd.quantity };
  if (cmd.disposition === 'inspect') delta.unavailable = cmd.quantity;
  if (cmd.holdId === undefined) return ok({ deltas: [delta], reason });
  const h = ctx.hold;
  if (!h)
    return err('unknown_hold', `SKU ${state.sku}: no hold ${cmd.holdId}`, { holdId: cmd.holdId });
  const shipped = h.allocations.reduce((s, a) => s + a.shipped, 0);
  if (cmd.quantity > shipped - h.returned) {
    return err(
      'invalid_state',
      `SKU ${state.sku}: hold ${h.id} shipped ${shipped} and had ${h.returned} returned, cannot return ${cmd.quantity}`,
      {
        holdId: h.id,
        shipped,
        returned: h.returned,
        requested: cmd.quantity,
      },
    );
  }
  return ok({
    deltas: [delta],
    reason,
    hold: { ...h, returned: h.returned + cmd.quantity, updatedAt: ctx.now },
  });
};

/** The effect of a hold reaching its deadline. */
export const expireHold = (h: HoldRecord, now: number): Decision => ({
  deltas: mergeDeltas(h.allocations.map((a) => ({ location: a.location, reserved: -a.quantity }))),
  reason: 'hold_expired',
  hold: { ...h, status: 'expired', expiresAt: null, updatedAt: now },
});
