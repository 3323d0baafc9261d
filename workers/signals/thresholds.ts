import { and, eq, inArray } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { signalThresholds, skus } from '../../db/schema';
import { Failure } from '../../protocol/errors';
import type { ThresholdsRollout } from '../../protocol/threshold-rollout';
import { type ChannelThresholdsInput, ThresholdsInput } from '../../protocol/thresholds';
import { getChannel, getLocation, refreshAfterMiss } from '../../shared/catalog/cache';
import { allShards } from '../../shared/stream/rules';
import { streamHub, webhooks } from '../../shared/stubs';

// Signal thresholds in D1 and their push to the objects that judge them (docs/signals.md): each
// SkuStock gets its SKU's overrides and every location's; every stream hub gets a channel's.

export { pushSkuThresholds } from '../../shared/signals/threshold-push';

export type Scope = 'sku' | 'location' | 'channel';

export type StoredThresholds = { thresholds: Record<string, unknown>; updatedAt: string | null };

export const readThresholds = async (
  env: Env,
  scope: Scope,
  code: string,
): Promise<StoredThresholds> => {
  const [row] = await catalogDb(env)
    .select()
    .from(signalThresholds)
    .where(and(eq(signalThresholds.scope, scope), eq(signalThresholds.code, code)));
  if (row === undefined) return { thresholds: {}, updatedAt: null };
  return {
    thresholds: ThresholdsInput.parse(JSON.parse(row.thresholds)),
    updatedAt: row.updatedAt,
  };
};

export const writeThresholds = async (
  env: Env,
  scope: Scope,
  code: string,
  input: ThresholdsInput | ChannelThresholdsInput,
): Promise<StoredThresholds> => {
  const thresholds = JSON.stringify(input);
  const updatedAt = new Date().toISOString();
  await catalogDb(env)
    .insert(signalThresholds)
    .values({ scope, code, thresholds, updatedAt })
    .onConflictDoUpdate({
      target: [signalThresholds.scope, signalThresholds.code],
      set: { thresholds, updatedAt },
    });
  return { thresholds: input, updatedAt };
};

/** Whether any SKU or location has overrides (else a new SKU's object needs no push). */
export const anyStockThresholds = async (env: Env): Promise<boolean> => {
  const [row] = await catalogDb(env)
    .select({ code: signalThresholds.code })
    .from(signalThresholds)
    .where(inArray(signalThresholds.scope, ['sku', 'location']))
    .limit(1);
  return row !== undefined;
};

/**
 * After a location's change: the Webhooks object pushes every location's overrides to every
 * SKU's object a page per alarm run (objects/webhooks/threshold-rollout.ts); answers its plan.
 */
export const rolloutLocationThresholds = (env: Env): Promise<ThresholdsRollout> =>
  webhooks(env).rolloutThresholds();

/** Gives every stream hub a channel's thresholds. */
export const pushChannelThresholds = async (
  env: Env,
  channel: string,
  input: ChannelThresholdsInput,
): Promise<void> => {
  await Promise.all(
    allShards(env).map((shard) => streamHub(env, shard).setChannelThresholds(channel, input)),
  );
};

/** 404s for a code the catalog does not know. */
export const mustExist = async (env: Env, scope: Scope, code: string): Promise<void> => {
  if (scope === 'sku') {
    const [row] = await catalogDb(env)
      .select({ code: skus.code })
      .from(skus)
      .where(eq(skus.code, code));
    if (row !== undefined) return;
    throw new Failure({
      code: 'unknown_sku',
      message: `Unknown SKU ${code}`,
      details: { sku: code },
    });
  }
  if (scope === 'location') {
    if ((await getLocation(env, code)) !== undefined) return;
    if ((await refreshAfterMiss(env, 'locations')) && (await getLocation(env, code))) return;
    throw new Failure({
      code: 'unknown_location',
      message: `Unknown location ${code}`,
      details: { location: code },
    });
  }
  if ((await getChannel(env, code)) !== undefined) return;
  if ((await refreshAfterMiss(env, 'channels')) && (await getChannel(env, code))) return;
  throw new Failure({
    code: 'unknown_channel',
    message: `Unknown channel ${code}`,
    details: { channel: code },
  });
};
