import { z } from 'zod';
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
} from '../shared/sim-http';
import { TokenBucket } from '../shared/token-bucket';
import { Feeds } from './feeds';
import { CancelOrder, PlaceOrder, SellerOrders } from './orders';
import { error, type Issue, Patch } from './sp-api';

// One simulated Amazon selling partner: LWA token exchange, Listings Items 2021-08-01 patches
// under the 5 requests/s burst 5 usage plan, Feeds 2021-06-30 with JSON_LISTINGS_FEED (5 feeds per
// 5 minutes, ≤ 25,000 messages), presigned documents, and delayed feed processing with a report.

export const ACCESS_TOKEN_SECONDS = 3600;

/** Refresh tokens the simulator honours name their seller: `Atzr|<sellerId>...`. */
export function sellerOfRefreshToken(token: string): string | null {
  return /^Atzr\|([A-Z0-9]{5,32})(\b|$)/.exec(token)?.[1] ?? null;
}
/** Access tokens it issues carry the seller and their expiry. */
export function sellerOfAccessToken(token: string): { seller: string; expiresAt: number } | null {
  const m = /^Atza\|sim\.([A-Z0-9]+)\.(\d+)\.\w+$/.exec(token);
  return m?.[1] && m[2] ? { seller: m[1], expiresAt: Number(m[2]) } : null;
}

const PatchBody = z.object({ productType: z.string().min(1), patches: z.array(Patch).min(1) });
const Availability = z.array(
  z.object({
    fulfillment_channel_code: z.string().min(1),
    quantity: z.number().int().min(0).optional(),
  }),
);
export class AmazonSeller implements SimAccount {
  faults: Faults = Faults.parse({});
  /** `at`: when a patch last set it (ms), so a benchmark can time what the marketplace shows. */
  private readonly listings = new Map<string, { quantity: number; applied: number; at: number }>();
  /** The clock of the request or listing being served: feeds apply their patches lazily. */
  private now = 0;
  private readonly buckets: Record<string, TokenBucket>;
  private ids = 0;
  private readonly feeds: Feeds;
  /** Orders placed through the admin API, served by searchOrders. */
  readonly orders: SellerOrders;
  private random: () => number;
  readonly totals = {
    requests: 0,
    patches: 0,
    applied: 0,
    throttled: 0,
    feeds: 0,
    feedMessages: 0,
    tokens: 0,
    /** Patches that set an offer's quantity to what it already held: they told Amazon nothing. */
    unchanged: 0,
    /** Units taken off offers by orders placed here. */
    sold: 0,
    /** Units cancelled orders gave back to their offers. */
    restocked: 0,
  };
  /** The units each order took off its offers, by order id, until it is cancelled. */
  private readonly orderUnits = new Map<string, Map<string, number>>();

  constructor(
    readonly seller: string,
    now: number,
    seed = 1,
  ) {
    this.random = seededRandom(seed);
    this.orders = new SellerOrders(seller);
    this.feeds = new Feeds(seller, this.totals, (sku, patches) => this.applyPatches(sku, patches));
    this.buckets = {
      listings: new TokenBucket(5, 5, now),
      createFeed: new TokenBucket(0.0083, 15, now),
      createFeedDocument: new TokenBucket(0.5, 15, now),
      getFeed: new TokenBucket(2, 15, now),
      getFeedDocument: new TokenBucket(0.0222, 10, now),
      participations: new TokenBucket(0.016, 15, now),
      searchOrders: new TokenBucket(0.0056, 20, now),
    };
  }

  setFaults(update: z.input<typeof FaultsUpdate>): Faults {
    this.faults = Faults.parse({ ...this.faults, ...FaultsUpdate.parse(update) });
    return this.faults;
  }

  listing(now: number) {
    this.now = now;
    this.feeds.progress(now);
    return {
      seller: this.seller,
      items: [...this.listings].map(([sku, l]) => ({ sku, ...l })),
      totals: this.totals,
    };
  }

  /**
   * A buyer's seller-fulfilled order: Amazon takes its units off each offer's
   * fulfillment_availability quantity as it is placed, and never sells more than the offer shows.
   * A seller SKU never listed here moves nothing (tests of orders alone place those).
   */
  placeOrder(input: z.input<typeof PlaceOrder>, now: number) {
    const order = PlaceOrder.parse(input);
    const units = new Map<string, number>();
    for (const i of order.items) units.set(i.sellerSku, (units.get(i.sellerSku) ?? 0) + i.quantity);
    for (const [sku, n] of units) {
      const shows = this.listings.get(sku)?.quantity;
      if (shows !== undefined && shows < n)
        return { error: `SKU ${sku} shows ${shows}: an order of ${n} cannot be placed` };
    }
    const placed = this.orders.place(order, now);
    const taken = new Map<string, number>();
    for (const [sku, n] of units) {
      const listing = this.listings.get(sku);
      if (listing === undefined) continue;
      listing.quantity -= n;
      taken.set(sku, n);
      this.totals.sold += n;
    }
    this.orderUnits.set(placed.orderId, taken);
    return placed;
  }

