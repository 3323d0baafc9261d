import { sql } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { IsolateCache } from '../../shared/isolate-cache';

/** The most recent ledger rows (per SKU and location) whose committed units make the shares. */
export const SHARE_WINDOW_ROWS = 50_000;
/** Shares move slowly: each isolate reads them at most once an hour. */
const cache = new IsolateCache<'shares', Map<string, number>>({
  ttlMs: 3600 * 1000,
  maxEntries: 1,
});

/**
 * Each location's share of the units committed in the last SHARE_WINDOW_ROWS ledger rows, every
 * SKU together: the prior a location gets for a SKU it has not sold yet (withNetworkShare in
 * objects/recommendations/policy.ts). One bounded D1 read per isolate per hour.
 */
export const demandShares = async (env: Env): Promise<Map<string, number>> => {
  const cached = cache.get('shares');
  if (cached !== undefined) return cached;
  const rows = await catalogDb(env).all<{ location: string; units: number }>(sql`
    select location, sum(committed) as units from movement_locations
    where committed > 0
      and rowid > (select coalesce(max(rowid), 0) from movement_locations) - ${SHARE_WINDOW_ROWS}
    group by location`);
  const total = rows.reduce((a, r) => a + Number(r.units), 0);
  const byLocation = new Map(
    rows.map((r) => [r.location, total === 0 ? 0 : Number(r.units) / total]),
  );
  cache.set('shares', byLocation);
  return byLocation;
};
