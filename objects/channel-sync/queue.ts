import { isPending, type SyncItem } from './item';

// Risk order: under a rate limit the SKUs most likely to oversell go first. A quantity falling to
// zero first, then other decreases (largest first; a quantity the marketplace may hold unknown
// after those), then increases; oldest change first within each.

export type Risk = 'sell-out' | 'decrease' | 'increase';
const RANK: Record<Risk, number> = { 'sell-out': 0, decrease: 1, increase: 2 };

export const riskOf = (i: SyncItem): Risk => {
  if (i.listed === 0 && i.pushed !== 0) return 'sell-out';
  if (i.pushed === null || i.listed < i.pushed) return 'decrease';
  return 'increase';
};

/** A SKU the marketplace shows with units we no longer have: it never waits for a bulk job. */
export const isUrgent = (i: SyncItem): boolean =>
  i.listed === 0 && i.pushed !== null && i.pushed > 0;

/** Compares two SKUs by risk: negative when `a` goes first. */
export const byRisk = (a: SyncItem, b: SyncItem): number => {
  const rank = RANK[riskOf(a)] - RANK[riskOf(b)];
  if (rank !== 0) return rank;
  if (riskOf(a) === 'decrease') {
    const drop = (i: SyncItem) => (i.pushed === null ? -1 : i.pushed - i.listed);
    const d = drop(b) - drop(a);
    if (d !== 0) return d;
  }
  return a.changedAt - b.changedAt || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);
};

/** The SKUs to send next: the `size` riskiest of those `eligible` allows. */
export const nextBatch = (
  items: Iterable<SyncItem>,
  size: number,
  eligible: (i: SyncItem) => boolean,
): SyncItem[] => {
  if (size === 1) {
    let best: SyncItem | undefined;
    for (const i of items) if (eligible(i) && (best === undefined || byRisk(i, best) < 0)) best = i;
    return best === undefined ? [] : [best];
  }
  return [...items].filter(eligible).sort(byRisk).slice(0, size);
};

/** The SKUs whose listed quantity the marketplace does not show yet, by SKU. */
export class SyncQueue {
  private readonly items = new Map<string, SyncItem>();

  constructor(initial: Iterable<SyncItem> = []) {
    for (const i of initial) this.put(i);
  }

  /** Keeps the SKU queued while it is pending, and drops it once it is not. */
  put(item: SyncItem): void {
    if (isPending(item)) this.items.set(item.sku, item);
    else this.items.delete(item.sku);
  }

  get(sku: string): SyncItem | undefined {
    return this.items.get(sku);
  }

  get size(): number {
    return this.items.size;
  }

  values(): IterableIterator<SyncItem> {
    return this.items.values();
  }

  clear(): void {
    this.items.clear();
  }
}
