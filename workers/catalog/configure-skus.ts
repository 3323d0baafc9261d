import type { BackorderPolicy } from '../../protocol/catalog';
import { skuStock } from '../stubs';

/**
 * Tells each SKU's SkuStock object its code and backorder policy, `parallel` calls at a time.
 * Stops at the first failure and throws it once every call in flight has settled.
 */
export const configureSkus = async (
  env: Env,
  skus: readonly { code: string; backorderPolicy: BackorderPolicy }[],
  parallel = 50,
): Promise<void> => {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < skus.length) {
      const sku = skus[next++];
      if (sku === undefined) return;
      try {
        await skuStock(env, sku.code).configure({ sku: sku.code, policy: sku.backorderPolicy });
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, skus.length) }, worker));
  if (failure !== undefined) throw failure.error;
};
