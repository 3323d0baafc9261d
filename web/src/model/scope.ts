import { listedQuantity } from '../../../objects/stream-hub/listed';
import type { Channel } from '../../../protocol/catalog';
import type { LocationStock } from '../../../protocol/stock';

// What the wall measures: every location, one location, or one channel. A channel is seen as it
// sells: the quantity it lists, computed from its rules exactly as the stream hubs compute it.

export type Scope =
  | { kind: 'all' }
  | { kind: 'location'; location: string }
  | { kind: 'channel'; channel: Channel };

export const ALL: Scope = { kind: 'all' };

/** Does the SKU have stock records in the scope at all? (Unstocked SKUs leave the wall.) */
export const inScope = (scope: Scope, locations: readonly LocationStock[]): boolean => {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'location') return locations.some((l) => l.location === scope.location);
  const feeds = scope.channel.locations;
  return locations.some((l) => feeds.includes(l.location));
};

/** The units the scope can sell: available (summed), or the channel's listed quantity. */
export const sellableIn = (scope: Scope, locations: readonly LocationStock[]): number => {
  if (scope.kind === 'channel') return listedQuantity(scope.channel, locations).quantity;
  let total = 0;
  for (const l of locations) {
    if (scope.kind === 'all' || l.location === scope.location) total += l.available;
  }
  return total;
};

/** onHand and reserved units in the scope (for the counters). */
export const unitsIn = (
  scope: Scope,
  locations: readonly LocationStock[],
): { onHand: number; reserved: number } => {
  let onHand = 0;
  let reserved = 0;
  for (const l of locations) {
    const counted =
      scope.kind === 'all' ||
      (scope.kind === 'location'
        ? l.location === scope.location
        : scope.channel.locations.includes(l.location));
    if (counted) {
      onHand += l.onHand;
      reserved += l.reserved;
    }
  }
  return { onHand, reserved };
};
