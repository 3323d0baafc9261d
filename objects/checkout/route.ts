import type { RouteReason, ShortReason } from '../../protocol/reservations';
import type { Candidate } from './geo';

/** A SKU's sellable units at each location, and whether it may be oversold (`continue`). */
export type StockAt = { policy: 'deny' | 'continue'; available: ReadonlyMap<string, number> };
/** One SKU demand of the cart: a line, or one component of a kit line. */
export type PlanItem = { sku: string; quantity: number };
export type Pick = { location: string; quantity: number };
export type ItemRoute = { picks: Pick[]; reason: RouteReason; note: string };
export type ItemShort = {
  item: number;
  requested: number;
  at: { location: string; available: number }[];
  reason: ShortReason;
};
export type Plan =
  | { ok: true; routes: ItemRoute[]; shipments: string[] }
  | { ok: false; short: ItemShort[] };

export type PlanInput = {
  items: readonly PlanItem[];
  /** Eligible locations, most preferred first (see orderLocations). */
  candidates: readonly Candidate[];
  /** Why the candidates are in that order, for the notes. */
  basis: string;
  stock: ReadonlyMap<string, StockAt>;
  allowSplit: boolean;
};

/** Units still free per SKU and location while a plan takes them; `continue` SKUs never run out. */
class Capacity {
  private readonly taken = new Map<string, number>();

  constructor(private readonly stock: ReadonlyMap<string, StockAt>) {}

  free(sku: string, location: string): number {
    const s = this.stock.get(sku);
    if (s?.policy === 'continue') return Number.POSITIVE_INFINITY;
    const available = s?.available.get(location) ?? 0;
    return Math.max(0, available - (this.taken.get(`${sku}\n${location}`) ?? 0));
  }

  /** Units really on the shelf (what `continue` would oversell beyond), less what this plan took. */
  real(sku: string, location: string): number {
    const available = this.stock.get(sku)?.available.get(location) ?? 0;
    return Math.max(0, available - (this.taken.get(`${sku}\n${location}`) ?? 0));
  }

  take(sku: string, location: string, quantity: number): void {
    const key = `${sku}\n${location}`;
    this.taken.set(key, (this.taken.get(key) ?? 0) + quantity);
  }

  /** Of `items`, those that fit at `location` taken together, in order. */
  fitting(location: string, items: readonly number[], all: readonly PlanItem[]): number[] {
    const need = new Map<string, number>();
    return items.filter((i) => {
      const item = all[i];
      if (!item) return false;
      const total = (need.get(item.sku) ?? 0) + item.quantity;
      if (total > this.free(item.sku, location)) return false;
      need.set(item.sku, total);
      return true;
    });
  }
}

const km = (c: Candidate | undefined) =>
  c?.distanceKm === null || c === undefined ? '' : ` (${c.distanceKm} km)`;

/**
 * Chooses where every item of a cart is held, or says which items cannot be. One location that
 * ships the whole cart wins (the first in `candidates` order); otherwise the fewest shipments,
 * chosen greedily (each next location is the one that ships the most remaining items), every item
 * whole; an item no single location can serve is split across locations only if `allowSplit`.
 */
export const planCart = (input: PlanInput): Plan => {
  const { items, candidates } = input;
  const cap = new Capacity(input.stock);
  const all = items.map((_, i) => i);
  const byCode = new Map(candidates.map((c) => [c.location, c]));

  const whole = candidates.filter((c) => cap.fitting(c.location, all, items).length === all.length);
  const first = whole[0];
  if (first) {
    const why =
      candidates.length === 1
        ? "the channel's only location"
        : whole.length === 1
          ? `the only one of ${candidates.length} locations that can`
          : `the first by ${input.basis} of ${whole.length} locations that can`;
    const note = `${first.location} ships the whole cart: ${why}${km(first)}`;
    const routes = items.map((item): ItemRoute => {
      const suffix = backorderNote(cap, item, first.location);
      cap.take(item.sku, first.location, item.quantity);
      return {
        picks: [{ location: first.location, quantity: item.quantity }],
        reason: 'single_location',
        note: note + suffix,
      };
    });
    return { ok: true, routes, shipments: [first.location] };
  }

  const routes: (ItemRoute | undefined)[] = new Array(items.length);
  const used: string[] = [];
  let remaining = all;
  // Greedy set cover: good, not always minimal, and linear in locations × items per shipment.
  for (;;) {
    let best: { location: string; fit: number[] } | undefined;
    for (const c of candidates) {
      if (used.includes(c.location)) continue;
      const fit = cap.fitting(c.location, remaining, items);
      if (fit.length > (best?.fit.length ?? 0)) best = { location: c.location, fit };
    }
    if (!best) break;
    used.push(best.location);
    const n = used.length;
    for (const i of best.fit) {
      const item = items[i];
      if (!item) continue;
      const suffix = backorderNote(cap, item, best.location);
      cap.take(item.sku, best.location, item.quantity);
      routes[i] = {
        picks: [{ location: best.location, quantity: item.quantity }],
        reason: 'fewest_shipments',
        note:
          `No location ships the whole cart; ${best.location} ships ${best.fit.length} of ` +
          `${items.length} items (shipment ${n}, most items first, then ${input.basis})` +
          `${km(byCode.get(best.location))}${suffix}`,
      };
    }
    const fitted = new Set(best.fit);
    remaining = remaining.filter((i) => !fitted.has(i));
  }

  const short: ItemShort[] = [];
  // Locations already shipping come first, so a split adds as few shipments as it can.
  const splitOrder = [
    ...used,
    ...candidates.map((c) => c.location).filter((l) => !used.includes(l)),
  ];
  for (const i of remaining) {
    const item = items[i];
    if (!item) continue;
    const at = candidates.map((c) => ({
      location: c.location,
      available: cap.free(item.sku, c.location),
    }));
    const total = at.reduce((s, a) => s + a.available, 0);
    if (!input.allowSplit || total < item.quantity) {
      short.push({
        item: i,
        requested: item.quantity,
        at,
        reason: !input.allowSplit && total >= item.quantity ? 'split_refused' : 'out_of_stock',
      });
      continue;
    }
    const picks: Pick[] = [];
    let need = item.quantity;
    for (const location of splitOrder) {
      const take = Math.min(need, cap.free(item.sku, location));
      if (take <= 0) continue;
      picks.push({ location, quantity: take });
      cap.take(item.sku, location, take);
      need -= take;
      if (need === 0) break;
    }
    for (const p of picks) if (!used.includes(p.location)) used.push(p.location);
    routes[i] = {
      picks,
      reason: 'split',
      note: `No single location has ${item.quantity}; split ${picks.map((p) => `${p.quantity} at ${p.location}`).join(', ')} (the channel allows splits)`,
    };
  }
  if (short.length > 0) return { ok: false, short };
  const done = Array.from(routes, (r, i) => {
    if (!r) throw new Error(`planCart left item ${i} unrouted`);
    return r;
  });
  return { ok: true, routes: done, shipments: used };
};

/** Says how much of an item at `location` is oversold under `continue`, or nothing. */
const backorderNote = (cap: Capacity, item: PlanItem, location: string): string => {
  const free = cap.free(item.sku, location);
  if (free !== Number.POSITIVE_INFINITY) return '';
  const real = cap.real(item.sku, location);
  return real >= item.quantity
    ? ''
    : `; ${item.quantity - real} backordered at ${location} (policy continue)`;
};
