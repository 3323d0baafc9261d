import { asc, gt, inArray } from 'drizzle-orm';
import { catalogDb, chunks, MAX_BOUND_PARAMS } from '../../db/client';
import { skus } from '../../db/schema';

// The catalog's SKU codes, as the mapping routes need them: which exist, and all of them in order.

/** Of these codes, those the catalog does not list. */
export const missingSkus = async (env: Env, codes: readonly string[]): Promise<Set<string>> => {
  const db = catalogDb(env);
  const [first, ...rest] = chunks([...new Set(codes)], MAX_BOUND_PARAMS).map((chunk) =>
    db.select({ code: skus.code }).from(skus).where(inArray(skus.code, chunk)),
  );
  if (first === undefined) return new Set();
  const found = new Set((await db.batch([first, ...rest])).flat().map((r) => r.code));
  return new Set(codes.filter((c) => !found.has(c)));
};

/** Up to `limit` catalog codes after `cursor`, in code order. */
export const skuCodesAfter = async (
  env: Env,
  cursor: string | undefined,
  limit: number,
): Promise<string[]> => {
  const rows = await catalogDb(env)
    .select({ code: skus.code })
    .from(skus)
    .where(cursor === undefined ? undefined : gt(skus.code, cursor))
    .orderBy(asc(skus.code))
    .limit(limit);
  return rows.map((r) => r.code);
};
