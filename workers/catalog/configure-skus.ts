import type { BackorderPolicy } from '../../protocol/catalog';
import { mapLimited } from '../../shared/concurrency';
import { skuStock } from '../../shared/stubs';
import { retryTransient } from '../../shared/transient';
import { anyStockThresholds, pushSkuThresholds } from '../signals/thresholds';

/**
 * Tells each SKU's SkuStock object its code and backorder policy, `parallel` calls at a time.
 * A call the platform failed transiently is sent again (configuring is idempotent); any other
 * failure stops it, thrown once every call in flight has settled.
 */
export const configureSkus = async (
  env: Env,
  skus: readonly { code: string; backorderPolicy: BackorderPolicy }[],
  parallel = 50,
): Promise<void> => {
  await mapLimited(skus, parallel, (sku) =>
    retryTransient(() =>
      skuStock(env, sku.code).configure({ sku: sku.code, policy: sku.backorderPolicy }),
    ),
  );
  // A new SKU's object judges its stock signals by the thresholds already set (docs/signals.md).
  if (await anyStockThresholds(env)) {
    await pushSkuThresholds(
      env,
      skus.map((s) => s.code),
    );
  }
};
