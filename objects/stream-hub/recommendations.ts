import type { Recommendation } from '../../protocol/recommendations';
import type { ListingRules, StreamFilter } from '../../protocol/stream';
import { skuInFilter, visibleLocations } from './view';

/**
 * Whether a subscriber gets a recommendation's changes (docs/stream.md): it asked for them, its
 * SKU list and prefix let the SKU through, and a location the recommendation concerns (where the
 * units go, a transfer's source) is one it sees: its own list, else its channel's, else all. A
 * channel subscriber whose rules the hub does not have yet sees none, rather than all.
 */
export const seesRecommendation = (
  filter: StreamFilter,
  rules: ListingRules | undefined,
  r: Pick<Recommendation, 'sku' | 'location' | 'from'>,
): boolean => {
  if (filter.recommendations !== true || !skuInFilter(filter, r.sku)) return false;
  if (filter.channel !== undefined && filter.locations === undefined && rules === undefined) {
    return false;
  }
  const shown = visibleLocations(filter, rules);
  if (shown === undefined) return true;
  return shown.includes(r.location) || (r.from !== null && shown.includes(r.from));
};
