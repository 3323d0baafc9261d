import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, gte, lt } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { nowIso, skus } from '../../db/schema';
import { Sku, SkuCode, SkuCreate, SkuListQuery, SkuPage, SkuPatch } from '../../protocol/catalog';
import { Failure } from '../../protocol/errors';
import { toSku } from '../../shared/catalog/rows';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { configureSkus } from '../catalog/configure-skus';
import { bearer, errorResponses, json } from '../route-docs';

const SkuParam = z.object({ sku: SkuCode });

const unknownSku = (code: string) =>
  new Failure({ code: 'unknown_sku', message: `Unknown SKU ${code}`, details: { sku: code } });

// Every code character sorts below U+007F, so [prefix, prefix + U+007F) is exactly the codes that
// start with prefix, and the primary key index serves it.
const PREFIX_END = '\u007f';

export const skuRoutes = createApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/skus',
      summary: 'Create a SKU',
      security: bearer,
      middleware: [requireRole('admin')],
      request: { body: { required: true, ...json(SkuCreate) } },
      responses: {
        201: { description: 'Created', ...json(Sku) },
        ...errorResponses(400, 401, 403, 409, 415),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const db = catalogDb(c.env);
      const [row] = await db.insert(skus).values(input).onConflictDoNothing().returning();
      if (row === undefined) {
        throw new Failure({ code: 'already_exists', message: `SKU ${input.code} already exists` });
      }
      try {
        await configureSkus(c.env, [row]);
      } catch (error) {
        // The catalog must never list a SKU its stock object does not know: undo, so a retry works.
        await db.delete(skus).where(eq(skus.code, row.code));
        throw error;
      }
      return c.json(toSku(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/skus',
      summary: 'List SKUs by code, a page at a time',
      security: bearer,
      request: { query: SkuListQuery },
      responses: { 200: { description: 'A page', ...json(SkuPage) }, ...errorResponses(400, 401) },
    }),
    async (c) => {
      const { prefix, cursor, limit } = c.req.valid('query');
      const rows = await catalogDb(c.env)
        .select()
        .from(skus)
        .where(
          and(
            prefix === undefined ? undefined : gte(skus.code, prefix),
            prefix === undefined ? undefined : lt(skus.code, prefix + PREFIX_END),
            cursor === undefined ? undefined : gt(skus.code, cursor),
          ),
        )
        .orderBy(asc(skus.code))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const nextCursor = rows.length > limit ? (page.at(-1)?.code ?? null) : null;
      return c.json({ items: page.map(toSku), nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/skus/{sku}',
      summary: 'Read one SKU of the catalog',
      security: bearer,
      request: { params: SkuParam },
      responses: {
        200: { description: 'The SKU', ...json(Sku) },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { sku } = c.req.valid('param');
      const [row] = await catalogDb(c.env).select().from(skus).where(eq(skus.code, sku));
      if (row === undefined) throw unknownSku(sku);
      return c.json(toSku(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/v1/skus/{sku}',
      summary: 'Change a SKU',
      description: 'Fields left out are unchanged; `attributes` replaces the whole set.',
      security: bearer,
      middleware: [requireRole('admin')],
      request: { params: SkuParam, body: { required: true, ...json(SkuPatch) } },
      responses: {
        200: { description: 'The SKU as changed', ...json(Sku) },
        ...errorResponses(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { sku } = c.req.valid('param');
      const patch = c.req.valid('json');
      const [row] = await catalogDb(c.env)
        .update(skus)
        .set({ ...patch, updatedAt: nowIso })
        .where(eq(skus.code, sku))
        .returning();
      if (row === undefined) throw unknownSku(sku);
      // Told whenever the policy is given, changed or not, so a retry after a failure converges.
      if (patch.backorderPolicy !== undefined) await configureSkus(c.env, [row]);
      return c.json(toSku(row), 200);
    },
  );
