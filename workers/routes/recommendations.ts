import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, lte, or, type SQL } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { nowIso, recommendations } from '../../db/schema';
import { Failure } from '../../protocol/errors';
import {
  ApplyInput,
  ApplyResult,
  Recommendation,
  RecommendationId,
  RecommendationList,
  RecommendationQuery,
  RecomputeInput,
  RecomputeResult,
} from '../../protocol/recommendations';
import { canActAtLocation } from '../../shared/auth/can-act';
import { assertKnownSku } from '../../shared/catalog/known-skus';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { applyRecommendation } from '../recommendations/apply';
import { readSettings, recomputeSku, toRecommendation } from '../recommendations/store';
import { streamRecommendations } from '../recommendations/stream';
import { bearer, errorResponses, json } from '../route-docs';

// The list runs in urgency order; a cursor is the last row's (urgentAt, id).
const Cursor = z.tuple([z.string(), RecommendationId]);
const encodeCursor = (urgentAt: string, id: string) => btoa(JSON.stringify([urgentAt, id]));
const decodeCursor = (cursor: string): [string, string] => {
  try {
    return Cursor.parse(JSON.parse(atob(cursor)));
  } catch {
    throw new Failure({
      code: 'validation_failed',
      message: 'query.cursor: pass back a nextCursor as it was given',
    });
  }
};

export const recommendationRoutes = createApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/recommendations/recompute',
      summary: "Recompute one SKU's recommendations now",
      tags: ['recommendations'],
      security: bearer,
      middleware: [requireRole('admin', 'warehouse')],
      request: { body: { required: true, ...json(RecomputeInput) } },
      responses: {
        200: { description: "The SKU's recommendations after it", ...json(RecomputeResult) },
        ...errorResponses(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { sku } = c.req.valid('json');
      await assertKnownSku(c.env, sku);
      const result = await recomputeSku(c.env, sku, await readSettings(c.env), Date.now());
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/recommendations',
      summary: 'Recommendations, most urgent first (open ones unless `status` says otherwise)',
      tags: ['recommendations'],
      security: bearer,
      request: { query: RecommendationQuery },
      responses: {
        200: { description: 'A page', ...json(RecommendationList) },
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const r = recommendations;
      const where: (SQL | undefined)[] = [eq(r.status, q.status)];
      if (q.kind !== undefined) where.push(eq(r.kind, q.kind));
      if (q.sku !== undefined) where.push(eq(r.sku, q.sku));
      if (q.location !== undefined) {
        where.push(or(eq(r.location, q.location), eq(r.fromLocation, q.location)));
      }
      if (q.dueBy !== undefined) where.push(lte(r.urgentAt, new Date(q.dueBy).toISOString()));
      if (q.urgent === true) where.push(lte(r.urgentAt, new Date().toISOString()));
      if (q.cursor !== undefined) {
        const [urgentAt, id] = decodeCursor(q.cursor);
        where.push(or(gt(r.urgentAt, urgentAt), and(eq(r.urgentAt, urgentAt), gt(r.id, id))));
      }
      const rows = await catalogDb(c.env)
        .select()
        .from(r)
        .where(and(...where))
        .orderBy(asc(r.urgentAt), asc(r.id))
        .limit(q.limit + 1);
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      const nextCursor =
        rows.length > q.limit && last !== undefined ? encodeCursor(last.urgentAt, last.id) : null;
      return c.json({ items: page.map(toRecommendation), nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/recommendations/{id}',
      summary: 'One recommendation, whatever its status',
      tags: ['recommendations'],
      security: bearer,
      request: { params: z.object({ id: RecommendationId }) },
      responses: {
        200: { description: 'The recommendation', ...json(Recommendation) },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const [row] = await catalogDb(c.env)
        .select()
        .from(recommendations)
        .where(eq(recommendations.id, id));
      if (row === undefined) {
        throw new Failure({ code: 'not_found', message: `No recommendation ${id}` });
      }
      return c.json(toRecommendation(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/recommendations/{id}/dismiss',
      summary: 'Dismiss an open recommendation: recomputes keep it dismissed for 7 days',
      description:
        'Unless its quantity moves by more than half. Admin keys, or warehouse keys at its location.',
      tags: ['recommendations'],
      security: bearer,
      middleware: [requireRole('admin', 'warehouse')],
      request: { params: z.object({ id: RecommendationId }) },
      responses: {
        200: { description: 'The recommendation, dismissed', ...json(Recommendation) },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = catalogDb(c.env);
      const [row] = await db.select().from(recommendations).where(eq(recommendations.id, id));
      if (row === undefined) {
        throw new Failure({ code: 'not_found', message: `No recommendation ${id}` });
      }
      if (!canActAtLocation(c.get('principal'), row.location)) {
        throw new Failure({
          code: 'forbidden',
          message: `Key ${c.get('principal').keyId} may not dismiss recommendation ${id} at ${row.location}`,
        });
      }
      if (row.status === 'dismissed') return c.json(toRecommendation(row), 200);
      const [after] = await db
        .update(recommendations)
        .set({
          status: 'dismissed',
          dismissedAt: new Date().toISOString(),
          dismissedQuantity: row.quantity,
          updatedAt: nowIso,
        })
        .where(and(eq(recommendations.id, id), eq(recommendations.status, 'open')))
        .returning();
      if (after === undefined) {
        throw new Failure({
          code: 'invalid_state',
          message: `Recommendation ${id} is ${row.status}: only an open one can be dismissed`,
          details: { status: row.status },
        });
      }
      const dismissed = toRecommendation(after);
      await streamRecommendations(c.env, [{ change: 'dismissed', recommendation: dismissed }]);
      return c.json(dismissed, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/recommendations/{id}/apply',
      summary: 'Apply an open recommendation: the transfer, or the expected receipt, it recommends',
      description:
        'Through the same checks as the manual operation, once per revision (idempotency key `rec:<id>:<revision>`; a repeat answers the first result, `replayed: true`). 409 recommendation_stale when available units at its locations moved since it was computed or `revision` is not the current one; nothing is changed then. Admin keys, or warehouse keys at every location it concerns.',
      tags: ['recommendations'],
      security: bearer,
      middleware: [requireRole('admin', 'warehouse')],
      request: {
        params: z.object({ id: RecommendationId }),
        body: { required: false, ...json(ApplyInput) },
      },
      responses: {
        200: { description: 'The recommendation, applied', ...json(ApplyResult) },
        ...errorResponses(400, 401, 403, 404, 409, 415),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { revision } = c.req.valid('json') ?? {};
      const result = await applyRecommendation(c.env, c.get('principal'), id, revision);
      if (result.replayed) c.header('idempotent-replayed', 'true');
      return c.json(result, 200);
    },
  );
