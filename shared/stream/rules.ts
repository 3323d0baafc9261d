import type { Channel } from '../../protocol/catalog';
import type { ListingRules } from '../../protocol/stream';

/** The part of a channel a hub needs to compute listed quantities. */
export const listingRules = (c: Channel): ListingRules => ({
  code: c.code,
  locations: c.locations,
  percentage: c.percentage,
  buffer: c.buffer,
  maxListed: c.maxListed,
  endWhen: c.endWhen,
  updatedAt: c.updatedAt,
});

/** Every shard number, 0 to STREAM_SHARDS − 1. */
export const allShards = (env: Env): number[] =>
  Array.from({ length: Number(env.STREAM_SHARDS) }, (_, shard) => shard);
