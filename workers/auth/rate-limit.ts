import { Failure } from '../../protocol/errors';
import { IsolateCache } from '../../shared/isolate-cache';

/** Cloudflare's Rate Limiting binding, or a stand-in of the same shape: one call counts one request. */
export type Limiter = { limit(options: { key: string }): Promise<{ success: boolean }> };

// The windows of the two bindings in wrangler.toml: the binding cannot tell its own period.
export const KEY_LIMIT_PERIOD_SECONDS = 10;
export const FAILURE_LIMIT_PERIOD_SECONDS = 10;

/** Addresses over their failure limit in this isolate, until their window ends. */
const blocked = new IsolateCache<string, true>({
  ttlMs: FAILURE_LIMIT_PERIOD_SECONDS * 1000,
  maxEntries: 10_000,
});

/**
 * The caller's address as Cloudflare's edge sets it. Absent on calls that never crossed the edge
 * (a service binding, the test pool): those are limited per key only.
 */
export const clientAddress = (headers: Headers): string | undefined =>
  headers.get('cf-connecting-ip') ?? undefined;

/** Counts one request against `key`; true while within the limit, or when there is no limiter. */
const within = async (limiter: Limiter | undefined, key: string): Promise<boolean> => {
  if (limiter === undefined) return true;
  try {
    return (await limiter.limit({ key })).success;
  } catch (error) {
    // A limiter outage must not become an API outage: let the request through.
    console.error('rate limiter failed; request let through', error);
    return true;
  }
};

/** The 429 every limit answers; the caller sets Retry-After from `details.retryAfterSeconds`. */
export const rateLimited = (message: string, retryAfterSeconds: number): Failure =>
  new Failure({
    code: 'rate_limited',
    message: `${message}; retry after ${retryAfterSeconds} s`,
    details: { retryAfterSeconds },
  });

/** Seconds until an address that failed too often may try again here, or 0. */
export const blockedFor = (address: string | undefined, now = Date.now()): number => {
  if (address === undefined) return 0;
  const entry = blocked.entry(address, now);
  return entry === undefined ? 0 : Math.ceil((entry.expiresAt - now) / 1000);
};

/**
 * Counts a failed authentication from an address; once it is over the limit the address is
 * refused here without asking D1 until the window ends. Returns the seconds to wait, or 0.
 */
export const countFailure = async (
  env: Env,
  address: string | undefined,
  now = Date.now(),
): Promise<number> => {
  if (address === undefined) return 0;
  if (await within(env.AUTH_FAILURE_RATE_LIMIT, address)) return 0;
  blocked.set(address, true, now);
  return FAILURE_LIMIT_PERIOD_SECONDS;
};

/** Counts an authenticated request against its key; the seconds to wait when over, or 0. */
export const countKeyRequest = async (env: Env, keyId: string): Promise<number> =>
  (await within(env.KEY_RATE_LIMIT, keyId)) ? 0 : KEY_LIMIT_PERIOD_SECONDS;
