import { z } from 'zod';
import { header, isTransient, parseJson, snippet } from '../../channel-sync/adapters/http';
import type { AdsAdapter, AdsItem, AdsOutcome, HttpResponse, Throttle } from '../adapter';

// Meta Marketing API: `POST /{version}/{ad-set-id}` with `status=PAUSED | ACTIVE` (campaigns and
// ads take the same call). Limits are Business Use Case scores per ad account, reported in
// `X-Business-Use-Case-Usage`; throttling answers error 17, 613 or 80000-80014 in the JSON body.
// docs/ads.md#meta.

export const META_VERSION = 'v25.0';
/** Writes a second on the Standard tier's ads_management score (9,000 points over 300 s, 3 a write). */
export const META_RATE = 10;

export const MetaSettings = z.object({
  adAccountId: z.string().regex(/^act_\d{1,20}$/, 'an ad account id like "act_1234567890"'),
  apiVersion: z
    .string()
    .regex(/^v\d{2}\.0$/)
    .default(META_VERSION),
  baseUrl: z.url().optional(),
});
export type MetaSettings = z.output<typeof MetaSettings>;

export const MetaCredentials = z.object({
  /** A system user's access token with ads_management. */
  accessToken: z.string().min(20).max(1000),
});

export const MetaMapping = z.object({
  level: z.enum(['adset', 'campaign', 'ad']).default('adset'),
  id: z.string().regex(/^\d{1,25}$/, 'the numeric id of the ad set, campaign or ad'),
});

const GraphError = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    is_transient: z.boolean().optional(),
  }),
});

const Usage = z.record(
  z.string(),
  z.array(
    z.object({
      type: z.string(),
      call_count: z.number(),
      total_cputime: z.number(),
      total_time: z.number(),
      estimated_time_to_regain_access: z.number().optional(),
    }),
  ),
);

const THROTTLE_CODES = new Set([4, 17, 32, 613]);
const isThrottle = (code: number) => THROTTLE_CODES.has(code) || (code >= 80000 && code <= 80014);

/** The ads_management usage the answer reports: the highest percentage, and minutes until access is back. */
export function businessUsage(
  res: HttpResponse,
): { percent: number; regainMinutes: number } | null {
  const raw = header(res, 'x-business-use-case-usage');
  if (raw === undefined) return null;
  const usage = parseJson(Usage, raw);
  if (!usage) return null;
  let percent = 0;
  let regainMinutes = 0;
  for (const entries of Object.values(usage)) {
    for (const u of entries) {
      if (u.type !== 'ads_management') continue;
      percent = Math.max(percent, u.call_count, u.total_cputime, u.total_time);
      regainMinutes = Math.max(regainMinutes, u.estimated_time_to_regain_access ?? 0);
    }
  }
  return { percent, regainMinutes };
}

/** Paced by the reported usage: near the ceiling, slow down before Meta refuses. */
function pace(res: HttpResponse, now: number): Throttle {
  const usage = businessUsage(res);
  const base = Math.ceil(1000 / META_RATE);
  if (usage === null) return { notBefore: now + base, describe: `Meta ${META_RATE} writes/s` };
  const describe = `Meta ads_management ${usage.percent}% used`;
  if (usage.regainMinutes > 0) return { notBefore: now + usage.regainMinutes * 60_000, describe };
  // Above 75% of the score, space writes out so the decay keeps up.
  const factor = usage.percent >= 90 ? 10 : usage.percent >= 75 ? 3 : 1;
  return { notBefore: now + base * factor, describe };
}

const retryAll = (items: AdsItem[], message: string): AdsOutcome[] =>
  items.map((i) => ({ entity: i.entity, status: 'retry', message }));

export const meta: AdsAdapter<typeof MetaSettings, typeof MetaCredentials, typeof MetaMapping> = {
  kind: 'meta',
  Settings: MetaSettings,
  Credentials: MetaCredentials,
  Mapping: MetaMapping,
  entityOf: (m) => m.id,
  groupOf: (item) => item.entity,
  maxBatch: () => 1,

  buildPush(items, ctx) {
    const [item] = items;
    if (item === undefined || items.length > 1) throw new Error('Meta updates one node a request');
    const origin = (ctx.settings.baseUrl ?? 'https://graph.facebook.com').replace(/\/+$/, '');
    return {
      method: 'POST',
      url: `${origin}/${ctx.settings.apiVersion}/${item.entity}`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Bearer ${ctx.credentials.accessToken}`,
      },
      body: new URLSearchParams({
        status: item.target === 'paused' ? 'PAUSED' : 'ACTIVE',
      }).toString(),
    };
  },

  parsePush(items, res, now) {
    const throttle = pace(res, now);
    if (res.status === 200) {
      const ok = parseJson(z.object({ success: z.literal(true) }), res.body);
      if (ok)
        return { items: items.map((i) => ({ entity: i.entity, status: 'applied' })), throttle };
      return {
        items: retryAll(items, `Meta answered 200 with an unreadable body: ${snippet(res.body)}`),
        throttle,
      };
    }
    const e = parseJson(GraphError, res.body)?.error;
    const text = e
      ? `(#${e.code}${e.error_subcode ? `/${e.error_subcode}` : ''}) ${e.message}`
      : `HTTP ${res.status}: ${snippet(res.body)}`;
    if (e && isThrottle(e.code)) {
      const wait = Math.max(throttle.notBefore ?? now, now + 60_000);
      return {
        items: retryAll(items, `Meta throttled: ${text}`),
        throttle: { notBefore: wait, describe: `Meta throttled ${text}` },
      };
    }
    if (e && (e.code === 190 || e.code === 10 || e.code === 200)) {
      const message = `Meta refused the access token ${text}: issue a new system user token with ads_management`;
      return {
        items: retryAll(items, message),
        throttle,
        fatal: { code: 'credentials_invalid', message },
      };
    }
    if (isTransient(res.status) || e?.is_transient || e?.code === 1 || e?.code === 2) {
      return {
        items: retryAll(items, `Meta answered ${res.status}: ${text}`),
        throttle: { notBefore: now + 1000, describe: `Meta answered ${res.status}` },
      };
    }
    return {
      items: items.map((i) => ({
        entity: i.entity,
        status: 'rejected',
        code: e ? `meta_${e.code}` : `http_${res.status}`,
        message: `${i.entity}: ${text}`,
      })),
      throttle,
    };
  },
};
