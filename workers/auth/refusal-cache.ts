// Keys D1 refused, for a few seconds: the same made-up key sent again costs no D1 query. A key id
// with no row is remembered by id (any secret for it fails); a wrong secret or a revoked key by
// the hash of the key presented, so a right secret for that id is still looked up.
const TTL_MS = 3_000;
const MAX_ENTRIES = 10_000;

const refused = new Map<string, { message: string; expiresAt: number }>();

const read = (what: string, now: number): string | undefined => {
  const entry = refused.get(what);
  if (entry === undefined) return undefined;
  if (entry.expiresAt > now) return entry.message;
  refused.delete(what);
  return undefined;
};

/** Why this key was refused a moment ago, if it was. */
export const cachedRefusal = (keyId: string, hash: string, now = Date.now()): string | undefined =>
  read(`id:${keyId}`, now) ?? read(`hash:${hash}`, now);

/** Remembers a refusal of a key id (no such key) or of one key's hash (wrong secret, revoked). */
export const rememberRefusal = (
  what: { keyId: string } | { hash: string },
  message: string,
  now = Date.now(),
): void => {
  const name = 'keyId' in what ? `id:${what.keyId}` : `hash:${what.hash}`;
  if (refused.size >= MAX_ENTRIES) {
    // Oldest first: a flood of new keys pushes out the earliest, never a fresh refusal.
    const oldest = refused.keys().next().value;
    if (oldest !== undefined) refused.delete(oldest);
  }
  refused.delete(name);
  refused.set(name, { message, expiresAt: now + TTL_MS });
};
