import { sellerOfAccessToken, sellerOfRefreshToken } from './amazon/seller';
import { headerOf, type SimRequest } from './shared/sim-http';

// Which simulated account a request is for. Two ways in, so connection settings work unchanged:
// - by path prefix on any host (`wrangler dev` on localhost:8790, or https://simulators.test):
//   /shopify/{shop}/..., /lwa/auth/o2/token, /amazon/..., /webhook/{receiver}
// - by the marketplace's real host, when a request reaches the simulators through the
//   MARKETPLACES service binding: {shop}.myshopify.com, api.amazon.com (LWA),
//   sellingpartnerapi-{na,eu,fe}.amazon.com.

export type Marketplace = 'shopify' | 'amazon' | 'webhook';
export type Route = { marketplace: Marketplace; account: string };

export const MARKETPLACES: readonly Marketplace[] = ['shopify', 'amazon', 'webhook'];

const LWA_HOSTS = new Set(['api.amazon.com', 'api.amazon.co.uk', 'api.amazon.co.jp']);

/** The seller an Amazon request acts for: the refresh token's (LWA) or the access token's. */
function amazonSeller(req: SimRequest, path: string): string {
  if (path.endsWith('/auth/o2/token')) {
    return (
      sellerOfRefreshToken(new URLSearchParams(req.body).get('refresh_token') ?? '') ?? '_unknown'
    );
  }
  const doc = /\/_documents\/([A-Z0-9]+)\//.exec(path);
  if (doc?.[1]) return doc[1];
  return sellerOfAccessToken(headerOf(req, 'x-amz-access-token') ?? '')?.seller ?? '_unknown';
}

export function routeOf(req: SimRequest): Route | null {
  const url = new URL(req.url);
  const path = url.pathname;
  const prefixed = /^\/(shopify|webhook)\/([\w-]+)(\/|$)/.exec(path);
  if (prefixed?.[1] === 'shopify' && prefixed[2])
    return { marketplace: 'shopify', account: prefixed[2] };
  if (prefixed?.[1] === 'webhook' && prefixed[2])
    return { marketplace: 'webhook', account: prefixed[2] };
  if (path.startsWith('/amazon/') || path.startsWith('/lwa/'))
    return { marketplace: 'amazon', account: amazonSeller(req, path) };
  const shop = /^([a-z0-9][a-z0-9-]*)\.myshopify\.com$/.exec(url.hostname);
  if (shop?.[1]) return { marketplace: 'shopify', account: shop[1] };
  if (
    LWA_HOSTS.has(url.hostname) ||
    /^sellingpartnerapi-(na|eu|fe)\.amazon\.com$/.test(url.hostname)
  ) {
    return { marketplace: 'amazon', account: amazonSeller(req, path) };
  }
  return null;
}