  /** A cancellation before shipment: the order's units go back on its offers unless told not to. */
  cancelOrder(input: z.input<typeof CancelOrder>, now: number) {
    const { orderId, restock } = CancelOrder.parse(input);
    const out = this.orders.cancel({ orderId }, now);
    if ('error' in out) return out;
    for (const [sku, n] of restock ? (this.orderUnits.get(orderId) ?? []) : []) {
      const listing = this.listings.get(sku);
      if (listing === undefined) continue;
      listing.quantity += n;
      this.totals.restocked += n;
    }
    this.orderUnits.delete(orderId);
    return out;
  }

  quantity(sku: string): number | null {
    return this.listings.get(sku)?.quantity ?? null;
  }

  async handle(req: SimRequest, now: number): Promise<SimResponse> {
    this.now = now;
    const r = await this.route(req, now);
    return this.faults.delayMs ? { ...r, delayMs: this.faults.delayMs } : r;
  }

  private async route(req: SimRequest, now: number): Promise<SimResponse> {
    const url = new URL(req.url);
    const path = url.pathname;
    const origin = `${url.origin}/amazon`;
    if (path.endsWith('/auth/o2/token')) return this.lwa(req, now);
    const document = /\/_documents\/[A-Z0-9]+\/([\w-]+)$/.exec(path);
    if (document) return this.feeds.document(req, document[1] ?? '');
    this.totals.requests++;
    const denied = this.authorize(req, now);
    if (denied) return denied;
    const fault = drawFault(this.faults, this.random);
    if (fault) return fault;
    const limit = (bucket: string): SimResponse | null => {
      if (!this.faults.throttle && this.buckets[bucket]?.take(now)) return null;
      this.totals.throttled++;
      // SP-API stopped returning x-amzn-RateLimit-Limit on 429s.
      return error(429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.');
    };
    const listing = /\/listings\/2021-08-01\/items\/([^/]+)\/([^/]+)$/.exec(path);
    if (listing && req.method === 'PATCH')
      return (
        limit('listings') ??
        this.patch(
          req,
          url,
          decodeURIComponent(listing[1] ?? ''),
          decodeURIComponent(listing[2] ?? ''),
        )
      );
    if (listing && req.method === 'GET')
      return limit('listings') ?? this.getListing(decodeURIComponent(listing[2] ?? ''));
    if (path.endsWith('/orders/2026-01-01/orders') && req.method === 'GET')
      return limit('searchOrders') ?? this.orders.search(url);
    if (path.endsWith('/sellers/v1/marketplaceParticipations'))
      return limit('participations') ?? this.participations();
    if (path.endsWith('/feeds/2021-06-30/documents') && req.method === 'POST')
      return limit('createFeedDocument') ?? this.feeds.createDocument(req, origin);
    if (path.endsWith('/feeds/2021-06-30/feeds') && req.method === 'POST')
      return limit('createFeed') ?? this.feeds.createFeed(req, now, this.faults.bulkMs);
    const feed = /\/feeds\/2021-06-30\/feeds\/([\w-]+)$/.exec(path);
    if (feed && req.method === 'GET')
      return limit('getFeed') ?? this.feeds.getFeed(feed[1] ?? '', now);
    const doc = /\/feeds\/2021-06-30\/documents\/([\w-]+)$/.exec(path);
    if (doc && req.method === 'GET')
      return limit('getFeedDocument') ?? this.feeds.getDocument(doc[1] ?? '', origin);
    return error(404, 'NotFound', 'Resource not found', `${req.method} ${path}`);
  }

  private lwa(req: SimRequest, now: number): SimResponse {
    const form = new URLSearchParams(req.body);
    if (!(headerOf(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
      return json(400, {
        error: 'invalid_request',
        error_description: 'Content-Type must be application/x-www-form-urlencoded',
      });
    }
    if (
      !form.get('client_id')?.startsWith('amzn1.application-oa2-client.') ||
      !form.get('client_secret')
    ) {
      return json(401, {
        error: 'invalid_client',
        error_description: 'Client authentication failed',
      });
    }
    const seller = sellerOfRefreshToken(form.get('refresh_token') ?? '');
    if (
      form.get('grant_type') !== 'refresh_token' ||
      seller !== this.seller ||
      this.faults.expireCredentials
    ) {
      return json(400, {
        error: 'invalid_grant',
        error_description: 'The request has an invalid grant parameter : refresh_token',
      });
    }
    this.totals.tokens++;
    const expiresAt = now + ACCESS_TOKEN_SECONDS * 1000;
    return json(200, {
      access_token: `Atza|sim.${seller}.${expiresAt}.${Math.floor(this.random() * 1e9)}`,
      refresh_token: form.get('refresh_token'),
      token_type: 'bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
    });
  }

  private authorize(req: SimRequest, now: number): SimResponse | null {
    const token = sellerOfAccessToken(headerOf(req, 'x-amz-access-token') ?? '');
    if (!token || token.seller !== this.seller) {
      return error(
        403,
        'Unauthorized',
        'Access to requested resource is denied.',
        'The access token you provided is revoked, malformed or invalid.',
      );
    }
    if (token.expiresAt <= now || this.faults.expireCredentials) {
      return error(
        403,
        'Unauthorized',
        'Access to requested resource is denied.',
        'The access token you provided has expired.',
      );
    }
    return null;
  }

  /** Applies one listing's patches; the issues that refuse it, if any. */
  private applyPatches(sku: string, patches: Patch[]): Issue[] {
    if (sku.startsWith('UNKNOWN-')) {
      return [
        {
          sku,
          code: '8541',
          severity: 'ERROR',
          message: `The SKU '${sku}' does not match any listing of this seller (simulated).`,
        },
      ];
    }
    let quantity: number | undefined;
    for (const p of patches) {
      if (p.path !== '/attributes/fulfillment_availability') continue;
      const value = Availability.safeParse(p.value ?? []);
      if (!value.success)
        return [
          {
            sku,
            code: '90220',
            severity: 'ERROR',
            message: "'fulfillment_availability' is not valid for the product type.",
          },
        ];
      quantity = p.op === 'delete' ? 0 : (value.data[0]?.quantity ?? quantity);
    }
    if (quantity !== undefined) {
      const l = this.listings.get(sku) ?? { quantity: 0, applied: 0, at: 0 };
      if (this.listings.has(sku) && l.quantity === quantity) this.totals.unchanged++;
      l.quantity = quantity;
      l.applied++;
      l.at = this.now;
      this.listings.set(sku, l);
      this.totals.applied++;
    }
    return [];
  }

  private patch(req: SimRequest, url: URL, sellerId: string, sku: string): SimResponse {
    if (sellerId !== this.seller)
      return error(
        403,
        'Unauthorized',
        'Access to requested resource is denied.',
        'The seller id does not match the token.',
      );
    const marketplaceIds = url.searchParams.get('marketplaceIds');
    if (!marketplaceIds?.split(',').every((m) => /^[A-Z0-9]{10,14}$/.test(m))) {
      return error(400, 'InvalidInput', 'Invalid request parameters', 'marketplaceIds is required');
    }
    let raw: unknown;
    try {
      raw = JSON.parse(req.body);
    } catch {
      return error(400, 'InvalidInput', 'Could not parse the request body');
    }
    const body = PatchBody.safeParse(raw);
    if (!body.success)
      return error(
        400,
        'InvalidInput',
        'Invalid request body',
        body.error.issues[0]?.message ?? '',
      );
    this.totals.patches++;
    const issues = this.applyPatches(sku, body.data.patches);
    const submissionId = `sim-${++this.ids}`;
    return json(
      200,
      { sku, status: issues.length ? 'INVALID' : 'ACCEPTED', submissionId, issues },
      { 'x-amzn-RateLimit-Limit': '5.0' },
    );
  }

  private getListing(sku: string): SimResponse {
    const l = this.listings.get(sku);
    if (!l) return error(404, 'NOT_FOUND', `SKU '${sku}' not found`);
    return json(200, {
      sku,
      fulfillmentAvailability: [{ fulfillmentChannelCode: 'DEFAULT', quantity: l.quantity }],
    });
  }

  private participations(): SimResponse {
    const m = (id: string, countryCode: string, name: string) => ({
      marketplace: {
        id,
        countryCode,
        name,
        defaultCurrencyCode: countryCode === 'GB' ? 'GBP' : 'EUR',
        defaultLanguageCode: 'en_GB',
        domainName: name,
      },
      participation: { isParticipating: true, hasSuspendedListings: false },
      storeName: `Stockmesh sim ${this.seller}`,
    });
    return json(200, {
      payload: [m('A1F83G8C2ARO7P', 'GB', 'Amazon.co.uk'), m('A1PA6795UKMFR9', 'DE', 'Amazon.de')],
    });
  }
}
