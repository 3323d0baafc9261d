import { createRoute, z } from '@hono/zod-openapi';
import { asc, eq, sql } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { apiKeys, nowIso } from '../../db/schema';
import { ApiKey, KeyCreate, KeyCreated, KeyList } from '../../protocol/catalog';
import { Failure } from '../../protocol/errors';
import { generateApiKey, sha256Hex } from '../../shared/auth/api-key';
import { toApiKey } from '../../shared/catalog/rows';
import { createApp } from '../app';
import { forgetKey } from '../auth/key-cache';
import { requireRole } from '../auth/policy';
import { assertChannelsExist, assertLocationsExist } from '../catalog/exists';
import { bearer, errorResponses, json } from '../route-docs';
import { revokeOnEveryHub } from '../stream/revoke';

/** Which scope each role takes: storefront and connector keys act for channels, warehouse keys at locations. */
const checkScope = ({ role, channels, locations }: KeyCreate): void => {
  const a = /^[aeiou]/.test(role) ? `An ${role}` : `A ${role}`;
  const problem = (message: string) => new Failure({ code: 'validation_failed', message });
  const byChannel = role === 'storefront' || role === 'connector';
  if (byChannel && channels.length === 0) throw problem(`${a} key needs at least one channel`);
  if (!byChannel && channels.length > 0) throw problem(`${a} key takes no channels`);
  if (role === 'warehouse' && locations.length === 0) {
    throw problem('A warehouse key needs at least one location');
  }
  if (role !== 'warehouse' && locations.length > 0) throw problem(`${a} key takes no locations`);
};

export const keyRoutes = createApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/keys',
      summary: 'Create an API key (the secret is in this response only)',
      security: bearer,
      middleware: [requireRole('admin')],
      request: { body: { required: true, ...json(KeyCreate) } },
      responses: {
        201: {
          description: 'Created; store `key` now, it is never shown again',
          ...json(KeyCreated),
        },
        ...errorResponses(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      checkScope(input);
      await assertChannelsExist(c.env, input.channels);
      await assertLocationsExist(c.env, input.locations);
      const { id, key } = generateApiKey();
      const [row] = await catalogDb(c.env)
        .insert(apiKeys)
        .values({ id, ...input, hash: await sha256Hex(key) })
        .returning();
      if (row === undefined) throw new Error(`inserting API key ${id} returned no row`);
      return c.json({ ...toApiKey(row), key }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/keys',
      summary: 'List API keys (never their secrets)',
      security: bearer,
      middleware: [requireRole('admin')],
      responses: {
        200: { description: 'Every key, oldest first', ...json(KeyList) },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const rows = await catalogDb(c.env)
        .select()
        .from(apiKeys)
        .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
      return c.json({ items: rows.map(toApiKey) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/keys/{id}',
      summary: 'Revoke an API key',
      description:
        "Closes the key's stream sockets on every hub (4001) before answering, and from then on " +
        'every hub refuses its sockets and stream tickets. Over REST it is refused at once by this ' +
        'gateway isolate and within 5 seconds by every other. 503 overloaded when a hub did not ' +
        'confirm: the key is revoked all the same; revoke it again to close its sockets there.',
      security: bearer,
      middleware: [requireRole('admin')],
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: { description: 'The revoked key', ...json(ApiKey) },
        ...errorResponses(401, 403, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = catalogDb(c.env);
      const [row] = await db
        .update(apiKeys)
        .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${nowIso})` })
        .where(eq(apiKeys.id, id))
        .returning();
      if (row === undefined)
        throw new Failure({ code: 'unknown_key', message: `Unknown API key ${id}` });
      forgetKey(id);
      await revokeOnEveryHub(c.env, id);
      return c.json(toApiKey(row), 200);
    },
  );
