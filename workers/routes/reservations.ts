import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  checkLineCount,
  prepareReservation,
  reservationScope,
} from '../../objects/checkout/prepare';
import { unwrap } from '../../protocol/errors';
import {
  CommitRequest,
  ExtendRequest,
  MAX_CART_LINES,
  ReleaseRequest,
  ReservationId,
  ReservationRequest,
  ReservationView,
} from '../../protocol/reservations';
import { IdempotencyKey } from '../../protocol/stock';
import { checkout } from '../../shared/stubs';
import { type AppEnv, createApp } from '../app';
import { parseOr, readJson } from '../parse';
import { bearer, errorResponses, json } from '../route-docs';

const IdParam = z.object({ id: ReservationId });
const IdempotencyHeader = z.object({
  'idempotency-key': IdempotencyKey.optional().openapi({
    description:
      'A retry with the same key (per channel) answers the first result, until 24 hours after the cart ended; with another cart it is refused',
  }),
});

export const reservationRoutes = createApp();

reservationRoutes.openAPIRegistry.registerPath(
  createRoute({
    method: 'post',
    path: '/v1/reservations',
    summary: 'Reserve a whole cart: every line held, or none',
    description:
      `1 to ${MAX_CART_LINES} lines, one per SKU. Lines are held at the channel's locations only: ` +
      'one location that ships the whole cart is preferred (the nearest, or the first by channel ' +
      'priority), else the fewest shipments; a line is split across locations only if the ' +
      'channel allows it and no single location can serve it. A kit line holds its components. ' +
      'If any line is short nothing is held and the error lists each short line with what is ' +
      'available where (insufficient_stock, `details.lines`); lines naming SKUs not in the ' +
      'catalog are refused likewise (unknown_sku). A finished cart is forgotten 24 hours after ' +
      'it ends: its id then answers not_found.',
    tags: ['reservations'],
    security: bearer,
    request: { headers: IdempotencyHeader, body: { required: true, ...json(ReservationRequest) } },
    responses: {
      201: {
        description: 'Every line is held (or a replay of that answer: see `replayed`)',
        ...json(ReservationView),
      },
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
    },
  }),
);

// Hand-rolled rather than `.openapi()`: too_many_lines must be answered before the lines are
// parsed, with its own code, which the shared validation hook cannot give.
reservationRoutes.post('/v1/reservations', async (c) => {
  const body = await readJson(c);
  if (typeof body === 'object' && body !== null && 'lines' in body && Array.isArray(body.lines)) {
    checkLineCount(body.lines.length);
  }
  const request = parseOr(ReservationRequest, body, 'json');
  const key = parseOr(
    IdempotencyHeader,
    { 'idempotency-key': c.req.header('idempotency-key') },
    'header',
  )['idempotency-key'];
  const input = await prepareReservation(c.env, c.get('principal'), request, key);
  const result = await checkout(c.env, input.reservationId).reserve(input);
  if (result.replayed) c.header('idempotent-replayed', 'true');
  // A replay answers the first status too: the first answer to this key was a 201.
  return c.json(unwrap(result), 201);
});

reservationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/reservations/{id}',
    summary: 'A reservation: status, lines, where each is held and why, expiry',
    tags: ['reservations'],
    security: bearer,
    request: { params: IdParam },
    responses: {
      200: { description: 'The reservation', ...json(ReservationView) },
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  async (c) => {
    const channels = reservationScope(c.get('principal'), false);
    const result = await checkout(c.env, c.req.valid('param').id).view({ channels });
    return c.json(unwrap(result), 200);
  },
);

/** The route of one lifecycle op: the same path shape, answer and errors for each. */
function lifecycleRoute<S extends z.ZodType>(op: string, schema: S, summary: string) {
  return createRoute({
    method: 'post',
    path: `/v1/reservations/{id}/${op}`,
    summary,
    description:
      'All holds or none: a hold that expired meanwhile undoes the others (hold_expired). ' +
      'Repeating a commit or a release that succeeded answers the reservation again.',
    tags: ['reservations'],
    security: bearer,
    request: { params: IdParam, body: { required: op === 'extend', ...json(schema) } },
    responses: {
      200: { description: 'The reservation', ...json(ReservationView) },
      ...errorResponses(400, 401, 403, 404, 409, 410, 415),
    },
  });
}

/** The cart's object and who acts on it: the key, and the channels it may act on. */
function lifecycleTarget(c: Context<AppEnv>, id: string) {
  const principal = c.get('principal');
  const meta = { actor: principal.keyId, channels: reservationScope(principal, true) };
  return { stub: checkout(c.env, id), meta };
}

reservationRoutes.openapi(
  lifecycleRoute('commit', CommitRequest, 'Commit every hold of the cart: the order is placed'),
  async (c) => {
    const { stub, meta } = lifecycleTarget(c, c.req.valid('param').id);
    const body = c.req.valid('json') ?? {};
    return c.json(unwrap(await stub.commit({ ...meta, ...body })), 200);
  },
);

reservationRoutes.openapi(
  lifecycleRoute('release', ReleaseRequest, 'Release every hold of the cart'),
  async (c) => {
    const { stub, meta } = lifecycleTarget(c, c.req.valid('param').id);
    return c.json(unwrap(await stub.release(meta)), 200);
  },
);

reservationRoutes.openapi(
  lifecycleRoute(
    'extend',
    ExtendRequest,
    'Extend every hold of the cart: it now expires ttlSeconds from now',
  ),
  async (c) => {
    const { stub, meta } = lifecycleTarget(c, c.req.valid('param').id);
    return c.json(unwrap(await stub.extend({ ...meta, ...c.req.valid('json') })), 200);
  },
);
