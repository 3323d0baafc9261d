import { z } from 'zod';
import type { Adapter, HttpResponse, ItemOutcome, PushItem } from '../adapter';
import { amazonFeeds } from './amazon-feeds';
import {
  AmazonCredentials,
  AmazonSettings,
  errorText,
  isSpApi,
  json,
  lwaUrl,
  quantityPatch,
  rateLimited,
  spBase,
  tokenExpired,
  withAccessToken,
} from './amazon-sp';
import { isTransient, parseJson, retryAll, snippet } from './http';

// Amazon SP-API Listings Items 2021-08-01: one `patchListingsItem` per SKU, a `merge` of
// `/attributes/fulfillment_availability`. Patches are absolute, so a resend is harmless. LWA
// access tokens from the refresh token; 5 requests a second, burst 5, per selling partner.

export const AmazonMapping = z.object({ sellerSku: z.string().min(1).max(40) });
export type AmazonMapping = z.output<typeof AmazonMapping>;

/** Listings Items patchListingsItem: 5 requests a second per selling partner (burst 5). */
export const LISTINGS_RATE = 5;

const Submission = z.object({
  sku: z.string(),
  status: z.enum(['ACCEPTED', 'INVALID', 'VALID']),
  submissionId: z.string().optional(),
  issues: z
    .array(z.object({ code: z.string(), message: z.string(), severity: z.string() }))
    .optional(),
});

const Token = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const TokenError = z.object({ error: z.string(), error_description: z.string().optional() });
const Participations = z.object({
  payload: z.array(z.object({ marketplace: z.object({ id: z.string() }) })),
});

const sellerSku = (item: PushItem) => AmazonMapping.parse(item.external).sellerSku;

function outcome(item: PushItem, res: HttpResponse): ItemOutcome {
  const sub = parseJson(Submission, res.body);
  if (!sub)
    return {
      sku: item.sku,
      status: 'retry',
      message: `Amazon answered 200 with an unreadable body: ${snippet(res.body)}`,
    };
  if (sub.status !== 'INVALID')
    return { sku: item.sku, status: 'accepted', quantity: item.quantity };
  const issue = sub.issues?.find((i) => i.severity === 'ERROR') ?? sub.issues?.[0];
  return {
    sku: item.sku,
    status: 'rejected',
    code: issue?.code ?? 'INVALID',
    message: `SKU ${item.sku} (seller SKU ${sub.sku}): ${issue?.message ?? 'Amazon refused the patch'}`,
  };
}

export const amazon: Adapter<
  typeof AmazonSettings,
  typeof AmazonCredentials,
  typeof AmazonMapping
> = {
  kind: 'amazon',
  Settings: AmazonSettings,
  Credentials: AmazonCredentials,
  Mapping: AmazonMapping,
  // patchListingsItem takes one SKU; the feeds path carries thousands.
  maxBatch: () => 1,
  defaultMapping: (sku) => (sku.length <= 40 ? { sellerSku: sku } : null),

  buildPush(items, ctx) {
    const ids = ctx.settings.marketplaceIds.join(',');
    return items.map((item) => {
      const url = `${spBase(ctx.settings)}/listings/2021-08-01/items/${encodeURIComponent(ctx.settings.sellerId)}/${encodeURIComponent(sellerSku(item))}?marketplaceIds=${encodeURIComponent(ids)}`;
      const req = json('PATCH', url, {
        productType: ctx.settings.productType,
        patches: quantityPatch(ctx.settings, item.quantity),
      });
      return ctx.accessToken === undefined ? req : withAccessToken(req, ctx.accessToken);
    });
  },

  parsePush(items, res, now) {
    const pace = {
      notBefore: now + Math.ceil(1000 / LISTINGS_RATE),
      describe: `Amazon listings ${LISTINGS_RATE} req/s, burst 5`,
    };
    if (res.status === 200) return { items: items.map((i) => outcome(i, res)), throttle: pace };
    if (res.status === 429) {
      return {
        items: retryAll(items, 'Amazon throttled the request (429)'),
        throttle: {
          notBefore: rateLimited(res, now, LISTINGS_RATE),
          describe: 'Amazon listings throttled (429)',
        },
      };
    }
    if (tokenExpired(res)) {
      return {
        items: retryAll(items, 'Amazon access token expired'),
        throttle: pace,
        refreshToken: true,
      };
    }
    if (res.status === 401 || res.status === 403) {
      const message = `Amazon refused the access token (${errorText(res)}): check the app's authorization by the seller`;
      return {
        items: retryAll(items, message),
        throttle: pace,
        fatal: { code: 'credentials_invalid', message },
      };
    }
    if (isTransient(res.status)) {
      return {
        items: retryAll(items, `Amazon answered ${res.status}: ${snippet(res.body)}`),
        throttle: { notBefore: now + 1000, describe: `Amazon answered ${res.status}` },
      };
    }
    return {
      items: items.map((i) => ({
        sku: i.sku,
        status: 'rejected',
        code: `http_${res.status}`,
        message: `SKU ${i.sku}: ${errorText(res)}`,
      })),
      throttle: pace,
    };
  },

  token(ctx) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: ctx.credentials.refreshToken,
      client_id: ctx.credentials.clientId,
      client_secret: ctx.credentials.clientSecret,
    });
    return {
      request: {
        method: 'POST',
        url: lwaUrl(ctx.settings),
        headers: {
          'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
          accept: 'application/json',
        },
        body: form.toString(),
      },
      parse(res) {
        const ok = res.status === 200 ? parseJson(Token, res.body) : null;
        // A minute early, so no request goes out with a token about to lapse.
        if (ok)
          return { token: ok.access_token, expiresAt: ctx.now + ok.expires_in * 1000 - 60_000 };
        const err = parseJson(TokenError, res.body);
        if (err && (res.status === 400 || res.status === 401)) {
          return {
            error: {
              code: 'credentials_invalid',
              message: `LWA refused the refresh token: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`,
              retryable: false,
            },
          };
        }
        return {
          error: {
            code: 'marketplace_error',
            message: `LWA answered ${res.status}: ${snippet(res.body)}`,
            retryable: true,
          },
        };
      },
    };
  },

  buildProbe(ctx) {
    const req = json('GET', `${spBase(ctx.settings)}/sellers/v1/marketplaceParticipations`);
    return ctx.accessToken === undefined ? req : withAccessToken(req, ctx.accessToken);
  },

  parseProbe(res) {
    if (res.status === 401 || res.status === 403)
      return { ok: false, code: 'credentials_invalid', message: errorText(res) };
    if (res.status !== 200)
      return { ok: false, code: 'marketplace_error', message: `Amazon answered ${res.status}` };
    const p = parseJson(Participations, res.body);
    if (!p || p.payload.length === 0)
      return {
        ok: false,
        code: 'settings_invalid',
        message: 'the seller participates in no marketplace',
      };
    return { ok: true };
  },

  bulk: amazonFeeds,

  async authorize(req, ctx) {
    return isSpApi(ctx.settings, req.url) ? withAccessToken(req, ctx.accessToken) : req;
  },
};
