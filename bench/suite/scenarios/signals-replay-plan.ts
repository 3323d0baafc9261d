import { type ReplayEvent, SERVICE_CODES } from '../order-stream.ts';

// The stock timeline of the signals replay (bench/README.md, "`signals`: how it measures"),
// computed before anything is sent: the order stream's carts and returns in time order over low
// opening stock, every cart line cut to what is left (a shopper buys the last units, or skips a
// product shown sold out), and each SKU that sells out restocked a fixed replay time later. Only
// the bench changes this stock, so every cart is held as planned and the bench knows, before it
// sends a cart, which SKUs it sells out: it tells the ads simulators the truth at that moment.

export type Line = { sku: string; quantity: number };

export type Step =
  | {
      kind: 'cart';
      /** Replay time, ms since the epoch (the invoice's minute). */
      at: number;
      invoice: string;
      lines: Line[];
      /** SKUs whose last units this cart takes. */
      soldOut: string[];
    }
  | { kind: 'return'; at: number; invoice: string; lines: Line[]; back: string[] }
  | { kind: 'restock'; at: number; lines: Line[]; back: string[] };

export type Plan = {
  steps: Step[];
  /** Every SKU the steps touch, with its opening stock (0: none). */
  opening: Map<string, number>;
  /** Units asked for by the stream and not sold because the SKU was out or short. */
  unitsLost: number;
  unitsSold: number;
  sellOuts: number;
  restocks: number;
  /** Carts with no line left to sell (every product shown sold out). */
  cartsEmpty: number;
};

export type PlanOptions = {
  /** Opening stock as a share of the SKU's demand over the replayed events (at least 1 unit). */
  openingShare: number;
  /** A sold-out SKU receives its opening quantity again this long (replay time) after. */
  restockAfterMinutes: number;
};

const MINUTE = 60_000;

const timeOf = (e: ReplayEvent): number | undefined =>
  e.kind === 'cart' ? e.invoice.minutes : undefined;

/** The replay's steps, in replay-time order, and what they do to stock. */
export const planReplay = (events: readonly ReplayEvent[], o: PlanOptions): Plan => {
  const demand = new Map<string, number>();
  const opening = new Map<string, number>();
  for (const e of events) {
    const lines = e.kind === 'cart' ? e.invoice.lines : e.lines;
    for (const l of lines) {
      if (SERVICE_CODES.has(l.sku)) continue;
      opening.set(l.sku, 0);
      if (e.kind === 'cart') demand.set(l.sku, (demand.get(l.sku) ?? 0) + l.quantity);
    }
  }
  for (const [sku, units] of demand) {
    opening.set(sku, Math.max(1, Math.ceil(units * o.openingShare)));
  }
  const available = new Map(opening);
  /** SKUs sold out now, and pending restocks by due time (replay ms). */
  const out = new Set<string>();
  const restocks: { at: number; sku: string }[] = [];
  const steps: Step[] = [];
  const plan = { unitsLost: 0, unitsSold: 0, sellOuts: 0, restocks: 0, cartsEmpty: 0 };
  const bringBack = (lines: readonly Line[]) => {
    const back: string[] = [];
    for (const l of lines) {
      const before = available.get(l.sku) ?? 0;
      available.set(l.sku, before + l.quantity);
      if (before === 0 && l.quantity > 0 && out.delete(l.sku)) back.push(l.sku);
    }
    return back;
  };
  const restockUntil = (at: number) => {
    restocks.sort((a, b) => a.at - b.at);
    // One receipt per due time: the SKUs one cart sold out come back together.
    while (restocks[0] !== undefined && restocks[0].at <= at) {
      const due = restocks[0].at;
      const lines: Line[] = [];
      while (restocks[0] !== undefined && restocks[0].at === due) {
        const { sku } = restocks[0];
        restocks.shift();
        const same = lines.find((l) => l.sku === sku);
        if (same) same.quantity += opening.get(sku) ?? 1;
        else lines.push({ sku, quantity: opening.get(sku) ?? 1 });
        plan.restocks++;
      }
      steps.push({ kind: 'restock', at: due, lines, back: bringBack(lines) });
    }
  };
  // Returns carry no time of their own: they take the time of the cart before them.
  let now = events.map(timeOf).find((m) => m !== undefined) ?? 0;
  now *= MINUTE;
  for (const e of events) {
    const minutes = timeOf(e);
    if (minutes !== undefined) now = Math.max(now, minutes * MINUTE);
    restockUntil(now);
    if (e.kind === 'return') {
      const lines = e.lines.filter((l) => !SERVICE_CODES.has(l.sku));
      if (lines.length === 0) continue;
      steps.push({ kind: 'return', at: now, invoice: e.invoice, lines, back: bringBack(lines) });
      continue;
    }
    const lines: Line[] = [];
    const soldOut: string[] = [];
    for (const l of e.invoice.lines) {
      if (SERVICE_CODES.has(l.sku)) continue;
      const left = available.get(l.sku) ?? 0;
      const quantity = Math.min(left, l.quantity);
      plan.unitsLost += l.quantity - quantity;
      if (quantity === 0) continue;
      plan.unitsSold += quantity;
      lines.push({ sku: l.sku, quantity });
      available.set(l.sku, left - quantity);
      if (left === quantity) {
        soldOut.push(l.sku);
        out.add(l.sku);
        plan.sellOuts++;
        restocks.push({ at: now + o.restockAfterMinutes * MINUTE, sku: l.sku });
      }
    }
    if (lines.length === 0) {
      plan.cartsEmpty++;
      continue;
    }
    steps.push({ kind: 'cart', at: now, invoice: e.invoice.invoice, lines, soldOut });
  }
  return { steps, opening, ...plan };
};

/** The SKUs a step changes. */
export const skusOf = (s: Step): string[] => s.lines.map((l) => l.sku);

/**
 * Replay time (ms) the plan's SKUs spend sold out, summed over every spell: from the cart that
 * takes the last units to the step that brings the SKU back, or to the last step.
 */
export const soldOutMs = (steps: readonly Step[]): number => {
  const since = new Map<string, number>();
  let total = 0;
  for (const s of steps) {
    if (s.kind === 'cart') for (const sku of s.soldOut) since.set(sku, s.at);
    else {
      for (const sku of s.back) {
        total += s.at - (since.get(sku) ?? s.at);
        since.delete(sku);
      }
    }
  }
  const end = steps.at(-1)?.at ?? 0;
  for (const at of since.values()) total += end - at;
  return total;
};
