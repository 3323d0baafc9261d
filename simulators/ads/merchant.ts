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
import { refuseToken } from './oauth';
import { ServingLedger, Truth } from './serving';

// One Merchant Center account: `PATCH /products/v1/accounts/{account}/productInputs/{id}` with
// `dataSource` and `updateMask=productAttributes.availability`, checked as v1 checks them (v1beta's
// `attributes` is refused), metered per minute. Product ids are base64url of
// `language~feedLabel~offerId` or that text itself; offer ids starting `404` do not exist.

export const MerchantLimits = z.object({
  requestsPerSecond: z.number().positive().default(5),
  burst: z.number().positive().default(10),
});

const AVAILABILITY = ['IN_STOCK', 'OUT_OF_STOCK', 'PREORDER', 'BACKORDER'];

const Body = z.object({
  offerId: z.string().optional(),
  contentLanguage: z.string().optional(),
  feedLabel: z.string().optional(),
  productAttributes: z.object({ availability: z.string().optional() }).loose().optional(),
  attributes: z.unknown().optional(),
});

const status = (code: number, name: string, message: string) =>
  json(code, { error: { code, message, status: name } });

const fromBase64url = (s: string): string | null => {
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
};

/** `language~feedLabel~offerId` from the URL segment, plain or encoded. */
function productKey(segment: string): [string, string, string] | null {
  const plain = decodeURIComponent(segment);
  for (const text of [plain, fromBase64url(segment)]) {
    const [lang, label, ...offer] = text?.split('~') ?? [];
    const offerId = offer.join('~');
    if (lang && label && offerId) return [lang, label, offerId];
  }
  return null;
}

export class MerchantAccount implements SimAccount {
  faults: Faults = Faults.parse({});
  limits = MerchantLimits.parse({});
  private bucket: TokenBucket;
  readonly ledger = new ServingLedger('IN_STOCK');
  private readonly random = seededRandom(11);
  readonly totals = { requests: 0, applied: 0, throttled: 0, refused: 0 };

  constructor(
    readonly account: string,
    now: number,
  ) {
    this.bucket = new TokenBucket(this.limits.requestsPerSecond, this.limits.burst, now);
  }

  setFaults(update: z.input<typeof FaultsUpdate>): Faults {
    this.faults = Faults.parse({ ...this.faults, ...FaultsUpdate.parse(update) });
    return this.faults;
  }

  setLimits(update: unknown, now: number) {
    this.limits = MerchantLimits.parse({
      ...this.limits,
      ...z.record(z.string(), z.unknown()).parse(update),
    });
    this.bucket = new TokenBucket(this.limits.requestsPerSecond, this.limits.burst, now);
    return this.limits;
  }

  truth(body: unknown, now: number) {
    this.ledger.truth(Truth.parse(body), now);
    return this.listing(now);
  }

  listing(now: number) {
    return {
      account: this.account,
      ...this.ledger.report(now),
      limits: this.limits,
      totals: this.totals,
    };
  }

  async handle(req: SimRequest, now: number): Promise<SimResponse> {
    const r = this.patch(req, now);
    return this.faults.delayMs ? { ...r, delayMs: this.faults.delayMs } : r;
  }

  private patch(req: SimRequest, now: number): SimResponse {
    this.totals.requests++;
    const url = new URL(req.url);
    const path = url.pathname.replace(/^\/merchant/, '');
    const m = /^\/products\/(v1|v1beta)\/accounts\/(\d+)\/productInputs\/([^/]+)$/.exec(path);
    if (req.method !== 'PATCH' || !m?.[1] || !m[3])
      return status(404, 'NOT_FOUND', `No route for ${req.method} ${path}`);
    const refused = refuseToken(headerOf(req, 'authorization'), now, this.faults.expireCredentials);
    if (refused !== null) {
      this.totals.refused++;
      return status(
        401,
        'UNAUTHENTICATED',
        `Request had invalid authentication credentials (${refused}).`,
      );
    }
    if (this.faults.throttle || !this.bucket.take(now)) {
      this.totals.throttled++;
      return status(
        429,
        'RESOURCE_EXHAUSTED',
        'quota/request_rate_too_high: too many requests for productInputs.patch this minute',
      );
    }
    const fault = drawFault(this.faults, this.random);
    if (fault) return fault;
    const dataSource = url.searchParams.get('dataSource') ?? '';
    if (!new RegExp(`^accounts/${this.account}/dataSources/\\d+$`).test(dataSource)) {
      return status(
        400,
        'INVALID_ARGUMENT',
        `dataSource must be accounts/${this.account}/dataSources/{id}, got "${dataSource}"`,
      );
    }
    const mask = (url.searchParams.get('updateMask') ?? '').split(',').filter((p) => p !== '');
    const bad = mask.find(
      (p) => !p.startsWith('productAttributes.') && !p.startsWith('customAttributes'),
    );
    if (bad !== undefined)
      return status(
        400,
        'INVALID_ARGUMENT',
        `Invalid field mask path "${bad}": v1 product inputs take productAttributes.*`,
      );
    let raw: unknown;
    try {
      raw = JSON.parse(req.body);
    } catch {
      return status(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const body = Body.safeParse(raw);
    if (!body.success)
      return status(
        400,
        'INVALID_ARGUMENT',
        `Invalid ProductInput: ${body.error.issues[0]?.message}`,
      );
    if (body.data.attributes !== undefined)
      return status(
        400,
        'INVALID_ARGUMENT',
        'Invalid JSON payload received. Unknown name "attributes" at \'product_input\': v1 uses productAttributes',
      );
    const availability = body.data.productAttributes?.availability;
    if (
      mask.includes('productAttributes.availability') &&
      (availability === undefined || !AVAILABILITY.includes(availability))
    ) {
      return status(
        400,
        'INVALID_ARGUMENT',
        `productAttributes.availability must be one of ${AVAILABILITY.join(', ')}`,
      );
    }
    const key = productKey(m[3]);
    if (key === null)
      return status(
        400,
        'INVALID_ARGUMENT',
        `Product input id ${m[3]} is not language~feedLabel~offerId, plain or base64url`,
      );
    if (key[2].startsWith('404'))
      return status(404, 'NOT_FOUND', `Product input ${key.join('~')} not found in data source`);
    const name = `accounts/${this.account}/productInputs/${m[3]}`;
    if (availability !== undefined) {
      this.ledger.write(name, availability, availability !== 'OUT_OF_STOCK', now);
      this.totals.applied++;
    }
    return json(200, {
      name,
      product: `accounts/${this.account}/products/${m[3]}`,
      offerId: key[2],
      contentLanguage: key[0],
      feedLabel: key[1],
      productAttributes: { availability: this.ledger.status(name, now) },
    });
  }
}
