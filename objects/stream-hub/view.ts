import type { LocationStock } from '../../protocol/stock';
import type { Listed, ListingRules, StreamFilter } from '../../protocol/stream';
import { listedQuantity } from './listed';

/** A SKU's state as a hub stores it. */
export type HubRow = {
  sku: string;
  seq: number;
  at: string;
  cursor: number;
  locations: LocationStock[];
};

/** What one subscriber sees of a row: the locations it asked for and its channel's quantity. */
export type View = { locations: LocationStock[]; listed?: Listed };

/** Does the filter's SKU list and prefix let this SKU through? */
export const skuInFilter = (filter: StreamFilter, sku: string): boolean =>
  (filter.skus === undefined || filter.skus.includes(sku)) &&
  (filter.prefix === undefined || sku.startsWith(filter.prefix));

/** Does the subscriber get this SKU's rows (none with `rows: false`)? */
export const matchesSku = (filter: StreamFilter, sku: string): boolean =>
  filter.rows !== false && skuInFilter(filter, sku);

/**
 * The locations a subscriber sees: its own list, else its channel's, else all (undefined).
 * A channel subscriber whose rules the hub does not have sees every location.
 */
export const visibleLocations = (
  filter: StreamFilter,
  rules: ListingRules | undefined,
): readonly string[] | undefined => filter.locations ?? rules?.locations;

/** Does the subscriber see less than the whole SKU (some locations, or a channel's)? */
export const isNarrow = (filter: StreamFilter): boolean =>
  filter.locations !== undefined || filter.channel !== undefined;

/** Subscribers with the same key see the same view of every row, so it is rendered once. */
export const viewKey = (filter: StreamFilter): string =>
  `${filter.channel ?? ''}|${filter.locations?.join(',') ?? '*'}`;

/**
 * The subscriber's view of a row; `exposed` is what degraded channels take off its channel's
 * listing (exposure.ts), so the stream lists what the channel's ChannelSync pushes.
 */
export const project = (
  row: Pick<HubRow, 'locations'>,
  filter: StreamFilter,
  rules: ListingRules | undefined,
  exposed = 0,
): View => {
  const shown = visibleLocations(filter, rules);
  const locations =
    shown === undefined ? row.locations : row.locations.filter((l) => shown.includes(l.location));
  if (filter.channel === undefined || rules === undefined) return { locations };
  return {
    locations,
    listed: { channel: filter.channel, ...listedQuantity(rules, row.locations, exposed) },
  };
};

/** Equal views need not be sent again. */
export const sameView = (a: View, b: View): boolean => JSON.stringify(a) === JSON.stringify(b);
