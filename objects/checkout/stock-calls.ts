import type { Result } from '../../protocol/errors';
import { MAX_COMMANDS_PER_CALL, type StockView } from '../../protocol/stock';
import { mapLimited } from '../../shared/concurrency';
import { skuStock } from '../../shared/stubs';
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
 * Sends the calls, one `applyBatch` per SKU and MAX_COMMANDS_PER_CALL calls (its calls in order),
 * SKUs in parallel. A SKU whose call throws answers `unknown` for each of its calls not answered
 * yet; this never throws.
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
    let answered = 0;
    try {
      await seam.beforeStockCall?.(sku);
      const stub = skuStock(env, sku);
      for (let from = 0; from < indexes.length; from += MAX_COMMANDS_PER_CALL) {
        const chunk = indexes.slice(from, from + MAX_COMMANDS_PER_CALL);
        const items = chunk.map((i) => {
          const c = calls[i];
          return c?.key === undefined
            ? { command: c?.command }
            : { command: c.command, key: c.key };
        });
        const outcomes = await stub.applyBatch(items, { actor, origin: 'checkout' });
        outcomes.forEach((o, j) => {
          const i = chunk[j];
          if (i !== undefined) results[i] = o.ok ? { ok: true } : { ok: false, error: o.error };
        });
        answered += chunk.length;
      }
      await seam.afterStockCall?.(sku);
    } catch (e) {
      const unknown = e instanceof Error ? e.message : String(e);
      for (const i of indexes.slice(answered)) results[i] = { ok: false, unknown };
    }
  });
  return results;
};
