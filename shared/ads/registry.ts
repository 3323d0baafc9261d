import { asc, eq, gt } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { adsConnections } from '../../db/schema';

// Which ads connections exist (D1 `ads_connections`), so stock signals reach every one of them.
// Each connection's state lives in its AdsSync object; this table only names them.

export type AdsEntry = { name: string; kind: string; channel: string };

export const registerAds = async (env: Env, entry: AdsEntry): Promise<void> => {
  const now = new Date().toISOString();
  await catalogDb(env)
    .insert(adsConnections)
    .values({ ...entry, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: adsConnections.name,
      set: { kind: entry.kind, channel: entry.channel, updatedAt: now },
    });
};

export const unregisterAds = async (env: Env, name: string): Promise<void> => {
  await catalogDb(env).delete(adsConnections).where(eq(adsConnections.name, name));
};

/** Ads connections in name order, a page at a time. */
export const listAds = (env: Env, after: string | undefined, limit: number): Promise<AdsEntry[]> =>
  catalogDb(env)
    .select({
      name: adsConnections.name,
      kind: adsConnections.kind,
      channel: adsConnections.channel,
    })
    .from(adsConnections)
    .where(after === undefined ? undefined : gt(adsConnections.name, after))
    .orderBy(asc(adsConnections.name))
    .limit(limit)
    .all();
