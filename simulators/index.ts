import { Hono } from 'hono';
import { adsSimulators } from './ads';
import { ACCOUNT_HEADER } from './objects';
import { MARKETPLACES, type Marketplace, routeOf } from './route';

export { GoogleAdsSim, MerchantSim, MetaAdsSim } from './ads';
export { AmazonSellerSim, ShopifyShopSim, WebhookReceiverSim } from './objects';

// The marketplace simulators: a dev-only Worker (simulators/wrangler.toml), never deployed with
// the mesh. Admin endpoints under /_sim/{marketplace}/{action}?account=...; every other request is
// routed to its account's Durable Object by path prefix or by the marketplace's host (route.ts).

type SimEnv = {
  SHOPIFY: DurableObjectNamespace;
  AMAZON: DurableObjectNamespace;
  WEBHOOK: DurableObjectNamespace;
  GOOGLE_ADS: DurableObjectNamespace;
  MERCHANT: DurableObjectNamespace;
  META_ADS: DurableObjectNamespace;
};

const namespace = (env: SimEnv, m: Marketplace) =>
  m === 'shopify' ? env.SHOPIFY : m === 'amazon' ? env.AMAZON : env.WEBHOOK;

function forward(
  env: SimEnv,
  m: Marketplace,
  account: string,
  request: Request,
  body: string | null,
): Promise<Response> {
  const stub = namespace(env, m).get(namespace(env, m).idFromName(account));
  const headers = new Headers(request.headers);
  headers.set(ACCOUNT_HEADER, account);
  return stub.fetch(new Request(request.url, { method: request.method, headers, body }));
}

const app = new Hono<{ Bindings: SimEnv }>();

// The ads APIs (simulators/ads/): their hosts, path prefixes and /_sim/{google_ads|merchant|meta}.
app.use('*', adsSimulators);

app.get('/_sim', (c) =>
  c.json({
    marketplaces: MARKETPLACES,
    admin: [
      'POST /_sim/{marketplace}/faults',
      'GET /_sim/{marketplace}/listing',
      'POST /_sim/{marketplace}/reset',
      'POST /_sim/shopify/plan',
      'POST /_sim/webhook/config',
    ],
    query: '?account=<shop | seller id | receiver>',
  }),
);

app.all('/_sim/:marketplace/:action', async (c) => {
  const m = c.req.param('marketplace');
  const account = c.req.query('account');
  if (!MARKETPLACES.includes(m as Marketplace) || !account) {
    return c.json({ error: 'use /_sim/{shopify|amazon|webhook}/{action}?account=...' }, 400);
  }
  const body = c.req.method === 'GET' ? null : await c.req.text();
  return forward(c.env, m as Marketplace, account, c.req.raw, body);
});

app.all('*', async (c) => {
  const body =
    c.req.method === 'GET' || c.req.method === 'HEAD'
      ? ''
      : new TextDecoder().decode(await c.req.arrayBuffer());
  const route = routeOf({
    method: c.req.method,
    url: c.req.url,
    headers: Object.fromEntries(c.req.raw.headers),
    body,
  });
  if (!route)
    return c.json(
      {
        error: `no simulated marketplace at ${new URL(c.req.url).host}${new URL(c.req.url).pathname}`,
      },
      404,
    );
  return forward(c.env, route.marketplace, route.account, c.req.raw, body === '' ? null : body);
});

export default app;
