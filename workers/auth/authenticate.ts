import type { Context, MiddlewareHandler } from 'hono';
import type { Principal } from '../../protocol/auth';
import { Failure } from '../../protocol/errors';
import { keyIdOf, secretsEqual, sha256Hex } from '../../shared/auth/api-key';
import type { AppEnv } from '../app';
import { readBearer } from './bearer';
import { cachedPrincipal, cacheEpoch, cachePrincipal, forgetHash } from './key-cache';
import { lookUpKey, recordUse } from './look-up-key';
import {
  blockedFor,
  clientAddress,
  countFailure,
  countKeyRequest,
  rateLimited,
} from './rate-limit';
import { cachedRefusal, rememberRefusal } from './refusal-cache';

const BOOTSTRAP: Principal = { keyId: 'bootstrap', role: 'admin', channels: [], locations: [] };

const unauthorized = (message: string) => new Failure({ code: 'unauthorized', message });

/** Answers 429 with Retry-After (the header survives into the error handler's response). */
const limited = (c: Context<AppEnv>, message: string, seconds: number): Failure => {
  c.header('retry-after', String(seconds));
  return rateLimited(message, seconds);
};

/** Runs work after the response where the runtime allows it (a Worker request), else unawaited. */
const inBackground = (c: Context<AppEnv>, work: Promise<unknown>): void => {
  const settled = work.catch((error: unknown) => console.error('background key check', error));
  try {
    c.executionCtx.waitUntil(settled);
  } catch {
    void settled;
  }
};

/** Asks D1 about a key and caches the answer: a principal, or a refusal for a few seconds. */
const verify = async (env: Env, keyId: string, hash: string): Promise<Principal | string> => {
  const since = cacheEpoch();
  const verdict = await lookUpKey(env, keyId, hash);
  if (!verdict.ok) {
    forgetHash(hash);
    rememberRefusal(verdict.idExists ? { hash } : { keyId }, verdict.message);
    return verdict.message;
  }
  if (!cachePrincipal(hash, verdict.principal, since)) return `API key ${keyId} was revoked`;
  await recordUse(env, keyId);
  return verdict.principal;
};

const refreshing = new Set<string>();

/** Re-checks a cached key in the background, once at a time per key. */
const refresh = (c: Context<AppEnv>, keyId: string, hash: string): void => {
  if (refreshing.has(hash)) return;
  refreshing.add(hash);
  inBackground(
    c,
    verify(c.env, keyId, hash).finally(() => refreshing.delete(hash)),
  );
};

/** The principal of the key the request presents; throws 401 or 429 as a Failure. */
const principalOf = async (c: Context<AppEnv>): Promise<Principal> => {
  const bearer = readBearer(c.req.raw.headers);
  if (!bearer.ok) throw new Failure(bearer.error);
  const key = bearer.value;
  const adminKey = c.env.ADMIN_KEY;
  if (adminKey && (await secretsEqual(key, adminKey))) return BOOTSTRAP;
  const keyId = keyIdOf(key);
  if (keyId === undefined) throw unauthorized('Malformed API key: expected smk_<id>_<secret>');
  const hash = await sha256Hex(key);
  const cached = cachedPrincipal(hash);
  if (cached !== undefined) {
    if (cached.stale) refresh(c, keyId, hash);
    return cached.principal;
  }
  // Only a key this isolate does not know costs a D1 read: limited per address first.
  const address = clientAddress(c.req.raw.headers);
  const wait = blockedFor(address);
  if (wait > 0) throw limited(c, `Too many failed authentications from ${address}`, wait);
  const answer = cachedRefusal(keyId, hash) ?? (await verify(c.env, keyId, hash));
  if (typeof answer !== 'string') return answer;
  const over = await countFailure(c.env, address);
  if (over > 0) throw limited(c, `Too many failed authentications from ${address}`, over);
  throw unauthorized(answer);
};

/** Resolves the caller's key to a principal (`c.get('principal')`), or answers 401 or 429. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const principal = await principalOf(c);
  const wait = await countKeyRequest(c.env, principal.keyId);
  if (wait > 0) throw limited(c, `Too many requests with key ${principal.keyId}`, wait);
  c.set('principal', principal);
  return next();
};
