import { eq, inArray } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { locationPolicies, nowIso, recommendations, transferLanes } from '../../db/schema';
import { DEFAULT_LOCATION_POLICY, type LocationPolicy } from '../../objects/recommendations/policy';
import { Failure } from '../../protocol/errors';
import {
  AppliedOperation,
  type Recommendation,
  RecommendationBasis,
  RecommendationNumbers,
} from '../../protocol/recommendations';
import { getLocations } from '../../shared/catalog/cache';
import { skuStock } from '../../shared/stubs';
import { defaultLane } from '../routes/replenishment-settings';
import { recommend, recommendationId, type Settings } from './assemble';
import { demandShares } from './demand-share';
import { merge, type Write } from './merge';
import { signalRecommendations } from './signals';
import { changeOf, streamRecommendations } from './stream';

type Row = typeof recommendations.$inferSelect;

/** A stored row as the API shows it; its JSON columns parsed. */
export const toRecommendation = (row: Row): Recommendation => ({
  id: row.id,
  kind: row.kind,
  sku: row.sku,
  location: row.location,
  from: row.fromLocation,
  quantity: row.quantity,
  urgentAt: row.urgentAt,
  reason: row.reason,
  numbers: RecommendationNumbers.parse(JSON.parse(row.numbers)),
  basis: RecommendationBasis.parse(JSON.parse(row.basis)),
  seq: row.seq,
  status: row.status,
  revision: row.revision,
  dismissedAt: row.dismissedAt,
  appliedAt: row.appliedAt,
  applied: row.applied === null ? null : AppliedOperation.parse(JSON.parse(row.applied)),
  computedAt: row.computedAt,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** Every location's settings and every lane, read once per recompute (two small queries). */
export const readSettings = async (env: Env): Promise<Settings> => {
  const db = catalogDb(env);
  const [policies, lanes, locations, shares] = await Promise.all([
    db.select().from(locationPolicies),
    db.select().from(transferLanes),
    getLocations(env),
    demandShares(env),
  ]);
  const byLocation = new Map<string, LocationPolicy>(policies.map((p) => [p.location, p]));
  const byLane = new Map(lanes.map((l) => [`${l.fromLocation}\n${l.toLocation}`, l]));
  return {
    share: (location) => shares.get(location) ?? null,
    policy: (location) => byLocation.get(location) ?? DEFAULT_LOCATION_POLICY,
    lane: (from, to) => {
      if (from === to) return null;
      const set = byLane.get(`${from}\n${to}`);
      if (set !== undefined) return set;
      const [a, b] = [locations.get(from), locations.get(to)];
      return a === undefined || b === undefined ? null : defaultLane(a.region, b.region);
    },
  };
};

const statement = (env: Env, w: Write, now: string) => {
  const db = catalogDb(env);
  if (w.action === 'expire') {
    return db
      .update(recommendations)
      .set({ status: 'expired', updatedAt: nowIso })
      .where(eq(recommendations.id, w.id));
  }
  const c = w.computed;
  const figures = {
    quantity: c.quantity,
    urgentAt: c.urgentAt,
    reason: c.reason,
    numbers: JSON.stringify(c.numbers),
    basis: JSON.stringify(c.basis),
    seq: c.seq,
    computedAt: now,
  };
  if (w.action === 'insert') {
    return db.insert(recommendations).values({
      id: w.id,
      kind: c.kind,
      sku: c.sku,
      location: c.location,
      fromLocation: c.from,
      ...figures,
    });
  }
  return db
    .update(recommendations)
    .set({
      ...figures,
      status: w.status,
      revision: w.revision,
      dismissedAt: null,
      dismissedQuantity: null,
      appliedAt: null,
      applied: null,
      updatedAt: nowIso,
    })
    .where(eq(recommendations.id, w.id));
};

/**
 * Recomputes one SKU's recommendations and stores what changed (one read of its rows, at most one
 * batch of writes: none for an unchanged SKU).
 */
export const storeRecompute = async (env: Env, sku: string, settings: Settings, now: number) => {
  const stock = await skuStock(env, sku).getStock();
  if (!stock.ok) throw new Failure(stock.error);
  const view = stock.value;
  const computed = await Promise.all(
    recommend(view, settings, now).map(async (c) => ({ ...c, id: await recommendationId(c) })),
  );
  const db = catalogDb(env);
  const stored = await db.select().from(recommendations).where(eq(recommendations.sku, sku));
  const writes = merge(
    stored.map((r) => ({
      id: r.id,
      status: r.status,
      quantity: r.quantity,
      seq: r.seq,
      basis: RecommendationBasis.parse(JSON.parse(r.basis)),
      revision: r.revision,
      dismissedAt: r.dismissedAt,
      dismissedQuantity: r.dismissedQuantity,
    })),
    computed,
    now,
  );
  const at = new Date(now).toISOString();
  const [first, ...rest] = writes.map((w) => statement(env, w, at));
  if (first !== undefined) await db.batch([first, ...rest]);
  await signalRecommendations(env, writes, at);
  if (writes.length > 0) {
    // The rows as written, for the stream's subscribers (one more read, only when some changed).
    const ids = writes.map((w) => w.id);
    const rows = await db.select().from(recommendations).where(inArray(recommendations.id, ids));
    const byId = new Map(rows.map((r) => [r.id, toRecommendation(r)]));
    await streamRecommendations(
      env,
      writes.flatMap((w) => {
        const recommendation = byId.get(w.id);
        return recommendation === undefined ? [] : [{ change: changeOf(w), recommendation }];
      }),
    );
  }
  return { view, stored, computed, writes };
};

/** Recomputes one SKU's recommendations and stores them; answers them as stored after. */
export const recomputeSku = async (env: Env, sku: string, settings: Settings, now: number) => {
  const { view, stored, computed, writes } = await storeRecompute(env, sku, settings, now);
  const db = catalogDb(env);
  const ids = [...new Set([...stored.map((r) => r.id), ...computed.map((c) => c.id)])];
  const after =
    ids.length === 0
      ? []
      : await db.select().from(recommendations).where(inArray(recommendations.id, ids));
  return {
    sku,
    seq: view.seq,
    items: after.map(toRecommendation),
    expired: writes.filter((w) => w.action === 'expire').length,
  };
};
