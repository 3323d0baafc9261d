import type { Principal } from '../../protocol/auth';

// Verified keys, by the SHA-256 of the key. Every stock request is authenticated, and asking D1
// each time would put a database round trip (and D1's ~1,000 queries a second) on the hot path.
// A revocation made in this isolate applies at once; other isolates notice within TTL_MS.
const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

const verified = new Map<string, { principal: Principal; expiresAt: number }>();

/** The principal of a key verified less than TTL_MS ago in this isolate. */
export const cachedPrincipal = (hash: string): Principal | undefined => {
  const entry = verified.get(hash);
  if (entry === undefined) return undefined;
  if (entry.expiresAt > Date.now()) return entry.principal;
  verified.delete(hash);
  return undefined;
};

/** Remembers a verified key. */
export const cachePrincipal = (hash: string, principal: Principal): void => {
  if (verified.size >= MAX_ENTRIES) verified.clear();
  verified.set(hash, { principal, expiresAt: Date.now() + TTL_MS });
};

/** Forgets a key at once (on revocation). */
export const forgetKey = (keyId: string): void => {
  for (const [hash, entry] of verified) {
    if (entry.principal.keyId === keyId) verified.delete(hash);
  }
};
