import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { skuSyncView } from '../../objects/channel-sync/sku-detail';
import { listedQuantity } from '../../objects/stream-hub/listed';
import { ChannelCode, SkuCode } from '../../protocol/catalog';
import {
  Connection,
  ConnectionPatch,
  ConnectionPut,
  ConnectionTest,
  MAX_MAPPING_LINES,
  Mapping,
  MappingImportResult,
  MappingListQuery,
  MappingPage,
  SkuSyncDetail,
  SyncStatus,
  UnmappedPage,
  UnmappedQuery,
} from '../../protocol/connections';
import { Failure, unwrap } from '../../protocol/errors';
import { shardOf } from '../../protocol/shard';
import { canActForChannel } from '../../shared/auth/can-act';
import { getChannel } from '../../shared/catalog/cache';
import { assertKnownSku } from '../../shared/catalog/known-skus';
import { listingRules } from '../../shared/stream/rules';
import { channelSync, skuStock, streamHub } from '../../shared/stubs';
import { type AppEnv, createApp } from '../app';
import { requireRole } from '../auth/policy';
import { assertChannelsExist, assertSkuExists } from '../catalog/exists';
import { missingSkus, skuCodesAfter } from '../connectors/catalog-skus';
import { parseMappingImport, problemsOr } from '../connectors/mapping-import';
import { bearer, errorResponses, json } from '../route-docs';

// A channel's connection to its marketplace, its SKU mappings and its sync status. Everything is
// kept by the channel's ChannelSync object; these routes check roles, the catalog and the body's
// shape, and the object checks settings, credentials and mappings with the kind's adapter.

const CodeParam = z.object({ code: ChannelCode });
const SkuParam = z.object({ code: ChannelCode, sku: SkuCode });
const tags = ['connectors'];
const readers = requireRole('admin', 'viewer');
const admin = requireRole('admin');

const unknownChannel = (code: string) =>
  new Failure({
    code: 'unknown_channel',
    message: `Unknown channel ${code}`,
    details: { channel: code },
  });

/** 404 unknown_channel unless the catalog has the channel (cached read). */
const knownChannel = async (c: Context<AppEnv>, code: string) => {
  if ((await getChannel(c.env, code)) === undefined) throw unknownChannel(code);
  return channelSync(c.env, code);
};

/** Admin and viewer keys, and the channel's own connector keys, may read its sync. */
const assertMayReadSync = (c: Context<AppEnv>, code: string): void => {
  const principal = c.get('principal');
  const allowed =
    principal.role === 'viewer' ||
    (principal.role !== 'storefront' && canActForChannel(principal, code));
  if (!allowed) {
    throw new Failure({
      code: 'forbidden',
      message: `Key ${principal.keyId} (${principal.role}) may not read the sync of channel ${code}`,
    });
  }
};

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

/** Catalog codes examined per D1 read when looking for unmapped SKUs. */
const UNMAPPED_SCAN = 1000;

