import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import { catalogDb, chunks, MAX_BOUND_PARAMS } from '../../db/client';
import { signalThresholds, skus } from '../../db/schema';
import { Failure } from '../../protocol/errors';
import {
  type ChannelThresholdsInput,
  type StockThresholds,
  ThresholdsInput,
} from '../../protocol/thresholds';
import { getChannel, getLocation, refreshAfterMiss } from '../../shared/catalog/cache';
import { mapLimited } from '../../shared/concurrency';
import { allShards } from '../../shared/stream/rules';
import { skuStock, streamHub } from '../../shared/stubs';

// Signal thresholds in D1 and their push to the objects that judge them (docs/signals.md): each
// SkuStock gets its SKU's overrides and every location's; every stream hub gets a channel's.

export type Scope = 'sku' | 'location' | 'channel';

/** SKUs pushed at once when a location's thresholds change. */
const PARALLEL = 50;
const PAGE = 500;

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

/** Every location's overrides, for the SkuStock objects. */
const locationOverrides = async (env: Env): Promise<StockThresholds['locations']> => {
  const rows = await catalogDb(env)
    .select()
    .from(signalThresholds)
    .where(eq(signalThresholds.scope, 'location'));
  return Object.fromEntries(
    rows.map((r) => [r.code, ThresholdsInput.parse(JSON.parse(r.thresholds))]),
  );
};

/** Gives these SKUs' objects their overrides and every location's (one D1 read per 99 SKUs). */
export const pushSkuThresholds = async (env: Env, codes: readonly string[]): Promise<void> => {
  if (codes.length === 0) return;
  const locations = await locationOverrides(env);
  const own = new Map<string, ThresholdsInput>();
  for (const part of chunks([...codes], MAX_BOUND_PARAMS - 1)) {
    const rows = await catalogDb(env)
      .select()
      .from(signalThresholds)
      .where(and(eq(signalThresholds.scope, 'sku'), inArray(signalThresholds.code, part)));
    for (const r of rows) own.set(r.code, ThresholdsInput.parse(JSON.parse(r.thresholds)));
  }
  await mapLimited(codes, PARALLEL, (sku) =>
    skuStock(env, sku).setThresholds({ sku: own.get(sku) ?? {}, locations }),
  );
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

/** After a location's change: every SKU's object, a page of the catalog at a time. */
export const pushAllSkuThresholds = async (env: Env): Promise<number> => {
  let pushed = 0;
  let after = '';
  for (;;) {
    const page = await catalogDb(env)
      .select({ code: skus.code })
      .from(skus)
      .where(gt(skus.code, after))
      .orderBy(asc(skus.code))
      .limit(PAGE);
    await pushSkuThresholds(
      env,
      page.map((s) => s.code),
    );
    pushed += page.length;
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE) return pushed;
    after = last.code;
  }
};

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
