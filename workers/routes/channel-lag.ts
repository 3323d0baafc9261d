import { createRoute, z } from '@hono/zod-openapi';
import { ChannelCode } from '../../protocol/catalog';
import { Failure } from '../../protocol/errors';
import { ChannelLag, type HubChannelLag } from '../../protocol/stream';
import { canActForChannel } from '../../shared/auth/can-act';
import { getChannel } from '../../shared/catalog/cache';
import { allShards } from '../../shared/stream/rules';
import { streamHub } from '../../shared/stubs';
import { createApp } from '../app';
import { bearer, errorResponses, json } from '../route-docs';

/** Sums each subscriber's lag over the shards: cursor distances add up, seconds take the worst. */
export const aggregateLag = (channel: string, hubs: HubChannelLag[]): ChannelLag => {
  const byConnector = new Map<string, ChannelLag['connectors'][number]>();
  for (const hub of hubs) {
    for (const { connector, role, ...shard } of hub.subscribers) {
      const c = byConnector.get(connector) ?? {
        connector,
        role,
        connected: false,
        behind: 0,
        pendingSkus: 0,
        lagSeconds: 0,
        lastAckAt: null,
        shards: [],
      };
      c.connected ||= shard.connected;
      c.behind += shard.behind;
      c.pendingSkus += shard.pendingSkus;
      c.lagSeconds = Math.max(c.lagSeconds, shard.lagSeconds);
      if (shard.ackedAt !== null && (c.lastAckAt === null || shard.ackedAt > c.lastAckAt)) {
        c.lastAckAt = shard.ackedAt;
      }
      c.shards.push(shard);
      byConnector.set(connector, c);
    }
  }
  return { channel, shards: hubs.length, connectors: [...byConnector.values()] };
};

export const channelLagRoutes = createApp().openapi(
  createRoute({
    method: 'get',
    path: '/v1/channels/{code}/lag',
    summary: "How far behind each of a channel's connectors is, in cursor and in seconds",
    description:
      'Per connector and shard: the acknowledged cursor, the distance to the head, SKUs changed ' +
      'since, and the age of the oldest change not acknowledged.',
    tags: ['stream'],
    security: bearer,
    request: { params: z.object({ code: ChannelCode }) },
    responses: {
      200: { description: 'Lag of every connector of the channel', ...json(ChannelLag) },
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  async (c) => {
    const { code } = c.req.valid('param');
    const principal = c.get('principal');
    if (principal.role !== 'viewer' && !canActForChannel(principal, code)) {
      throw new Failure({
        code: 'forbidden',
        message: `Key ${principal.keyId} (${principal.role}) may not read the lag of channel ${code}`,
      });
    }
    if ((await getChannel(c.env, code)) === undefined) {
      throw new Failure({ code: 'unknown_channel', message: `Unknown channel ${code}` });
    }
    const hubs = await Promise.all(
      allShards(c.env).map((shard) => streamHub(c.env, shard).channelLag(code)),
    );
    return c.json(aggregateLag(code, hubs), 200);
  },
);
