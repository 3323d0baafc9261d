import { createRoute, z } from '@hono/zod-openapi';
import { reservationScope } from '../../objects/checkout/prepare';
import type { Principal } from '../../protocol/auth';
import { ChannelCode } from '../../protocol/catalog';
import { Failure, unwrap } from '../../protocol/errors';
import {
  InboundKind,
  InboundPut,
  InboundView,
  MarketplaceOrderId,
  OrderListQuery,
  OrderPage,
  type OrderView,
  OrderView as OrderViewSchema,
} from '../../protocol/orders';
import { getChannels } from '../../shared/catalog/cache';
import { channelOrders } from '../../shared/stubs';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { assertChannelsExist } from '../catalog/exists';
import { bearer, errorResponses, json } from '../route-docs';

// Marketplace orders in (docs/orders.md): the public inbound route each marketplace sends to,
// the channel's inbound configuration (admin), and the orders as recorded.

/** Headers the inbound verification reads; nothing else is handed on. */
const INBOUND_HEADERS = /^(x-shopify-|webhook-|x-stockmesh-secret$)/;

const notFound = (path: string) =>
  new Failure({ code: 'not_found', message: `No inbound route at ${path}` });

export const inboundRoutes = createApp();

// Hand-rolled: the signature covers the raw bytes, which must reach the object unparsed.
inboundRoutes.post('/v1/inbound/:channel/:kind', async (c) => {
  const channel = ChannelCode.safeParse(c.req.param('channel'));
  const kind = InboundKind.safeParse(c.req.param('kind'));
  if (!channel.success || !kind.success) throw notFound(c.req.path);
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    if (INBOUND_HEADERS.test(name)) headers[name] = value;
  });
  const body = new Uint8Array(await c.req.arrayBuffer());
  const result = await channelOrders(c.env, channel.data).receive(channel.data, {
    kind: kind.data,
    headers,
    body,
  });
  return c.json(unwrap(result), 200);
});

inboundRoutes.openAPIRegistry.registerPath(
  createRoute({
    method: 'post',
    path: '/v1/inbound/{channel}/{kind}',
    summary: "A marketplace's order delivery (public: its signature authenticates it)",
    description:
      'Shopify webhooks (orders/create, orders/cancelled, refunds/create) at kind shopify, ' +
      'Amazon ORDER_CHANGE notifications at amazon, Standard Webhooks order messages at webhook. ' +
      'Verified, deduplicated and recorded, then answered at once; the order is reserved right ' +
      'after. A delivery already received answers 200 with duplicate: true and records nothing. ' +
      'Refused: signature_invalid (missing or wrong signature), delivery_stale, validation_failed.',
    tags: ['orders'],
    request: { params: z.object({ channel: ChannelCode, kind: InboundKind }) },
    responses: {
      200: {
        description: 'Recorded (or a duplicate)',
        ...json(z.object({ accepted: z.boolean(), duplicate: z.boolean(), events: z.number() })),
      },
      ...errorResponses(400, 401, 404, 413, 415, 503),
    },
  }),
);

const CodeParam = z.object({ code: ChannelCode });
const admin = requireRole('admin');

/** The channels a principal may read orders of, in code order; null scope means every channel. */
const channelsFor = async (env: Env, p: Principal, only: string | undefined): Promise<string[]> => {
  const scope = reservationScope(p, false);
  if (only !== undefined) {
    if (scope !== null && !scope.includes(only)) {
      throw new Failure({
        code: 'forbidden',
        message: `Key ${p.keyId} (${p.role}) may not read orders of channel ${only}`,
        details: { channel: only },
      });
    }
    return [only];
  }
  const all = scope ?? [...(await getChannels(env)).keys()];
  return [...all].sort();
};

export const orderRoutes = createApp()
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/channels/{code}/inbound',
      summary: 'Take orders in from the channel’s marketplace',
      description:
        'The kind decides the route and the signature; the secret is stored encrypted and never ' +
        'returned. Amazon may add `poll` (LWA credentials) to poll searchOrders as a fallback. ' +
        '503 not_configured when the CONNECTOR_SECRET secret is missing.',
      tags: ['orders'],
      security: bearer,
      middleware: [admin],
      request: { params: CodeParam, body: { required: true, ...json(InboundPut) } },
      responses: {
        200: { description: 'The inbound configuration, without secrets', ...json(InboundView) },
        ...errorResponses(400, 401, 403, 404, 415, 503),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      await assertChannelsExist(c.env, [code]);
      return c.json(
        unwrap(await channelOrders(c.env, code).configure(code, c.req.valid('json'))),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels/{code}/inbound',
      summary: 'How the channel takes orders in, and delivery counts',
      tags: ['orders'],
      security: bearer,
      middleware: [admin],
      request: { params: CodeParam },
      responses: {
        200: { description: 'The inbound configuration, without secrets', ...json(InboundView) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      return c.json(unwrap(await channelOrders(c.env, code).inbound(code)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/channels/{code}/inbound',
      summary: 'Stop taking orders in (recorded orders stay)',
      tags: ['orders'],
      security: bearer,
      middleware: [admin],
      request: { params: CodeParam },
      responses: {
        200: { description: 'Deleted', ...json(z.object({ deleted: z.literal(true) })) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      return c.json(unwrap(await channelOrders(c.env, code).removeInbound(code)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/orders',
      summary: 'Marketplace orders, by channel then arrival',
      description:
        'Filters: status (pending, committed, oversold, unmapped, cancelled, failed) and channel. ' +
        'Admin and viewer keys read every channel; storefront and connector keys their own.',
      tags: ['orders'],
      security: bearer,
      request: { query: OrderListQuery },
      responses: {
        200: { description: 'A page of orders', ...json(OrderPage) },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { status, channel, cursor, limit } = c.req.valid('query');
      const channels = await channelsFor(c.env, c.get('principal'), channel);
      const [fromChannel, fromSeq] = cursor ? cursor.split('.') : [undefined, '0'];
      const items: OrderView[] = [];
      let nextCursor: string | null = null;
      for (const code of channels) {
        if (fromChannel !== undefined && code < fromChannel) continue;
        const after = code === fromChannel ? Number(fromSeq) : 0;
        const want = limit - items.length;
        const page = await channelOrders(c.env, code).list(code, {
          ...(status !== undefined && { status }),
          afterSeq: after,
          limit: want + 1,
        });
        items.push(...page.slice(0, want).map((p) => p.order));
        if (page.length > want) {
          nextCursor = `${code}.${page[want - 1]?.seq ?? after}`;
          break;
        }
        if (items.length === limit) {
          const last = page.at(-1);
          nextCursor = last ? `${code}.${last.seq}` : null;
          break;
        }
      }
      return c.json({ items, nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/orders/{channel}/{id}',
      summary: 'One marketplace order: its lines, reservation, holds, shortfall and notes',
      tags: ['orders'],
      security: bearer,
      request: { params: z.object({ channel: ChannelCode, id: MarketplaceOrderId }) },
      responses: {
        200: { description: 'The order', ...json(OrderViewSchema) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { channel, id } = c.req.valid('param');
      await channelsFor(c.env, c.get('principal'), channel);
      return c.json(unwrap(await channelOrders(c.env, channel).order(channel, id)), 200);
    },
  );
