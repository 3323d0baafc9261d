import { asc, eq, gt } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { adsConnections } from '../../db/schema';
import type { SignalEvent } from '../../protocol/webhooks';
import { adsSync } from '../stubs';

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

/**
 * Hands stock signals to every ads connection (the signals producer calls this). Each object
 * folds a signal in once by its id, so a re-sent batch is harmless; one connection failing does
 * not hold back the others.
 */
export const signalAds = async (
  env: Env,
  events: SignalEvent[],
): Promise<PromiseSettledResult<void>[]> => {
  if (events.length === 0) return [];
  const all: AdsEntry[] = [];
  for (
    let page = await listAds(env, undefined, 500);
    page.length > 0;
    page = await listAds(env, page.at(-1)?.name, 500)
  ) {
    all.push(...page);
    if (page.length < 500) break;
  }
  return Promise.allSettled(all.map((a) => adsSync(env, a.name).signal(events)));
};
