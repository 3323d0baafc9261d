import type { ShardCursor } from './cursors';
import type { SyncItem } from './item';

// What the sync engine keeps durably, read and written synchronously (writes with no await
// between them commit together). The object's SQLite in production (store.ts), maps in tests.

/** Attempts in flight: one per-item push and one bulk job at most. */
export type AttemptSlot = 'push' | 'bulk';

export interface SyncRepo {
  item(sku: string): SyncItem | undefined;
  /** Every SKU the marketplace may not show the listed quantity of. */
  pendingItems(): SyncItem[];
  putItems(items: readonly SyncItem[]): void;
  /** Every SKU the marketplace last accepted a positive quantity of, with that quantity. */
  pushedItems(): { sku: string; pushed: number }[];
  cursors(): ShardCursor[];
  putCursor(c: ShardCursor): void;
  /** The stored JSON of the attempt in a slot; the engine parses it. */
  attempt(slot: AttemptSlot): unknown;
  putAttempt(slot: AttemptSlot, value: unknown): void;
  deleteAttempt(slot: AttemptSlot): void;
  meta(key: string): unknown;
  putMeta(key: string, value: unknown): void;
  /** The stored mapping JSON of a SKU, if one was put or imported. */
  mapping(sku: string): unknown;
  /** The stored mappings of these SKUs (those that have one), read at once for a batch. */
  mappingsOf(skus: readonly string[]): Map<string, unknown>;
  /** Records a marketplace order's expectation; false when this order was recorded already. */
  firstExpectation(orderId: string, now: number): boolean;
  /** Forgets every SKU's state, the cursors, the attempts and the meta (a new marketplace). */
  clearSync(): void;
}

const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

/** The repository in memory, copying on every read and write as storage would. */
export class MemoryRepo implements SyncRepo {
  readonly items = new Map<string, SyncItem>();
  readonly shardCursors = new Map<number, ShardCursor>();
  readonly attempts = new Map<AttemptSlot, unknown>();
  readonly metas = new Map<string, unknown>();
  readonly mappings = new Map<string, unknown>();
  readonly expectations = new Map<string, number>();

  item(sku: string) {
    return clone(this.items.get(sku));
  }
  pendingItems() {
    return [...this.items.values()].map(clone);
  }
  putItems(items: readonly SyncItem[]) {
    for (const i of items) this.items.set(i.sku, clone(i));
  }
  pushedItems() {
    return [...this.items.values()].flatMap((i) =>
      i.pushed !== null && i.pushed > 0 ? [{ sku: i.sku, pushed: i.pushed }] : [],
    );
  }
  cursors() {
    return [...this.shardCursors.values()].map(clone);
  }
  putCursor(c: ShardCursor) {
    this.shardCursors.set(c.shard, clone(c));
  }
  attempt(slot: AttemptSlot) {
    return clone(this.attempts.get(slot));
  }
  putAttempt(slot: AttemptSlot, value: unknown) {
    this.attempts.set(slot, clone(value));
  }
  deleteAttempt(slot: AttemptSlot) {
    this.attempts.delete(slot);
  }
  meta(key: string) {
    return clone(this.metas.get(key));
  }
  putMeta(key: string, value: unknown) {
    this.metas.set(key, clone(value));
  }
  mapping(sku: string) {
    return clone(this.mappings.get(sku));
  }
  mappingsOf(skus: readonly string[]) {
    return new Map(skus.flatMap((s) => (this.mappings.has(s) ? [[s, this.mapping(s)]] : [])));
  }
  firstExpectation(orderId: string, now: number) {
    if (this.expectations.has(orderId)) return false;
    this.expectations.set(orderId, now);
    return true;
  }
  clearSync() {
    this.expectations.clear();
    this.items.clear();
    this.shardCursors.clear();
    this.attempts.clear();
    this.metas.clear();
  }
}
