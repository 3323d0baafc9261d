import type { Sku } from '../../../protocol/catalog';
import type { LocationStock } from '../../../protocol/stock';
import type { StreamRow } from '../../../protocol/stream';
import { type Movement, movementsBetween, unitsCommitted } from './movements';
import { demandPerDayIn } from './row-demand';
import { newMemory, recordSale, SalesClock, type SalesMemory, unitsPerDay } from './sales-rate';
import { ALL, inScope, type Scope, sellableIn, unitsIn } from './scope';
import { gradeStock, type Status } from './status';

/** One SKU on the wall. */
export type Entry = {
  readonly index: number;
  readonly code: string;
  title: string;
  /** Lower-case code and title, for search. */
  haystack: string;
  locations: LocationStock[];
  seq: number;
  /** When the last event of the SKU happened (ISO), '' before its first row. */
  at: string;
  sales: SalesMemory;
  /** Derived for the current scope. */
  member: boolean;
  sellable: number;
  status: Status;
  perDay: number;
  onHand: number;
  reserved: number;
  /** performance.now() of the last live change, for the flash; 0 when none. */
  changedAt: number;
};

export type Filters = { search: string; status: Status | 'all' };

export type Counters = {
  skus: number;
  out: number;
  low: number;
  onHand: number;
  reserved: number;
};

export type StoreListener = {
  /** A SKU's state or grade changed (flash: it moved live, not by a re-grade or a snapshot). */
  changed(entry: Entry, flash: boolean): void;
  /** The set or order of visible SKUs changed. */
  reordered(): void;
  movement(m: Movement): void;
};

const dailySalesOf = (sku: Pick<Sku, 'attributes'>): number => {
  const value = sku.attributes.dailySales;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
};

/**
 * Every SKU's latest state and what the wall derives from it: the grade in the current scope,
 * the counters, and the visible order (filtered, by code). Updates are applied as they arrive;
 * drawing is the wall's business (it batches per animation frame).
 */
export class WallStore {
  readonly entries: Entry[] = [];
  private readonly byCode = new Map<string, Entry>();
  /** Entry indexes in code order. */
  private order: number[] = [];
  /** Entry indexes shown, in code order. */
  visible: Int32Array = new Int32Array(0);
  /** Position of each entry in `visible`, -1 when hidden. */
  slot: Int32Array = new Int32Array(0);
  scope: Scope = ALL;
  filters: Filters = { search: '', status: 'all' };
  counters: Counters = { skus: 0, out: 0, low: 0, onHand: 0, reserved: 0 };
  /** Live changes applied since the page loaded (replays after a drop included). */
  liveChanges = 0;
  readonly clock: SalesClock;
  private listeners: StoreListener[] = [];
  private visibleStale = false;

  constructor(catalog: readonly Pick<Sku, 'code' | 'title' | 'attributes'>[]) {
    const sorted = [...catalog].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    let total = 0;
    for (const sku of sorted) {
      this.add(sku.code, sku.title, dailySalesOf(sku));
      total += dailySalesOf(sku);
    }
    this.clock = new SalesClock(total);
    this.refilter();
  }

  listen(listener: StoreListener): void {
    this.listeners.push(listener);
  }

  get(code: string): Entry | undefined {
    return this.byCode.get(code);
  }

  /** Applies a row of the stream; `live` rows flash and feed the movement list. */
  apply(row: StreamRow, live: boolean): void {
    let entry = this.byCode.get(row.sku);
    if (entry === undefined) {
      // A SKU created after the page loaded: placed in code order from the next re-filter.
      entry = this.add(row.sku, row.sku, 0);
      this.order.pop();
      const at = this.order.findIndex((i) => (this.entries[i]?.code ?? '') > row.sku);
      this.order.splice(at < 0 ? this.order.length : at, 0, entry.index);
      this.visibleStale = true;
    }
    if (row.seq < entry.seq) return;
    const before = entry.locations;
    const now = this.clock.now();
    if (live && entry.at !== '') {
      const sold = unitsCommitted(before, row.locations);
      if (sold > 0) {
        recordSale(entry.sales, sold, now);
        this.clock.advance(sold);
      }
      for (const m of movementsBetween(row.sku, before, row.locations, row.at)) {
        for (const l of this.listeners) l.movement(m);
      }
    }
    entry.locations = row.locations;
    entry.seq = row.seq;
    entry.at = row.at;
    if (live) {
      entry.changedAt = performance.now();
      this.liveChanges++;
    }
    this.regrade(entry, now);
    for (const l of this.listeners) l.changed(entry, live);
  }

