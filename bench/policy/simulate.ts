// The replenishment policy harness: replays an order stream against simulated warehouses with
// lead times and limited opening stock, once per policy, and counts what each policy lost to
// stockouts and what it held. Pure: no server, the same input gives the same figures.
// See bench/README.md ("policy").
import { COUNTRY_CENTRES, haversineKm } from '../../objects/checkout/geo.ts';
import {
  type Lane,
  type LocationPolicy,
  type Plan,
  planByLocation,
  planNetwork,
  type Site,
  withNetworkShare,
} from '../../objects/recommendations/policy.ts';
import {
  advance,
  type DemandState,
  demandView,
  newDemand,
  record,
} from '../../objects/signals/demand.ts';
import { DEMO_LOCATIONS } from '../../scripts/demo-catalog.ts';
import { invoicesOf, SERVICE_CODES } from '../../scripts/order-stream.ts';

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** One line of demand at the warehouse its order ships from. */
export type Sale = { at: number; location: string; sku: string; quantity: number };

export type Warehouse = { code: string; region: string; latitude: number; longitude: number };

/** The demo's five warehouses (the shop sells over the counter, not from orders). */
export const WAREHOUSES: Warehouse[] = DEMO_LOCATIONS.filter((l) => l.kind === 'warehouse');

/**
 * The stream's demand, line by line, at the warehouse nearest the order's country; the two UK
 * warehouses share the UK's orders (odd invoice numbers from one, even from the other), and a
 * country the data does not name ships from the first warehouse.
 */
export const salesOf = (
  records: readonly (readonly string[])[],
  warehouses: readonly Warehouse[] = WAREHOUSES,
): Sale[] => {
  const nearest = new Map<string, string[]>();
  const fromCountry = (country: string | null): string[] => {
    const key = country ?? '';
    const known = nearest.get(key);
    if (known) return known;
    const centre = country === null ? undefined : COUNTRY_CENTRES[country];
    let best: string[] = [warehouses[0]?.code ?? ''];
    if (centre) {
      const ranked = warehouses
        .map((w) => ({ w, km: haversineKm(centre, w) }))
        .sort((a, b) => a.km - b.km);
      const first = ranked[0];
      // Warehouses of the nearest one's region share its orders.
      best = ranked.filter((r) => r.w.region === first?.w.region).map((r) => r.w.code);
    }
    nearest.set(key, best);
    return best;
  };
  const sales: Sale[] = [];
  for (const inv of invoicesOf(records)) {
    if (inv.cancelled) continue;
    if (inv.minutes === undefined) continue;
    const at = inv.minutes * 60_000;
    const options = fromCountry(inv.shipTo);
    const n = Number.parseInt(inv.invoice.replace(/\D/g, ''), 10) || 0;
    const location = options[n % options.length] ?? '';
    for (const l of inv.lines) {
      if (SERVICE_CODES.has(l.sku)) continue;
      sales.push({ at, location, sku: l.sku, quantity: l.quantity });
    }
  }
  return sales.sort((a, b) => a.at - b.at);
};

export type Settings = {
  /**
   * The stream's first days are history, known to both policies before the replay starts: the
   * static policy takes its fixed points from their average, Stockmesh's estimator is fed them.
   * Only the days after are replayed and counted.
   */
  historyDays: number;
  /** Opening stock: this many days of each SKU × warehouse's average demand over the history. */
  openingDays: number;
  /** Supplier lead time (the simulated one, and the one the policies are told). */
  policy: LocationPolicy;
  /** Transfer lead time within a region and between regions, days. */
  transferDays: { sameRegion: number; otherRegion: number };
  /** The static policy's fixed order quantity: this many days of the history's average (≥ 1). */
  staticOrderDays: number;
  /** Stockmesh: a location's rate is at least its share of the SKU's rate over all locations. */
  topDown: boolean;
  /**
   * Stockmesh: review every SKU when the replay starts, as well as after each sale and at each
   * midnight, as the live Cron Trigger would (without it the first review waited for a sale).
   */
  reviewAtStart: boolean;
  /**
   * Stockmesh's plan: each location on its own (`planByLocation`, what the live recommendations
   * do) or safety stock pooled over the network with stock positioned by transfers (`planNetwork`).
   */
  plan: 'location' | 'network';
};

