import type { LocationStock } from '../../../protocol/stock';
import type { Scope } from './scope';

// The wall's colours follow the demand SkuStock estimates and the stream rows carry
// (docs/signals.md): cover = units the scope can sell ÷ the summed rate of its locations.

const counts = (scope: Scope, location: string): boolean =>
  scope.kind === 'all' ||
  (scope.kind === 'location'
    ? location === scope.location
    : scope.channel.locations.includes(location));

/**
 * Units a day the scope sells, by the rows' `demand.ratePerDay`; null when no location in the
 * scope carries a rate above 0 yet (a first day's sales count from the next day on): the wall
 * then keeps its own guess.
 */
export const demandPerDayIn = (
  scope: Scope,
  locations: readonly LocationStock[],
): number | null => {
  let rate = 0;
  for (const l of locations) {
    if (l.demand !== undefined && counts(scope, l.location)) rate += l.demand.ratePerDay;
  }
  return rate > 0 ? rate : null;
};
