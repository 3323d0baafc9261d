/** Every Durable Object stub the Worker uses comes from here. */
export const skuStock = (env: Env, sku: string) => env.SkuStock.get(env.SkuStock.idFromName(sku));
/** One cart's Checkout object; the name is the reservation id. */
export const checkout = (env: Env, reservationId: string) =>
  env.Checkout.get(env.Checkout.idFromName(reservationId));
/** The StreamHub of one shard (protocol/shard.ts `shardOf`); the name is the shard number. */
export const streamHub = (env: Env, shard: number) =>
  env.StreamHub.get(env.StreamHub.idFromName(String(shard)));
/** The sync of one channel to its marketplace; the name is the channel code. */
export const channelSync = (env: Env, channel: string) =>
  env.ChannelSync.get(env.ChannelSync.idFromName(channel));
/** Every webhook subscription and its deliveries: one object for the mesh. */
export const webhooks = (env: Env) => env.Webhooks.get(env.Webhooks.idFromName('webhooks'));
/** Ads that follow stock for one ads connection; the name is the connection's name. */
export const adsSync = (env: Env, name: string) => env.AdsSync.get(env.AdsSync.idFromName(name));
/** The marketplace orders of one channel; the name is the channel code. */
export const channelOrders = (env: Env, channel: string) =>
  env.ChannelOrders.get(env.ChannelOrders.idFromName(channel));
