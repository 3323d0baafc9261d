import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { locationPolicies, nowIso, transferLanes } from '../../db/schema';
import { DEFAULT_LOCATION_POLICY, type Lane } from '../../objects/recommendations/policy';
import { LocationCode } from '../../protocol/catalog';
import { Failure } from '../../protocol/errors';
import {
  LocationPolicyInput,
  LocationPolicyView,
  TransferLaneInput,
  TransferLaneView,
} from '../../protocol/recommendations';
import { getLocations } from '../../shared/catalog/cache';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { bearer, errorResponses, json } from '../route-docs';
import { unknownLocations } from '../stock/prepare';

/** Default lanes by region pair (docs/recommendations.md): 0.5 days within a region, 1.5 across. */
export const defaultLane = (fromRegion: string, toRegion: string): Lane =>
  fromRegion === toRegion
    ? { leadTimeDays: 0.5, costPerUnit: 0 }
    : { leadTimeDays: 1.5, costPerUnit: 0 };

/** The regions of these locations, or unknown_location naming the missing ones. */
const regionsOf = async (env: Env, codes: string[]) => {
  const missing = await unknownLocations(env, codes);
  if (missing.length > 0) {
    throw new Failure({
      code: 'unknown_location',
      message: `Unknown location${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
      details: { locations: missing },
    });
  }
  const known = await getLocations(env);
  return codes.map((c) => known.get(c)?.region ?? '');
};

const CodeParam = z.object({ code: LocationCode });
const LaneParam = z.object({ from: LocationCode, to: LocationCode });

const notSelf = (from: string, to: string) => {
  if (from === to) {
    throw new Failure({
      code: 'validation_failed',
      message: `A transfer lane joins two locations: ${from} → ${to}`,
      details: { from, to },
    });
  }
};

const policyView = (
  location: string,
  row: typeof locationPolicies.$inferSelect | undefined,
): LocationPolicyView =>
  row === undefined
    ? { location, ...DEFAULT_LOCATION_POLICY, source: 'default', updatedAt: null }
    : {
        location,
        leadTimeDays: row.leadTimeDays,
        leadTimeSpreadDays: row.leadTimeSpreadDays,
        reviewPeriodDays: row.reviewPeriodDays,
        serviceLevel: row.serviceLevel,
        source: 'set',
        updatedAt: row.updatedAt,
      };

const laneView = (
  from: string,
  to: string,
  [fromRegion, toRegion]: string[],
  row: typeof transferLanes.$inferSelect | undefined,
): TransferLaneView => ({
  from,
  to,
  fromRegion: fromRegion ?? '',
  toRegion: toRegion ?? '',
  ...(row === undefined
    ? { ...defaultLane(fromRegion ?? '', toRegion ?? ''), source: 'default', updatedAt: null }
    : {
        leadTimeDays: row.leadTimeDays,
        costPerUnit: row.costPerUnit,
        source: 'set',
        updatedAt: row.updatedAt,
      }),
});

const laneWhere = (from: string, to: string) =>
  and(eq(transferLanes.fromLocation, from), eq(transferLanes.toLocation, to));

export const replenishmentSettingsRoutes = createApp()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/locations/{code}/replenishment',
      summary: "A location's replenishment settings (the defaults until set)",
      tags: ['recommendations'],
      security: bearer,
      request: { params: CodeParam },
      responses: {
        200: { description: 'Settings', ...json(LocationPolicyView) },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      await regionsOf(c.env, [code]);
      const [row] = await catalogDb(c.env)
        .select()
        .from(locationPolicies)
        .where(eq(locationPolicies.location, code));
      return c.json(policyView(code, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/locations/{code}/replenishment',
      summary: "Set a location's supplier lead time and spread, review period and service level",
      tags: ['recommendations'],
      security: bearer,
      middleware: [requireRole('admin')],
      request: { params: CodeParam, body: { required: true, ...json(LocationPolicyInput) } },
      responses: {
        200: { description: 'Settings as stored', ...json(LocationPolicyView) },
        ...errorResponses(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const input = c.req.valid('json');
      await regionsOf(c.env, [code]);
      const [row] = await catalogDb(c.env)
        .insert(locationPolicies)
        .values({ location: code, ...input })
        .onConflictDoUpdate({
          target: locationPolicies.location,
          set: { ...input, updatedAt: nowIso },
        })
        .returning();
      return c.json(policyView(code, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/transfer-lanes/{from}/{to}',
      summary: 'Lead time and cost of moving units between two locations (defaults by region)',
      tags: ['recommendations'],
      security: bearer,
      request: { params: LaneParam },
      responses: {
        200: { description: 'The lane', ...json(TransferLaneView) },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { from, to } = c.req.valid('param');
      notSelf(from, to);
      const regions = await regionsOf(c.env, [from, to]);
      const [row] = await catalogDb(c.env).select().from(transferLanes).where(laneWhere(from, to));
      return c.json(laneView(from, to, regions, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/transfer-lanes/{from}/{to}',
      summary: 'Set the lead time and cost per unit of moving units from one location to another',
      tags: ['recommendations'],
      security: bearer,
      middleware: [requireRole('admin')],
      request: { params: LaneParam, body: { required: true, ...json(TransferLaneInput) } },
      responses: {
        200: { description: 'The lane as stored', ...json(TransferLaneView) },
        ...errorResponses(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { from, to } = c.req.valid('param');
      const input = c.req.valid('json');
      notSelf(from, to);
      const regions = await regionsOf(c.env, [from, to]);
      const [row] = await catalogDb(c.env)
        .insert(transferLanes)
        .values({ fromLocation: from, toLocation: to, ...input })
        .onConflictDoUpdate({
          target: [transferLanes.fromLocation, transferLanes.toLocation],
          set: { ...input, updatedAt: nowIso },
        })
        .returning();
      return c.json(laneView(from, to, regions, row), 200);
    },
  );
