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
  text,
} from '../shared/sim-http';
import { SlidingWindow, TokenBucket } from '../shared/token-bucket';

// One simulated Amazon selling partner: LWA token exchange, Listings Items 2021-08-01 patches
// under the 5 requests/s burst 5 usage plan, Feeds 2021-06-30 with JSON_LISTINGS_FEED (5 feeds per
// 5 minutes, ≤ 25,000 messages), presigned documents, and delayed feed processing with a report.

export const ACCESS_TOKEN_SECONDS = 3600;
const MAX_FEED_MESSAGES = 25_000;

/** Refresh tokens the simulator honours name their seller: `Atzr|<sellerId>...`. */
export function sellerOfRefreshToken(token: string): string | null {
  return /^Atzr\|([A-Z0-9]{5,32})(\b|$)/.exec(token)?.[1] ?? null;
}
/** Access tokens it issues carry the seller and their expiry. */
export function sellerOfAccessToken(token: string): { seller: string; expiresAt: number } | null {
  const m = /^Atza\|sim\.([A-Z0-9]+)\.(\d+)\.\w+$/.exec(token);
  return m?.[1] && m[2] ? { seller: m[1], expiresAt: Number(m[2]) } : null;
}

const Patch = z.object({
  op: z.enum(['add', 'replace', 'merge', 'delete']),
  path: z.string().startsWith('/attributes/'),
  value: z.array(z.looseObject({})).optional(),
});
const PatchBody = z.object({ productType: z.string().min(1), patches: z.array(Patch).min(1) });
const Availability = z.array(
  z.object({
    fulfillment_channel_code: z.string().min(1),
    quantity: z.number().int().min(0).optional(),
  }),
);
const FeedDoc = z.object({
  header: z.object({
    sellerId: z.string(),
    version: z.literal('2.0'),
    issueLocale: z.string().optional(),
  }),
  messages: z.array(
    z.object({
      messageId: z.number().int().min(1),
      sku: z.string().min(1),
      operationType: z.enum(['UPDATE', 'PARTIAL_UPDATE', 'PATCH', 'DELETE']),
      productType: z.string().optional(),
      patches: z.array(Patch).optional(),
    }),
  ),
});

type Issue = {
  messageId?: number;
  sku?: string;
  code: string;
  severity: 'ERROR' | 'WARNING';
  message: string;
};
type Feed = {
  id: string;
  createdAt: number;
  doneAt: number;
  documentId: string;
  status: 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'FATAL';
  resultDocumentId?: string;
  marketplaceIds: string[];
};
type Doc = { contentType: string; content: string | null };

const error = (
  status: number,
  code: string,
  message: string,
  details = '',
  headers: Record<string, string> = {},
) => json(status, { errors: [{ code, message, details }] }, headers);

export class AmazonSeller implements SimAccount {
  faults: Faults = Faults.parse({});
  private readonly listings = new Map<string, { quantity: number; applied: number }>();
  private readonly docs = new Map<string, Doc>();
  private readonly feeds = new Map<string, Feed>();
  private readonly buckets: Record<string, TokenBucket>;
  private readonly feedQuota = new SlidingWindow(5, 5 * 60_000);
  private ids = 0;
  private random: () => number;
  readonly totals = {
    requests: 0,
    patches: 0,
    applied: 0,
    throttled: 0,
    feeds: 0,
    feedMessages: 0,
    tokens: 0,
  };

  constructor(
    readonly seller: string,
    now: number,
    seed = 1,
  ) {
    this.random = seededRandom(seed);
    this.buckets = {
      listings: new TokenBucket(5, 5, now),
      createFeed: new TokenBucket(0.0083, 15, now),
      createFeedDocument: new TokenBucket(0.5, 15, now),
      getFeed: new TokenBucket(2, 15, now),
      getFeedDocument: new TokenBucket(0.0222, 10, now),
      participations: new TokenBucket(0.016, 15, now),
    };
  }

  setFaults(update: z.input<typeof FaultsUpdate>): Faults {
    this.faults = Faults.parse({ ...this.faults, ...FaultsUpdate.parse(update) });
    return this.faults;
  }

