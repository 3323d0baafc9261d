import { z } from 'zod';
import { isTransient, parseJson, snippet } from '../../channel-sync/adapters/http';
import type { AdsAdapter, AdsItem, AdsOutcome, HttpResponse, ParsedAds } from '../adapter';
import {
  durationMs,
  GoogleCredentials,
  GoogleStatus,
  googleToken,
  withBearer,
} from './google-oauth';

// Google Ads API (REST): `customers/{id}/adGroups:mutate` and `campaigns:mutate` with update
// operations on `status` (PAUSED | ENABLED) and `updateMask: "status"`, partial failure on, so one
// refused ad group does not hold back the others. docs/ads.md#google-ads.

export const GOOGLE_ADS_VERSION = 'v26';
/** Requests a second the adapter allows itself per customer (the simulator enforces 10, burst 10). */
export const GOOGLE_ADS_RATE = 10;

const CustomerId = z.string().regex(/^\d{10}$/, 'a 10-digit customer id without dashes');

export const GoogleAdsSettings = z.object({
  customerId: CustomerId,
  /** The manager account the credentials act through, when there is one. */
  loginCustomerId: CustomerId.optional(),
  apiVersion: z
    .string()
    .regex(/^v\d{2}$/)
    .default(GOOGLE_ADS_VERSION),
  /** Overrides https://googleads.googleapis.com (a simulator, a proxy). */
  baseUrl: z.url().optional(),
  /** Overrides https://oauth2.googleapis.com/token. */
  tokenUrl: z.url().optional(),
});
export type GoogleAdsSettings = z.output<typeof GoogleAdsSettings>;

export const GoogleAdsCredentials = GoogleCredentials.extend({
  developerToken: z.string().min(10).max(100),
});

export const GoogleAdsMapping = z.object({
  level: z.enum(['ad_group', 'campaign']).default('ad_group'),
  id: z.string().regex(/^\d{1,20}$/, 'the numeric id of the ad group or campaign'),
});
type GoogleAdsMapping = z.output<typeof GoogleAdsMapping>;

const collection = (level: GoogleAdsMapping['level']) =>
  level === 'campaign' ? 'campaigns' : 'adGroups';

const base = (s: GoogleAdsSettings) =>
  (s.baseUrl ?? 'https://googleads.googleapis.com').replace(/\/+$/, '');

const Failure = z.object({
  errors: z.array(
    z.object({
      errorCode: z.record(z.string(), z.string()),
      message: z.string(),
      location: z
        .object({
          fieldPathElements: z.array(
            z.object({ fieldName: z.string(), index: z.number().int().optional() }),
          ),
        })
        .optional(),
      details: z
        .object({ quotaErrorDetails: z.object({ retryDelay: z.string().optional() }).optional() })
        .optional(),
    }),
  ),
});

const failuresOf = (details: unknown[] | undefined) =>
  (details ?? []).flatMap((d) => Failure.safeParse(d).data?.errors ?? []);

const MutateOk = z.object({
  results: z.array(z.object({ resourceName: z.string().optional() })).optional(),
  partialFailureError: GoogleStatus.shape.error.optional(),
});

/** Errors that a later resend may cure (quota, Google's own trouble). */
const transientCode = (code: Record<string, string>) =>
  'quotaError' in code ||
  'internalError' in code ||
  code.databaseError === 'CONCURRENT_MODIFICATION';

const retryAll = (items: AdsItem[], message: string): AdsOutcome[] =>
  items.map((i) => ({ entity: i.entity, status: 'retry', message }));

function parseMutate(items: AdsItem[], res: HttpResponse, pace: ParsedAds['throttle']): ParsedAds {
  const ok = parseJson(MutateOk, res.body);
  if (!ok) {
    const message = `Google Ads answered 200 with an unreadable body: ${snippet(res.body)}`;
    return { items: retryAll(items, message), throttle: pace };
  }
  const byIndex = new Map<number, { code: Record<string, string>; message: string }>();
  for (const e of failuresOf(ok.partialFailureError?.details)) {
    const index = e.location?.fieldPathElements.find((f) => f.fieldName === 'operations')?.index;
    if (index !== undefined && !byIndex.has(index))
      byIndex.set(index, { code: e.errorCode, message: e.message });
  }
  return {
    items: items.map((item, i): AdsOutcome => {
      const failed = byIndex.get(i);
      if (failed === undefined) return { entity: item.entity, status: 'applied' };
      const [kind, value] = Object.entries(failed.code)[0] ?? ['unknown', 'UNKNOWN'];
      const message = `${item.entity}: ${kind}.${value}: ${failed.message}`;
      return transientCode(failed.code)
        ? { entity: item.entity, status: 'retry', message }
        : { entity: item.entity, status: 'rejected', code: `${kind}.${value}`, message };
    }),
    throttle: pace,
  };
}

