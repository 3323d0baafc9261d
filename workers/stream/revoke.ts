import { Failure } from '../../protocol/errors';
import { allShards } from '../../shared/stream/rules';
import { streamHub } from '../../shared/stubs';

/**
 * Tells every hub a key was revoked: each closes the key's sockets (4001) and refuses its new
 * sockets and tickets. A hub that does not confirm makes this throw `overloaded`; revoking again
 * is safe and asks every hub again.
 */
export const revokeOnEveryHub = async (env: Env, keyId: string): Promise<number> => {
  const results = await Promise.allSettled(
    allShards(env).map((shard) => streamHub(env, shard).revokeKey(keyId)),
  );
  const missed: number[] = [];
  let closed = 0;
  for (const [shard, result] of results.entries()) {
    if (result.status === 'fulfilled') closed += result.value;
    else {
      missed.push(shard);
      console.error(`revoking ${keyId}: stream hub ${shard} did not answer`, result.reason);
    }
  }
  if (missed.length > 0) {
    throw new Failure({
      code: 'overloaded',
      message: `Key ${keyId} is revoked, but stream hub ${missed.join(', ')} did not confirm closing its sockets: revoke it again`,
      details: { shards: missed },
    });
  }
  return closed;
};
