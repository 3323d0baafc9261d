import { createRoute, z } from '@hono/zod-openapi';
import {
  AdsActionPage,
  AdsActionQuery,
  AdsConnection,
  AdsConnectionPatch,
  AdsConnectionPut,
  AdsConnectionStatus,
  AdsImportResult,
  AdsMapping,
  AdsMappingPage,
  AdsMappingPut,
  AdsMappingQuery,
  AdsName,
} from '../../protocol/ads';
import { SkuCode } from '../../protocol/catalog';
import { Failure, unwrap } from '../../protocol/errors';
import { listAds, registerAds, unregisterAds } from '../../shared/ads/registry';
import { adsSync, webhooks } from '../../shared/stubs';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { assertChannelsExist, assertSkuExists } from '../catalog/exists';
import { missingSkus } from '../connectors/catalog-skus';
import { parseMappingImport, problemsOr } from '../connectors/mapping-import';
import { bearer, errorResponses, json } from '../route-docs';

// Ads that follow stock (docs/ads.md): ads connections, their SKU → entity mappings, the action
// log and the status. Admin keys only. The AdsSync object checks settings, credentials and
// mappings with the kind's adapter; these routes check roles, the catalog and the body's shape.

const NameParam = z.object({ name: AdsName });
const SkuParam = z.object({ name: AdsName, sku: SkuCode });
const tags = ['ads'];
const admin = requireRole('admin');

const FORMATS = { 'application/x-ndjson': 'ndjson', 'text/csv': 'csv' } as const;
const formatOf = (contentType: string | undefined): 'ndjson' | 'csv' => {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase();
  if (essence === 'application/x-ndjson' || essence === 'text/csv') return FORMATS[essence];
  throw new Failure({
    code: 'unsupported_media_type',
    message: `Content-Type ${contentType ?? '(none)'}: send application/x-ndjson or text/csv`,
    details: { contentType: contentType ?? null, accepted: Object.keys(FORMATS) },
  });
};

