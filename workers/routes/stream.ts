import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { SUBSCRIPTION_HEADER } from '../../objects/StreamHub';
import type { AppError } from '../../protocol/errors';
import { Failure, unwrap } from '../../protocol/errors';
import { shardOf } from '../../protocol/shard';
import {
  parseCursors,
  STREAM_SUBPROTOCOL,
  StreamFilter,
  StreamInfo,
  StreamTicket,
  StreamTicketRequest,
  type Subscription,
  TICKET_SUBPROTOCOL_PREFIX,
} from '../../protocol/stream';
import { getChannel, getLocations } from '../../shared/catalog/cache';
import { streamHub } from '../../shared/stubs';
import { type AppEnv, createApp } from '../app';
import { bearer, errorResponses, json } from '../route-docs';
import { mayStream, streamChannel } from '../stream/authorize';
import { spendTicket, streamCaller } from '../stream/caller';
import { refuseSocket, upgradeHeaders } from '../stream/refuse';
import { issueTicket, TICKET_TTL_MS } from '../stream/ticket';

const list = (text: string | undefined) => (text === undefined ? undefined : text.split(','));

const StreamQuery = z.object({
  shard: z
    .string()
    .regex(/^\d{1,4}$/, 'shard: a number from 0')
    .optional(),
  channel: z.string().optional(),
  locations: z.string().optional(),
  skus: z.string().optional(),
  prefix: z.string().optional(),
  recommendations: z.enum(['true', 'false']).optional().openapi({
    description:
      '`true`: also send `recommendation` messages (opened, changed, applied, dismissed, expired) for the SKUs and locations this socket sees',
  }),
  rows: z.enum(['true', 'false']).optional().openapi({
    description:
      '`false`: no stock rows (with `recommendations=true`: a socket for recommendations only)',
  }),
  cursor: z.string().optional().openapi({
    description: 'Where to resume: `<shard>:<cursor>,…` (or one number for this shard)',
  }),
  ticket: z.string().max(4096).optional().openapi({
    description: 'A stream ticket (POST /v1/stream/tickets) in place of the key',
  }),
});

const issueOf = (error: z.ZodError, target: string): AppError => {
  const issue = error.issues[0];
  const path = [target, ...(issue?.path ?? []).map(String)].join('.');
  return { code: 'validation_failed', message: `${path}: ${issue?.message ?? 'invalid'}` };
};

/** The shard this socket streams: given, implied by the SKU list, or the only one. */
const shardFor = (
  requested: string | undefined,
  filter: StreamFilter,
  shards: number,
): number | AppError => {
  if (requested !== undefined) {
    const shard = Number(requested);
    if (shard < shards) return shard;
    return {
      code: 'validation_failed',
      message: `shard ${shard}: there are ${shards} shards, 0-${shards - 1}`,
    };
  }
  const implied = new Set(filter.skus?.map((sku) => shardOf(sku, shards)));
  const [only] = implied;
  if (implied.size === 1 && only !== undefined) return only;
  if (shards === 1) return 0;
  return {
    code: 'validation_failed',
    message: `Add ?shard=0..${shards - 1}: each shard is one socket (the typed client opens them all)`,
  };
};

/** Authenticates, authorizes and validates a stream request, then hands the socket to its hub. */
const openStream = async (c: Context<AppEnv>): Promise<Response> => {
  const headers = c.req.raw.headers;
  const refuse = (error: AppError) => refuseSocket(error, headers);
  const caller = await streamCaller(c);
  if (!caller.ok) return refuse(caller.error);
  const { principal, ticket } = caller.value;
  const query = StreamQuery.safeParse(c.req.query());
  if (!query.success) return refuse(issueOf(query.error, 'query'));
  const q = query.data;
  const bound = ticket?.ch;
  if (bound !== undefined && q.channel !== undefined && q.channel !== bound) {
    return refuse({
      code: 'forbidden',
      message: `This ticket opens channel ${bound} only; ask for a ticket for ${q.channel}`,
    });
  }
  const channel = streamChannel(principal, q.channel ?? bound);
  if (!channel.ok) return refuse(channel.error);
  const filter = StreamFilter.safeParse({
    channel: channel.value,
    locations: list(q.locations),
    skus: list(q.skus),
    prefix: q.prefix,
    ...(q.recommendations === 'true' && { recommendations: true }),
    ...(q.rows === 'false' && { rows: false }),
  });
  if (!filter.success) return refuse(issueOf(filter.error, 'query'));
  const shards = Number(c.env.STREAM_SHARDS);
  const shard = shardFor(q.shard, filter.data, shards);
  if (typeof shard !== 'number') return refuse(shard);
  const cursors = q.cursor === undefined ? {} : parseCursors(q.cursor);
  const bare = q.cursor !== undefined && /^\d{1,15}$/.test(q.cursor);
  if (cursors === undefined && !bare) {
    return refuse({
      code: 'validation_failed',
      message: 'query.cursor: expected <shard>:<cursor>,…',
    });
  }
  const from = bare ? Number(q.cursor) : (cursors?.[shard] ?? 0);

  const known = await getLocations(c.env);
  const unknown = filter.data.locations?.find((l) => !known.has(l));
  if (unknown !== undefined) {
    return refuse({ code: 'unknown_location', message: `Unknown location ${unknown}` });
  }
  let rules: Subscription['rules'];
  if (filter.data.channel !== undefined) {
    const found = await getChannel(c.env, filter.data.channel);
    if (found === undefined) {
      return refuse({ code: 'unknown_channel', message: `Unknown channel ${filter.data.channel}` });
    }
    rules = found;
  }
  if (ticket !== undefined && !(await spendTicket(c.env, ticket))) {
    return refuse({
      code: 'unauthorized',
      message: 'Stream ticket already used: ask POST /v1/stream/tickets for a new one',
    });
  }
  const { keyId, role } = principal;
  const subscription: Subscription = {
    principal: { keyId, role },
    filter: filter.data,
    from,
    rules,
  };
  // The one place the gateway fetches an object: WebSocket upgrades cannot go over RPC.
  const res = await streamHub(c.env, shard).fetch('https://stream-hub/connect', {
    headers: { upgrade: 'websocket', [SUBSCRIPTION_HEADER]: JSON.stringify(subscription) },
  });
  if (res.webSocket === null) return res;
  return new Response(null, {
    status: 101,
    webSocket: res.webSocket,
    headers: upgradeHeaders(headers),
  });
};

