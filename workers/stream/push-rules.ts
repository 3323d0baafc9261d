import type { MiddlewareHandler } from 'hono';
import { Channel } from '../../protocol/catalog';
import { allShards, listingRules } from '../../shared/stream/rules';
import { streamHub } from '../../shared/stubs';
import type { AppEnv } from '../app';

/**
 * After a channel is created or changed, gives every hub its new rules, so the listed quantities they alter
 * reach the channel's subscribers at once. A hub that misses the push gets the rules with its
 * next subscription to the channel.
 */
export const pushChannelRules: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  // A new channel too: its listed quantities raise channel signals from its first change.
  const created = c.req.method === 'POST' && c.res.status === 201;
  if (!created && (c.req.method !== 'PATCH' || c.res.status !== 200)) return;
  const channel = Channel.safeParse(await c.res.clone().json());
  if (!channel.success) return;
  const rules = listingRules(channel.data);
  const pushed = await Promise.allSettled(
    allShards(c.env).map((shard) => streamHub(c.env, shard).updateRules(rules)),
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
