/** A SKU's StreamHub shard: a stable FNV-1a hash of its code, so every Worker agrees without a lookup. */
export const shardOf = (sku: string, shards: number): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < sku.length; i++) {
    h ^= sku.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
};