export const DEFAULT_SETTINGS: Settings = {
  historyDays: 3,
  openingDays: 7,
  policy: { leadTimeDays: 4, leadTimeSpreadDays: 0, reviewPeriodDays: 1, serviceLevel: 0.95 },
  transferDays: { sameRegion: 0.5, otherRegion: 1.5 },
  staticOrderDays: 7,
  topDown: true,
  reviewAtStart: true,
  plan: 'location',
};

export type PolicyName = 'static' | 'stockmesh';

export type Result = {
  policy: PolicyName;
  unitsDemanded: number;
  unitsServed: number;
  unitsLost: number;
  /** Of those, units lost at pairs that had sold nothing in the history (no estimate, no stock). */
  unitsLostWithoutHistory: number;
  /** Hours SKU × warehouse pairs that ever sell spent with nothing on hand. */
  stockoutSkuHours: number;
  /** Units on hand in the warehouses, averaged over the replay's time. */
  averageUnitsHeld: number;
  supplierOrders: number;
  unitsOrdered: number;
  transfers: number;
  unitsTransferred: number;
  /** Units on hand at the end: opening + arrived from suppliers − served − still in transit. */
  unitsOnHandAtEnd: number;
  unitsOpening: number;
  unitsArrived: number;
  unitsInTransitAtEnd: number;
};

const pairKey = (sku: string, location: string) => `${sku}\u0000${location}`;

/** Deliveries on their way, in arrival order (every queue's lead time is fixed, so FIFO). */
type Arrival = { at: number; sku: string; location: string; quantity: number; transfer: boolean };

class Lanes {
  private readonly queues = new Map<number, Arrival[]>();
  private readonly heads = new Map<number, number>();
  push(leadMs: number, a: Arrival) {
    const q = this.queues.get(leadMs) ?? [];
    q.push(a);
    this.queues.set(leadMs, q);
  }
  /** Removes and returns the earliest arrival at or before `t`. */
  next(t: number): Arrival | undefined {
    let best: number | undefined;
    let bestAt = Number.POSITIVE_INFINITY;
    for (const [lead, q] of this.queues) {
      const a = q[this.heads.get(lead) ?? 0];
      if (a && a.at <= t && a.at < bestAt) {
        best = lead;
        bestAt = a.at;
      }
    }
    if (best === undefined) return undefined;
    const i = this.heads.get(best) ?? 0;
    this.heads.set(best, i + 1);
    return this.queues.get(best)?.[i];
  }
}