  /** Grades every SKU again: live sales decay as the sales clock moves. */
  regradeAll(): void {
    const now = this.clock.now();
    for (const entry of this.entries) {
      const status = entry.status;
      this.regrade(entry, now);
      // Only a new colour is news: the sales rate itself drifts a little for every SKU.
      if (entry.status !== status) {
        for (const l of this.listeners) l.changed(entry, false);
      }
    }
  }

  setScope(scope: Scope): void {
    this.scope = scope;
    this.counters = { skus: 0, out: 0, low: 0, onHand: 0, reserved: 0 };
    const now = this.clock.now();
    for (const entry of this.entries) {
      entry.member = false;
      entry.status = 'out';
      this.regrade(entry, now);
    }
    this.refilter();
  }

  setFilters(filters: Partial<Filters>): void {
    this.filters = { ...this.filters, ...filters };
    this.refilter();
  }

  /** Re-filters if a change moved a SKU in or out of the filters; returns whether it did. */
  settle(): boolean {
    if (!this.visibleStale) return false;
    this.refilter();
    return true;
  }

  private add(code: string, title: string, dailySales: number): Entry {
    const entry: Entry = {
      index: this.entries.length,
      code,
      title,
      haystack: `${code}\n${title}`.toLowerCase(),
      locations: [],
      seq: -1,
      at: '',
      sales: newMemory(dailySales),
      member: false,
      sellable: 0,
      status: 'out',
      perDay: dailySales,
      onHand: 0,
      reserved: 0,
      changedAt: 0,
    };
    this.entries.push(entry);
    this.byCode.set(code, entry);
    this.order.push(entry.index);
    if (this.slot.length < this.entries.length) {
      const slot = new Int32Array(Math.max(16, this.entries.length * 2)).fill(-1);
      slot.set(this.slot);
      this.slot = slot;
    }
    return entry;
  }

  /** Recomputes an entry's grade in the scope and keeps the counters in step. */
  private regrade(entry: Entry, now: number): void {
    const c = this.counters;
    if (entry.member) {
      c.skus--;
      c.onHand -= entry.onHand;
      c.reserved -= entry.reserved;
      if (entry.status === 'out') c.out--;
      if (entry.status === 'low') c.low--;
    }
    // Every SKU of the catalog is on the wall; a location or channel shows those it stocks.
    const member = this.scope.kind === 'all' || inScope(this.scope, entry.locations);
    const sellable = sellableIn(this.scope, entry.locations);
    const perDay = demandPerDayIn(this.scope, entry.locations) ?? unitsPerDay(entry.sales, now);
    const status = gradeStock(sellable, perDay);
    const { onHand, reserved } = unitsIn(this.scope, entry.locations);
    if (
      member !== entry.member ||
      (this.filters.status !== 'all' && status !== entry.status && member)
    ) {
      this.visibleStale = true;
    }
    Object.assign(entry, { member, sellable, perDay, status, onHand, reserved });
    if (member) {
      c.skus++;
      c.onHand += onHand;
      c.reserved += reserved;
      if (status === 'out') c.out++;
      if (status === 'low') c.low++;
    }
  }

  private refilter(): void {
    this.visibleStale = false;
    const { status } = this.filters;
    const words = this.filters.search.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (entry: Entry) =>
      entry.member &&
      (status === 'all' || entry.status === status) &&
      words.every((word) => entry.haystack.includes(word));
    const shown: number[] = [];
    this.slot.fill(-1);
    for (const i of this.order) {
      const entry = this.entries[i];
      if (entry !== undefined && matches(entry)) {
        this.slot[i] = shown.length;
        shown.push(i);
      }
    }
    this.visible = Int32Array.from(shown);
    for (const l of this.listeners) l.reordered();
  }
}
