/** Every Durable Object stub the Worker uses comes from here. */
export const skuStock = (env: Env, sku: string) => env.SkuStock.get(env.SkuStock.idFromName(sku));
