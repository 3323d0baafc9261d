import { createRoute, z } from '@hono/zod-openapi';
import { unwrap } from '../../protocol/errors';
import {
  Delivery,
  DeliveryPage,
  DeliveryStatus,
  SignalType,
  WebhookCreate,
  WebhookCreated,
  WebhookPatch,
  WebhookView,
} from '../../protocol/webhooks';
import { webhooks } from '../../shared/stubs';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { bearer, errorResponses, json } from '../route-docs';

// Webhook subscriptions to stock signals (the Webhooks object keeps them and delivers). Admin
// keys only: a subscription's URL receives every matching signal of the mesh.

const tags = ['webhooks'];
const admin = requireRole('admin');
const IdParam = z.object({
  id: z.string().regex(/^wh_[0-9a-f]{24}$/, 'id: wh_ and 24 hex digits'),
});
const DeliveryParam = IdParam.extend({
  delivery: z.string().regex(/^msg_[0-9a-f]{24}$/, 'delivery: msg_ and 24 hex digits'),
});
const DeliveryQuery = z.object({
  cursor: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  status: DeliveryStatus.optional(),
});
const WebhookList = z.object({ items: z.array(WebhookView) });

const signalList = SignalType.options.map((t) => `\`${t}\``).join(', ');

export const webhookRoutes = createApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/webhooks',
      summary: 'Subscribe a URL to stock signals',
      description:
        `Signals: ${signalList}. Each matching signal is POSTed as \`{ type: "stock.<signal>", ` +
        'timestamp, data }` signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, ' +
        '`webhook-signature: v1,<base64>` with the `whsec_` secret returned here, once). The ' +
        '`webhook-id` is the same on every attempt: drop duplicates by it. Any 2xx within 10 s ' +
        'is a delivery; anything else is retried with exponential backoff (5 s, ×3, at most 2 h ' +
        'apart) for a day, and a subscription whose deliveries all failed for a day is disabled ' +
        '(a `webhook_disabled` signal). The URL must be https (http only to localhost).',
      tags,
      security: bearer,
      middleware: [admin],
      request: { body: { required: true, ...json(WebhookCreate) } },
      responses: {
        201: { description: 'The subscription and its signing secret', ...json(WebhookCreated) },
        ...errorResponses(400, 401, 403, 409, 415, 503),
      },
    }),
    async (c) => c.json(unwrap(await webhooks(c.env).create(c.req.valid('json'))), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks',
      summary: 'Every webhook subscription (secrets are never shown again)',
      tags,
      security: bearer,
      middleware: [admin],
      responses: {
        200: { description: 'The subscriptions', ...json(WebhookList) },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await webhooks(c.env).list() }, 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks/{id}',
      summary: 'One webhook subscription',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: IdParam },
      responses: {
        200: { description: 'The subscription', ...json(WebhookView) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => c.json(unwrap(await webhooks(c.env).get(c.req.valid('param').id)), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/v1/webhooks/{id}',
      summary: 'Change a subscription, or enable it again after it was disabled',
      description:
        '`filter: null` removes the filter. `enabled: true` re-enables a subscription disabled ' +
        'after a day of failures (its failed deliveries can then be redelivered); ' +
        '`enabled: false` stops it and gives up its pending deliveries.',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: IdParam, body: { required: true, ...json(WebhookPatch) } },
      responses: {
        200: { description: 'The subscription as changed', ...json(WebhookView) },
        ...errorResponses(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(unwrap(await webhooks(c.env).update(id, c.req.valid('json'))), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/webhooks/{id}',
      summary: 'Delete a subscription and its delivery log',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      unwrap(await webhooks(c.env).remove(c.req.valid('param').id));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/webhooks/{id}/secret',
      summary: 'Replace the signing secret (the old one stops at once)',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: IdParam },
      responses: {
        200: { description: 'The subscription and its new secret', ...json(WebhookCreated) },
        ...errorResponses(400, 401, 403, 404, 503),
      },
    }),
    async (c) => c.json(unwrap(await webhooks(c.env).rotateSecret(c.req.valid('param').id)), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks/{id}/deliveries',
      summary: "A subscription's delivery log, newest first",
      description:
        'Each delivery: its `webhook-id`, the signal, status (pending, delivered, failed), ' +
        'attempts, the next attempt, the last HTTP status and error. Kept 7 days once finished.',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: IdParam, query: DeliveryQuery },
      responses: {
        200: { description: 'A page; pass nextCursor back as cursor', ...json(DeliveryPage) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { cursor, limit, status } = c.req.valid('query');
      const q = {
        limit,
        ...(cursor !== undefined && { cursor }),
        ...(status !== undefined && { status }),
      };
      return c.json(unwrap(await webhooks(c.env).deliveries(id, q)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/webhooks/{id}/deliveries/{delivery}/redeliver',
      summary: 'Send a delivery again now, with the same webhook-id',
      tags,
      security: bearer,
      middleware: [admin],
      request: { params: DeliveryParam },
      responses: {
        202: { description: 'Queued: the delivery as it now stands', ...json(Delivery) },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id, delivery } = c.req.valid('param');
      return c.json(unwrap(await webhooks(c.env).redeliver(id, delivery)), 202);
    },
  );