export const connectionRoutes = createApp()
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/channels/{code}/connection',
      summary: "Create or replace a channel's connection to its marketplace",
      description:
        'Settings and credentials are checked against the kind (docs/connectors.md). Credentials ' +
        'are stored encrypted and never returned. A replacement with another kind or other ' +
        'settings starts the sync over (another kind also forgets the mappings); new ' +
        'credentials alone keep it. 503 not_configured when the CONNECTOR_SECRET secret is missing.',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: CodeParam, body: { required: true, ...json(ConnectionPut) } },
      responses: {
        200: { description: 'The connection (without credentials)', ...json(Connection) },
        ...errorResponses(400, 401, 403, 404, 415, 503),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      await assertChannelsExist(c.env, [code]);
      return c.json(unwrap(await channelSync(c.env, code).putConnection(c.req.valid('json'))), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels/{code}/connection',
      summary: "Read a channel's connection",
      description:
        'Shows which credential fields are set and when they changed, never their values.',
      tags,
      security: bearer,
      middleware: [readers],
      request: { params: CodeParam },
      responses: {
        200: { description: 'The connection', ...json(Connection) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      return c.json(unwrap(await (await knownChannel(c, code)).connection()), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/v1/channels/{code}/connection',
      summary: "Change a connection's settings, or replace its credentials",
      description:
        'Settings fields given replace those stored, the others stay; credentials are replaced ' +
        'as a whole, only when given. What was pushed stays valid.',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: CodeParam, body: { required: true, ...json(ConnectionPatch) } },
      responses: {
        200: { description: 'The connection as changed', ...json(Connection) },
        ...errorResponses(400, 401, 403, 404, 415, 503),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const sync = await knownChannel(c, code);
      return c.json(unwrap(await sync.patchConnection(c.req.valid('json'))), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/channels/{code}/connection/pause',
      summary: 'Stop pushing to the marketplace (changes keep being read)',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: CodeParam },
      responses: {
        200: { description: 'The connection, paused', ...json(Connection) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      return c.json(unwrap(await (await knownChannel(c, code)).pause()), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/channels/{code}/connection/resume',
      summary: 'Push again, starting with what changed while paused',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: CodeParam },
      responses: {
        200: { description: 'The connection, active', ...json(Connection) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      return c.json(unwrap(await (await knownChannel(c, code)).resume()), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/channels/{code}/connection/test',
      summary: 'Check the settings and credentials with the marketplace, changing nothing there',
      description: 'Answers 200 either way: `ok`, or the coded reason the marketplace gave.',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: CodeParam },
      responses: {
        200: { description: 'What the marketplace said', ...json(ConnectionTest) },
        ...errorResponses(400, 401, 403, 404, 503),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      return c.json(unwrap(await (await knownChannel(c, code)).probe()), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/channels/{code}/connection',
      summary:
        'Disconnect the channel: forget its connection, credentials, mappings and sync state',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: CodeParam },
      responses: { 204: { description: 'Disconnected' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      unwrap(await (await knownChannel(c, code)).deleteConnection());
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/channels/{code}/mappings/{sku}',
      summary: "Map a SKU to the marketplace's item",
      description: "The body is the mapping for the connection's kind (docs/connectors.md).",
      tags,
      security: bearer,
      middleware: [admin],
      request: {
        params: SkuParam,
        body: { required: true, ...json(z.record(z.string(), z.unknown())) },
      },
      responses: {
        200: { description: 'The mapping', ...json(Mapping) },
        ...errorResponses(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { code, sku } = c.req.valid('param');
      const sync = await knownChannel(c, code);
      await assertSkuExists(c.env, sku);
      return c.json(unwrap(await sync.putMapping(sku, c.req.valid('json'))), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels/{code}/mappings',
      summary: "A channel's SKU mappings by SKU code, a page at a time",
      tags,
      security: bearer,
      middleware: [readers],
      request: { params: CodeParam, query: MappingListQuery },
      responses: {
        200: { description: 'A page; pass nextCursor back as cursor', ...json(MappingPage) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const sync = await knownChannel(c, code);
      return c.json(unwrap(await sync.mappings(c.req.valid('query'))), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/channels/{code}/mappings/import',
      summary: 'Map many SKUs at once',
      description: `One mapping per line, at most ${MAX_MAPPING_LINES}: NDJSON objects with \`sku\` and the mapping's fields, or CSV with a header row \`sku,<fields>\`. Every line is checked first (the SKU in the catalog, the fields against the kind's mapping): if any is invalid, nothing is imported and every problem is listed with its line number.`,
      tags,
      security: bearer,
      middleware: [admin],
      request: {
        params: CodeParam,
        body: {
          required: true,
          content: {
            'application/x-ndjson': { schema: z.string() },
            'text/csv': { schema: z.string() },
          },
        },
      },
      responses: {
        200: { description: 'Imported', ...json(MappingImportResult) },
        ...errorResponses(400, 401, 403, 404, 413, 415),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const sync = await knownChannel(c, code);
      const format = formatOf(c.req.header('content-type'));
      // Not JSON, so no validator read it: decoded here and parsed line by line.
      const text = new TextDecoder().decode(await c.req.arrayBuffer());
      const lines = unwrap(parseMappingImport(format, text));
      const missing = await missingSkus(
        c.env,
        lines.map((l) => l.sku),
      );
      const unknown = lines
        .filter((l) => missing.has(l.sku))
        .map((l) => ({ line: l.line, message: `SKU ${l.sku} is not in the catalog` }));
      unwrap(problemsOr(unknown, lines));
      return c.json(unwrap(await sync.importMappings(lines)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels/{code}/mappings/unmapped',
      summary: 'Catalog SKUs the connection cannot push: no mapping and no default mapping',
      tags,
      security: bearer,
      middleware: [readers],
      request: { params: CodeParam, query: UnmappedQuery },
      responses: {
        200: { description: 'A page; pass nextCursor back as cursor', ...json(UnmappedPage) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const { cursor, limit } = c.req.valid('query');
      const sync = await knownChannel(c, code);
      const items: string[] = [];
      let after = cursor;
      let more = true;
      // Scans the catalog in code order until the page is full or the catalog ends.
      while (items.length < limit && more) {
        const codes = await skuCodesAfter(c.env, after, UNMAPPED_SCAN);
        more = codes.length === UNMAPPED_SCAN;
        const unmapped = unwrap(await sync.unmappedOf(codes));
        for (const sku of unmapped) {
          if (items.length === limit) break;
          items.push(sku);
        }
        after = items.length === limit ? items.at(-1) : codes.at(-1);
      }
      const nextCursor = items.length === limit || more ? (after ?? null) : null;
      return c.json({ items, nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels/{code}/sync',
      summary: 'How the sync to the marketplace stands',
      description:
        'State, queue depth and the age of the oldest change the marketplace does not show, ' +
        'pushes per second over the last minute, throttle, last error, marketplace lag, counts, ' +
        'the bulk job in progress, and where each hub stands. Admin and viewer keys, and the ' +
        "channel's connector keys, may read it.",
      tags,
      security: bearer,
      request: { params: CodeParam },
      responses: {
        200: { description: 'The sync status', ...json(SyncStatus) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      assertMayReadSync(c, code);
      return c.json(unwrap(await (await knownChannel(c, code)).status()), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels/{code}/sync/skus/{sku}',
      summary: "One SKU's sync to the marketplace",
      description:
        "What the channel lists now (the stream's rule over the current stock), what the sync " +
        'last read, what the marketplace last accepted and when, whether a push is pending or in ' +
        "flight, a refusal, the SKU's last error, and the marketplace ids it is mapped to. Who may " +
        'read it as for the sync status.',
      tags,
      security: bearer,
      request: { params: SkuParam },
      responses: {
        200: { description: "The SKU's sync", ...json(SkuSyncDetail) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { code, sku } = c.req.valid('param');
      assertMayReadSync(c, code);
      const channel = await getChannel(c.env, code);
      if (channel === undefined) throw unknownChannel(code);
      await assertKnownSku(c.env, sku);
      const [state, stock, exposed] = await Promise.all([
        channelSync(c.env, code).skuSync(sku),
        skuStock(c.env, sku).getStock(),
        streamHub(c.env, shardOf(sku, Number(c.env.STREAM_SHARDS) || 1)).exposureOf(sku, code),
      ]);
      const listed = listedQuantity(listingRules(channel), unwrap(stock).locations, exposed);
      return c.json(skuSyncView(code, sku, unwrap(state), listed, exposed), 200);
    },
  );
