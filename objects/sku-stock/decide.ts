import { err, ok, type Result } from '../../protocol/errors';
import {
  type Command,
  LEVEL_FIELDS,
  type LevelDelta,
  type Levels,
  MAX_LEVEL,
} from '../../protocol/stock';
import { applyDelta, emptyLevels, freeUnits, mergeDeltas } from './levels';
import { decideHold, decideHoldLifecycle, decideReturn } from './reservations';
import { checkScope } from './scope';
import type { DecideContext, Decision, StockState, TransferRecord } from './types';

export { expireHold } from './reservations';
export type {
  DecideContext,
  Decision,
  HoldRecord,
  Scope,
  StockState,
  TransferRecord,
} from './types';

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
  const allowed = checkScope(cmd, ctx);
  if (!allowed.ok) return allowed;
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
      // Only units expected on purchase orders: those in transit are their transfer's to receive.
      const expected = cmd.fromIncoming
        ? level(cmd.location).incoming - ctx.inTransit(cmd.location)
        : 0;
      const fromIncoming = Math.min(cmd.quantity, Math.max(0, expected));
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

/**
 * No level may pass MAX_LEVEL and none may go negative. A negative level means a rule above let
 * through what it should have refused: the command is refused all the same (a 409, never a 500)
 * and the gap is logged.
 */
const checkBounds = (state: StockState, deltas: readonly LevelDelta[]): Result<true> => {
  for (const d of deltas) {
    const before = state.levels.get(d.location) ?? emptyLevels();
    const after = applyDelta(before, d);
    for (const f of LEVEL_FIELDS) {
      if (after[f] > MAX_LEVEL) {
        return err(
          'validation_failed',
          `SKU ${state.sku} at ${d.location}: ${f} would exceed ${MAX_LEVEL}`,
        );
      }
      if (after[f] < 0) {
        const message = `SKU ${state.sku} at ${d.location}: ${f} would become ${after[f]} (is ${before[f]}, change ${d[f] ?? 0})`;
        console.error(`rule gap: ${message}`);
        return err('invalid_state', message, {
          sku: state.sku,
          location: d.location,
          field: f,
          current: before[f],
          change: d[f] ?? 0,
          result: after[f],
        });
      }
    }
  }
  return ok(true);
};
