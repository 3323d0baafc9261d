import { asc } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { kits } from '../../db/schema';
import { Failure } from '../../protocol/errors';
import { IsolateCache } from '../isolate-cache';

export type Component = { sku: string; quantity: number };

// Every reservation and every single-SKU hold asks whether a SKU is a kit, so each isolate keeps
// the kit table for a few seconds, as the catalog cache does for locations and channels. A write
// in this isolate invalidates at once; other isolates see it within TTL_MS.
const cache = new IsolateCache<'kits', Map<string, Component[]>>({ ttlMs: 5_000, maxEntries: 1 });

/** Every kit and its components, by kit SKU (shared: do not mutate). */
export const getKits = async (env: Env): Promise<Map<string, Component[]>> => {
  const cached = cache.get('kits');
  if (cached !== undefined) return cached;
  const seen = cache.generation();
  const rows = await catalogDb(env)
    .select()
    .from(kits)
    .orderBy(asc(kits.kitSku), asc(kits.componentSku));
  const byKit = new Map<string, Component[]>();
  for (const r of rows) {
    const components = byKit.get(r.kitSku) ?? [];
    components.push({ sku: r.componentSku, quantity: r.quantity });
    byKit.set(r.kitSku, components);
  }
  // A kit written while we read may be missing from these rows: use them once, do not keep them.
  cache.setIfCurrent('kits', byKit, seen);
  return byKit;
};

/** Drops the cached kits; call after every kit write. */
export const invalidateKits = (): void => {
  cache.invalidate();
};

/** Refuses a hold on a kit's own counter: a kit has no stock of its own. */
export const refuseKitHold = async (env: Env, sku: string): Promise<void> => {
  if (!(await getKits(env)).has(sku)) return;
  throw new Failure({
    code: 'invalid_state',
    message: `SKU ${sku} is a kit and has no stock of its own: reserve it through POST /v1/reservations, which holds its components`,
    details: { sku },
  });
};
