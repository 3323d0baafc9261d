import { err, type Result } from '../../protocol/errors';
import { CART_HOLD_ID, CHECKOUT_KEY_PREFIX, type Command } from '../../protocol/stock';

// A cart's holds are Checkout's alone until the cart is committed: a client that could create
// one under a cart's id, or move one, would make the cart report units it does not hold.

/** Operations a client may not send on a cart's hold; ship, cancel and return follow a commit. */
const CART_OWNED_OPS: ReadonlySet<Command['op']> = new Set(['hold', 'extend', 'release', 'commit']);

/** Refuses a client's command or key that enters Checkout's namespace (validation_failed). */
export const refuseCheckoutNamespace = (cmd: Command, key: string | undefined): Result<true> => {
  if (key?.startsWith(CHECKOUT_KEY_PREFIX)) {
    return err(
      'validation_failed',
      `Idempotency key ${key}: keys starting with ${CHECKOUT_KEY_PREFIX} are reserved for reservations`,
      { key },
    );
  }
  const holdId = 'holdId' in cmd ? cmd.holdId : undefined;
  if (holdId !== undefined && CART_OWNED_OPS.has(cmd.op) && CART_HOLD_ID.test(holdId)) {
    return err('validation_failed', cartHoldMessage(cmd.op, holdId), { holdId, op: cmd.op });
  }
  return { ok: true, value: true };
};

const cartHoldMessage = (op: Command['op'], holdId: string): string => {
  const reservation = holdId.match(CART_HOLD_ID)?.[0] ?? holdId;
  return op === 'hold'
    ? `Hold id ${holdId} is reserved for reservations (ids starting r_ and 32 hex digits): choose another`
    : `Hold ${holdId} belongs to reservation ${reservation}: ${op} it through POST /v1/reservations/${reservation}/${op}`;
};
