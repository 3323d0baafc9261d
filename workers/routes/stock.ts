import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { Failure } from '../../protocol/errors';
import {
  AdjustCommand,
  CancelCommand,
  ClientIdempotencyKey,
  Command,
  CommitCommand,
  CountCommand,
  EventPage,
  ExpectCommand,
  ExtendCommand,
  HoldCommand,
  HoldId,
  HoldView,
  MarkUnavailableCommand,
  MutationOutcome,
  ReceiveCommand,
  ReleaseCommand,
  ReleaseUnavailableCommand,
  ReturnCommand,
  SetSafetyStockCommand,
  ShipCommand,
  SkuCode,
  StockView,
  TransferId,
  TransferInCommand,
  TransferOutCommand,
} from '../../protocol/stock';
import { refuseKitHold } from '../../shared/catalog/kits';
import { assertKnownSku } from '../../shared/catalog/known-skus';
import { skuStock } from '../../shared/stubs';
import { type AppEnv, createApp } from '../app';
import { inScope, readScope, visibleTo } from '../ledger/scope';
import { parseOr, readJson } from '../parse';
import { bearer, errorResponses, json } from '../route-docs';
import { mayReadHold } from '../stock/authorize';
import { prepareCommand } from '../stock/prepare';

const SkuParam = z.object({ sku: SkuCode });
const HoldParam = SkuParam.extend({ holdId: HoldId });
const TransferParam = SkuParam.extend({ transferId: TransferId });
const IdempotencyHeader = z.object({
  'idempotency-key': ClientIdempotencyKey.optional().openapi({
    description:
      "Replays with the same key (from the same API key) return the first result; reuse with another body is refused; keys starting co: are the reservations' own",
  }),
});

const applied = { description: 'Applied (or replayed: see `replayed`)', ...json(MutationOutcome) };
const mutationErrors = errorResponses(400, 401, 403, 404, 409, 410, 412, 413, 415, 422);

/** Documents a POST route whose body is `body` (the command without what the path carries). */
const documentMovement = (
  path: string,
  summary: string,
  params: z.ZodObject,
  body: z.ZodObject,
  created: boolean,
) =>
  stockRoutes.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path,
      summary,
      tags: ['stock'],
      security: bearer,
      request: { params, headers: IdempotencyHeader, body: { required: true, ...json(body) } },
      responses: { [created ? 201 : 200]: applied, ...mutationErrors },
    }),
  );

/** Sends one command to its SKU's counter and renders the outcome. */
const applyCommand = async (c: Context<AppEnv>, sku: string, raw: Command, created: boolean) => {
  const { command, scope } = await prepareCommand(c.env, c.get('principal'), raw);
  // Before any object is touched, as the reads do: a code nobody created gets no stored object.
  // A known SKU is remembered per isolate, so the hot path asks D1 nothing.
  await assertKnownSku(c.env, sku);
  if (command.op === 'hold') await refuseKitHold(c.env, sku);
  const key = parseOr(
    IdempotencyHeader,
    { 'idempotency-key': c.req.header('idempotency-key') },
    'header',
  )['idempotency-key'];
  const result = await skuStock(c.env, sku).apply(command, {
    key,
    actor: c.get('principal').keyId,
    scope,
  });
  if (result.replayed || (result.ok && result.value.replayed))
    c.header('idempotent-replayed', 'true');
  if (!result.ok) throw new Failure(result.error);
  // A replay answers the first status too: a retried create is still a 201.
  return c.json(result.value, created ? 201 : 200);
};

/**
 * One POST route per stock operation. The body is read once and parsed once, as the command
 * (`op` and the ids in the path are filled in; a body naming them is refused as unknown fields).
 */
const movement = (spec: {
  path: string;
  summary: string;
  op: Command['op'];
  body: z.ZodObject;
  params?: typeof HoldParam | typeof TransferParam;
  created?: boolean;
}) => {
  const params = spec.params ?? SkuParam;
  documentMovement(spec.path, spec.summary, params, spec.body, spec.created ?? false);
  const honoPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
  stockRoutes.post(honoPath, async (c) => {
    const ids = parseOr(params, c.req.param(), 'param');
    const body = await readJson(c);
    // Spreading an array or a string below would turn it into index keys and a misleading error.
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new Failure({ code: 'validation_failed', message: 'The body must be a JSON object' });
    }
    const inPath = Object.keys(ids).filter((k) => k !== 'sku');
    if (
      typeof body === 'object' &&
      body !== null &&
      ['op', 'sku', ...inPath].some((k) => k in body)
    ) {
      throw new Failure({
        code: 'validation_failed',
        message: `The body may not carry op, sku${inPath.map((k) => `, ${k}`).join('')}: they come from the path`,
      });
    }
    const { sku, ...pathIds } = ids;
    const command = parseOr(Command, { ...Object(body), ...pathIds, op: spec.op }, 'json');
    return applyCommand(c, sku, command, spec.created ?? false);
  });
};

const body = <T extends z.ZodObject>(schema: T) => schema.omit({ op: true });

export const stockRoutes = createApp();

stockRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/skus/{sku}/stock',
    summary: 'Quantities of one SKU at every location',
    tags: ['stock'],
    security: bearer,
    request: { params: SkuParam },
    responses: { 200: { description: 'Stock', ...json(StockView) }, ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { sku } = c.req.valid('param');
    await assertKnownSku(c.env, sku);
    const result = await skuStock(c.env, sku).getStock();
    if (!result.ok) throw new Failure(result.error);
    const view: StockView = result.value;
    return c.json(view, 200);
  },
);

stockRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/skus/{sku}/events',
    summary: "Page through a SKU's event log by seq",
    description:
      'Scoped as the ledger is: an admin or viewer key reads every event, a warehouse key the events at its locations, a storefront or connector key the events it made; only an admin sees idempotency keys and the hold ids of carts. A scoped page may carry fewer events than `limit`: follow `next` until it is null.',
    tags: ['stock'],
    security: bearer,
    request: {
      params: SkuParam,
      query: z.object({
        after: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
    },
    responses: {
      200: { description: 'Events', ...json(EventPage) },
      ...errorResponses(400, 401, 404),
    },
  }),
  async (c) => {
    const { after, limit } = c.req.valid('query');
    const { sku } = c.req.valid('param');
    await assertKnownSku(c.env, sku);
    const result = await skuStock(c.env, sku).getEvents(after, limit);
    if (!result.ok) throw new Failure(result.error);
    // Filtered after the object's page, whose `next` still counts every event it passed.
    const principal = c.get('principal');
    const events = result.value.events.filter(inScope(readScope(principal)));
    const page: EventPage = { ...result.value, events: events.map(visibleTo(principal)) };
    return c.json(page, 200);
  },
);

stockRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/skus/{sku}/holds/{holdId}',
    summary: 'One hold: status, allocations, expiry',
    description:
      'An admin or viewer key reads any hold, a storefront or connector key the holds of its channels, a warehouse key the holds with units at its locations; another hold is 403 forbidden.',
    tags: ['stock'],
    security: bearer,
    request: { params: HoldParam },
    responses: {
      200: { description: 'Hold', ...json(HoldView) },
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  async (c) => {
    const { sku, holdId } = c.req.valid('param');
    await assertKnownSku(c.env, sku);
    const result = await skuStock(c.env, sku).getHold(holdId);
    if (!result.ok) throw new Failure(result.error);
    const principal = c.get('principal');
    if (!mayReadHold(principal, result.value)) {
      // Names only the id, as a refused hold of another channel does: not whose it is.
      throw new Failure({
        code: 'forbidden',
        message: `Key ${principal.keyId} (${principal.role}) may not read hold ${holdId} of SKU ${sku}: it is outside the key's scope`,
        details: { role: principal.role, holdId },
      });
    }
    return c.json(result.value, 200);
  },
);

movement({
  path: '/v1/skus/{sku}/receive',
  summary: 'Receive units at a location (optionally against expected incoming)',
  body: body(ReceiveCommand),
  op: 'receive',
});
movement({
  path: '/v1/skus/{sku}/expect',
  summary: 'Record units expected at a location (purchase order): incoming',
  body: body(ExpectCommand),
  op: 'expect',
});
movement({
  path: '/v1/skus/{sku}/adjust',
  summary: 'Adjust onHand by a delta (never into reserved or committed units)',
  body: body(AdjustCommand),
  op: 'adjust',
});
movement({
  path: '/v1/skus/{sku}/count',
  summary: 'Set onHand to a counted value, optionally compare-and-swap on the expected value',
  body: body(CountCommand),
  op: 'count',
});
movement({
  path: '/v1/skus/{sku}/unavailable',
  summary: 'Mark units unavailable (damaged, quality control)',
  body: body(MarkUnavailableCommand),
  op: 'mark-unavailable',
});
movement({
  path: '/v1/skus/{sku}/unavailable/release',
  summary: 'Make unavailable units sellable again, or dispose of them',
  body: body(ReleaseUnavailableCommand),
  op: 'release-unavailable',
});
movement({
  path: '/v1/skus/{sku}/safety-stock',
  summary: 'Set the safety stock kept back at a location',
  body: body(SetSafetyStockCommand),
  op: 'set-safety-stock',
});
movement({
  path: '/v1/skus/{sku}/returns',
  summary: 'Take back returned units, to stock or to inspection',
  body: body(ReturnCommand),
  op: 'return',
});
movement({
  path: '/v1/skus/{sku}/transfers',
  summary: 'Send units from one location to another (they become incoming there)',
  body: body(TransferOutCommand),
  op: 'transfer-out',
  created: true,
});
movement({
  params: TransferParam,
  path: '/v1/skus/{sku}/transfers/{transferId}/receive',
  summary: 'Receive a transfer at its destination (incoming → onHand)',
  body: body(TransferInCommand).omit({ transferId: true }),
  op: 'transfer-in',
});
movement({
  path: '/v1/skus/{sku}/holds',
  summary: 'Hold units for a checkout, with an exact expiry',
  body: body(HoldCommand),
  op: 'hold',
  created: true,
});

const lifecycle = [
  ['extend', ExtendCommand, 'Extend a hold: it now expires ttlSeconds from now'],
  ['release', ReleaseCommand, 'Release a hold: its units are available again'],
  ['commit', CommitCommand, 'Commit a hold: the order is placed (reserved → committed)'],
  ['ship', ShipCommand, 'Ship a committed order, wholly or in part (leaves onHand)'],
  ['cancel', CancelCommand, 'Cancel what is left of a committed order'],
] as const;
for (const [op, schema, summary] of lifecycle) {
  movement({
    params: HoldParam,
    path: `/v1/skus/{sku}/holds/{holdId}/${op}`,
    summary,
    op,
    body: body(schema).omit({ holdId: true }),
  });
}
