import { z } from 'zod';
import type { HttpRequest, HttpResponse, Throttle } from '../adapter';
import { header, parseJson } from './http';

// The Shopify Admin GraphQL pieces the adapter and its bulk path share: the endpoint, the
// documents, the response shapes, and the cost-based leaky bucket read from
// `extensions.cost.throttleStatus`. Wire format: docs/connectors.md#shopify.

/** Reasons Shopify accepts for inventory changes (`InventorySetQuantitiesInput.reason`). */
export const REASONS = [
  'correction',
  'cycle_count_available',
  'damaged',
  'movement_created',
  'movement_updated',
  'movement_received',
  'movement_canceled',
  'other',
  'promotion',
  'quality_control',
  'received',
  'reservation_created',
  'reservation_deleted',
  'reservation_updated',
  'restock',
  'safety_stock',
  'shrinkage',
] as const;

/** Shopify refuses input arrays longer than this (every API, every input list). */
export const MAX_INPUT_ARRAY = 250;
/** What Shopify charges a mutation field, whatever its payload selects. */
export const MUTATION_COST = 10;

export const gid = (type: string) =>
  z.string().regex(new RegExp(`^gid://shopify/${type}/\\d+$`), `a gid://shopify/${type}/<id>`);

export const ShopifySettings = z.object({
  /** The shop's subdomain ("shop-a") or its myshopify domain ("shop-a.myshopify.com"). */
  shop: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*(\.myshopify\.com)?$/, 'a shop subdomain like "shop-a"')
    .transform((s) => s.replace(/\.myshopify\.com$/, '')),
  apiVersion: z
    .string()
    .regex(/^20\d\d-(01|04|07|10)$/, 'a Shopify API version like "2026-07"')
    .default('2026-07'),
  /** The one Shopify location this channel's quantities are set at. */
  locationId: gid('Location'),
  reason: z.enum(REASONS).default('correction'),
  /** Overrides https://{shop}.myshopify.com (a simulator, a proxy). */
  baseUrl: z.url().optional(),
});
export type ShopifySettings = z.output<typeof ShopifySettings>;

export const ShopifyCredentials = z.object({ accessToken: z.string().min(1) });
export type ShopifyCredentials = z.output<typeof ShopifyCredentials>;

export function endpoint(s: ShopifySettings): string {
  const base = (s.baseUrl ?? `https://${s.shop}.myshopify.com`).replace(/\/+$/, '');
  return `${base}/admin/api/${s.apiVersion}/graphql.json`;
}

/** A GraphQL POST without its access token (`authorize` stamps it). */
export function graphql(s: ShopifySettings, query: string, variables: object): HttpRequest {
  return {
    method: 'POST',
    url: endpoint(s),
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  };
}

export function withToken(req: HttpRequest, c: ShopifyCredentials): HttpRequest {
  return { ...req, headers: { ...req.headers, 'x-shopify-access-token': c.accessToken } };
}

export const SET_AVAILABLE = `mutation StockmeshSetAvailable($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}`;

const ThrottleStatus = z.object({
  maximumAvailable: z.number(),
  currentlyAvailable: z.number(),
  restoreRate: z.number(),
});
const Cost = z.object({
  requestedQueryCost: z.number().nullish(),
  actualQueryCost: z.number().nullish(),
  throttleStatus: ThrottleStatus,
});

export const GraphQLError = z.object({
  message: z.string(),
  extensions: z.looseObject({ code: z.string().optional() }).optional(),
});

/** Any GraphQL Admin response: `data` is parsed by the caller's own schema. */
export const Envelope = z.object({
  data: z.unknown().optional(),
  errors: z.array(GraphQLError).optional(),
  extensions: z.looseObject({ cost: Cost.optional() }).optional(),
});
export type Envelope = z.output<typeof Envelope>;

export const UserError = z.object({
  code: z.string().nullish(),
  field: z.array(z.string()).nullish(),
  message: z.string(),
});