export const streamRoutes = createApp();

streamRoutes.openAPIRegistry.registerPath(
  createRoute({
    method: 'get',
    path: '/v1/stream',
    summary: 'Real-time stock stream (WebSocket), one socket per shard',
    description:
      'Upgrade to a WebSocket. The hub replays every matching row changed since `cursor` (a full ' +
      'snapshot in pages without one), sends `caught-up`, then every change as `update`. ' +
      `Messages are JSON, discriminated by \`type\` (protocol/stream.ts). Server clients send ` +
      '`Authorization: Bearer <key>`; browsers, which cannot, open it with a single-use ticket ' +
      `(POST /v1/stream/tickets) as \`?ticket=\` or the subprotocol \`${TICKET_SUBPROTOCOL_PREFIX}<ticket>\`, ` +
      `offering \`${STREAM_SUBPROTOCOL}\` too (the older \`stockmesh.bearer.<key>\` is still accepted). ` +
      'Refusals are close codes with a reason: 4000 invalid, 4001 unauthorized (also a revoked ' +
      'key, at once), 4003 forbidden, 4004 unknown channel or location, 4029 too many sockets for ' +
      'the key on this shard (64; retry later); 4008 asks a slow consumer to resume from its cursor.',
    tags: ['stream'],
    security: bearer,
    request: { query: StreamQuery },
    responses: {
      101: { description: 'Switching protocols' },
      ...errorResponses(400),
    },
  }),
);

streamRoutes.get('/v1/stream', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new Failure({
      code: 'upgrade_required',
      message: 'GET /v1/stream is a WebSocket: send Upgrade: websocket',
    });
  }
  return openStream(c);
});

streamRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/stream/tickets',
    summary: 'A single-use ticket that opens one stream socket (for browsers)',
    description:
      `The ticket stands for this key (its id, role and scope) for ${TICKET_TTL_MS / 60_000} ` +
      'minutes and opens one socket, on any shard; the same checks as with the key apply when it ' +
      "is used, and a revoked key's tickets stop working. A ticket asked for a `channel` opens only " +
      'that channel. Keys that may not stream (storefront, warehouse) get 403.',
    tags: ['stream'],
    security: bearer,
    request: { body: { required: false, ...json(StreamTicketRequest) } },
    responses: {
      201: { description: 'The ticket and when it expires', ...json(StreamTicket) },
      ...errorResponses(400, 401, 403, 404, 415),
    },
  }),
  async (c) => {
    const principal = c.get('principal');
    const { channel } = c.req.valid('json') ?? {};
    unwrap(channel === undefined ? mayStream(principal) : streamChannel(principal, channel));
    if (channel !== undefined && (await getChannel(c.env, channel)) === undefined) {
      throw new Failure({ code: 'unknown_channel', message: `Unknown channel ${channel}` });
    }
    const { ticket, expiresAt } = unwrap(await issueTicket(c.env, principal, channel));
    return c.json({ ticket, expiresAt }, 201);
  },
);

streamRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/stream/info',
    summary: 'How many shards the stream has, and its subprotocol',
    tags: ['stream'],
    security: bearer,
    responses: {
      200: { description: 'Stream facts', ...json(StreamInfo) },
      ...errorResponses(401),
    },
  }),
  (c) => c.json({ shards: Number(c.env.STREAM_SHARDS), subprotocol: STREAM_SUBPROTOCOL }, 200),
);
