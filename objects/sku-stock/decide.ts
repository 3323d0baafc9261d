import { err, ok, type Result } from '../../protocol/errors';
import {
  type Allocation,
  type BackorderPolicy,
  type Command,
  type CommandOf,
  DEFAULT_HOLD_TTL_SECONDS,
  LEVEL_FIELDS,
  type LevelDelta,
  type Levels,
  MAX_LEVEL,
} from '../../protocol/stock';
import { allocate } from './allocate';
import { applyDelta, emptyLevels, freeUnits, mergeDeltas } from './levels';

export type HoldRecord = {
  id: string;
  status: 'held' | 'committed' | 'shipped' | 'released' | 'expired' | 'cancelled';
  quantity: number;
  channel: string | null;
  allocations: Allocation[];
  returned: number;
  /** Epoch ms; null once the hold no longer expires (committed or ended). */
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
};

export type TransferRecord = {
  id: string;
  from: string;
  to: string;
  quantity: number;
  received: number;
  createdAt: number;
  updatedAt: number;
};

export type StockState = {
  sku: string;
  policy: BackorderPolicy;
  levels: ReadonlyMap<string, Levels>;
};

/** Who may be touched: null means unrestricted. Checked here for what only the object knows. */
export type Scope = { channels: readonly string[] | null; locations: readonly string[] | null };

export type DecideContext = {
  now: number;
  /** The hold the command names, if it exists. */
  hold?: HoldRecord;
  /** The transfer the command names, if it exists. */
  transfer?: TransferRecord;
  scope: Scope;
  newId: (prefix: string) => string;
};

/** What applying a command changes; the caller persists it atomically. */
export type Decision = {
  deltas: LevelDelta[];
  reason: string;
  hold?: HoldRecord;
  transfer?: TransferRecord;
};

const DEFAULT_REASON: Record<Command['op'], string> = {
  receive: 'receipt',
  expect: 'expected_receipt',
  adjust: 'adjustment',
  count: 'cycle_count',
  'mark-unavailable': 'damaged',
  'release-unavailable': 'inspected',
  'set-safety-stock': 'policy',
  hold: 'checkout',
  extend: 'checkout',
  release: 'released',
  commit: 'order_placed',
  ship: 'shipped',
  cancel: 'order_cancelled',
  return: 'customer_return',
  'transfer-out': 'transfer',
  'transfer-in': 'transfer',
};

/** Decides the effect of one command on a SKU's state, or the expected failure that refuses it. */
export const decide = (state: StockState, cmd: Command, ctx: DecideContext): Result<Decision> => {
  const decided = decideOp(state, cmd, ctx);
  if (!decided.ok) return decided;
  const decision = { ...decided.value, deltas: mergeDeltas(decided.value.deltas) };
  const bounds = checkBounds(state, decision.deltas);
  return bounds.ok ? ok(decision) : bounds;
};

const decideOp = (state: StockState, cmd: Command, ctx: DecideContext): Result<Decision> => {
  const reason = cmd.reason ?? DEFAULT_REASON[cmd.op];
  const level = (location: string) => state.levels.get(location) ?? emptyLevels();
  switch (cmd.op) {
    case 'receive': {
      const fromIncoming = cmd.fromIncoming
        ? Math.min(cmd.quantity, level(cmd.location).incoming)
        : 0;
      const delta: LevelDelta = { location: cmd.location, onHand: cmd.quantity };
      if (fromIncoming > 0) delta.incoming = -fromIncoming;
      return ok({ deltas: [delta], reason });
    }
    case 'expect':
      return ok({ deltas: [{ location: cmd.location, incoming: cmd.quantity }], reason });
    case 'adjust': {
      const l = level(cmd.location);
      const conflict = checkExpectedOnHand(state.sku, cmd.location, l, cmd.expectedOnHand);
      if (conflict) return conflict;
      if (cmd.delta < 0) {
        const short = requireFree(state.sku, cmd.location, l, -cmd.delta, 'remove');
        if (short) return short;
      }
      return ok({ deltas: [{ location: cmd.location, onHand: cmd.delta }], reason });
    }
    case 'count': {
      const l = level(cmd.location);
      const conflict = checkExpectedOnHand(state.sku, cmd.location, l, cmd.expectedOnHand);
      if (conflict) return conflict;
      // A count is the physical truth: it is never refused, and a shortfall shows as backordered.
      return ok({ deltas: [{ location: cmd.location, onHand: cmd.onHand - l.onHand }], reason });
    }
    case 'mark-unavailable': {
      const short = requireFree(
        state.sku,
        cmd.location,
        level(cmd.location),
        cmd.quantity,
        'mark unavailable',
      );
      if (short) return short;
      return ok({ deltas: [{ location: cmd.location, unavailable: cmd.quantity }], reason });
    }
    case 'release-unavailable': {
      const l = level(cmd.location);
      if (l.unavailable < cmd.quantity) {
        return err(
          'insufficient_stock',
          `SKU ${state.sku} at ${cmd.location}: cannot release ${cmd.quantity}, ${l.unavailable} unavailable`,
          {
            sku: state.sku,
            location: cmd.location,
            requested: cmd.quantity,
            unavailable: l.unavailable,
          },
        );
      }
      if (cmd.dispose && l.onHand < cmd.quantity) {
        return err(
          'insufficient_stock',
          `SKU ${state.sku} at ${cmd.location}: cannot dispose of ${cmd.quantity}, on hand ${l.onHand}`,
          { sku: state.sku, location: cmd.location, requested: cmd.quantity, onHand: l.onHand },
        );
      }
      const delta: LevelDelta = { location: cmd.location, unavailable: -cmd.quantity };
      if (cmd.dispose) delta.onHand = -cmd.quantity;
      return ok({ deltas: [delta], reason: cmd.reason ?? (cmd.dispose ? 'disposed' : reason) });
    }
    case 'set-safety-stock': {
      const l = level(cmd.location);
      return ok({
        deltas: [{ location: cmd.location, safetyStock: cmd.quantity - l.safetyStock }],
        reason,
      });
    }
    case 'hold':
      return decideHold(state, cmd, ctx, reason);
    case 'extend':
    case 'release':
    case 'commit':
    case 'ship':
    case 'cancel':
      return decideHoldLifecycle(state, cmd, ctx, reason);
    case 'return':
      return decideReturn(state, cmd, ctx, reason);
    case 'transfer-out': {
      if (cmd.from === cmd.to) {
        return err(
          'validation_failed',
          `SKU ${state.sku}: a transfer needs two locations, got ${cmd.from} twice`,
        );
      }
      if (ctx.transfer) {
        return err(
          'already_exists',
          `SKU ${state.sku}: transfer ${ctx.transfer.id} already exists`,
          {
            transferId: ctx.transfer.id,
          },
        );
      }
      const short = requireFree(state.sku, cmd.from, level(cmd.from), cmd.quantity, 'transfer');
      if (short) return short;
      const transfer: TransferRecord = {
        id: cmd.transferId ?? ctx.newId('t'),
        from: cmd.from,
        to: cmd.to,
        quantity: cmd.quantity,
        received: 0,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      };
      return ok({
        deltas: [
          { location: cmd.from, onHand: -cmd.quantity },
          { location: cmd.to, incoming: cmd.quantity },
        ],
        reason,
        transfer,
      });
    }
    case 'transfer-in': {
      const t = ctx.transfer;
      if (!t) return err('unknown_transfer', `SKU ${state.sku}: no transfer ${cmd.transferId}`);
      if (ctx.scope.locations && !ctx.scope.locations.includes(t.to)) {
        return err('forbidden', `This key may not receive at ${t.to}`);
      }
      const outstanding = t.quantity - t.received;
      const quantity = cmd.quantity ?? outstanding;
      if (outstanding === 0 || quantity > outstanding) {
        return err(
          'invalid_state',
          `SKU ${state.sku}: transfer ${t.id} has ${outstanding} outstanding, cannot receive ${quantity}`,
          { transferId: t.id, outstanding, requested: quantity },
        );
      }
      return ok({
        deltas: [{ location: t.to, incoming: -quantity, onHand: quantity }],
        reason,
        transfer: { ...t, received: t.received + quantity, updatedAt: ctx.now },
      });
    }
  }
};

