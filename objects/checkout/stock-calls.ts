import type { Result } from '../../protocol/errors';
import type { StockView } from '../../protocol/stock';
import { mapLimited } from '../../workers/concurrency';
import { skuStock } from '../../workers/stubs';
import type { CallResult, StockCall } from './saga';

/** SkuStock objects one cart calls at once. */
const PARALLEL_SKUS = 64;

/** Reads every SKU's stock in parallel; throws if one cannot be reached. */
export const readStock = async (
  env: Env,
  skus: readonly string[],
): Promise<Map<string, Result<StockView>>> => {
  const entries = await mapLimited(skus, PARALLEL_SKUS, async (sku) => {
    const view: Result<StockView> = await skuStock(env, sku).getStock();
    return [sku, view] as const;
  });
  return new Map(entries);
};

/** Awaited before a SKU's calls go out and after its answers come back (tests crash there). */
export type StockCallSeam = {
  beforeStockCall?: (sku: string) => Promise<void>;
  afterStockCall?: (sku: string) => Promise<void>;
};

/**
 * Sends the calls, one `applyBatch` per SKU (its calls in order), SKUs in parallel. A SKU whose
 * call throws answers `unknown` for each of its calls; this never throws.
 */
export const callStock = async (
  env: Env,
  calls: readonly StockCall[],
  actor: string,
  seam: StockCallSeam = {},
): Promise<CallResult[]> => {
  const bySku = new Map<string, number[]>();
  calls.forEach((c, i) => {
    const indexes = bySku.get(c.sku);
    if (indexes) indexes.push(i);
    else bySku.set(c.sku, [i]);
  });
  const results: CallResult[] = calls.map(() => ({ ok: false, unknown: 'not sent' }));
  await mapLimited([...bySku], PARALLEL_SKUS, async ([sku, indexes]) => {
    try {
      await seam.beforeStockCall?.(sku);
      const items = indexes.map((i) => {
        const c = calls[i];
        return c?.key === undefined ? { command: c?.command } : { command: c.command, key: c.key };
      });
      const outcomes = await skuStock(env, sku).applyBatch(items, { actor, origin: 'checkout' });
      await seam.afterStockCall?.(sku);
      outcomes.forEach((o, j) => {
        const i = indexes[j];
        if (i !== undefined) results[i] = o.ok ? { ok: true } : { ok: false, error: o.error };
      });
    } catch (e) {
      const unknown = e instanceof Error ? e.message : String(e);
      for (const i of indexes) results[i] = { ok: false, unknown };
    }
  });
  return results;
};