  listing(now: number) {
    this.progress(now);
    return {
      seller: this.seller,
      items: [...this.listings].map(([sku, l]) => ({ sku, ...l })),
      totals: this.totals,
    };
  }

  quantity(sku: string): number | null {
    return this.listings.get(sku)?.quantity ?? null;
  }

  async handle(req: SimRequest, now: number): Promise<SimResponse> {
    const r = await this.route(req, now);
    return this.faults.delayMs ? { ...r, delayMs: this.faults.delayMs } : r;
  }

  private async route(req: SimRequest, now: number): Promise<SimResponse> {
    const url = new URL(req.url);
    const path = url.pathname;
    const origin = `${url.origin}/amazon`;
    if (path.endsWith('/auth/o2/token')) return this.lwa(req, now);
    const document = /\/_documents\/[A-Z0-9]+\/([\w-]+)$/.exec(path);
    if (document) return this.document(req, document[1] ?? '');
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
    if (path.endsWith('/sellers/v1/marketplaceParticipations'))
      return limit('participations') ?? this.participations();
    if (path.endsWith('/feeds/2021-06-30/documents') && req.method === 'POST')
      return limit('createFeedDocument') ?? this.createDocument(req, origin);
    if (path.endsWith('/feeds/2021-06-30/feeds') && req.method === 'POST')
      return limit('createFeed') ?? this.createFeed(req, now);
    const feed = /\/feeds\/2021-06-30\/feeds\/([\w-]+)$/.exec(path);
    if (feed && req.method === 'GET')
      return limit('getFeed') ?? this.getFeed(feed[1] ?? '', now, origin);
    const doc = /\/feeds\/2021-06-30\/documents\/([\w-]+)$/.exec(path);
    if (doc && req.method === 'GET')
      return limit('getFeedDocument') ?? this.getDocument(doc[1] ?? '', origin);
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
  private applyPatches(sku: string, patches: z.output<typeof Patch>[]): Issue[] {
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
      const l = this.listings.get(sku) ?? { quantity: 0, applied: 0 };
      l.quantity = quantity;
      l.applied++;
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

  private createDocument(req: SimRequest, origin: string): SimResponse {
    const body = z.object({ contentType: z.string().min(1) }).safeParse(safeJson(req.body));
    if (!body.success) return error(400, 'InvalidInput', 'contentType is required');
    const id = `amzn1.tortuga.4.eu.${++this.ids}`.replace(/\./g, '-');
    this.docs.set(id, { contentType: body.data.contentType, content: null });
    return json(201, { feedDocumentId: id, url: `${origin}/_documents/${this.seller}/${id}` });
  }

  /** The presigned document URL: PUT the feed (same content type as declared), GET a report. */
  private document(req: SimRequest, id: string): SimResponse {
    const doc = this.docs.get(id);
    if (!doc) return text(404, '<Error><Code>NoSuchKey</Code></Error>', 'application/xml');
    if (req.method === 'PUT') {
      if (headerOf(req, 'content-type') !== doc.contentType)
        return text(403, '<Error><Code>SignatureDoesNotMatch</Code></Error>', 'application/xml');
      doc.content = req.body;
      return text(200, '');
    }
    return doc.content === null
      ? text(404, '<Error><Code>NoSuchKey</Code></Error>', 'application/xml')
      : text(200, doc.content, doc.contentType);
  }

  private createFeed(req: SimRequest, now: number): SimResponse {
    const body = z
      .object({
        feedType: z.string(),
        marketplaceIds: z.array(z.string()).min(1),
        inputFeedDocumentId: z.string(),
      })
      .safeParse(safeJson(req.body));
    if (!body.success) return error(400, 'InvalidInput', 'Invalid request body');
    if (body.data.feedType !== 'JSON_LISTINGS_FEED')
      return error(400, 'InvalidInput', `feedType ${body.data.feedType} is not simulated`);
    if (!this.docs.get(body.data.inputFeedDocumentId)?.content)
      return error(400, 'InvalidInput', 'The input feed document was not uploaded');
    if (!this.feedQuota.take(now)) {
      this.totals.throttled++;
      return error(
        429,
        'QuotaExceeded',
        'You exceeded your quota for the requested resource.',
        'JSON_LISTINGS_FEED: 5 submissions per 5 minutes',
      );
    }
    const id = String(50_000 + ++this.ids);
    this.feeds.set(id, {
      id,
      createdAt: now,
      doneAt: now + this.faults.bulkMs,
      documentId: body.data.inputFeedDocumentId,
      status: 'IN_QUEUE',
      marketplaceIds: body.data.marketplaceIds,
    });
    this.totals.feeds++;
    return json(202, { feedId: id });
  }

  private getFeed(id: string, now: number, _origin: string): SimResponse {
    this.progress(now);
    const feed = this.feeds.get(id);
    if (!feed) return error(404, 'NotFound', `Feed ${id} not found`);
    const iso = (ms: number) => new Date(ms).toISOString();
    return json(
      200,
      {
        feedId: feed.id,
        feedType: 'JSON_LISTINGS_FEED',
        marketplaceIds: feed.marketplaceIds,
        createdTime: iso(feed.createdAt),
        processingStatus: feed.status,
        ...(feed.status === 'IN_QUEUE' ? {} : { processingStartTime: iso(feed.createdAt) }),
        ...(feed.status === 'DONE' || feed.status === 'FATAL'
          ? { processingEndTime: iso(feed.doneAt) }
          : {}),
        ...(feed.resultDocumentId ? { resultFeedDocumentId: feed.resultDocumentId } : {}),
      },
      { 'x-amzn-RateLimit-Limit': '2.0' },
    );
  }

  private getDocument(id: string, origin: string): SimResponse {
    if (!this.docs.has(id)) return error(404, 'NotFound', `Document ${id} not found`);
    return json(200, { feedDocumentId: id, url: `${origin}/_documents/${this.seller}/${id}` });
  }

  /** Feeds move with the clock: IN_QUEUE, IN_PROGRESS, then processed at once into a report. */
  private progress(now: number): void {
    for (const feed of this.feeds.values()) {
      if (feed.status === 'IN_QUEUE' && now > feed.createdAt) feed.status = 'IN_PROGRESS';
      if (feed.status !== 'IN_PROGRESS' || now < feed.doneAt) continue;
      const doc = FeedDoc.safeParse(safeJson(this.docs.get(feed.documentId)?.content ?? ''));
      const issues: Issue[] = [];
      let accepted = 0;
      if (
        !doc.success ||
        doc.data.header.sellerId !== this.seller ||
        doc.data.messages.length > MAX_FEED_MESSAGES
      ) {
        feed.status = 'FATAL';
        issues.push({
          code: '100001',
          severity: 'ERROR',
          message: doc.success
            ? 'The feed names another seller or carries more than 25,000 messages.'
            : 'The feed document does not match the JSON_LISTINGS_FEED schema.',
        });
      } else {
        for (const m of doc.data.messages) {
          this.totals.feedMessages++;
          const found =
            m.operationType === 'PATCH' && m.productType && m.patches
              ? this.applyPatches(m.sku, m.patches)
              : [
                  {
                    code: '4000003',
                    severity: 'ERROR' as const,
                    message:
                      'The simulator processes PATCH messages with a productType and patches.',
                  },
                ];
          for (const i of found) issues.push({ ...i, messageId: m.messageId, sku: m.sku });
          if (found.length === 0) accepted++;
        }
        feed.status = 'DONE';
      }
      const total = doc.success ? doc.data.messages.length : 0;
      const resultId = `report-${feed.id}`;
      this.docs.set(resultId, {
        contentType: 'application/json',
        content: JSON.stringify({
          header: { sellerId: this.seller, version: '2.0', feedId: feed.id },
          issues,
          summary: {
            errors: issues.filter((i) => i.severity === 'ERROR').length,
            warnings: 0,
            messagesProcessed: total,
            messagesAccepted: accepted,
            messagesInvalid: total - accepted,
          },
        }),
      });
      feed.resultDocumentId = resultId;
    }
  }
}

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}
