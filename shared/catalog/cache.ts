import { catalogDb } from '../../db/client';
import { channels, locations } from '../../db/schema';
import type { Channel, Location } from '../../protocol/catalog';
import { IsolateCache } from '../isolate-cache';
import { toChannel, toLocation } from './rows';

// Locations and channels are read on every stock request but change rarely, so each isolate keeps
// them for a few seconds instead of asking D1 each time. A write in this isolate invalidates at
// once; other isolates see it within TTL_MS. Only resolved values are kept: a promise made in one
// request must not be awaited by another.
const TTL_MS = 5_000;
/**
 * A request naming a code the cache lacks may re-read that table (the code may have been made
 * in another isolate a moment ago), at most this often per isolate: requests full of made-up
 * codes must not turn into one D1 query each, nor cost other requests their cached catalog.
 */
const MISS_REFRESH_MS = 1_000;

type Kind = 'locations' | 'channels';

const locationCache = new IsolateCache<Kind, Map<string, Location>>({
  ttlMs: TTL_MS,
  maxEntries: 1,
});
const channelCache = new IsolateCache<Kind, Map<string, Channel>>({ ttlMs: TTL_MS, maxEntries: 1 });
const nextMissRefresh: Record<Kind, number> = { locations: 0, channels: 0 };

const readLocations = async (env: Env): Promise<Map<string, Location>> => {
  const seen = locationCache.generation();
  const rows = await catalogDb(env).select().from(locations).orderBy(locations.code);
  const byCode = new Map(rows.map((row) => [row.code, toLocation(row)]));
  // A write that landed while we read may not be in these rows: use them once, do not keep them.
  locationCache.setIfCurrent('locations', byCode, seen);
  return byCode;
};

const readChannels = async (env: Env): Promise<Map<string, Channel>> => {
  const seen = channelCache.generation();
  const rows = await catalogDb(env).select().from(channels).orderBy(channels.code);
  const byCode = new Map(rows.map((row) => [row.code, toChannel(row)]));
  channelCache.setIfCurrent('channels', byCode, seen);
  return byCode;
};

/** Every location by code (shared: do not mutate). */
export const getLocations = async (env: Env): Promise<Map<string, Location>> =>
  locationCache.get('locations') ?? readLocations(env);

/** One location, or undefined when no such location exists. */
export const getLocation = async (env: Env, code: string): Promise<Location | undefined> =>
  (await getLocations(env)).get(code);

/** Every channel by code (shared: do not mutate). */
export const getChannels = async (env: Env): Promise<Map<string, Channel>> =>
  channelCache.get('channels') ?? readChannels(env);

/** One channel with its rules, or undefined when no such channel exists. */
export const getChannel = async (env: Env, code: string): Promise<Channel | undefined> =>
  (await getChannels(env)).get(code);

/**
 * After a lookup missed: re-reads that table unless this isolate did so within MISS_REFRESH_MS.
 * The snapshot in use keeps serving other requests meanwhile. Answers whether it re-read.
 */
export const refreshAfterMiss = async (env: Env, kind: Kind): Promise<boolean> => {
  const now = Date.now();
  if (now < nextMissRefresh[kind]) return false;
  nextMissRefresh[kind] = now + MISS_REFRESH_MS;
  await (kind === 'locations' ? readLocations(env) : readChannels(env));
  return true;
};

/** Drops the cached locations and channels; call after every write to either. */
export const invalidateCatalog = (): void => {
  locationCache.invalidate();
  channelCache.invalidate();
};
