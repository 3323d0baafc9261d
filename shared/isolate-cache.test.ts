import { describe, expect, it } from 'vitest';
import { IsolateCache } from './isolate-cache';

describe('the per-isolate cache', () => {
  it('serves an entry until its TTL ends, then forgets it', () => {
    const cache = new IsolateCache<string, number>({ ttlMs: 1_000, maxEntries: 10 });
    cache.set('a', 7, 5_000);
    expect(cache.get('a', 5_000)).toBe(7);
    expect(cache.entry('a', 5_999)).toEqual({ value: 7, storedAt: 5_000, expiresAt: 6_000 });
    expect(cache.get('a', 6_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('takes a TTL per entry when given one', () => {
    const cache = new IsolateCache<string, number>({ ttlMs: 1_000, maxEntries: 10 });
    cache.set('a', 1, 0, 10_000);
    expect(cache.get('a', 9_999)).toBe(1);
    expect(cache.get('a', 10_000)).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the oldest written, never the one just written', () => {
    const cache = new IsolateCache<string, number>({ ttlMs: Infinity, maxEntries: 3 });
    for (const [i, key] of ['a', 'b', 'c'].entries()) cache.set(key, i, 0);
    cache.set('a', 10, 0); // rewritten: now the newest
    cache.set('d', 3, 0);
    expect(cache.size).toBe(3);
    expect(cache.get('b', 0)).toBeUndefined();
    expect([cache.get('a', 0), cache.get('c', 0), cache.get('d', 0)]).toEqual([10, 2, 3]);
  });

  it('drops one entry, the entries that match, or everything', () => {
    const cache = new IsolateCache<string, string>({ ttlMs: 1_000, maxEntries: 10 });
    cache.set('h1', 'key-1', 0);
    cache.set('h2', 'key-1', 0);
    cache.set('h3', 'key-2', 0);
    cache.deleteWhere((_, keyId) => keyId === 'key-1');
    expect([cache.get('h1', 0), cache.get('h2', 0), cache.get('h3', 0)]).toEqual([
      undefined,
      undefined,
      'key-2',
    ]);
    cache.delete('h3');
    expect(cache.size).toBe(0);
    cache.set('h4', 'key-3', 0);
    cache.invalidate();
    expect(cache.get('h4', 0)).toBeUndefined();
  });

  it('refuses a value read before an invalidation, and keeps one read after', () => {
    const cache = new IsolateCache<string, number>({ ttlMs: 1_000, maxEntries: 10 });
    const before = cache.generation();
    cache.invalidate();
    expect(cache.setIfCurrent('rows', 1, before, 0)).toBe(false);
    expect(cache.get('rows', 0)).toBeUndefined();
    expect(cache.setIfCurrent('rows', 2, cache.generation(), 0)).toBe(true);
    expect(cache.get('rows', 0)).toBe(2);
  });
});
