import { DurableObject } from 'cloudflare:workers';
import type { PokeAnswer } from './stream-hub/sync-pokes';

/**
 * The sync of one channel's listed quantities to its marketplace (name = channel code).
 * Skeleton: the connection and the sync loop land next.
 */
export class ChannelSync extends DurableObject<Env> {
  /** A hub saw the channel's listed quantities change on its shard. */
  async poke(_shard: number): Promise<PokeAnswer> {
    return { wanted: false };
  }
}
