import type { BackorderPolicy, Levels, LineOutcome } from '../../protocol/stock';
import { availableUnits } from './levels';

// What a cart's Checkout gets back from one SkuStock call: each command's outcome and the units
// left where, so a refused hold also tells the cart where it could be held instead, and a cart
// needs no read of its stock before holding (docs/architecture.md, Checkout).

/** A SKU's sellable units at each location (as `available` in its stock view), and its policy. */
export type SkuAvailability = { policy: BackorderPolicy; available: Record<string, number> };

/** The outcomes in order, then the SKU's availability after them; null for a SKU not configured. */
export type CheckoutAnswer = { outcomes: LineOutcome[]; stock: SkuAvailability | null };

/** The sellable units at every location of a SKU's state. */
export const availability = (state: {
  policy: BackorderPolicy;
  levels: ReadonlyMap<string, Levels>;
}): SkuAvailability => {
  const available: Record<string, number> = {};
  for (const [location, l] of state.levels) available[location] = availableUnits(l, state.policy);
  return { policy: state.policy, available };
};
