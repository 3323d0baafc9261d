import { z } from 'zod';
import { ChannelCode, LocationCode, SkuCode } from './catalog';

// Stock signals and the webhook subscriptions that deliver them (signed per Standard Webhooks).

/** What a signal is about: a SKU at a location, a channel, or the webhook machinery itself. */
export const SignalType = z.enum([
  'low',
  'out',
  'back_in_stock',
  'oversold',
  'channel_degraded',
  'webhook_disabled',
  /** A recommendation opened or changed (docs/recommendations.md). */
  'recommendation',
]);
export type SignalType = z.infer<typeof SignalType>;

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One signal, as stored, streamed and delivered; `id` is stable, so a re-sent signal is the same. */
export const SignalEvent = z.object({
  id: z.string().min(1).max(200),
  type: SignalType,
  at: z.string(),
  sku: SkuCode.optional(),
  location: LocationCode.optional(),
  channel: ChannelCode.optional(),
  /** The numbers behind it: available, cover, rate, the threshold crossed. */
  data: z.record(z.string(), Scalar),
});
export type SignalEvent = z.infer<typeof SignalEvent>;

const isLocalHost = (host: string) =>
  host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host.endsWith('.test');

/** HTTPS anywhere; plain HTTP only to this machine (development receivers). */
export const WebhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || isLocalHost(url.hostname);
  }, 'url: https, or http to localhost')
  .refine((u) => new URL(u).username === '' && new URL(u).password === '', 'url: no credentials');

const unique = <T>(xs: T[]) => new Set(xs).size === xs.length;

export const WebhookFilter = z.strictObject({
  skus: z.array(SkuCode).min(1).max(100).refine(unique, 'skus must not repeat').optional(),
  locations: z
    .array(LocationCode)
    .min(1)
    .max(64)
    .refine(unique, 'locations must not repeat')
    .optional(),
  channels: z
    .array(ChannelCode)
    .min(1)
    .max(64)
    .refine(unique, 'channels must not repeat')
    .optional(),
});
export type WebhookFilter = z.infer<typeof WebhookFilter>;

const Events = z.array(SignalType).min(1).refine(unique, 'events must not repeat');
const Description = z.string().trim().max(200);

export const WebhookCreate = z.strictObject({
  url: WebhookUrl,
  events: Events,
  filter: WebhookFilter.optional(),
  description: Description.optional(),
});
export type WebhookCreate = z.infer<typeof WebhookCreate>;

export const WebhookPatch = z
  .strictObject({
    url: WebhookUrl.optional(),
    events: Events.optional(),
    filter: WebhookFilter.nullable().optional(),
    description: Description.optional(),
    /** Re-enables a subscription disabled after a day of failures (or pauses one). */
    enabled: z.boolean().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'nothing to change');
export type WebhookPatch = z.infer<typeof WebhookPatch>;

export const WebhookView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(SignalType),
  filter: WebhookFilter.nullable(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  /** Why it was disabled (a day of failed deliveries), or null. */
  disabledReason: z.string().nullable(),
  /** Since when every delivery has failed, or null after a success. */
  failingSince: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookView = z.infer<typeof WebhookView>;

/** The answer to a creation (or a secret rotation): the signing secret, shown this once. */
export const WebhookCreated = WebhookView.extend({ secret: z.string() });
export type WebhookCreated = z.infer<typeof WebhookCreated>;

export const DeliveryStatus = z.enum(['pending', 'delivered', 'failed']);

export const Delivery = z.object({
  /** The `webhook-id` header: the same on every attempt, so receivers can drop duplicates. */
  id: z.string(),
  eventId: z.string(),
  type: SignalType,
  status: DeliveryStatus,
  attempts: z.number().int().min(0),
  nextAttemptAt: z.string().nullable(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type Delivery = z.infer<typeof Delivery>;

export const DeliveryPage = z.object({
  items: z.array(Delivery),
  /** Pass back as `cursor` for older deliveries; null at the end. */
  nextCursor: z.string().nullable(),
});
export type DeliveryPage = z.infer<typeof DeliveryPage>;

export const SignalQuery = z.object({
  type: SignalType.optional(),
  sku: SkuCode.optional(),
  location: LocationCode.optional(),
  channel: ChannelCode.optional(),
  /** The `nextCursor` of a previous page, for older signals. */
  cursor: z
    .string()
    .regex(/^\d{1,16}$/, 'cursor: pass back the nextCursor of a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type SignalQuery = z.infer<typeof SignalQuery>;

/**
 * A query narrowed to a key's scope: only signals at one of `locations` (a warehouse key) or of
 * one of `channels` (a storefront or connector key); an empty list matches nothing.
 */
export type ScopedSignalQuery = SignalQuery & {
  locations?: readonly string[];
  channels?: readonly string[];
};

export const SignalPage = z.object({
  /** Newest first. */
  items: z.array(SignalEvent),
  nextCursor: z.string().nullable(),
});
export type SignalPage = z.infer<typeof SignalPage>;
