import type { Channel } from '../../protocol/catalog';
import { allShards, listingRules } from '../../shared/stream/rules';
import { streamHub } from '../../shared/stubs';

/**
 * After a channel is created or changed, gives every hub its new rules, so the listed quantities
 * they alter reach the channel's subscribers at once. A hub that misses the push gets the rules
 * with its next subscription to the channel; a failed push is logged, never the request's error.
 */
export const pushChannelRules = async (env: Env, channel: Channel): Promise<void> => {
  const rules = listingRules(channel);
  const pushed = await Promise.allSettled(
    allShards(env).map((shard) => streamHub(env, shard).updateRules(rules)),
  );
  for (const [shard, result] of pushed.entries()) {
    if (result.status === 'rejected') {
      console.error(
        `channel ${rules.code}: pushing rules to stream hub ${shard} failed`,
        result.reason,
      );
    }
  }
};
