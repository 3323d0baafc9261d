import { err, ok, type Result } from '../../protocol/errors';
import type { Command } from '../../protocol/stock';
import type { DecideContext } from './types';

// What only the object can check of a caller's scope: whose hold it is, where a transfer goes.
// Checked before an idempotent replay as well as before a decision, so a record never answers
// a caller that could not have sent the request.

const HOLD_LIFECYCLE: ReadonlySet<Command['op']> = new Set([
  'extend',
  'release',
  'commit',
  'ship',
  'cancel',
]);

/** Refuses (forbidden) a command on a hold or transfer outside the caller's scope. */
export const checkScope = (
  cmd: Command,
  ctx: Pick<DecideContext, 'hold' | 'transfer' | 'scope'>,
): Result<true> => {
  const { hold: h, transfer: t, scope } = ctx;
  if (h && HOLD_LIFECYCLE.has(cmd.op)) {
    if (scope.channels && (h.channel === null || !scope.channels.includes(h.channel))) {
      return err(
        'forbidden',
        `This key may not act on hold ${h.id} of channel ${h.channel ?? '(none)'}`,
      );
    }
    if (cmd.op === 'ship' && scope.locations) {
      const outside = h.allocations.find(
        (a) => a.quantity > a.shipped && !scope.locations?.includes(a.location),
      );
      if (outside) return err('forbidden', `This key may not ship from ${outside.location}`);
    }
  }
  if (t && cmd.op === 'transfer-in' && scope.locations && !scope.locations.includes(t.to)) {
    return err('forbidden', `This key may not receive at ${t.to}`);
  }
  return ok(true);
};
