import type { MovementFilter } from '../../protocol/ledger';

/**
 * A filter as the ledger reads it. `locations` means "touched any of these"; an empty list
 * matches nothing.
 */
export type LedgerQuery = Omit<MovementFilter, 'location'> & { locations?: readonly string[] };

/** The filter as the ledger reads it: a location filter is a list of one. */
export const ledgerQuery = ({ location, ...rest }: MovementFilter): LedgerQuery =>
  location === undefined ? rest : { ...rest, locations: [location] };
