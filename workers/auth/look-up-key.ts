import { eq } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { apiKeys, nowIso } from '../../db/schema';
import { Principal } from '../../protocol/auth';
import { IsolateCache } from '../../shared/isolate-cache';

/** What D1 says about a key: its principal, or why not, and whether the key id exists at all. */
export type Verdict =
  | { ok: true; principal: Principal }
  | { ok: false; message: string; idExists: boolean };

// lastUsedAt is written at most this often per key per isolate: it is a hint, not an audit log,
// and a write per request would cost D1 more than the read the cache saves.
const recorded = new IsolateCache<string, true>({ ttlMs: 60_000, maxEntries: 10_000 });

const hashesEqual = (a: string, b: string): boolean => {
  const [x, y] = [new TextEncoder().encode(a), new TextEncoder().encode(b)];
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
};

/** Reads the key's row by id (one indexed read, never a write) and checks the secret's hash. */
export const lookUpKey = async (env: Env, keyId: string, hash: string): Promise<Verdict> => {
  const [row] = await catalogDb(env)
    .select({
      id: apiKeys.id,
      hash: apiKeys.hash,
      role: apiKeys.role,
      channels: apiKeys.channels,
      locations: apiKeys.locations,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.id, keyId));
  if (row === undefined) return { ok: false, message: 'Unknown API key', idExists: false };
  if (!hashesEqual(row.hash, hash))
    return { ok: false, message: 'Unknown API key', idExists: true };
  if (row.revokedAt !== null) {
    return {
      ok: false,
      message: `API key ${keyId} was revoked at ${row.revokedAt}`,
      idExists: true,
    };
  }
  const principal = Principal.parse({
    keyId: row.id,
    role: row.role,
    channels: row.channels,
    locations: row.locations,
  });
  return { ok: true, principal };
};

/** Records that a verified key was used, unless this isolate did so in the last minute. */
export const recordUse = async (env: Env, keyId: string, now = Date.now()): Promise<void> => {
  if (recorded.get(keyId, now)) return;
  recorded.set(keyId, true, now);
  await catalogDb(env).update(apiKeys).set({ lastUsedAt: nowIso }).where(eq(apiKeys.id, keyId));
};
