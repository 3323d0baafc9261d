import type { Recommendation } from '../../protocol/recommendations';
import { shardOf } from '../../protocol/shard';
import type { RecommendationChange, RecommendationChanges } from '../../protocol/stream';
import { streamHub } from '../../shared/stubs';
import type { Write } from './merge';

/** What a recompute's write did to a recommendation, as the stream says it. */
export const changeOf = (w: Write): RecommendationChange =>
  w.action === 'insert' ? 'opened' : w.action === 'expire' ? 'expired' : 'changed';

/**
 * Hands changed recommendations to their SKUs' StreamHub shards, which send them to the
 * subscribers that asked (docs/stream.md). The D1 row is the record: a hub that cannot be
 * reached costs its live subscribers this message, never the change itself.
 */
export const streamRecommendations = async (
  env: Env,
  changes: readonly { change: RecommendationChange; recommendation: Recommendation }[],
) => {
  const shards = Number(env.STREAM_SHARDS);
  const byShard = new Map<number, RecommendationChanges>();
  for (const c of changes) {
    const shard = shardOf(c.recommendation.sku, shards);
    byShard.set(shard, [...(byShard.get(shard) ?? []), c]);
  }
  await Promise.all(
    [...byShard].map(async ([shard, batch]) => {
      try {
        await streamHub(env, shard).publishRecommendations(batch);
      } catch (error) {
        console.error(
          JSON.stringify({
            recommendationStream: { shard, failed: batch.length, error: String(error) },
          }),
        );
      }
    }),
  );
};
