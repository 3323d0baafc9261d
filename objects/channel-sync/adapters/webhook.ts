import { z } from 'zod';
import type { Adapter, HttpResponse } from '../adapter';
import { header, isTransient, retryAfter, retryAll } from './http';
import { chunk } from './shopify-set';
import { secretBytes, sign } from './standard-webhooks';

// A generic webhook: POSTs batches of listed quantities as JSON to the channel's URL, signed per
// Standard Webhooks. `webhook-id` is derived from the attempt, so a resend after a crash carries
// the same id and the receiver drops the duplicate. Body: docs/connectors.md#webhook.

export const WebhookSettings = z.object({
  url: z.url(),
  maxBatch: z.number().int().min(1).max(1000).default(100),
});
export const WebhookCredentials = z.object({
  secret: z
    .string()
    .refine((s) => secretBytes(s) !== null, 'a Standard Webhooks secret: whsec_<base64>'),
});
/** The receiver's code for the SKU (ours by default). */
export const WebhookMapping = z.object({ code: z.string().min(1) });

/** The body of one push: the Standard Webhooks envelope `{ type, data }`. */
export type StockListed = {
  type: 'stock.listed';
  data: { channel: string | null; attempt: string; items: { sku: string; quantity: number }[] };
};

const PROBE_ID = 'msg_stockmesh_probe';

export const webhook: Adapter<
  typeof WebhookSettings,
  typeof WebhookCredentials,
  typeof WebhookMapping
> = {
  kind: 'webhook',
  Settings: WebhookSettings,
  Credentials: WebhookCredentials,
  Mapping: WebhookMapping,
  maxBatch: (s) => s.maxBatch,
  defaultMapping: (sku) => ({ code: sku }),

  buildPush(items, ctx) {
    return chunk(items, ctx.settings.maxBatch).map((batch, index) => {
      const body: StockListed = {
        type: 'stock.listed',
        data: {
          channel: ctx.channel ?? null,
          attempt: ctx.attempt,
          items: batch.map((i) => ({
            sku: WebhookMapping.parse(i.external).code,
            quantity: i.quantity,
          })),
        },
      };
      // No send time in the body: a resend of the attempt is byte for byte the same message.
      return {
        method: 'POST',
        url: ctx.settings.url,
        headers: {
          'content-type': 'application/json',
          'webhook-id': `msg_${ctx.attempt}_${index}`,
        },
        body: JSON.stringify(body),
      };
    });
  },

  parsePush(items, res: HttpResponse, now) {
    const ok = { notBefore: null, describe: 'webhook: no rate limit' };
    if (res.status >= 200 && res.status < 300) {
      return {
        items: items.map((i) => ({ sku: i.sku, status: 'accepted', quantity: i.quantity })),
        throttle: ok,
      };
    }
    if (isTransient(res.status)) {
      const notBefore = retryAfter(res, now);
      return {
        items: retryAll(items, `the receiver answered ${res.status}`),
        throttle: {
          notBefore,
          describe: `webhook receiver answered ${res.status}${notBefore ? ', Retry-After' : ''}`,
        },
      };
    }
    if (res.status === 401 || res.status === 403) {
      const message = `the receiver refused the signature (${res.status}): check the shared secret`;
      return {
        items: retryAll(items, message),
        throttle: ok,
        fatal: { code: 'credentials_invalid', message },
      };
    }
    if (res.status === 404 || res.status === 410) {
      const message = `the receiver URL answered ${res.status}: check the channel's webhook URL`;
      return {
        items: retryAll(items, message),
        throttle: ok,
        fatal: { code: 'settings_invalid', message },
      };
    }
    const reason = header(res, 'content-type')?.includes('json') ? res.body.slice(0, 200) : '';
    return {
      items: items.map((i) => ({
        sku: i.sku,
        status: 'rejected',
        code: `http_${res.status}`,
        message: `SKU ${i.sku}: the receiver answered ${res.status} ${reason}`.trim(),
      })),
      throttle: ok,
    };
  },

  buildProbe(ctx) {
    return {
      method: 'POST',
      url: ctx.settings.url,
      headers: { 'content-type': 'application/json', 'webhook-id': PROBE_ID },
      body: JSON.stringify({ type: 'stock.ping', data: { channel: ctx.channel ?? null } }),
    };
  },

  parseProbe(res) {
    if (res.status >= 200 && res.status < 300) return { ok: true };
    if (res.status === 401 || res.status === 403)
      return {
        ok: false,
        code: 'credentials_invalid',
        message: 'the receiver refused the signature',
      };
    return { ok: false, code: 'settings_invalid', message: `the receiver answered ${res.status}` };
  },

  async authorize(req, ctx) {
    const id = req.headers['webhook-id'];
    if (id === undefined || req.body === undefined) return req;
    const signed = await sign(ctx.credentials.secret, id, Math.floor(ctx.now / 1000), req.body);
    return { ...req, headers: { ...req.headers, ...signed } };
  },
};
