import type { Principal } from '../../protocol/auth';
import { IsolateCache } from '../../shared/isolate-cache';

// Verified keys, by the SHA-256 of the key. Every stock request is authenticated, and asking D1
// each time would put a database round trip (and D1's ~1,000 queries a second) on the hot path.
// A revocation made in this isolate applies at once; other isolates notice within TTL_MS. An entry
// older than FRESH_MS is still served while it is checked again in the background, so a key in
// steady use never waits for D1.
export const TTL_MS = 5_000;
const FRESH_MS = 3_000;
const MAX_ENTRIES = 10_000;

const verified = new IsolateCache<string, Principal>({ ttlMs: TTL_MS, maxEntries: MAX_ENTRIES });
/** Revocations made in this isolate: the epoch each key was revoked at. */
const revoked = new IsolateCache<string, number>({ ttlMs: Infinity, maxEntries: MAX_ENTRIES });
let epoch = 0;

/** Take this before asking D1 about a key, and give it to cachePrincipal with the answer. */
export const cacheEpoch = (): number => epoch;

/** The principal of a key verified less than TTL_MS ago here; `stale` when due for a re-check. */
export const cachedPrincipal = (
  hash: string,
  now = Date.now(),
): { principal: Principal; stale: boolean } | undefined => {
  const entry = verified.entry(hash, now);
  if (entry === undefined) return undefined;
  return { principal: entry.value, stale: now - entry.storedAt >= FRESH_MS };
};

/**
 * Remembers a key D1 said was valid, unless it was revoked here after `since` (an epoch taken
 * before D1 was asked): an answer read before a revocation must never outlive it. False then.
 */
export const cachePrincipal = (
  hash: string,
  principal: Principal,
  since: number,
  now = Date.now(),
): boolean => {
  if ((revoked.get(principal.keyId) ?? -1) > since) return false;
  verified.set(hash, principal, now);
  return true;
};

/** Forgets a key at once (on revocation), and refuses answers about it already in flight. */
export const forgetKey = (keyId: string): void => {
  epoch++;
  revoked.set(keyId, epoch);
  verified.deleteWhere((_, principal) => principal.keyId === keyId);
};

/** Drops one cached key (a re-check found it no longer valid). */
export const forgetHash = (hash: string): void => {
  verified.delete(hash);
};