/** Replays `sales` under one policy. */
export const simulate = (
  policy: PolicyName,
  sales: readonly Sale[],
  warehouses: readonly Warehouse[],
  settings: Settings = DEFAULT_SETTINGS,
  /** Told of every line not served in full (for breakdowns of where units were lost). */
  onLost?: (sale: Sale, lost: number) => void,
): Result => {
  const first = sales[0]?.at ?? 0;
  const origin = Math.floor(first / DAY_MS) * DAY_MS;
  const start = origin + settings.historyDays * DAY_MS;
  const end = Math.max(
    start + DAY_MS,
    Math.ceil(((sales.at(-1)?.at ?? first) + 1) / DAY_MS) * DAY_MS,
  );
  const regionOf = new Map(warehouses.map((w) => [w.code, w.region]));
  const lane = (from: string, to: string): Lane => ({
    leadTimeDays:
      regionOf.get(from) === regionOf.get(to)
        ? settings.transferDays.sameRegion
        : settings.transferDays.otherRegion,
    costPerUnit: 1,
  });

  // The history: its average per pair (opening stock, static points), and Stockmesh's estimate.
  const history = sales.filter((s) => s.at < start);
  const replayed = sales.filter((s) => s.at >= start);
  const pastUnits = new Map<string, number>();
  const demand = new Map<string, DemandState>();
  const locationUnits = new Map<string, number>();
  const skus = new Set<string>();
  for (const s of history) {
    const k = pairKey(s.sku, s.location);
    pastUnits.set(k, (pastUnits.get(k) ?? 0) + s.quantity);
    demand.set(k, record(demand.get(k) ?? newDemand(origin), s.quantity, s.at));
    locationUnits.set(s.location, (locationUnits.get(s.location) ?? 0) + s.quantity);
    skus.add(s.sku);
  }
  const sells = new Set(sales.map((s) => pairKey(s.sku, s.location)));
  for (const s of replayed) skus.add(s.sku);
  const onHand = new Map<string, number>();
  const incoming = new Map<string, number>();
  let unitsOpening = 0;
  for (const [k, units] of pastUnits) {
    const opening = Math.ceil((units / settings.historyDays) * settings.openingDays);
    onHand.set(k, opening);
    unitsOpening += opening;
  }
  const L = settings.policy.leadTimeDays;
  const staticPoint = (k: string) => {
    const avg = (pastUnits.get(k) ?? 0) / settings.historyDays;
    return {
      reorderPoint: Math.ceil(avg * L),
      quantity: Math.max(1, Math.ceil(avg * settings.staticOrderDays)),
    };
  };

  const lanes = new Lanes();
  const r: Result = {
    policy,
    unitsDemanded: 0,
    unitsServed: 0,
    unitsLost: 0,
    unitsLostWithoutHistory: 0,
    stockoutSkuHours: 0,
    averageUnitsHeld: 0,
    supplierOrders: 0,
    unitsOrdered: 0,
    transfers: 0,
    unitsTransferred: 0,
    unitsOnHandAtEnd: 0,
    unitsOpening,
    unitsArrived: 0,
    unitsInTransitAtEnd: 0,
  };
  let transferredArrived = 0;

  // Time-weighted units held, and hours at zero of pairs that sell.
  let held = unitsOpening;
  let heldSince = start;
  let heldIntegral = 0;
  // Pairs that sell at some point and have nothing on hand start the replay out of stock.
  const zeroSince = new Map<string, number>();
  for (const k of sells) if ((onHand.get(k) ?? 0) <= 0) zeroSince.set(k, start);
  const setOnHand = (k: string, units: number, at: number) => {
    const before = onHand.get(k) ?? 0;
    heldIntegral += held * (at - heldSince);
    heldSince = at;
    held += units - before;
    onHand.set(k, units);
    if (before > 0 && units <= 0) zeroSince.set(k, at);
    if (before <= 0 && units > 0) {
      r.stockoutSkuHours += (at - (zeroSince.get(k) ?? at)) / HOUR_MS;
      zeroSince.delete(k);
    }
  };
  const arriveUntil = (t: number) => {
    for (let a = lanes.next(t); a; a = lanes.next(t)) {
      const k = pairKey(a.sku, a.location);
      incoming.set(k, (incoming.get(k) ?? 0) - a.quantity);
      setOnHand(k, (onHand.get(k) ?? 0) + a.quantity, a.at);
      if (a.transfer) transferredArrived += a.quantity;
      else r.unitsArrived += a.quantity;
    }
  };
  const order = (sku: string, location: string, quantity: number, at: number) => {
    const k = pairKey(sku, location);
    incoming.set(k, (incoming.get(k) ?? 0) + quantity);
    lanes.push(L * DAY_MS, { at: at + L * DAY_MS, sku, location, quantity, transfer: false });
    r.supplierOrders += 1;
    r.unitsOrdered += quantity;
  };

  const historyUnits = [...locationUnits.values()].reduce((a, b) => a + b, 0);
  const viewOf = (s: DemandState | undefined, now: number) => {
    if (!s) return { ratePerDay: 0, sigmaPerDay: 0 };
    const v = demandView(advance(s, now), 0, now);
    return { ratePerDay: v.ratePerDay, sigmaPerDay: v.sigmaPerDay };
  };
  // The live recommendations' prior (withNetworkShare): each warehouse's share of the history.
  const shareOf = (location: string) =>
    !settings.topDown || historyUnits === 0
      ? null
      : (locationUnits.get(location) ?? 0) / historyUnits;
  const demandsOf = (sku: string, now: number) =>
    withNetworkShare(
      new Map(warehouses.map((w) => [w.code, viewOf(demand.get(pairKey(sku, w.code)), now)])),
      shareOf,
    );

  // Stockmesh: transfers first (they arrive sooner), then supplier orders for what is left.
  const plan: (...a: Parameters<typeof planByLocation>) => Plan =
    settings.plan === 'network' ? planNetwork : planByLocation;
  const review = (sku: string, now: number) => {
    const demands = demandsOf(sku, now);
    const sites: Site[] = warehouses.map((w) => {
      const k = pairKey(sku, w.code);
      return {
        location: w.code,
        demand: demands.get(w.code) ?? { ratePerDay: 0, sigmaPerDay: 0 },
        policy: settings.policy,
        position: { available: onHand.get(k) ?? 0, incoming: incoming.get(k) ?? 0 },
      };
    });
    const due = plan(sku, sites, lane, now);
    for (const t of due.transfers) {
      const from = pairKey(sku, t.from);
      setOnHand(from, (onHand.get(from) ?? 0) - t.quantity, now);
      const to = pairKey(sku, t.to);
      incoming.set(to, (incoming.get(to) ?? 0) + t.quantity);
      const leadMs = t.leadTimeDays * DAY_MS;
      lanes.push(leadMs, {
        at: now + leadMs,
        sku,
        location: t.to,
        quantity: t.quantity,
        transfer: true,
      });
      r.transfers += 1;
      r.unitsTransferred += t.quantity;
    }
    for (const o of due.orders) order(sku, o.location, o.quantity, now);
  };

  let nextMidnight = start + DAY_MS;
  const reviewAll = (now: number) => {
    for (const sku of skus) {
      if (warehouses.some((w) => demand.has(pairKey(sku, w.code)))) review(sku, now);
    }
  };

  if (policy === 'stockmesh' && settings.reviewAtStart) reviewAll(start);
  for (const sale of replayed) {
    while (policy === 'stockmesh' && nextMidnight <= sale.at) {
      arriveUntil(nextMidnight);
      reviewAll(nextMidnight);
      nextMidnight += DAY_MS;
    }
    arriveUntil(sale.at);
    const k = pairKey(sale.sku, sale.location);
    const have = Math.max(0, onHand.get(k) ?? 0);
    const served = Math.min(have, sale.quantity);
    r.unitsDemanded += sale.quantity;
    r.unitsServed += served;
    r.unitsLost += sale.quantity - served;
    if (served < sale.quantity) onLost?.(sale, sale.quantity - served);
    if (!pastUnits.has(k)) r.unitsLostWithoutHistory += sale.quantity - served;
    if (served > 0) setOnHand(k, have - served, sale.at);
    if (policy === 'static') {
      const p = staticPoint(k);
      const position = (onHand.get(k) ?? 0) + (incoming.get(k) ?? 0);
      if (position <= p.reorderPoint) order(sale.sku, sale.location, p.quantity, sale.at);
    } else {
      // Demand is what was asked for, served or not: a lost sale is still a sale wanted.
      demand.set(k, record(demand.get(k) ?? newDemand(origin), sale.quantity, sale.at));
      review(sale.sku, sale.at);
    }
  }
  arriveUntil(end);
  heldIntegral += held * (end - heldSince);
  for (const since of zeroSince.values()) r.stockoutSkuHours += (end - since) / HOUR_MS;
  r.averageUnitsHeld = heldIntegral / (end - start);
  r.unitsOnHandAtEnd = [...onHand.values()].reduce((a, b) => a + b, 0);
  r.unitsInTransitAtEnd = r.unitsTransferred - transferredArrived;
  return r;
};