/**
 * The bucket after a response, and when a request costing `nextCost` may go: the bucket restores
 * `restoreRate` points a second, and Shopify refuses a request whose requested cost exceeds what
 * is available, so waiting for the difference is exactly enough.
 */
export function readThrottle(env: Envelope | null, nextCost: number, now: number): Throttle {
  const status = env?.extensions?.cost?.throttleStatus;
  if (!status) return { notBefore: null, describe: 'Shopify bucket unknown' };
  const missing = nextCost - status.currentlyAvailable;
  const wait = missing > 0 ? Math.ceil((missing / status.restoreRate) * 1000) : 0;
  return {
    notBefore: wait > 0 ? now + wait : null,
    describe: `Shopify bucket ${Math.floor(status.currentlyAvailable)}/${status.maximumAvailable}, restoring ${status.restoreRate}/s`,
    bucket: {
      available: status.currentlyAvailable,
      capacity: status.maximumAvailable,
      restorePerSecond: status.restoreRate,
    },
  };
}

/** A failure of the whole HTTP exchange, before any GraphQL is read. */
export type Transport =
  | { kind: 'ok'; env: Envelope }
  | { kind: 'retry'; message: string; notBefore: number | null }
  | {
      kind: 'fatal';
      code: 'credentials_invalid' | 'settings_invalid' | 'marketplace_error';
      message: string;
    };

/** Classifies a GraphQL response: HTTP status, unreadable bodies, `THROTTLED` and other top-level errors. */
export function readResponse(res: HttpResponse, nextCost: number, now: number): Transport {
  if (res.status === 401 || res.status === 403) {
    return {
      kind: 'fatal',
      code: 'credentials_invalid',
      message: `Shopify answered ${res.status}: the access token is wrong, revoked or lacks write_inventory`,
    };
  }
  if (res.status === 404) {
    return {
      kind: 'fatal',
      code: 'settings_invalid',
      message: 'Shopify answered 404: check the shop domain and the API version',
    };
  }
  if (res.status === 402 || res.status === 423) {
    return {
      kind: 'fatal',
      code: 'marketplace_error',
      message: `Shopify answered ${res.status}: the shop is frozen or locked`,
    };
  }
  const env = parseJson(Envelope, res.body);
  if (res.status === 429 || res.status >= 500 || res.status === 408) {
    const after = header(res, 'retry-after');
    const notBefore =
      after !== undefined && Number.isFinite(Number(after))
        ? now + Number(after) * 1000
        : (readThrottle(env, nextCost, now).notBefore ?? now + 1000);
    return { kind: 'retry', message: `Shopify answered ${res.status}`, notBefore };
  }
  if (res.status < 200 || res.status >= 300) {
    return { kind: 'fatal', code: 'marketplace_error', message: `Shopify answered ${res.status}` };
  }
  if (!env)
    return {
      kind: 'retry',
      message: 'Shopify answered 200 with an unreadable body',
      notBefore: now + 1000,
    };
  const errors = env.errors ?? [];
  if (errors.some((e) => e.extensions?.code === 'THROTTLED' || e.message === 'Throttled')) {
    const requested = env.extensions?.cost?.requestedQueryCost ?? nextCost;
    return {
      kind: 'retry',
      message: 'Shopify throttled the request (cost bucket empty)',
      notBefore: readThrottle(env, requested, now).notBefore ?? now + 1000,
    };
  }
  if (errors.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR')) {
    return { kind: 'retry', message: 'Shopify reported an internal error', notBefore: now + 1000 };
  }
  const data = env.data;
  const empty =
    data == null ||
    (typeof data === 'object' && Object.values(data).every((v) => v === null || v === undefined));
  if (errors.length > 0 && empty) {
    return {
      kind: 'fatal',
      code: 'marketplace_error',
      message: `Shopify refused the request: ${errors.map((e) => e.message).join('; ')}`,
    };
  }
  return { kind: 'ok', env };
}
