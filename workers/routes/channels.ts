import { createRoute, z } from '@hono/zod-openapi';
import { asc, eq } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { channels, nowIso } from '../../db/schema';
import {
  Channel,
  ChannelCode,
  ChannelCreate,
  ChannelList,
  ChannelPatch,
} from '../../protocol/catalog';
import { Failure } from '../../protocol/errors';
import { invalidateCatalog } from '../../shared/catalog/cache';
import { toChannel } from '../../shared/catalog/rows';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { assertLocationsExist } from '../catalog/exists';
import { bearer, errorResponses, json } from '../route-docs';
import { pushChannelRules } from '../stream/push-rules';

const CodeParam = z.object({ code: ChannelCode });

const unknownChannel = (code: string) =>
  new Failure({
    code: 'unknown_channel',
    message: `Unknown channel ${code}`,
    details: { channel: code },
  });

export const channelRoutes = createApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/channels',
      summary: 'Create a channel and its listing rules',
      security: bearer,
      middleware: [requireRole('admin')],
      request: { body: { required: true, ...json(ChannelCreate) } },
      responses: {
        201: { description: 'Created', ...json(Channel) },
        ...errorResponses(400, 401, 403, 404, 409, 415),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      await assertLocationsExist(c.env, input.locations);
      const [row] = await catalogDb(c.env)
        .insert(channels)
        .values(input)
        .onConflictDoNothing()
        .returning();
      if (row === undefined) {
        throw new Failure({
          code: 'already_exists',
          message: `Channel ${input.code} already exists`,
        });
      }
      invalidateCatalog();
      // A new channel too: its listed quantities raise channel signals from its first change.
      const channel = toChannel(row);
      await pushChannelRules(c.env, channel);
      return c.json(channel, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels',
      summary: 'List every channel',
      security: bearer,
      responses: {
        200: { description: 'Every channel by code', ...json(ChannelList) },
        ...errorResponses(401),
      },
    }),
    async (c) => {
      const rows = await catalogDb(c.env).select().from(channels).orderBy(asc(channels.code));
      return c.json({ items: rows.map(toChannel) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels/{code}',
      summary: 'Read one channel',
      security: bearer,
      request: { params: CodeParam },
      responses: {
        200: { description: 'The channel', ...json(Channel) },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const [row] = await catalogDb(c.env).select().from(channels).where(eq(channels.code, code));
      if (row === undefined) throw unknownChannel(code);
      return c.json(toChannel(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/v1/channels/{code}',
      summary: "Change a channel's name, locations or rules",
      description: 'Rule changes apply to every SKU the channel lists, without touching stock.',
      security: bearer,
      middleware: [requireRole('admin')],
      request: { params: CodeParam, body: { required: true, ...json(ChannelPatch) } },
      responses: {
        200: { description: 'The channel as changed', ...json(Channel) },
        ...errorResponses(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const patch = c.req.valid('json');
      if (patch.locations !== undefined) await assertLocationsExist(c.env, patch.locations);
      const [row] = await catalogDb(c.env)
        .update(channels)
        .set({ ...patch, updatedAt: nowIso })
        .where(eq(channels.code, code))
        .returning();
      if (row === undefined) throw unknownChannel(code);
      invalidateCatalog();
      const channel = toChannel(row);
      await pushChannelRules(c.env, channel);
      return c.json(channel, 200);
    },
  );
