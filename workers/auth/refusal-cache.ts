import { IsolateCache } from '../../shared/isolate-cache';

// Keys D1 refused, for a few seconds: the same made-up key sent again costs no D1 query. A key id
// with no row is remembered by id (any secret for it fails); a wrong secret or a revoked key by
// the hash of the key presented, so a right secret for that id is still looked up.
const refused = new IsolateCache<string, string>({ ttlMs: 3_000, maxEntries: 10_000 });

/** Why this key was refused a moment ago, if it was. */
export const cachedRefusal = (keyId: string, hash: string, now = Date.now()): string | undefined =>
  refused.get(`id:${keyId}`, now) ?? refused.get(`hash:${hash}`, now);

/** Remembers a refusal of a key id (no such key) or of one key's hash (wrong secret, revoked). */
export const rememberRefusal = (
  what: { keyId: string } | { hash: string },
  message: string,
  now = Date.now(),
): void => {
  // Past maxEntries the oldest goes: a flood of new keys never pushes out a fresh refusal.
  refused.set('keyId' in what ? `id:${what.keyId}` : `hash:${what.hash}`, message, now);
};
