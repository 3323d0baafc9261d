import { and, asc, count, eq, gt, inArray } from 'drizzle-orm';
import { catalogDb, chunks, MAX_BOUND_PARAMS } from '../../db/client';
import { signalThresholds, skus } from '../../db/schema';
import { type StockThresholds, ThresholdsInput } from '../../protocol/thresholds';
import { mapLimited } from '../concurrency';
import { skuStock } from '../stubs';

// The push of stock-signal thresholds to SkuStock objects (docs/signals.md): each gets its SKU's
// overrides and every location's, read from D1. Used by the catalog for new SKUs, by the SKU
// thresholds route, and a page at a time by the threshold rollout of a location's change.

/** SKUs pushed at once. */
const PARALLEL = 50;

/** Every location's overrides, for the SkuStock objects. */
const locationOverrides = async (env: Env): Promise<StockThresholds['locations']> => {
  const rows = await catalogDb(env)
    .select()
    .from(signalThresholds)
    .where(eq(signalThresholds.scope, 'location'));
  return Object.fromEntries(
    rows.map((r) => [r.code, ThresholdsInput.parse(JSON.parse(r.thresholds))]),
  );
};

/**
 * Gives these SKUs' objects their overrides and every location's: one subrequest per SKU, one
 * D1 read per 99 SKUs and one for the locations.
 */
export const pushSkuThresholds = async (env: Env, codes: readonly string[]): Promise<void> => {
  if (codes.length === 0) return;
  const locations = await locationOverrides(env);
  const own = new Map<string, ThresholdsInput>();
  for (const part of chunks([...codes], MAX_BOUND_PARAMS - 1)) {
    const rows = await catalogDb(env)
      .select()
      .from(signalThresholds)
      .where(and(eq(signalThresholds.scope, 'sku'), inArray(signalThresholds.code, part)));
    for (const r of rows) own.set(r.code, ThresholdsInput.parse(JSON.parse(r.thresholds)));
  }
  await mapLimited(codes, PARALLEL, (sku) =>
    skuStock(env, sku).setThresholds({ sku: own.get(sku) ?? {}, locations }),
  );
};

/** The catalog's SKU codes after `after`, in code order, at most `limit`. */
export const skuPage = async (env: Env, after: string, limit: number): Promise<string[]> => {
  const rows = await catalogDb(env)
    .select({ code: skus.code })
    .from(skus)
    .where(gt(skus.code, after))
    .orderBy(asc(skus.code))
    .limit(limit);
  return rows.map((r) => r.code);
};

/** How many SKUs the catalog has. */
export const countSkus = async (env: Env): Promise<number> => {
  const [row] = await catalogDb(env).select({ n: count() }).from(skus);
  return row?.n ?? 0;
};
