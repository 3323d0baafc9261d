import { and, eq, isNull } from 'drizzle-orm';
import type { MiddlewareHandler } from 'hono';
import { catalogDb } from '../../db/client';
import { apiKeys, nowIso } from '../../db/schema';
import { Principal } from '../../protocol/auth';
import { Failure } from '../../protocol/errors';
import type { AppEnv } from '../app';
import { keyIdOf, secretsEqual, sha256Hex } from './api-key';
import { readBearer } from './bearer';
import { cachedPrincipal, cachePrincipal } from './key-cache';

const BOOTSTRAP: Principal = { keyId: 'bootstrap', role: 'admin', channels: [], locations: [] };

const unauthorized = (message: string) => new Failure({ code: 'unauthorized', message });

/** Looks the key up in D1, recording its use; answers why when it is not valid. */
const verify = async (env: Env, keyId: string, hash: string): Promise<Principal> => {
  const db = catalogDb(env);
  const [row] = await db
    .update(apiKeys)
    .set({ lastUsedAt: nowIso })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .returning();
  if (row !== undefined) {
    return Principal.parse({
      keyId: row.id,
      role: row.role,
      channels: row.channels,
      locations: row.locations,
    });
  }
  const [revoked] = await db
    .select({ revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.hash, hash)));
  if (revoked?.revokedAt)
    throw unauthorized(`API key ${keyId} was revoked at ${revoked.revokedAt}`);
  throw unauthorized('Unknown API key');
};

/** Resolves the caller's key to a principal (`c.get('principal')`), or answers 401. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const bearer = readBearer(c.req.raw.headers);
  if (!bearer.ok) throw new Failure(bearer.error);
  const key = bearer.value;
  const adminKey = c.env.ADMIN_KEY;
  if (adminKey && (await secretsEqual(key, adminKey))) {
    c.set('principal', BOOTSTRAP);
    return next();
  }
  const keyId = keyIdOf(key);
  if (keyId === undefined) throw unauthorized('Malformed API key: expected smk_<id>_<secret>');
  const hash = await sha256Hex(key);
  let principal = cachedPrincipal(hash);
  if (principal === undefined) {
    principal = await verify(c.env, keyId, hash);
    cachePrincipal(hash, principal);
  }
  c.set('principal', principal);
  return next();
};
