import type { Principal } from '../../protocol/auth';
import { type Err, err, ok, type Result } from '../../protocol/errors';
import type { MovementFilter } from '../../protocol/ledger';
import { ReservationId } from '../../protocol/reservations';
import type { StockEvent } from '../../protocol/stock';

/**
 * A filter narrowed to what the key may read. `locations` means "touched any of these" (a
 * location filter, or a warehouse key's scope); an empty list matches nothing.
 */
export type LedgerQuery = Omit<MovementFilter, 'location'> & { locations?: readonly string[] };

const forbidden = (message: string, details: Record<string, string>): Err =>
  err('forbidden', message, details);

/**
 * Narrows a filter to the key's scope: admin and viewer read the whole ledger, a warehouse key
 * the movements at its locations, a storefront or connector key the movements it made itself.
 * A filter naming something outside the scope is refused rather than quietly emptied.
 */
export const scopeQuery = (principal: Principal, filter: MovementFilter): Result<LedgerQuery> => {
  const { location, ...rest } = filter;
  const named = location === undefined ? {} : { locations: [location] };
  switch (principal.role) {
    case 'admin':
    case 'viewer':
      return ok({ ...rest, ...named });
    case 'warehouse':
      if (location !== undefined && !principal.locations.includes(location)) {
        return forbidden(
          `Key ${principal.keyId} reads the ledger at ${principal.locations.join(', ') || 'no location'}, not at ${location}`,
          { keyId: principal.keyId, location },
        );
      }
      return ok({ ...rest, locations: location === undefined ? principal.locations : [location] });
    case 'storefront':
    case 'connector':
      if (filter.actor !== undefined && filter.actor !== principal.keyId) {
        return forbidden(
          `Key ${principal.keyId} reads only the movements it made, not those of ${filter.actor}`,
          { keyId: principal.keyId, actor: filter.actor },
        );
      }
      return ok({ ...rest, ...named, actor: principal.keyId });
  }
};

const isCartHold = (holdId: string): boolean =>
  ReservationId.safeParse(holdId.split(':')[0]).success;

/** What a key may read of one SKU's ledger or event log: `scopeQuery` with no filter of its own. */
export const readScope = (principal: Principal): Pick<LedgerQuery, 'actor' | 'locations'> => {
  const scoped = scopeQuery(principal, {});
  if (!scoped.ok) return { locations: [] };
  const { actor, locations } = scoped.value;
  return { ...(actor !== undefined && { actor }), ...(locations !== undefined && { locations }) };
};

/**
 * Whether a movement or a SKU's event is in the scope `scopeQuery` gave: what the ledger's SQL
 * filters on (the actor, a location among the deltas), for events read from the SKU's object.
 */
export const inScope =
  (scope: Pick<LedgerQuery, 'actor' | 'locations'>) =>
  (m: StockEvent): boolean =>
    (scope.actor === undefined || m.actor === scope.actor) &&
    (scope.locations === undefined ||
      m.deltas.some((d) => scope.locations?.includes(d.location) ?? false));

/**
 * A movement (or a SKU's event) as the key may see it: only an admin sees idempotency keys (a
 * cart's `co:…` keys would let anyone replay or block its steps) and the hold ids Checkout gives
 * a cart's holds.
 */
export const visibleTo =
  (principal: Principal) =>
  <M extends StockEvent>(m: M): M =>
    principal.role === 'admin'
      ? m
      : {
          ...m,
          idempotencyKey: null,
          holdId: m.holdId !== null && isCartHold(m.holdId) ? null : m.holdId,
        };