const decideHold = (
  state: StockState,
  cmd: CommandOf<'hold'>,
  ctx: DecideContext,
  reason: string,
): Result<Decision> => {
  if (ctx.hold) {
    return err(
      'already_exists',
      `SKU ${state.sku}: hold ${ctx.hold.id} already exists (${ctx.hold.status})`,
      {
        holdId: ctx.hold.id,
        status: ctx.hold.status,
      },
    );
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

const decideHoldLifecycle = (
  state: StockState,
  cmd: LifecycleCommand,
  ctx: DecideContext,
  reason: string,
): Result<Decision> => {
  const h = ctx.hold;
  if (!h)
    return err('unknown_hold', `SKU ${state.sku}: no hold ${cmd.holdId}`, { holdId: cmd.holdId });
  if (ctx.scope.channels && (h.channel === null || !ctx.scope.channels.includes(h.channel))) {
    return err(
      'forbidden',
      `This key may not act on hold ${h.id} of channel ${h.channel ?? '(none)'}`,
    );
  }
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
  if (ctx.scope.locations) {
    const outside = h.allocations.find(
      (a) => a.quantity > a.shipped && !ctx.scope.locations?.includes(a.location),
    );
    if (outside) return err('forbidden', `This key may not ship from ${outside.location}`);
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

const decideReturn = (
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

const checkExpectedOnHand = (
  sku: string,
  location: string,
  l: Levels,
  expected: number | undefined,
) =>
  expected !== undefined && expected !== l.onHand
    ? err(
        'version_conflict',
        `SKU ${sku} at ${location}: expected onHand ${expected}, found ${l.onHand}`,
        {
          sku,
          location,
          expectedOnHand: expected,
          onHand: l.onHand,
        },
      )
    : undefined;

const requireFree = (sku: string, location: string, l: Levels, quantity: number, verb: string) => {
  const free = freeUnits(l);
  if (free >= quantity) return undefined;
  return err(
    'insufficient_stock',
    `SKU ${sku} at ${location}: cannot ${verb} ${quantity}, ${Math.max(0, free)} free (onHand ${l.onHand}, reserved ${l.reserved}, committed ${l.committed}, unavailable ${l.unavailable})`,
    { sku, location, requested: quantity, free: Math.max(0, free), ...l },
  );
};

/** No level may pass MAX_LEVEL; none may go negative (that would be a bug in a rule above). */
const checkBounds = (state: StockState, deltas: readonly LevelDelta[]): Result<true> => {
  for (const d of deltas) {
    const after = applyDelta(state.levels.get(d.location) ?? emptyLevels(), d);
    for (const f of LEVEL_FIELDS) {
      if (after[f] > MAX_LEVEL) {
        return err(
          'validation_failed',
          `SKU ${state.sku} at ${d.location}: ${f} would exceed ${MAX_LEVEL}`,
        );
      }
      if (after[f] < 0) {
        throw new Error(`SKU ${state.sku} at ${d.location}: ${f} would become ${after[f]}`);
      }
    }
  }
  return ok(true);
};
