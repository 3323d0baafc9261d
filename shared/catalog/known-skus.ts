import { sql } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { skus } from '../../db/schema';
import { Failure } from '../../protocol/errors';
import { IsolateCache } from '../isolate-cache';

// Reads, stock operations, batches and carts check their SKUs against the catalog before they
// reach an object, so a code nobody created never gets a stored object. SKUs are never deleted,
// so each isolate remembers the codes it has found and asks D1 only about the others, in one
// query however many there are (a JSON array bound as one parameter, not one per code).

/** Codes remembered per isolate, for good: at most 100,000 (about 50 bytes a code), oldest out. */
const known = new IsolateCache<string, true>({ ttlMs: Infinity, maxEntries: 100_000 });

/** The codes among `codes` that the catalog does not have, in the order given. */
export const unknownSkus = async (env: Env, codes: Iterable<string>): Promise<string[]> => {
  const unsure = [...new Set(codes)].filter((c) => !known.get(c));
  if (unsure.length === 0) return [];
  const rows = await catalogDb(env)
    .select({ code: skus.code })
    .from(skus)
    .where(sql`${skus.code} IN (SELECT value FROM json_each(${JSON.stringify(unsure)}))`);
  const found = new Set(rows.map((r) => r.code));
  for (const code of found) known.set(code, true);
  return unsure.filter((c) => !found.has(c));
};

/** Throws unknown_sku unless the catalog lists the SKU (D1 only the first time per isolate). */
export const assertKnownSku = async (env: Env, code: string): Promise<void> => {
  if ((await unknownSkus(env, [code])).length === 0) return;
  throw new Failure({
    code: 'unknown_sku',
    message: `SKU ${code} is not in the catalog`,
    details: { sku: code },
  });
};
