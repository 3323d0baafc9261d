import type { LocationStock } from '../../protocol/stock';
import type { Listed, ListingRules } from '../../protocol/stream';

type Rules = Pick<ListingRules, 'percentage' | 'buffer' | 'maxListed' | 'endWhen'> & {
  locations: readonly string[];
};

/**
 * Units a channel's locations can sell: the sum of each one's available, a location that is
 * overdrawn (a `continue` SKU) counting as 0 so its backorders never eat another's stock.
 */
export const sellable = (rules: Pick<Rules, 'locations'>, locations: readonly LocationStock[]) => {
  let total = 0;
  for (const l of locations) {
    if (l.available > 0 && rules.locations.includes(l.location)) total += l.available;
  }
  return total;
};

/**
 * The quantity a channel lists (docs/stream.md), in this order: sellable less
 * `exposed` (units degraded channels' marketplaces may still sell: docs/connectors.md, "Degraded
 * channels"; not below 0), percentage of that (rounded down), minus the buffer (not below 0), then
 * 0 when at or below end-when, then at most maxListed. End-when looks at the quantity before the
 * cap, so a low cap never ends a listing that has plenty behind it. `rule` names the last rule
 * that lowered the quantity.
 */
export const listedQuantity = (
  rules: Rules,
  locations: readonly LocationStock[],
  exposed = 0,
): Omit<Listed, 'channel'> => {
  let quantity = sellable(rules, locations);
  let rule: Listed['rule'] = 'available';
  if (exposed > 0 && quantity > 0) [quantity, rule] = [Math.max(0, quantity - exposed), 'exposed'];
  const afterPercentage = Math.floor((quantity * rules.percentage) / 100);
  if (afterPercentage < quantity) [quantity, rule] = [afterPercentage, 'percentage'];
  const afterBuffer = Math.max(0, quantity - rules.buffer);
  if (afterBuffer < quantity) [quantity, rule] = [afterBuffer, 'buffer'];
  if (quantity > 0 && quantity <= rules.endWhen) return { quantity: 0, rule: 'end-when' };
  if (rules.maxListed !== null && quantity > rules.maxListed) {
    return { quantity: rules.maxListed, rule: 'max' };
  }
  return { quantity, rule };
};
