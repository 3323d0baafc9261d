import { headerOf, type SimRequest } from '../shared/sim-http';

// Which simulated ads account a request is for, by the API's real host (through the MARKETPLACES
// binding) or by path prefix on any host (`wrangler dev` on localhost:8790):
// googleads.googleapis.com | /google-ads → the customer id in the path;
// merchantapi.googleapis.com | /merchant → the account id in the path;
// graph.facebook.com | /meta → one account per access token;
// oauth2.googleapis.com/token | /google-oauth/token → the token endpoint (no account).

export type AdsApi = 'google_ads' | 'merchant' | 'meta';
export const ADS_APIS: readonly AdsApi[] = ['google_ads', 'merchant', 'meta'];
export type AdsRoute = { api: AdsApi; account: string } | { api: 'oauth' };

/** A Meta account name from its token: safe as an object name, the same for the same token. */
export const metaAccountOf = (token: string) =>
  token.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64) || '_unknown';

export function adsRouteOf(req: SimRequest): AdsRoute | null {
  const url = new URL(req.url);
  const host = url.hostname;
  const path = url.pathname;
  if ((host === 'oauth2.googleapis.com' && path === '/token') || path === '/google-oauth/token')
    return { api: 'oauth' };
  if (host === 'googleads.googleapis.com' || path.startsWith('/google-ads/')) {
    const m = /\/customers\/(\d+)\//.exec(path);
    return { api: 'google_ads', account: m?.[1] ?? '_unknown' };
  }
  if (host === 'merchantapi.googleapis.com' || path.startsWith('/merchant/')) {
    const m = /\/accounts\/(\d+)\//.exec(path);
    return { api: 'merchant', account: m?.[1] ?? '_unknown' };
  }
  if (host === 'graph.facebook.com' || path.startsWith('/meta/')) {
    const token =
      (headerOf(req, 'authorization') ?? '').replace(/^(Bearer|OAuth) /, '') ||
      url.searchParams.get('access_token') ||
      new URLSearchParams(req.body).get('access_token') ||
      '';
    return { api: 'meta', account: metaAccountOf(token) };
  }
  return null;
}
