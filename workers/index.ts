import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { Failure } from '../protocol/errors';
import { createApp, onError } from './app';
import { authenticate } from './auth/authenticate';
import { docsPage } from './docs-page';
import { jsonBodies } from './json-body';
import { reconcile } from './ledger/reconcile';
import { recomputeScheduled } from './recommendations/cron';
import { adsRoutes } from './routes/ads';
import { batchRoutes } from './routes/batch';
import { channelLagRoutes } from './routes/channel-lag';
import { channelRoutes } from './routes/channels';
import { connectionRoutes } from './routes/connections';
import { healthRoutes } from './routes/health';
import { keyRoutes } from './routes/keys';
import { kitRoutes } from './routes/kits';
import { ledgerRoutes } from './routes/ledger';
import { locationRoutes } from './routes/locations';
import { inboundRoutes, orderRoutes } from './routes/orders';
import { recommendationRoutes } from './routes/recommendations';
import { replenishmentSettingsRoutes } from './routes/replenishment-settings';
import { reservationRoutes } from './routes/reservations';
import { signalRoutes } from './routes/signals';
import { skuImportRoutes } from './routes/sku-import';
import { skuRoutes } from './routes/skus';
import { stockRoutes } from './routes/stock';
import { streamRoutes } from './routes/stream';
import { thresholdRoutes } from './routes/thresholds';
import { webhookRoutes } from './routes/webhooks';

export { AdsSync } from '../objects/AdsSync';
export { ChannelOrders } from '../objects/ChannelOrders';
export { ChannelSync } from '../objects/ChannelSync';
export { Checkout } from '../objects/Checkout';
export { SkuStock } from '../objects/SkuStock';
export { StreamHub } from '../objects/StreamHub';
export { Webhooks } from '../objects/Webhooks';

/** Bodies above this size are refused before parsing; batch and import routes raise it. */
// Not exported: workerd takes every named export of the main module for an entrypoint.
const DEFAULT_BODY_LIMIT = 256 * 1024;
const LARGE_BODY_LIMIT = 8 * 1024 * 1024;
const LARGE_BODY_PATHS = new Set(['/v1/movements/batch', '/v1/skus/import']);
const MAPPING_IMPORT = /^\/v1\/channels\/[^/]+\/mappings\/import$/;

const app = createApp();

app.use('*', async (c, next) => {
  const requestId = c.req.header('cf-ray') ?? crypto.randomUUID();
  c.set('requestId', requestId);
  await next();
  c.header('x-request-id', requestId);
});

app.use('/v1/*', async (c, next) => {
  const large = LARGE_BODY_PATHS.has(c.req.path) || MAPPING_IMPORT.test(c.req.path);
  const maxSize = large ? LARGE_BODY_LIMIT : DEFAULT_BODY_LIMIT;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new Failure({
        code: 'payload_too_large',
        message: `Request body exceeds ${maxSize} bytes`,
        details: { maxBytes: maxSize },
      });
    },
  })(c, next);
});

// Every /v1 route needs an API key except health; /openapi.json, /docs and / are public.
// The stream authenticates itself: a refused WebSocket gets a close code and reason, not a 401.
// Inbound orders are public: the marketplace's signature authenticates them (docs/orders.md).
app.use('/v1/*', except(['/v1/health', '/v1/stream', '/v1/inbound/*'], authenticate));
// Every body is JSON (or empty), except the imports' NDJSON or CSV, which those routes check.
app.use(
  '/v1/*',
  except(
    ['/v1/skus/import', '/v1/channels/:code/mappings/import', '/v1/ads/:name/mappings/import'],
    jsonBodies,
  ),
);

app.route('/', healthRoutes);
app.route('/', keyRoutes);
app.route('/', skuImportRoutes);
app.route('/', skuRoutes);
app.route('/', locationRoutes);
app.route('/', replenishmentSettingsRoutes);
app.route('/', thresholdRoutes);
app.route('/', signalRoutes);
app.route('/', recommendationRoutes);
app.route('/', channelRoutes);
app.route('/', channelLagRoutes);
app.route('/', connectionRoutes);
app.route('/', adsRoutes);
app.route('/', webhookRoutes);
app.route('/', streamRoutes);
app.route('/', stockRoutes);
app.route('/', kitRoutes);
app.route('/', reservationRoutes);
app.route('/', inboundRoutes);
app.route('/', orderRoutes);
app.route('/', batchRoutes);
app.route('/', ledgerRoutes);

app.doc31('/openapi.json', {
  openapi: '3.1.0',
  info: {
    title: 'Stockmesh',
    version: '0.1.0',
    description: 'Real-time inventory sync mesh: one authoritative stock counter per SKU.',
  },
});
app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
  type: 'http',
  scheme: 'bearer',
});
app.get('/docs', (c) => c.html(docsPage));
// `/` is the stock wall (web/): static assets answer it before the Worker runs; this serves it
// when the Worker is called directly, and falls back to the docs where no assets are bound.
app.get('/', (c) => (c.env.ASSETS ? c.env.ASSETS.fetch(c.req.raw) : c.redirect('/docs')));

app.notFound((c) => {
  throw new Failure({ code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` });
});
app.onError(onError);

/**
 * The Cron Trigger (wrangler.toml [triggers]): the ledger reconciliation and the recommendations
 * recompute (docs/recommendations.md); their reports go to the logs.
 */
const scheduled = async (controller: ScheduledController, env: Env, ctx: ExecutionContext) => {
  ctx.waitUntil(
    recomputeScheduled(env, controller.scheduledTime).then((report) => {
      console[report.failed.length > 0 ? 'error' : 'log'](
        JSON.stringify({ recommendations: report }),
      );
    }),
  );
  ctx.waitUntil(
    // The whole catalog in one pass: the cron's run is not bound to a client waiting for it.
    reconcile(env, { after: '', limit: Number.POSITIVE_INFINITY }).then((report) => {
      const level = report.drift.skus > 0 ? 'error' : 'log';
      console[level](
        JSON.stringify({ reconcile: { ...report, lag: { ...report.lag, items: undefined } } }),
      );
    }),
  );
};

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<Env>;
