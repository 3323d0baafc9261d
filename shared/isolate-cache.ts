// One isolate's memory of something slow to ask (D1, every hub): entries live ttlMs, at most
// maxEntries are kept (the oldest written goes first, never a fresh one), and a write elsewhere
// in this isolate drops them at once. Only resolved values belong here: a promise one request
// made must not be awaited by another. Other isolates keep their own copy until it expires, so
// a TTL is how stale another isolate's write may be seen (docs/architecture.md).

export type IsolateCacheOptions = {
  /** How long an entry is served after it was written (Infinity: until dropped). */
  ttlMs: number;
  /** Past this many entries, each write drops the oldest. */
  maxEntries: number;
};

/** An entry as read: its value and when it was written (callers judge staleness by its age). */
export type CacheEntry<V> = { value: V; storedAt: number; expiresAt: number };

/** A per-isolate cache with a TTL, a bound on entries and explicit invalidation. */
export class IsolateCache<K, V> {
  private readonly entries = new Map<K, CacheEntry<V>>();
  private gen = 0;

  constructor(private readonly options: IsolateCacheOptions) {}

  /** The entry while it is fresh; an expired one is dropped. */
  entry(key: K, now = Date.now()): CacheEntry<V> | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry;
    this.entries.delete(key);
    return undefined;
  }

  /** The value while it is fresh. */
  get(key: K, now = Date.now()): V | undefined {
    return this.entry(key, now)?.value;
  }

  /** Keeps a value for ttlMs (or `ttlMs` given here), as the newest entry. */
  set(key: K, value: V, now = Date.now(), ttlMs = this.options.ttlMs): void {
    this.entries.delete(key);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, storedAt: now, expiresAt: now + ttlMs });
  }

  /**
   * Take this before reading what will be cached, and give it to setIfCurrent with the answer:
   * a read that overlapped an invalidation may have missed the write that caused it.
   */
  generation(): number {
    return this.gen;
  }

  /** Keeps the value unless the cache was invalidated since `generation`; false then. */
  setIfCurrent(key: K, value: V, generation: number, now = Date.now()): boolean {
    if (generation !== this.gen) return false;
    this.set(key, value, now);
    return true;
  }

  /** Drops one entry. */
  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Drops every entry whose key and value match. */
  deleteWhere(match: (key: K, value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (match(key, entry.value)) this.entries.delete(key);
  }

  /** Drops everything, and refuses values read before now (setIfCurrent). */
  invalidate(): void {
    this.gen++;
    this.entries.clear();
  }

  /** Entries held, fresh or not yet noticed as expired. */
  get size(): number {
    return this.entries.size;
  }
}
