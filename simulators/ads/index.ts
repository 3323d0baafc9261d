import type { MiddlewareHandler } from 'hono';
import { tokenEndpoint } from './oauth';
import { ADS_ACCOUNT_HEADER } from './objects';
import { ADS_APIS, type AdsApi, adsRouteOf } from './route';

// The ads API simulators inside the simulators Worker: a middleware that answers ads requests
// (by host or path prefix) and their admin routes, /_sim/{google_ads|merchant|meta}/{action}
// ?account=..., and passes everything else on to the marketplace simulators.

export { GoogleAdsSim, MerchantSim, MetaAdsSim } from './objects';

export type AdsSimEnv = {
  GOOGLE_ADS: DurableObjectNamespace;
  MERCHANT: DurableObjectNamespace;
  META_ADS: DurableObjectNamespace;
};

const namespace = (env: AdsSimEnv, api: AdsApi) =>
  api === 'google_ads' ? env.GOOGLE_ADS : api === 'merchant' ? env.MERCHANT : env.META_ADS;

const forward = (
  env: AdsSimEnv,
  api: AdsApi,
  account: string,
  request: Request,
  body: string | null,
) => {
  const ns = namespace(env, api);
  const headers = new Headers(request.headers);
  headers.set(ADS_ACCOUNT_HEADER, account);
  return ns
    .get(ns.idFromName(account))
    .fetch(new Request(request.url, { method: request.method, headers, body }));
};

export const adsSimulators: MiddlewareHandler<{ Bindings: AdsSimEnv }> = async (c, next) => {
  const url = new URL(c.req.url);
  const admin = /^\/_sim\/(\w+)\/\w+$/.exec(url.pathname)?.[1];
  const body =
    c.req.method === 'GET' || c.req.method === 'HEAD'
      ? ''
      : new TextDecoder().decode(await c.req.raw.clone().arrayBuffer());
  if (admin !== undefined) {
    if (!ADS_APIS.includes(admin as AdsApi)) return next();
    const account = c.req.query('account');
    if (!account) return c.json({ error: `use /_sim/${admin}/{action}?account=...` }, 400);
    return forward(c.env, admin as AdsApi, account, c.req.raw, body === '' ? null : body);
  }
  const route = adsRouteOf({
    method: c.req.method,
    url: c.req.url,
    headers: Object.fromEntries(c.req.raw.headers),
    body,
  });
  if (route === null) return next();
  if (route.api === 'oauth') {
    const res = tokenEndpoint(body, Date.now());
    return new Response(res.body, { status: res.status, headers: res.headers });
  }
  return forward(c.env, route.api, route.account, c.req.raw, body === '' ? null : body);
};
