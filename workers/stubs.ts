/** Every Durable Object stub the Worker uses comes from here. */
export const skuStock = (env: Env, sku: string) => env.SkuStock.get(env.SkuStock.idFromName(sku));
/** The StreamHub of one shard (protocol/shard.ts `shardOf`); the name is the shard number. */
export const streamHub = (env: Env, shard: number) =>
  env.StreamHub.get(env.StreamHub.idFromName(String(shard)));