/**
 * Units no policy can serve without seeing demand to come: per SKU, what is asked for before the
 * first supplier order could arrive (the replay's start + lead time; for a SKU with no opening
 * stock, its first sale + lead time) beyond all its opening stock at every warehouse together, as
 * if transfers were perfect and instant. A lower bound for the policies' units lost.
 */
export const lossFloor = (
  sales: readonly Sale[],
  settings: Settings = DEFAULT_SETTINGS,
): number => {
  const first = sales[0]?.at ?? 0;
  const start = Math.floor(first / DAY_MS) * DAY_MS + settings.historyDays * DAY_MS;
  const lead = settings.policy.leadTimeDays * DAY_MS;
  const past = new Map<string, number>();
  for (const s of sales) {
    if (s.at >= start) break;
    const k = pairKey(s.sku, s.location);
    past.set(k, (past.get(k) ?? 0) + s.quantity);
  }
  const opening = new Map<string, number>();
  for (const [k, units] of past) {
    const sku = k.slice(0, k.indexOf('\u0000'));
    const stock = Math.ceil((units / settings.historyDays) * settings.openingDays);
    opening.set(sku, (opening.get(sku) ?? 0) + stock);
  }
  const early = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const s of sales) {
    if (s.at < start) continue;
    if (!seen.has(s.sku)) seen.set(s.sku, (opening.get(s.sku) ?? 0) > 0 ? start : s.at);
    if (s.at < (seen.get(s.sku) ?? start) + lead) {
      early.set(s.sku, (early.get(s.sku) ?? 0) + s.quantity);
    }
  }
  let floor = 0;
  for (const [sku, units] of early) floor += Math.max(0, units - (opening.get(sku) ?? 0));
  return floor;
};
