/**
 * What to order, what to move and what to hold back, from a SKU's demand at each location (the
 * TSB rate and spread of objects/signals/demand.ts) and each location's settings. Pure functions:
 * the recommendations API and the policy benchmark (`npm run bench -- policy`) use the same ones.
 *
 * Replenishment is the textbook continuous-review reorder point with an order-up-to level
 * (Silver, Pyke & Thomas, "Inventory and Production Management in Supply Chains", 4th ed., CRC
 * Press 2017, ch. 6), with demand per day d (spread σ_d) and a supplier lead time L days (spread
 * σ_L), reviewed every R days:
 *
 *   σ over the lead time   σ_L' = √(L·σ_d² + d²·σ_L²)        (= σ_d·√L when L is certain)
 *   safety stock           ss   = z·σ_L'                       z: the service level's normal quantile
 *   reorder point          ROP  = d·L + ss
 *   order-up-to level      S    = d·(R + L) + z·√((R + L)·σ_d² + d²·σ_L²)
 *
 * An order is due when the inventory position (available + incoming) is at or under ROP, for
 * S − position units.
 */

const DAY_MS = 24 * 3600 * 1000;

/** A location's replenishment settings (docs/recommendations.md). */
export type LocationPolicy = {
  /** Supplier lead time in days, and its spread (standard deviation, days). */
  leadTimeDays: number;
  leadTimeSpreadDays: number;
  /** Days between two looks at the same SKU (1: daily). */
  reviewPeriodDays: number;
  /** Chance of not running out during a lead time, 0.5–0.999. */
  serviceLevel: number;
};

export const DEFAULT_LOCATION_POLICY: LocationPolicy = {
  leadTimeDays: 4,
  leadTimeSpreadDays: 1,
  reviewPeriodDays: 1,
  serviceLevel: 0.95,
};

/** A SKU's demand at one location, per day. */
export type Demand = { ratePerDay: number; sigmaPerDay: number };

/** What a location has of a SKU: free units and units already on their way (orders, transfers). */
export type Position = { available: number; incoming: number };

// Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9).
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [
  -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

const poly = (cs: readonly number[], x: number) => cs.reduce((acc, c) => acc * x + c, 0);

/** z such that P(Z ≤ z) = p for a standard normal Z (0 < p < 1). */
export const normalQuantile = (p: number): number => {
  if (!(p > 0 && p < 1)) throw new RangeError(`a probability strictly between 0 and 1, got ${p}`);
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(C, q) / (poly(D, q) * q + 1);
  }
  if (p > 1 - P_LOW) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(C, q) / (poly(D, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(A, r) * q) / (poly(B, r) * r + 1);
};

/** A SKU's demand over several locations: rates add, spreads add in variance (independent). */
export const networkDemand = (ds: readonly Demand[]): Demand => ({
  ratePerDay: ds.reduce((a, d) => a + Math.max(0, d.ratePerDay), 0),
  sigmaPerDay: Math.sqrt(ds.reduce((a, d) => a + Math.max(0, d.sigmaPerDay) ** 2, 0)),
});

/**
 * Each location's demand, never less than its share of the SKU's demand over all of them: a prior
 * for a location that has sold little or none of the SKU yet, where its own estimate says 0. The
 * share is the location's part of all recent demand, every SKU together (null: no prior).
 */
export const withNetworkShare = (
  local: ReadonlyMap<string, Demand>,
  share: (location: string) => number | null,
): Map<string, Demand> => {
  const network = networkDemand([...local.values()]);
  const out = new Map<string, Demand>();
  for (const [location, d] of local) {
    const s = share(location);
    const f = s === null ? 0 : Math.min(1, Math.max(0, s));
    const prior = { ratePerDay: network.ratePerDay * f, sigmaPerDay: network.sigmaPerDay * f };
    out.set(location, prior.ratePerDay > d.ratePerDay ? prior : d);
  }
  return out;
};

export type Levels = { safetyStock: number; reorderPoint: number; orderUpTo: number };

/** Safety stock, reorder point and order-up-to level, in (fractional) units. */
export const levelsFor = (d: Demand, p: LocationPolicy): Levels => {
  const z = normalQuantile(p.serviceLevel);
  const rate = Math.max(0, d.ratePerDay);
  const varDay = Math.max(0, d.sigmaPerDay) ** 2;
  const varLt = p.leadTimeSpreadDays ** 2;
  const lead = p.leadTimeDays;
  const span = p.reviewPeriodDays + lead;
  const safetyStock = z * Math.sqrt(lead * varDay + rate * rate * varLt);
  return {
    safetyStock,
    reorderPoint: rate * lead + safetyStock,
    orderUpTo: rate * span + z * Math.sqrt(span * varDay + rate * rate * varLt),
  };
};

const fmt = (x: number, digits = 1) =>
  x.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

export type Replenishment = {
  sku: string;
  location: string;
  /** Units to order from the supplier. */
  quantity: number;
  levels: Levels;
  coverDays: number | null;
  /** When the position reaches the reorder point at this rate (now if it already has). */
  urgentAt: string;
  reason: string;
};

/**
 * A supplier order for one SKU at one location, or null when none is due: nothing sells, or the
 * position is above the reorder point. Levels are rounded up to whole units.
 */
export const replenishment = (
  sku: string,
  location: string,
  d: Demand,
  p: LocationPolicy,
  at: Position,
  now: number,
): Replenishment | null => {
  if (!(d.ratePerDay > 0)) return null;
  const levels = levelsFor(d, p);
  const rop = Math.ceil(levels.reorderPoint);
  const upTo = Math.ceil(levels.orderUpTo);
  const position = at.available + at.incoming;
  if (position > rop) return null;
  const quantity = upTo - position;
  if (quantity <= 0) return null;
  const coverDays = Math.max(0, at.available) / d.ratePerDay;
  const daysToRop = Math.max(0, (at.available - rop) / d.ratePerDay);
  return {
    sku,
    location,
    quantity,
    levels,
    coverDays,
    urgentAt: new Date(now + daysToRop * DAY_MS).toISOString(),
    reason:
      `${sku} at ${location} sells ${fmt(d.ratePerDay)}/day ± ${fmt(d.sigmaPerDay)}, ` +
      `${at.available} available, ${fmt(coverDays)} days of cover, ${at.incoming} incoming; ` +
      `supplier lead time ${fmt(p.leadTimeDays)} days ± ${fmt(p.leadTimeSpreadDays)}; ` +
      `reorder point ${rop}, order up to ${upTo}: order ${quantity}`,
  };
};

/** Moving units between two locations. */
export type Lane = { leadTimeDays: number; costPerUnit: number };

/** One location's view of a SKU, for transfers. */
export type Site = {
  location: string;
  demand: Demand;
  policy: LocationPolicy;
  position: Position;
};

export type Transfer = {
  sku: string;
  from: string;
  to: string;
  quantity: number;
  /** Days until `to` runs out at its rate without the transfer. */
  stockoutInDays: number;
  leadTimeDays: number;
  reason: string;
};

/**
 * Transfers for one SKU: to each location that will run out sooner than a supplier order could
 * arrive (stockout ETA under its supplier lead time, position at or under its reorder point),
 * from locations whose available units exceed what they must keep for themselves (their own
 * order-up-to level, never less than their reorder point), nearest lane first. Only available
 * units move (reserved and committed units are not available), at most one transfer per pair,
 * sized to bring the destination up to its order-up-to level.
 */
export const transfers = (
  sku: string,
  sites: readonly Site[],
  lane: (from: string, to: string) => Lane | null,
): Transfer[] => {
  const keep = new Map<string, number>();
  const surplus = new Map<string, number>();
  for (const s of sites) {
    const l = levelsFor(s.demand, s.policy);
    const k = Math.ceil(Math.max(l.orderUpTo, l.reorderPoint));
    keep.set(s.location, k);
    surplus.set(s.location, Math.max(0, Math.floor(s.position.available - k)));
  }
  const short = sites
    .filter((s) => s.demand.ratePerDay > 0)
    .map((s) => {
      const l = levelsFor(s.demand, s.policy);
      const stockoutInDays = Math.max(0, s.position.available) / s.demand.ratePerDay;
      const position = s.position.available + s.position.incoming;
      return { s, l, stockoutInDays, position };
    })
    .filter(
      (x) =>
        x.stockoutInDays < x.s.policy.leadTimeDays && x.position <= Math.ceil(x.l.reorderPoint),
    )
    .sort(
      (a, b) => a.stockoutInDays - b.stockoutInDays || a.s.location.localeCompare(b.s.location),
    );
  const out: Transfer[] = [];
  for (const { s, l, stockoutInDays, position } of short) {
    let need = Math.ceil(l.orderUpTo) - position;
    const sources = sites
      .filter((f) => f.location !== s.location && (surplus.get(f.location) ?? 0) > 0)
      .map((f) => ({ f, lane: lane(f.location, s.location) }))
      .filter((x): x is { f: Site; lane: Lane } => x.lane !== null)
      // A transfer slower than a supplier order does not help.
      .filter((x) => x.lane.leadTimeDays < s.policy.leadTimeDays)
      .sort(
        (a, b) =>
          a.lane.leadTimeDays - b.lane.leadTimeDays ||
          a.lane.costPerUnit - b.lane.costPerUnit ||
          a.f.location.localeCompare(b.f.location),
      );
    for (const { f, lane: ln } of sources) {
      if (need <= 0) break;
      const can = surplus.get(f.location) ?? 0;
      const quantity = Math.min(need, can);
      if (quantity <= 0) continue;
      surplus.set(f.location, can - quantity);
      need -= quantity;
      out.push({
        sku,
        from: f.location,
        to: s.location,
        quantity,
        stockoutInDays,
        leadTimeDays: ln.leadTimeDays,
        reason:
          `${sku} at ${s.location} sells ${fmt(s.demand.ratePerDay)}/day ± ${fmt(s.demand.sigmaPerDay)}, ` +
          `${s.position.available} available: out in ${fmt(stockoutInDays)} days, before a supplier order ` +
          `(${fmt(s.policy.leadTimeDays)} days); ${f.location} has ${f.position.available} available and ` +
          `keeps ${keep.get(f.location)}: move ${quantity}, ${fmt(ln.leadTimeDays)} days on the way`,
      });
    }
  }
  return out;
};

export type BufferBounds = { min: number; max: number };

/**
 * Units a channel keeps back under `buffer: "auto"`: what the SKU may sell while the channel's
 * marketplace still shows an old quantity, the same way as a safety stock over a lead time: for a
 * sync lag of τ days, d·τ + z·σ_d·√τ, rounded up and kept within the bounds. A marketplace that
 * shows changes at once (lag 0) keeps `min` back; a slow one keeps more.
 */
export const autoBuffer = (
  d: Demand,
  lagSeconds: number,
  bounds: BufferBounds,
  serviceLevel = DEFAULT_LOCATION_POLICY.serviceLevel,
): number => {
  const tau = Math.max(0, lagSeconds) / 86_400;
  const units =
    Math.max(0, d.ratePerDay) * tau +
    normalQuantile(serviceLevel) * Math.max(0, d.sigmaPerDay) * Math.sqrt(tau);
  return Math.min(bounds.max, Math.max(bounds.min, Math.ceil(units - 1e-9)));
};

/** What to do for one SKU: transfers first, then supplier orders that count them as incoming. */
export type Plan = { transfers: Transfer[]; orders: Replenishment[] };

/** Positions after the transfers: units promised away leave available, units on their way in are incoming. */
export const afterTransfers = (sites: readonly Site[], moves: readonly Transfer[]): Site[] => {
  const change = new Map<string, number>();
  for (const t of moves) {
    change.set(t.to, (change.get(t.to) ?? 0) + t.quantity);
    change.set(t.from, (change.get(t.from) ?? 0) - t.quantity);
  }
  return sites.map((s) => {
    const c = change.get(s.location) ?? 0;
    return {
      ...s,
      position: {
        available: s.position.available + Math.min(0, c),
        incoming: s.position.incoming + Math.max(0, c),
      },
    };
  });
};

/**
 * Each location on its own (the live recommendations, docs/recommendations.md): `transfers` to
 * the locations about to run out, then a supplier order wherever the position is at or under the
 * location's own reorder point.
 */
export const planByLocation = (
  sku: string,
  sites: readonly Site[],
  lane: (from: string, to: string) => Lane | null,
  now: number,
): Plan => {
  const moves = transfers(sku, sites, lane);
  const orders = afterTransfers(sites, moves).flatMap((s) => {
    const r = replenishment(sku, s.location, s.demand, s.policy, s.position, now);
    return r === null ? [] : [r];
  });
  return { transfers: moves, orders };
};

/**
 * Safety stock pooled over the network (bench/README.md, "policy"): one reorder point for the SKU
 * over every location, its spread the locations' spreads added in variance, so the network keeps
 * √(Σσ²) instead of Σσ; each location keeps only what covers it until a transfer could reach it
 * (its fastest inbound lane, plus the review period, at its service level), and units above that
 * move ahead of demand to locations under it, most urgent first, fastest lane first. A supplier
 * order is due when the network's position is at or under its reorder point, for the network's
 * order-up-to level, split between the selling locations by their share of the demand.
 */
export const planNetwork = (
  sku: string,
  sites: readonly Site[],
  lane: (from: string, to: string) => Lane | null,
  now: number,
): Plan => {
  const inbound = (s: Site) => {
    let fastest = s.policy.leadTimeDays;
    for (const f of sites) {
      const l = f.location === s.location ? null : lane(f.location, s.location);
      if (l !== null && l.leadTimeDays < fastest) fastest = l.leadTimeDays;
    }
    return fastest;
  };
  const keep = new Map<string, number>();
  for (const s of sites) {
    const local = levelsFor(s.demand, {
      ...s.policy,
      leadTimeDays: inbound(s),
      leadTimeSpreadDays: 0,
    });
    keep.set(s.location, Math.ceil(local.orderUpTo));
  }
  const surplus = new Map(
    sites.map((s) => [
      s.location,
      Math.max(0, Math.floor(s.position.available - (keep.get(s.location) ?? 0))),
    ]),
  );
  const short = sites
    .filter((s) => s.demand.ratePerDay > 0)
    .map((s) => ({
      s,
      target: keep.get(s.location) ?? 0,
      position: s.position.available + s.position.incoming,
      stockoutInDays: Math.max(0, s.position.available) / s.demand.ratePerDay,
    }))
    .filter((x) => x.position < x.target)
    .sort(
      (a, b) => a.stockoutInDays - b.stockoutInDays || a.s.location.localeCompare(b.s.location),
    );
  const moves: Transfer[] = [];
  for (const { s, target, position, stockoutInDays } of short) {
    let need = target - position;
    const sources = sites
      .filter((f) => f.location !== s.location && (surplus.get(f.location) ?? 0) > 0)
      .map((f) => ({ f, lane: lane(f.location, s.location) }))
      .filter((x): x is { f: Site; lane: Lane } => x.lane !== null)
      .filter((x) => x.lane.leadTimeDays < s.policy.leadTimeDays)
      .sort(
        (a, b) =>
          a.lane.leadTimeDays - b.lane.leadTimeDays ||
          a.lane.costPerUnit - b.lane.costPerUnit ||
          a.f.location.localeCompare(b.f.location),
      );
    for (const { f, lane: ln } of sources) {
      if (need <= 0) break;
      const quantity = Math.min(need, surplus.get(f.location) ?? 0);
      if (quantity <= 0) continue;
      surplus.set(f.location, (surplus.get(f.location) ?? 0) - quantity);
      need -= quantity;
      moves.push({
        sku,
        from: f.location,
        to: s.location,
        quantity,
        stockoutInDays,
        leadTimeDays: ln.leadTimeDays,
        reason:
          `${sku} at ${s.location} sells ${fmt(s.demand.ratePerDay)}/day ± ${fmt(s.demand.sigmaPerDay)}, ` +
          `${s.position.available} available, ${s.position.incoming} incoming: keeps ${target} ` +
          `(${fmt(inbound(s))} days to reach it, review ${fmt(s.policy.reviewPeriodDays)}); ` +
          `${f.location} has ${f.position.available} available and keeps ${keep.get(f.location)}: ` +
          `move ${quantity}, ${fmt(ln.leadTimeDays)} days on the way`,
      });
    }
  }
  const after = afterTransfers(sites, moves);
  const selling = after.filter((s) => s.demand.ratePerDay > 0);
  const rate = selling.reduce((a, s) => a + s.demand.ratePerDay, 0);
  if (!(rate > 0)) return { transfers: moves, orders: [] };
  // The network's levels: each location's cycle over its own lead time, one pooled safety stock.
  const z = Math.max(...selling.map((s) => normalQuantile(s.policy.serviceLevel)));
  const variance = (s: Site, days: number) =>
    days * s.demand.sigmaPerDay ** 2 + (s.demand.ratePerDay * s.policy.leadTimeSpreadDays) ** 2;
  const lead = (s: Site) => s.policy.leadTimeDays;
  const span = (s: Site) => s.policy.leadTimeDays + s.policy.reviewPeriodDays;
  const sum = (f: (s: Site) => number) => selling.reduce((a, s) => a + f(s), 0);
  const safetyStock = z * Math.sqrt(sum((s) => variance(s, lead(s))));
  const levels: Levels = {
    safetyStock,
    reorderPoint: sum((s) => s.demand.ratePerDay * lead(s)) + safetyStock,
    orderUpTo:
      sum((s) => s.demand.ratePerDay * span(s)) + z * Math.sqrt(sum((s) => variance(s, span(s)))),
  };
  const rop = Math.ceil(levels.reorderPoint);
  const upTo = Math.ceil(levels.orderUpTo);
  const position = after.reduce((a, s) => a + s.position.available + s.position.incoming, 0);
  const total = upTo - position;
  if (position > rop || total <= 0) return { transfers: moves, orders: [] };
  const available = after.reduce((a, s) => a + Math.max(0, s.position.available), 0);
  const coverDays = available / rate;
  const orders: Replenishment[] = [];
  let left = total;
  selling.forEach((s, i) => {
    const quantity =
      i === selling.length - 1 ? left : Math.floor((total * s.demand.ratePerDay) / rate);
    left -= quantity;
    if (quantity <= 0) return;
    orders.push({
      sku,
      location: s.location,
      quantity,
      levels,
      coverDays,
      urgentAt: new Date(now).toISOString(),
      reason:
        `${sku} sells ${fmt(rate)}/day over ${selling.length} locations, ${available} available, ` +
        `${fmt(coverDays)} days of cover, ${position - available} incoming; network reorder point ${rop}, ` +
        `order up to ${upTo}: order ${total}, ${quantity} of it at ${s.location} ` +
        `(${fmt((100 * s.demand.ratePerDay) / rate)}% of the demand)`,
    });
  });
  return { transfers: moves, orders };
};
