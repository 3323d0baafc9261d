import { z } from 'zod';
import {
  afterTransfers,
  type Demand,
  type Lane,
  type LocationPolicy,
  levelsFor,
  planByLocation,
  type Site,
  withNetworkShare,
} from '../../objects/recommendations/policy';
import type { StockView } from '../../protocol/stock';

const DAY_MS = 24 * 3600 * 1000;

// The demand estimate a stock view carries per location (docs/stream.md).
const DemandField = z.object({ ratePerDay: z.number().min(0), sigmaPerDay: z.number().min(0) });
const NO_DEMAND: Demand = { ratePerDay: 0, sigmaPerDay: 0 };

/** A SKU's demand at one location as its stock view carries it; no estimate yet: nothing sells. */
export const demandAt = (view: StockView, location: string): Demand => {
  const entry = view.locations.find((l) => l.location === location);
  const field = entry !== undefined && 'demand' in entry ? entry.demand : undefined;
  const parsed = DemandField.safeParse(field);
  return parsed.success ? parsed.data : NO_DEMAND;
};

/** One recommendation as computed, before it meets what is stored. */
export type Computed = {
  kind: 'replenish' | 'transfer';
  sku: string;
  location: string;
  from: string | null;
  quantity: number;
  urgentAt: string;
  reason: string;
  numbers: Record<string, number | null>;
  basis: Record<string, number>;
  seq: number;
};

export type Settings = {
  policy: (location: string) => LocationPolicy;
  lane: (from: string, to: string) => Lane | null;
  /** A location's share of all recent demand, for the prior of withNetworkShare; null: none. */
  share?: (location: string) => number | null;
};

/**
 * Transfers first, then supplier orders: a location that gets a transfer counts it as incoming,
 * and a source gives only units above what it keeps, so it never needs an order for them.
 */
export const recommend = (view: StockView, settings: Settings, now: number): Computed[] => {
  const demands = withNetworkShare(
    new Map(view.locations.map((l) => [l.location, demandAt(view, l.location)])),
    settings.share ?? (() => null),
  );
  const sites: Site[] = view.locations.map((l) => ({
    location: l.location,
    demand: demands.get(l.location) ?? NO_DEMAND,
    policy: settings.policy(l.location),
    position: { available: l.available, incoming: l.incoming },
  }));
  const byLocation = new Map(sites.map((s) => [s.location, s]));
  // The same plan as the policy harness (bench/README.md, "policy").
  const plan = planByLocation(view.sku, sites, settings.lane, now);
  const out: Computed[] = [];
  for (const t of plan.transfers) {
    const to = byLocation.get(t.to);
    const from = byLocation.get(t.from);
    if (to === undefined || from === undefined) continue;
    const keeps = levelsFor(from.demand, from.policy);
    const lane = settings.lane(t.from, t.to);
    out.push({
      kind: 'transfer',
      sku: view.sku,
      location: t.to,
      from: t.from,
      quantity: t.quantity,
      // Shipped later than this, it arrives after the destination ran out.
      urgentAt: new Date(
        now + Math.max(0, t.stockoutInDays - t.leadTimeDays) * DAY_MS,
      ).toISOString(),
      reason: t.reason,
      numbers: {
        ratePerDay: to.demand.ratePerDay,
        sigmaPerDay: to.demand.sigmaPerDay,
        available: to.position.available,
        incoming: to.position.incoming,
        stockoutInDays: t.stockoutInDays,
        supplierLeadTimeDays: to.policy.leadTimeDays,
        laneLeadTimeDays: t.leadTimeDays,
        costPerUnit: lane?.costPerUnit ?? null,
        sourceAvailable: from.position.available,
        sourceKeeps: Math.ceil(Math.max(keeps.orderUpTo, keeps.reorderPoint)),
        quantity: t.quantity,
      },
      basis: { [t.from]: from.position.available, [t.to]: to.position.available },
      seq: view.seq,
    });
  }
  // Positions counting the transfers: what the orders were computed from.
  const after = new Map(afterTransfers(sites, plan.transfers).map((s) => [s.location, s]));
  for (const r of plan.orders) {
    const s = byLocation.get(r.location);
    const position = after.get(r.location)?.position;
    if (s === undefined || position === undefined) continue;
    out.push({
      kind: 'replenish',
      sku: view.sku,
      location: s.location,
      from: null,
      quantity: r.quantity,
      urgentAt: r.urgentAt,
      reason: r.reason,
      numbers: {
        ratePerDay: s.demand.ratePerDay,
        sigmaPerDay: s.demand.sigmaPerDay,
        available: position.available,
        incoming: position.incoming,
        coverDays: r.coverDays,
        leadTimeDays: s.policy.leadTimeDays,
        leadTimeSpreadDays: s.policy.leadTimeSpreadDays,
        reviewPeriodDays: s.policy.reviewPeriodDays,
        serviceLevel: s.policy.serviceLevel,
        safetyStock: r.levels.safetyStock,
        reorderPoint: Math.ceil(r.levels.reorderPoint),
        orderUpTo: Math.ceil(r.levels.orderUpTo),
        quantity: r.quantity,
      },
      basis: { [s.location]: s.position.available },
      seq: view.seq,
    });
  }
  return out;
};

const hex = (bytes: ArrayBuffer) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The stable id of a (kind, SKU, location or lane): the same on every recompute. */
export const recommendationId = async (
  c: Pick<Computed, 'kind' | 'sku' | 'location' | 'from'>,
): Promise<string> => {
  const text = [c.kind, c.sku, c.from ?? '', c.location].join('\n');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return `rc_${hex(digest).slice(0, 32)}`;
};
