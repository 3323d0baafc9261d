import type { Principal } from '../../protocol/auth';

// Verified keys, by the SHA-256 of the key. Every stock request is authenticated, and asking D1
// each time would put a database round trip (and D1's ~1,000 queries a second) on the hot path.
// A revocation made in this isolate applies at once; other isolates notice within TTL_MS. An entry
// older than FRESH_MS is still served while it is checked again in the background, so a key in
// steady use never waits for D1.
export const TTL_MS = 5_000;
const FRESH_MS = 3_000;
const MAX_ENTRIES = 10_000;

const verified = new Map<string, { principal: Principal; at: number }>();
/** Revocations made in this isolate: the epoch each key was revoked at. */
const revoked = new Map<string, number>();
let epoch = 0;

/** Take this before asking D1 about a key, and give it to cachePrincipal with the answer. */
export const cacheEpoch = (): number => epoch;

/** The principal of a key verified less than TTL_MS ago here; `stale` when due for a re-check. */
export const cachedPrincipal = (
  hash: string,
  now = Date.now(),
): { principal: Principal; stale: boolean } | undefined => {
  const entry = verified.get(hash);
  if (entry === undefined) return undefined;
  const age = now - entry.at;
  if (age < TTL_MS) return { principal: entry.principal, stale: age >= FRESH_MS };
  verified.delete(hash);
  return undefined;
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
  if (verified.size >= MAX_ENTRIES) {
    const oldest = verified.keys().next().value;
    if (oldest !== undefined) verified.delete(oldest);
  }
  verified.delete(hash);
  verified.set(hash, { principal, at: now });
  return true;
};

/** Forgets a key at once (on revocation), and refuses answers about it already in flight. */
export const forgetKey = (keyId: string): void => {
  epoch++;
  if (revoked.size >= MAX_ENTRIES) {
    const oldest = revoked.keys().next().value;
    if (oldest !== undefined) revoked.delete(oldest);
  }
  revoked.set(keyId, epoch);
  for (const [hash, entry] of verified) {
    if (entry.principal.keyId === keyId) verified.delete(hash);
  }
};

/** Drops one cached key (a re-check found it no longer valid). */
export const forgetHash = (hash: string): void => {
  verified.delete(hash);
};
