import {
  type DocumentNode,
  executeSync,
  GraphQLError,
  type GraphQLResolveInfo,
  getDirectiveValues,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql';
import type { z } from 'zod';
import {
  drawFault,
  Faults,
  FaultsUpdate,
  headerOf,
  json,
  type SimAccount,
  type SimRequest,
  type SimResponse,
  seededRandom,
  text,
} from '../shared/sim-http';
import { TokenBucket } from '../shared/token-bucket';
import { BulkOperations, type Ctx, type RunLine, type StageInput } from './bulk';
import { MAX_SINGLE_QUERY_COST, requestedCost } from './cost';
import { ShopOrders } from './orders';
import { REASONS, schema } from './schema';

// One simulated Shopify shop: the Admin GraphQL endpoint with its cost bucket, inventory levels
// with compare-and-set, @idempotent keys remembered and replayed, staged uploads, and bulk
// mutations that complete after a delay. Pure: the clock comes with every request.

/** Restore rate (points a second) by plan; the bucket holds 20 seconds of it. */
export const PLANS = { standard: 100, advanced: 200, plus: 1000, enterprise: 2000 } as const;
export type Plan = keyof typeof PLANS;
const MAX_INPUT = 250;
const BAD_TOKEN = {
  errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
};

/** `at`: when a push last set it (ms), so a benchmark can time what the marketplace shows. */
type Level = { available: number; applied: number; at: number; attempts: Set<string> };
type Remembered = { params: string; payload: unknown; failed: boolean };

const isGid = (type: string, id: string) => new RegExp(`^gid://shopify/${type}/(\\d+)$`).exec(id);
/** Ids whose number starts with 404 do not exist: how a test makes an unknown item or location. */
const exists = (type: string, id: string) => {
  const m = isGid(type, id);
  return m !== null && !m[1]?.startsWith('404');
};
const iso = (ms: number) => new Date(ms).toISOString();

export class ShopifyShop implements SimAccount {
  faults: Faults = Faults.parse({});
  private bucket: TokenBucket;
  private readonly levels = new Map<string, Level>();
  private readonly idem = new Map<string, Remembered>();
  private readonly bulk = new BulkOperations();
  /** Orders placed through the admin API, told as signed webhooks. */
  readonly orders: ShopOrders;
  private groups = 0;
  private random: () => number;
  readonly totals = {
    requests: 0,
    mutations: 0,
    applied: 0,
    replayed: 0,
    throttled: 0,
    stale: 0,
    duplicates: 0,
    /** Quantities set to what the level already held: a push that told the shop nothing new. */
    unchanged: 0,
    /** Units sold by orders placed here. */
    sold: 0,
    /** Units cancelled orders put back (Shopify's orderCancel with `restock: true`). */
    restocked: 0,
  };
  /** The levels each order placed here took units off, by order id, until it is cancelled. */
  private readonly orderLevels = new Map<string, { item: string; location: string; n: number }[]>();

  constructor(
    readonly shop: string,
    now: number,
    private plan: Plan = 'standard',
    seed = 1,
  ) {
    this.orders = new ShopOrders(shop);
    this.bucket = new TokenBucket(PLANS[plan], PLANS[plan] * 20, now);
    this.random = seededRandom(seed);
  }

  setFaults(update: z.input<typeof FaultsUpdate>): Faults {
    this.faults = Faults.parse({ ...this.faults, ...FaultsUpdate.parse(update) });
    return this.faults;
  }

  /** Changes the plan (its restore rate and bucket size), starting full. */
  setPlan(plan: Plan, now: number): void {
    this.plan = plan;
    this.bucket = new TokenBucket(PLANS[plan], PLANS[plan] * 20, now);
  }

  listing(now: number) {
    return {
      shop: this.shop,
      plan: this.plan,
      bucket: this.status(now),
      items: [...this.levels].map(([key, l]) => {
        const [inventoryItemId, locationId] = key.split('|');
        return {
          inventoryItemId,
          locationId,
          available: l.available,
          applied: l.applied,
          at: l.at,
        };
      }),
      totals: this.totals,
    };
  }

  /** A merchant's own edit in the Shopify admin: what makes a later compare-and-set stale. */
  merchantSets(inventoryItemId: string, locationId: string, available: number): void {
    const key = `${inventoryItemId}|${locationId}`;
    const level = this.levels.get(key) ?? {
      available: 0,
      applied: 0,
      at: 0,
      attempts: new Set<string>(),
    };
    this.levels.set(key, { ...level, available });
  }

  /** An order: Shopify takes the units off the level's available count as it is placed. */
  sells(inventoryItemId: string, locationId: string, quantity: number): void {
    const key = `${inventoryItemId}|${locationId}`;
    const level = this.levels.get(key) ?? {
      available: 0,
      applied: 0,
      at: 0,
      attempts: new Set<string>(),
    };
    this.levels.set(key, { ...level, available: level.available - quantity });
    this.totals.sold += quantity;
  }

  /** Remembers which levels an order took units off, so its cancellation can put them back. */
  soldBy(orderId: number, lines: { item: string; location: string; n: number }[]): void {
    if (lines.length > 0) this.orderLevels.set(String(orderId), lines);
  }

  /** A cancelled order restocked: its units go back on the levels it took them off, once. */
  restocks(orderId: number): void {
    for (const l of this.orderLevels.get(String(orderId)) ?? []) {
      const key = `${l.item}|${l.location}`;
      const level = this.levels.get(key);
      if (level !== undefined) this.levels.set(key, { ...level, available: level.available + l.n });
      this.totals.restocked += l.n;
    }
    this.orderLevels.delete(String(orderId));
  }

  /** The available quantity of an item at a location (0 when never set). */
  available(inventoryItemId: string, locationId: string): number {
    return this.levels.get(`${inventoryItemId}|${locationId}`)?.available ?? 0;
  }

  async handle(req: SimRequest, now: number): Promise<SimResponse> {
    const url = new URL(req.url);
    const base = `${url.origin}/shopify/${this.shop}`;
    const delay = (r: SimResponse): SimResponse =>
      this.faults.delayMs ? { ...r, delayMs: this.faults.delayMs } : r;
    if (url.pathname.endsWith('/_staged') || url.pathname.includes('/_staged/'))
      return delay(await this.bulk.upload(req, url));
    const result = /\/_results\/(\d+)\.jsonl$/.exec(url.pathname);
    if (result) {
      const body = this.bulk.result(Number(result[1]));
      return body === undefined ? text(404, 'NoSuchKey') : text(200, body, 'application/jsonl');
    }
    const api = /\/admin\/api\/([^/]+)\/graphql\.json$/.exec(url.pathname);
    if (!api || req.method !== 'POST') return json(404, { errors: 'Not Found' });
    this.totals.requests++;
    const token = headerOf(req, 'x-shopify-access-token') ?? '';
    if (this.faults.expireCredentials || !/^shpat_\w+$/.test(token) || token.includes('revoked')) {
      return delay(json(401, BAD_TOKEN));
    }
    const version = api[1] ?? '';
    if (!/^20\d\d-(01|04|07|10)$/.test(version) || version < '2025-01')
      return json(404, { errors: 'Not Found' });
    const fault = drawFault(this.faults, this.random);
    if (fault) return fault;
    return delay(this.graphql(req, { now, version, origin: base, bulkMs: this.faults.bulkMs }));
  }

  private status(now: number) {
    return {
      maximumAvailable: this.bucket.capacity,
      currentlyAvailable: Math.floor(this.bucket.available(now)),
      restoreRate: this.bucket.rate,
    };
  }

  private graphql(req: SimRequest, ctx: Ctx): SimResponse {
    let body: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      body = JSON.parse(req.body);
    } catch {
      return json(400, { errors: { query: 'Required parameter missing or invalid' } });
    }
    if (typeof body.query !== 'string')
      return json(400, { errors: { query: 'Required parameter missing or invalid' } });
    let doc: DocumentNode;
    try {
      doc = parse(body.query);
    } catch (e) {
      return json(200, {
        errors: [
          {
            message: e instanceof Error ? e.message : 'syntax error',
            extensions: { code: 'PARSE_ERROR' },
          },
        ],
      });
    }
    const invalid = validate(schema, doc);
    if (invalid.length > 0) return json(200, { errors: invalid.map((e) => e.toJSON()) });
    const ops = doc.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition',
    );
    const op =
      typeof body.operationName === 'string'
        ? ops.find((o) => o.name?.value === body.operationName)
        : ops[0];
    if (!op) return json(200, { errors: [{ message: 'No operation given' }] });
    const cost = requestedCost(doc, op);
    if (cost > MAX_SINGLE_QUERY_COST) {
      return json(200, {
        errors: [
          {
            message: `Query cost is ${cost}, which exceeds the single query max cost limit (${MAX_SINGLE_QUERY_COST}).`,
            extensions: { code: 'MAX_COST_EXCEEDED', cost, maxCost: MAX_SINGLE_QUERY_COST },
          },
        ],
      });
    }
    const extensions = (actual: number | null) => ({
      cost: {
        requestedQueryCost: cost,
        actualQueryCost: actual,
        throttleStatus: this.status(ctx.now),
      },
    });
    if (this.faults.throttle || !this.bucket.take(ctx.now, cost)) {
      this.totals.throttled++;
      return json(200, {
        errors: [
          {
            message: 'Throttled',
            extensions: {
              code: 'THROTTLED',
              documentation: 'https://shopify.dev/api/usage/rate-limits',
            },
          },
        ],
        extensions: extensions(null),
      });
    }
    this.bulk.progress(ctx, this.runLine);
    if (op.operation === 'mutation') this.totals.mutations++;
    const variables =
      body.variables && typeof body.variables === 'object'
        ? (body.variables as Record<string, unknown>)
        : {};
    const result = executeSync({
      schema,
      document: doc,
      operationName: op.name?.value,
      rootValue: this.root(ctx),
      variableValues: variables,
    });
    return json(200, {
      ...result,
      errors: result.errors?.map((e) => e.toJSON()),
      extensions: extensions(cost),
    });
  }

  private readonly runLine: RunLine = (doc, variables, ctx) =>
    executeSync({ schema, document: doc, rootValue: this.root(ctx), variableValues: variables });

  /** The resolvers, closing over this shop and the request's clock. */
  private root(ctx: Ctx) {
    return {
      shop: () => ({
        id: 'gid://shopify/Shop/1',
        name: this.shop,
        myshopifyDomain: `${this.shop}.myshopify.com`,
      }),
      location: ({ id }: { id: string }) =>
        exists('Location', id)
          ? { id, name: `Location ${id.split('/').pop()}`, isActive: true }
          : null,
      inventoryItem: ({ id }: { id: string }) =>
        exists('InventoryItem', id)
          ? {
              id,
              inventoryLevel: ({ locationId }: { locationId: string }) =>
                exists('Location', locationId)
                  ? {
                      id: `gid://shopify/InventoryLevel/${id.split('/').pop()}?inventory_item_id=${id.split('/').pop()}`,
                      location: { id: locationId, name: 'Location', isActive: true },
                      quantities: ({ names }: { names: string[] }) =>
                        names.map((name) => ({
                          name,
                          quantity: name === 'available' ? this.available(id, locationId) : 0,
                        })),
                    }
                  : null,
            }
          : null,
      inventorySetQuantities: (args: { input: SetInput }, _c: unknown, info: GraphQLResolveInfo) =>
        this.setQuantities(args.input, info, ctx),
      stagedUploadsCreate: ({ input }: { input: StageInput[] }) => this.bulk.stage(input, ctx),
      bulkOperationRunMutation: (args: { mutation: string; stagedUploadPath: string }) =>
        this.bulk.run(args, ctx, this.runLine),
      bulkOperation: ({ id }: { id: string }) => this.bulk.find(id, ctx, this.runLine),
      currentBulkOperation: ({ type }: { type: string }) =>
        type === 'MUTATION' ? this.bulk.latest(ctx, this.runLine) : null,
    };
  }

  private setQuantities(input: SetInput, info: GraphQLResolveInfo | null, ctx: Ctx) {
    if (input.quantities.length > MAX_INPUT) {
      throw new GraphQLError(
        `The input array size of ${input.quantities.length} is greater than the maximum allowed of ${MAX_INPUT}.`,
        {
          extensions: { code: 'MAX_INPUT_SIZE_EXCEEDED' },
        },
      );
    }
    const directive = schema.getDirective('idempotent');
    const node = info?.fieldNodes[0];
    const key =
      directive && node && info
        ? (getDirectiveValues(directive, node, info.variableValues)?.key as string | undefined)
        : undefined;
    if (key === undefined && ctx.version >= '2026-04') {
      throw new GraphQLError(
        'The @idempotent directive is required for inventorySetQuantities from API version 2026-04.',
        {
          extensions: { code: 'BAD_REQUEST' },
        },
      );
    }
    const params = JSON.stringify(input);
    if (key !== undefined) {
      const seen = this.idem.get(key);
      if (seen && seen.params !== params)
        return failed(
          'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
          null,
          'The same idempotency key cannot be used with different operation parameters.',
        );
      if (seen?.failed)
        return failed(
          'IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED',
          null,
          'A previous request with this idempotency key failed. Retry with a new idempotency key.',
        );
      if (seen) {
        this.totals.replayed++;
        return seen.payload;
      }
    }
    const errors = this.check(input, ctx);
    const payload =
      errors.length > 0
        ? { inventoryAdjustmentGroup: null, userErrors: errors }
        : this.apply(input, ctx);
    if (key !== undefined) this.idem.set(key, { params, payload, failed: errors.length > 0 });
    return payload;
  }

  private check(input: SetInput, ctx: Ctx): UserErr[] {
    const errors: UserErr[] = [];
    if (input.name !== 'available' && input.name !== 'on_hand')
      errors.push(
        err(
          'INVALID_NAME',
          ['input', 'name'],
          "The quantity name must be either 'available' or 'on_hand'.",
        ),
      );
    if (!REASONS.has(input.reason))
      errors.push(err('INVALID_REASON', ['input', 'reason'], 'The specified reason is invalid.'));
    const uri = input.referenceDocumentUri;
    if (uri != null && !/^[a-z][a-z0-9+.-]*:\S+$/i.test(uri))
      errors.push(
        err(
          'INVALID_REFERENCE_DOCUMENT',
          ['input', 'referenceDocumentUri'],
          'The specified reference document is invalid.',
        ),
      );
    const pairs = new Set<string>();
    input.quantities.forEach((q, i) => {
      const at = (f: string) => ['input', 'quantities', String(i), f];
      if (ctx.version >= '2026-04' && !('changeFromQuantity' in q)) {
        errors.push(
          err(
            null,
            at('changeFromQuantity'),
            'changeFromQuantity must be given for each quantity; pass null to opt out of the check.',
          ),
        );
      }
      if (!exists('Location', q.locationId))
        errors.push(
          err('INVALID_LOCATION', at('locationId'), 'The specified location could not be found.'),
        );
      if (!exists('InventoryItem', q.inventoryItemId))
        errors.push(
          err(
            'INVALID_INVENTORY_ITEM',
            at('inventoryItemId'),
            'The specified inventory item could not be found.',
          ),
        );
      if (q.quantity > 1_000_000_000)
        errors.push(
          err(
            'INVALID_QUANTITY_TOO_HIGH',
            at('quantity'),
            "The total quantity can't be higher than 1,000,000,000.",
          ),
        );
      if (q.quantity < -1_000_000_000)
        errors.push(
          err(
            'INVALID_QUANTITY_TOO_LOW',
            at('quantity'),
            "The total quantity can't be lower than -1,000,000,000.",
          ),
        );
      const pair = `${q.inventoryItemId}|${q.locationId}`;
      if (pairs.has(pair))
        errors.push(
          err(
            'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR',
            at('inventoryItemId'),
            'The combination of inventoryItemId and locationId must be unique.',
          ),
        );
      pairs.add(pair);
      if (
        q.changeFromQuantity != null &&
        q.changeFromQuantity !== this.available(q.inventoryItemId, q.locationId)
      ) {
        this.totals.stale++;
        errors.push(
          err(
            'CHANGE_FROM_QUANTITY_STALE',
            at('changeFromQuantity'),
            'The changeFromQuantity value does not match persisted value.',
          ),
        );
      }
    });
    return errors;
  }

  private apply(input: SetInput, ctx: Ctx) {
    for (const q of input.quantities) {
      const key = `${q.inventoryItemId}|${q.locationId}`;
      const level = this.levels.get(key) ?? {
        available: 0,
        applied: 0,
        at: 0,
        attempts: new Set<string>(),
      };
      if (level.applied > 0 && level.available === q.quantity) this.totals.unchanged++;
      level.available = q.quantity;
      level.applied++;
      level.at = ctx.now;
      // The same reference document applied twice to one item is a push applied twice.
      const doc = input.referenceDocumentUri ?? '';
      if (doc && level.attempts.has(doc)) this.totals.duplicates++;
      level.attempts.add(doc);
      this.levels.set(key, level);
      this.totals.applied++;
    }
    this.groups++;
    return {
      inventoryAdjustmentGroup: {
        id: `gid://shopify/InventoryAdjustmentGroup/${this.groups}`,
        reason: input.reason,
        referenceDocumentUri: input.referenceDocumentUri ?? null,
        createdAt: iso(ctx.now),
      },
      userErrors: [],
    };
  }
}

type SetInput = {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  quantities: {
    inventoryItemId: string;
    locationId: string;
    quantity: number;
    changeFromQuantity?: number | null;
  }[];
};
type UserErr = { code: string | null; field: string[]; message: string };
const err = (code: string | null, field: string[], message: string): UserErr => ({
  code,
  field,
  message,
});
const failed = (code: string, field: string[] | null, message: string) => ({
  inventoryAdjustmentGroup: null,
  userErrors: [{ code, field, message }],
});
