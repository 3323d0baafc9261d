import { describe, expect, it } from 'vitest';
import type { Principal } from '../../protocol/auth';
import { cachedPrincipal, cacheEpoch, cachePrincipal, forgetKey, TTL_MS } from './key-cache';

const principal = (keyId: string): Principal => ({
  keyId,
  role: 'viewer',
  channels: [],
  locations: [],
});
const unique = () => crypto.randomUUID();

describe('the verified-key cache', () => {
  it('serves a key for TTL_MS, marked stale for a re-check before it expires', () => {
    const [hash, keyId] = [unique(), unique()];
    cachePrincipal(hash, principal(keyId), cacheEpoch(), 1_000);
    expect(cachedPrincipal(hash, 1_000)).toEqual({ principal: principal(keyId), stale: false });
    expect(cachedPrincipal(hash, 1_000 + TTL_MS - 1)?.stale).toBe(true);
    expect(cachedPrincipal(hash, 1_000 + TTL_MS)).toBeUndefined();
  });

  it('refuses an answer read before the key was revoked here', () => {
    const [hash, keyId] = [unique(), unique()];
    const since = cacheEpoch();
    forgetKey(keyId);
    expect(cachePrincipal(hash, principal(keyId), since)).toBe(false);
    expect(cachedPrincipal(hash)).toBeUndefined();
    // An answer read after the revocation is D1's word: D1 says revoked, so it never gets here.
    expect(cachePrincipal(hash, principal(keyId), cacheEpoch())).toBe(true);
  });

  it('keeps caching other keys while one is revoked', () => {
    const [hash, keyId] = [unique(), unique()];
    const since = cacheEpoch();
    forgetKey(unique());
    expect(cachePrincipal(hash, principal(keyId), since)).toBe(true);
  });

  it('forgets every cached hash of a revoked key at once', () => {
    const keyId = unique();
    const hash = unique();
    cachePrincipal(hash, principal(keyId), cacheEpoch());
    forgetKey(keyId);
    expect(cachedPrincipal(hash)).toBeUndefined();
  });
});