export const googleAds: AdsAdapter<
  typeof GoogleAdsSettings,
  typeof GoogleAdsCredentials,
  typeof GoogleAdsMapping
> = {
  kind: 'google_ads',
  Settings: GoogleAdsSettings,
  Credentials: GoogleAdsCredentials,
  Mapping: GoogleAdsMapping,
  entityOf: (m, s) => `customers/${s.customerId}/${collection(m.level)}/${m.id}`,
  groupOf: (item) => item.entity.split('/')[2] ?? 'adGroups',
  // 10,000 operations a request is Google's ceiling; smaller requests fail and retry faster.
  maxBatch: () => 1000,

  buildPush(items, ctx) {
    const s = ctx.settings;
    const kind = items[0]?.entity.split('/')[2] ?? 'adGroups';
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'developer-token': ctx.credentials.developerToken,
    };
    if (s.loginCustomerId !== undefined) headers['login-customer-id'] = s.loginCustomerId;
    const body = {
      operations: items.map((i) => ({
        update: { resourceName: i.entity, status: i.target === 'paused' ? 'PAUSED' : 'ENABLED' },
        updateMask: 'status',
      })),
      partialFailure: true,
    };
    const url = `${base(s)}/${s.apiVersion}/customers/${s.customerId}/${kind}:mutate`;
    return withBearer(
      { method: 'POST', url, headers, body: JSON.stringify(body) },
      ctx.accessToken,
    );
  },

  parsePush(items, res, now) {
    const pace = {
      notBefore: now + Math.ceil(1000 / GOOGLE_ADS_RATE),
      describe: `Google Ads ${GOOGLE_ADS_RATE} req/s per customer`,
    };
    if (res.status === 200) return parseMutate(items, res, pace);
    const status = parseJson(GoogleStatus, res.body)?.error;
    const errors = failuresOf(status?.details);
    const summary = errors[0]
      ? `${Object.entries(errors[0].errorCode)
          .map(([k, v]) => `${k}.${v}`)
          .join(',')}: ${errors[0].message}`
      : (status?.message ?? `HTTP ${res.status}: ${snippet(res.body)}`);
    if (res.status === 429 || status?.status === 'RESOURCE_EXHAUSTED') {
      const quota = errors.find((e) => e.errorCode.quotaError !== undefined);
      const delay = durationMs(quota?.details?.quotaErrorDetails?.retryDelay);
      // RESOURCE_EXHAUSTED is the daily operations quota: no use trying again within the hour.
      const daily = quota?.errorCode.quotaError === 'RESOURCE_EXHAUSTED';
      const wait = delay ?? (daily ? 3_600_000 : 5_000);
      return {
        items: retryAll(items, `Google Ads throttled the request: ${summary}`),
        throttle: { notBefore: now + wait, describe: `Google Ads quota: ${summary}` },
      };
    }
    if (res.status === 401) {
      return {
        items: retryAll(items, `Google Ads: ${summary}`),
        throttle: pace,
        refreshToken: true,
      };
    }
    if (res.status === 403) {
      const message = `Google Ads refused the credentials (${summary}): check the developer token and the account's access`;
      return {
        items: retryAll(items, message),
        throttle: pace,
        fatal: { code: 'credentials_invalid', message },
      };
    }
    if (isTransient(res.status)) {
      return {
        items: retryAll(items, `Google Ads answered ${res.status}: ${summary}`),
        throttle: { notBefore: now + 1000, describe: `Google Ads answered ${res.status}` },
      };
    }
    if (res.status === 404 || errors.some((e) => e.errorCode.requestError !== undefined)) {
      const message = `Google Ads refused the request (${summary}): check customerId and apiVersion`;
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
        code: `http_${res.status}`,
        message: `${i.entity}: ${summary}`,
      })),
      throttle: pace,
    };
  },

  token: (ctx) => googleToken(ctx.credentials, ctx.settings.tokenUrl, ctx.now),
};
