import { eq, inArray } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { channels, locations, skus } from '../../db/schema';
import { Failure } from '../../protocol/errors';

// Admin writes check D1 itself rather than the per-isolate cache, so a location or channel made
// a moment ago through another isolate is found. Callers pass at most 100 codes (schema limits).

/** Throws unknown_location naming every code that is not a location. */
export const assertLocationsExist = async (env: Env, codes: readonly string[]): Promise<void> => {
  if (codes.length === 0) return;
  const rows = await catalogDb(env)
    .select({ code: locations.code })
    .from(locations)
    .where(inArray(locations.code, [...codes]));
  const found = new Set(rows.map((r) => r.code));
  const missing = codes.filter((c) => !found.has(c));
  if (missing.length > 0) {
    throw new Failure({
      code: 'unknown_location',
      message: `Unknown location${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
      details: { locations: missing },
    });
  }
};

/** Throws unknown_channel naming every code that is not a channel. */
export const assertChannelsExist = async (env: Env, codes: readonly string[]): Promise<void> => {
  if (codes.length === 0) return;
  const rows = await catalogDb(env)
    .select({ code: channels.code })
    .from(channels)
    .where(inArray(channels.code, [...codes]));
  const found = new Set(rows.map((r) => r.code));
  const missing = codes.filter((c) => !found.has(c));
  if (missing.length > 0) {
    throw new Failure({
      code: 'unknown_channel',
      message: `Unknown channel${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
      details: { channels: missing },
    });
  }
};

/** Throws unknown_sku unless the catalog lists the SKU. */
export const assertSkuExists = async (env: Env, code: string): Promise<void> => {
  const [row] = await catalogDb(env)
    .select({ code: skus.code })
    .from(skus)
    .where(eq(skus.code, code));
  if (row === undefined) {
    throw new Failure({
      code: 'unknown_sku',
      message: `SKU ${code} is not in the catalog`,
      details: { sku: code },
    });
  }
};
