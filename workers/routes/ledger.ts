import { createRoute, z } from '@hono/zod-openapi';
import { unwrap } from '../../protocol/errors';
import {
  HistoryPage,
  MAX_EXPORT_MOVEMENTS,
  MovementExportQuery,
  MovementPage,
  MovementQuery,
  RECONCILE_PAGE,
  ReconcileReport,
} from '../../protocol/ledger';
import { SkuCode } from '../../protocol/stock';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { assertSkuExists } from '../catalog/exists';
import { exportCsv } from '../ledger/csv-export';
import { queryMovements, skuHistory } from '../ledger/movements';
import { reconcile } from '../ledger/reconcile';
import { readScope, scopeQuery, visibleTo } from '../ledger/scope';
import { bearer, errorResponses, json } from '../route-docs';

export const ledgerRoutes = createApp();

const SCOPE_DOC =
  'An admin or viewer key reads the whole ledger, a warehouse key the movements at its locations, a storefront or connector key the movements it made; only an admin sees idempotency keys and the hold ids of carts.';

ledgerRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/movements',
    summary:
      'The movement ledger, filtered, in recording order (a time window: event-time order), paged by cursor',
    description: SCOPE_DOC,
    tags: ['ledger'],
    security: bearer,
    request: { query: MovementQuery },
    responses: {
      200: { description: 'Movements', ...json(MovementPage) },
      ...errorResponses(400, 401, 403),
    },
  }),
  async (c) => {
    const { cursor, limit, ...filter } = c.req.valid('query');
    const principal = c.get('principal');
    const query = unwrap(scopeQuery(principal, filter));
    const page = unwrap(await queryMovements(c.env, query, cursor, limit));
    const body: MovementPage = { ...page, items: page.items.map(visibleTo(principal)) };
    return c.json(body, 200);
  },
);

ledgerRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/movements.csv',
    summary: `The filtered ledger as CSV, one line per location moved, at most ${MAX_EXPORT_MOVEMENTS} movements a request`,
    description: `${SCOPE_DOC} When more movements match than \`limit\` (at most ${MAX_EXPORT_MOVEMENTS}), the \`Link\` header names the request that continues the export (\`rel="next"\`); without it the export is complete.`,
    tags: ['ledger'],
    security: bearer,
    request: { query: MovementExportQuery },
    responses: {
      200: {
        description: 'CSV',
        headers: z.object({
          link: z
            .string()
            .optional()
            .openapi({ description: '`<…&cursor=N>; rel="next"` while more movements match' }),
        }),
        content: { 'text/csv': { schema: z.string() } },
      },
      ...errorResponses(400, 401, 403),
    },
  }),
  async (c) => {
    const { cursor, limit, ...filter } = c.req.valid('query');
    const query = unwrap(scopeQuery(c.get('principal'), filter));
    const { csv, next } = unwrap(await exportCsv(c.env, query, cursor, limit));
    const headers: Record<string, string> = {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="stockmesh-movements.csv"',
    };
    if (next !== null) {
      const url = new URL(c.req.url);
      url.searchParams.set('cursor', String(next));
      headers.link = `<${url.pathname}${url.search}>; rel="next"`;
    }
    return new Response(csv, { headers });
  },
);

ledgerRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/skus/{sku}/history',
    summary: "One SKU's full history from the ledger, with the quantities after each event",
    tags: ['ledger'],
    security: bearer,
    request: {
      params: z.object({ sku: SkuCode }),
      query: z.object({
        after: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
    },
    responses: {
      200: { description: 'History', ...json(HistoryPage) },
      ...errorResponses(400, 401, 404),
    },
  }),
  async (c) => {
    const { after, limit } = c.req.valid('query');
    const { sku } = c.req.valid('param');
    const principal = c.get('principal');
    const page = await skuHistory(c.env, sku, after, limit, readScope(principal));
    const body: HistoryPage = { ...page, items: page.items.map(visibleTo(principal)) };
    // Only the catalog's SKUs have ledger rows, so only an empty page needs the catalog's word.
    if (page.items.length === 0) await assertSkuExists(c.env, sku);
    return c.json(body, 200);
  },
);

ledgerRoutes.use('/v1/admin/reconcile', requireRole('admin'));
ledgerRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/admin/reconcile',
    summary: 'Fold the ledger and compare it with the live counters: lag apart from drift',
    description: `Over the catalog in pages of SKU codes: \`limit\` SKUs (default ${RECONCILE_PAGE.default}, at most ${RECONCILE_PAGE.max}) after \`after\`; while more follow, the report's \`next\` is the code to send as \`after\`. Or only the SKUs named in \`skus\` (no paging). Each SKU read wakes its counter object.`,
    tags: ['ledger'],
    security: bearer,
    request: {
      body: {
        required: false,
        ...json(
          z
            .strictObject({
              skus: z.array(SkuCode).min(1).max(10_000).optional(),
              after: SkuCode.optional(),
              limit: z.number().int().min(1).max(RECONCILE_PAGE.max).optional(),
            })
            .refine(
              (b) => b.skus === undefined || (b.after === undefined && b.limit === undefined),
              {
                message: 'skus names the SKUs: leave out after and limit, which page the catalog',
              },
            ),
        ),
      },
    },
    responses: {
      200: { description: 'Report', ...json(ReconcileReport) },
      ...errorResponses(400, 401, 403, 415),
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const report: ReconcileReport = await reconcile(
      c.env,
      body?.skus !== undefined
        ? { skus: body.skus }
        : { after: body?.after ?? '', limit: body?.limit ?? RECONCILE_PAGE.default },
    );
    return c.json(report, 200);
  },
);
