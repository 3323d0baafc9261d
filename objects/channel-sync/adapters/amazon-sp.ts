import { z } from 'zod';
import type { HttpRequest, HttpResponse } from '../adapter';
import { header, parseJson } from './http';

// The Amazon Selling Partner API pieces the adapter and its feeds path share: settings, endpoints,
// the access-token header, and the SP-API error list. docs/connectors.md#amazon.

export const AmazonSettings = z.object({
  sellerId: z.string().regex(/^[A-Z0-9]{5,32}$/, 'an Amazon selling partner id like "A2EXAMPLE1"'),
  marketplaceIds: z.array(z.string().regex(/^[A-Z0-9]{5,20}$/)).min(1),
  /** The Amazon product type the listings were created with (patches must name it). */
  productType: z.string().min(1).default('PRODUCT'),
  region: z.enum(['na', 'eu', 'fe']).default('eu'),
  fulfillmentChannelCode: z.string().default('DEFAULT'),
  /** Overrides https://sellingpartnerapi-{region}.amazon.com (a simulator, a proxy). */
  baseUrl: z.url().optional(),
  /** Overrides the LWA token endpoint https://api.amazon.com/auth/o2/token. */
  lwaUrl: z.url().optional(),
});
export type AmazonSettings = z.output<typeof AmazonSettings>;

export const AmazonCredentials = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
});
export type AmazonCredentials = z.output<typeof AmazonCredentials>;

export const spBase = (s: AmazonSettings) =>
  (s.baseUrl ?? `https://sellingpartnerapi-${s.region}.amazon.com`).replace(/\/+$/, '');
export const lwaUrl = (s: AmazonSettings) => s.lwaUrl ?? 'https://api.amazon.com/auth/o2/token';

/** Whether a request goes to the SP-API itself (presigned document URLs must not carry the token). */
export const isSpApi = (s: AmazonSettings, url: string) =>
  /^\/(listings|feeds|sellers)\//.test(url.slice(spBase(s).length)) && url.startsWith(spBase(s));

export function withAccessToken(req: HttpRequest, token: string | undefined): HttpRequest {
  if (token === undefined) {
    throw new Error('Amazon SP-API requests need ctx.accessToken: fetch one with token() first');
  }
  return { ...req, headers: { ...req.headers, 'x-amz-access-token': token } };
}

export const json = (method: HttpRequest['method'], url: string, body?: unknown): HttpRequest => ({
  method,
  url,
  headers: {
    accept: 'application/json',
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

export const ErrorList = z.object({
  errors: z.array(
    z.object({ code: z.string(), message: z.string(), details: z.string().optional() }),
  ),
});

export function errorText(res: HttpResponse): string {
  const list = parseJson(ErrorList, res.body);
  const first = list?.errors[0];
  return first
    ? `${first.code}: ${first.message}${first.details ? ` (${first.details})` : ''}`
    : `HTTP ${res.status}`;
}

/** A 403 that a fresh access token cures (expired), as opposed to access the seller never granted. */
export function tokenExpired(res: HttpResponse): boolean {
  return res.status === 403 && /expired/i.test(errorText(res));
}

/** When the next request may go after a 429: the operation's rate from `x-amzn-RateLimit-Limit`. */
export function rateLimited(res: HttpResponse, now: number, fallbackRate: number): number {
  const rate = Number(header(res, 'x-amzn-ratelimit-limit'));
  return now + Math.ceil(1000 / (Number.isFinite(rate) && rate > 0 ? rate : fallbackRate));
}

/** The patch that sets a listing's quantity: `merge` leaves restock dates and lead times alone. */
export function quantityPatch(s: AmazonSettings, quantity: number) {
  return [
    {
      op: 'merge',
      path: '/attributes/fulfillment_availability',
      value: [{ fulfillment_channel_code: s.fulfillmentChannelCode, quantity }],
    },
  ];
}