const AdsList = z.object({
  items: z.array(z.object({ name: AdsName, kind: z.string(), channel: z.string() })),
  nextCursor: AdsName.nullable(),
});
const AdsListQuery = z.object({
  cursor: AdsName.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const adsRoutes = createApp()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/ads',
      summary: 'Ads connections by name',
      tags,
      security: bearer,
      middleware: [admin],
      request: { query: AdsListQuery },
      responses: {
        200: { description: 'A page; pass nextCursor back as cursor', ...json(AdsList) },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { cursor, limit } = c.req.valid('query');
      const rows = await listAds(c.env, cursor, limit + 1);
      const items = rows.slice(0, limit);
      return c.json(
        { items, nextCursor: rows.length > limit ? (items.at(-1)?.name ?? null) : null },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/ads/{name}',
      summary: 'Create or replace an ads connection',
      description:
        'Kind google_ads, merchant or meta; settings and credentials are checked against the kind ' +
        '(docs/ads.md). Credentials are stored encrypted and never returned. `channel` is the ' +
        'channel whose listed quantity the ads follow; `rules` the pause and resume thresholds. ' +
        'Another kind forgets the mappings and the action log.',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: NameParam, body: { required: true, ...json(AdsConnectionPut) } },
      responses: {
        200: { description: 'The connection (without credentials)', ...json(AdsConnection) },
        ...errorResponses(400, 401, 403, 404, 415, 503),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      await assertChannelsExist(c.env, [body.channel]);
      // Parsed: the RPC's inferred type is circular through the Worker entry's own type.
      const conn = AdsConnection.parse(unwrap(await adsSync(c.env, name).putConnection(body)));
      await registerAds(c.env, { name, kind: conn.kind, channel: conn.channel });
      return c.json(conn, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/ads/{name}',
      summary: 'Read an ads connection',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: NameParam },
      responses: {
        200: { description: 'The connection', ...json(AdsConnection) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => c.json(unwrap(await adsSync(c.env, c.req.valid('param').name).connection()), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/v1/ads/{name}',
      summary:
        "Change an ads connection's settings, channel, rules or state, or replace its credentials",
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: NameParam, body: { required: true, ...json(AdsConnectionPatch) } },
      responses: {
        200: { description: 'The connection as changed', ...json(AdsConnection) },
        ...errorResponses(400, 401, 403, 404, 415, 503),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      if (body.channel !== undefined) await assertChannelsExist(c.env, [body.channel]);
      const conn = AdsConnection.parse(unwrap(await adsSync(c.env, name).patchConnection(body)));
      await registerAds(c.env, { name, kind: conn.kind, channel: conn.channel });
      return c.json(conn, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/ads/{name}',
      summary: 'Delete an ads connection: its credentials, mappings and action log',
      description: 'Entities it paused stay paused at the ads API: resume them there if needed.',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: NameParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      unwrap(await adsSync(c.env, name).deleteConnection());
      await unregisterAds(c.env, name);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/ads/{name}/mappings/{sku}',
      summary: "Set a SKU's ad entities (campaigns, ad groups, ad sets or offers)",
      description:
        "`entities`: each the kind's mapping (docs/ads.md#mappings); replaces the SKU's entities.",
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: SkuParam, body: { required: true, ...json(AdsMappingPut) } },
      responses: {
        200: { description: 'The mapping', ...json(AdsMapping) },
        ...errorResponses(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { name, sku } = c.req.valid('param');
      await assertSkuExists(c.env, sku);
      return c.json(unwrap(await adsSync(c.env, name).putMapping(sku, c.req.valid('json'))), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/ads/{name}/mappings/{sku}',
      summary: "Forget a SKU's ad entities (an entity paused for it alone is resumed)",
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: SkuParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { name, sku } = c.req.valid('param');
      unwrap(await adsSync(c.env, name).deleteMapping(sku));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/ads/{name}/mappings',
      summary: 'Mapped SKUs and their entities, by SKU code, a page at a time',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: NameParam, query: AdsMappingQuery },
      responses: {
        200: { description: 'A page; pass nextCursor back as cursor', ...json(AdsMappingPage) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      return c.json(unwrap(await adsSync(c.env, name).mappings(c.req.valid('query'))), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/ads/{name}/mappings/import',
      summary: 'Map many SKUs to their ad entities at once',
      description:
        "One line per SKU × entity: NDJSON objects with `sku` and the mapping's fields, or CSV with a " +
        'header row `sku,<fields>`. The SKUs named get exactly the entities listed. Every line is ' +
        'checked first; if any is invalid nothing is imported and every problem is listed by line.',
      tags,
      security: bearer,
      middleware: [admin],
      request: {
        params: NameParam,
        body: {
          required: true,
          content: {
            'application/x-ndjson': { schema: z.string() },
            'text/csv': { schema: z.string() },
          },
        },
      },
      responses: {
        200: { description: 'Imported', ...json(AdsImportResult) },
        ...errorResponses(400, 401, 403, 404, 413, 415),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const format = formatOf(c.req.header('content-type'));
      // Not JSON, so no validator read it: decoded here and parsed line by line.
      const text = new TextDecoder().decode(await c.req.arrayBuffer());
      const lines = unwrap(parseMappingImport(format, text));
      const missing = await missingSkus(c.env, [...new Set(lines.map((l) => l.sku))]);
      const unknown = lines
        .filter((l) => missing.has(l.sku))
        .map((l) => ({ line: l.line, message: `SKU ${l.sku} is not in the catalog` }));
      unwrap(problemsOr(unknown, lines));
      return c.json(unwrap(await adsSync(c.env, name).importMappings(lines)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/ads/{name}/actions',
      summary: 'The action log: every pause and resume, newest first, with its reason in numbers',
      description:
        'Each action names the entity, the SKU and signal behind it, the rule in numbers (listed, ' +
        'cover, threshold), and its fate: queued, sending, applied, failed or superseded.',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: NameParam, query: AdsActionQuery },
      responses: {
        200: { description: 'A page; pass nextCursor back as before', ...json(AdsActionPage) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      return c.json(unwrap(await adsSync(c.env, name).actions(c.req.valid('query'))), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/ads/{name}/status',
      summary: 'How an ads connection stands',
      description:
        'Entities paused, actions waiting, SKUs held sold out, signals received, throttle, last ' +
        'error, and how far the relay of stock signals lags toward it (signals behind, the ' +
        "oldest one's age, refusals).",
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: NameParam },
      responses: {
        200: { description: 'The status', ...json(AdsConnectionStatus) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const [state, relay] = await Promise.all([
        adsSync(c.env, name).state(),
        webhooks(c.env).adsRelayLag(name),
      ]);
      return c.json({ ...unwrap(state), relay }, 200);
    },
  );
