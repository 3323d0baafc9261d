import { z } from 'zod';
import { isTransient, parseJson, retryAfter, snippet } from '../../channel-sync/adapters/http';
import type { AdsAdapter, AdsItem, AdsOutcome } from '../adapter';
import { GoogleCredentials, GoogleStatus, googleToken, withBearer } from './google-oauth';

// Merchant API products v1: `productInputs.patch` of one product input in an API data source,
// `updateMask=productAttributes.availability`, the body's `productAttributes.availability`
// OUT_OF_STOCK | IN_STOCK (v1 renamed v1beta's `attributes` to `productAttributes`). The product
// input's id is always sent base64url-encoded, so offer ids with `/`, `~` or `%` work.
// docs/ads.md#merchant-api.

/** Requests a second the adapter allows itself (the simulator enforces 5, burst 10). */
export const MERCHANT_RATE = 5;

const AccountId = z.string().regex(/^\d{1,20}$/, 'a numeric Merchant Center account id');

export const MerchantSettings = z.object({
  account: AccountId,
  /** The API data source the product inputs belong to (its numeric id). */
  dataSource: z.string().regex(/^\d{1,20}$/, 'the numeric id of an API data source'),
  contentLanguage: z
    .string()
    .regex(/^[a-z]{2}$/, 'an ISO 639-1 code like "en"')
    .default('en'),
  feedLabel: z.string().regex(/^[A-Z0-9_-]{1,20}$/, 'a feed label like "GB"'),
  apiVersion: z.enum(['v1']).default('v1'),
  baseUrl: z.url().optional(),
  tokenUrl: z.url().optional(),
});
export type MerchantSettings = z.output<typeof MerchantSettings>;

export const MerchantMapping = z.object({
  offerId: z.string().min(1).max(50),
  /** Override the connection's language or feed label for this offer. */
  contentLanguage: z
    .string()
    .regex(/^[a-z]{2}$/)
    .optional(),
  feedLabel: z
    .string()
    .regex(/^[A-Z0-9_-]{1,20}$/)
    .optional(),
});
type MerchantMapping = z.output<typeof MerchantMapping>;

/** Unpadded base64url (RFC 4648 §5) of UTF-8 text. */
export const base64url = (text: string): string => {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const parts = (m: MerchantMapping, s: MerchantSettings) => ({
  offerId: m.offerId,
  contentLanguage: m.contentLanguage ?? s.contentLanguage,
  feedLabel: m.feedLabel ?? s.feedLabel,
});

const ProductInput = z.object({
  name: z.string(),
  productAttributes: z.object({ availability: z.string() }).loose().optional(),
});

const retryAll = (items: AdsItem[], message: string): AdsOutcome[] =>
  items.map((i) => ({ entity: i.entity, status: 'retry', message }));

export const merchant: AdsAdapter<
  typeof MerchantSettings,
  typeof GoogleCredentials,
  typeof MerchantMapping
> = {
  kind: 'merchant',
  Settings: MerchantSettings,
  Credentials: GoogleCredentials,
  Mapping: MerchantMapping,
  entityOf(m, s) {
    const p = parts(m, s);
    return `accounts/${s.account}/productInputs/${base64url(`${p.contentLanguage}~${p.feedLabel}~${p.offerId}`)}`;
  },
  groupOf: (item) => item.entity,
  maxBatch: () => 1,

  buildPush(items, ctx) {
    const [item] = items;
    if (item === undefined || items.length > 1)
      throw new Error('Merchant API patches one product input a request');
    const s = ctx.settings;
    const m = MerchantMapping.parse(item.external);
    const query = new URLSearchParams({
      dataSource: `accounts/${s.account}/dataSources/${s.dataSource}`,
      updateMask: 'productAttributes.availability',
    });
    const body = {
      ...parts(m, s),
      productAttributes: { availability: item.target === 'paused' ? 'OUT_OF_STOCK' : 'IN_STOCK' },
    };
    const origin = (s.baseUrl ?? 'https://merchantapi.googleapis.com').replace(/\/+$/, '');
    return withBearer(
      {
        method: 'PATCH',
        url: `${origin}/products/${s.apiVersion}/${item.entity}?${query}`,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      },
      ctx.accessToken,
    );
  },

  parsePush(items, res, now) {
    const pace = {
      notBefore: now + Math.ceil(1000 / MERCHANT_RATE),
      describe: `Merchant API ${MERCHANT_RATE} req/s`,
    };
    const status = parseJson(GoogleStatus, res.body)?.error;
    const text = status
      ? `${status.status ?? status.code}: ${status.message}`
      : `HTTP ${res.status}: ${snippet(res.body)}`;
    if (res.status === 200) {
      if (parseJson(ProductInput, res.body)) {
        return {
          items: items.map((i) => ({ entity: i.entity, status: 'applied' })),
          throttle: pace,
        };
      }
      return {
        items: retryAll(
          items,
          `Merchant API answered 200 with an unreadable body: ${snippet(res.body)}`,
        ),
        throttle: pace,
      };
    }
    if (res.status === 429) {
      // quota/request_rate_too_high is a per-minute quota: wait for the next minute unless told.
      const at = retryAfter(res, now) ?? now + 60_000;
      return {
        items: retryAll(items, `Merchant API quota: ${text}`),
        throttle: { notBefore: at, describe: `Merchant API quota: ${text}` },
      };
    }
    if (res.status === 401)
      return {
        items: retryAll(items, `Merchant API: ${text}`),
        throttle: pace,
        refreshToken: true,
      };
    if (res.status === 403) {
      const message = `Merchant API refused the credentials (${text}): the user needs access to account and data source`;
      return {
        items: retryAll(items, message),
        throttle: pace,
        fatal: { code: 'credentials_invalid', message },
      };
    }
    if (isTransient(res.status)) {
      return {
        items: retryAll(items, `Merchant API answered ${res.status}: ${text}`),
        throttle: { notBefore: now + 1000, describe: `Merchant API answered ${res.status}` },
      };
    }
    if (res.status === 400 && /dataSource/i.test(text)) {
      const message = `Merchant API refused the data source (${text})`;
      return {
        items: retryAll(items, message),
        throttle: pace,
        fatal: { code: 'settings_invalid', message },
      };
    }
    return {
      items: items.map((i) => ({
        entity: i.entity,
        status: 'rejected',
        code: status?.status ?? `http_${res.status}`,
        message: `${i.entity}: ${text}`,
      })),
      throttle: pace,
    };
  },

  token: (ctx) => googleToken(ctx.credentials, ctx.settings.tokenUrl, ctx.now),
};
