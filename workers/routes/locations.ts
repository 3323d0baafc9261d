import { createRoute, z } from '@hono/zod-openapi';
import { asc, eq } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { locations, nowIso } from '../../db/schema';
import {
  Location,
  LocationCode,
  LocationCreate,
  LocationList,
  LocationPatch,
} from '../../protocol/catalog';
import { Failure } from '../../protocol/errors';
import { invalidateCatalog } from '../../shared/catalog/cache';
import { toLocation } from '../../shared/catalog/rows';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { bearer, errorResponses, json } from '../route-docs';

const CodeParam = z.object({ code: LocationCode });

const unknownLocation = (code: string) =>
  new Failure({
    code: 'unknown_location',
    message: `Unknown location ${code}`,
    details: { location: code },
  });

export const locationRoutes = createApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/locations',
      summary: 'Create a location',
      security: bearer,
      middleware: [requireRole('admin')],
      request: { body: { required: true, ...json(LocationCreate) } },
      responses: {
        201: { description: 'Created', ...json(Location) },
        ...errorResponses(400, 401, 403, 409, 415),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const [row] = await catalogDb(c.env)
        .insert(locations)
        .values(input)
        .onConflictDoNothing()
        .returning();
      if (row === undefined) {
        throw new Failure({
          code: 'already_exists',
          message: `Location ${input.code} already exists`,
        });
      }
      invalidateCatalog();
      return c.json(toLocation(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/locations',
      summary: 'List every location',
      security: bearer,
      responses: {
        200: { description: 'Every location by code', ...json(LocationList) },
        ...errorResponses(401),
      },
    }),
    async (c) => {
      const rows = await catalogDb(c.env).select().from(locations).orderBy(asc(locations.code));
      return c.json({ items: rows.map(toLocation) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/locations/{code}',
      summary: 'Read one location',
      security: bearer,
      request: { params: CodeParam },
      responses: {
        200: { description: 'The location', ...json(Location) },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const [row] = await catalogDb(c.env).select().from(locations).where(eq(locations.code, code));
      if (row === undefined) throw unknownLocation(code);
      return c.json(toLocation(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/v1/locations/{code}',
      summary: 'Change a location',
      security: bearer,
      middleware: [requireRole('admin')],
      request: { params: CodeParam, body: { required: true, ...json(LocationPatch) } },
      responses: {
        200: { description: 'The location as changed', ...json(Location) },
        ...errorResponses(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const [row] = await catalogDb(c.env)
        .update(locations)
        .set({ ...c.req.valid('json'), updatedAt: nowIso })
        .where(eq(locations.code, code))
        .returning();
      if (row === undefined) throw unknownLocation(code);
      invalidateCatalog();
      return c.json(toLocation(row), 200);
    },
  );
