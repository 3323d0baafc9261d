import { z } from 'zod';
import { ChannelCode, SkuCode } from './catalog';

// Ads that follow stock (docs/ads.md): an ads connection (one AdsSync object each) pauses the
// campaigns, ad groups, ad sets or offers mapped to a SKU when the SKU sells out on the followed
// channel, and resumes them with hysteresis. The admin API's bodies and answers.

export const AdsKind = z.enum(['google_ads', 'merchant', 'meta']);
export type AdsKind = z.infer<typeof AdsKind>;

/** An ads connection's name: its AdsSync object and its URL segment. */
export const AdsName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'ads connection name: 1-32 of a-z 0-9 -, e.g. google-uk');

/**
 * When to pause and when to resume. Pause: listed on the followed channel ≤ `pauseAtListed`, or
 * (when set) cover under `pauseUnderCoverDays`. Resume only once listed ≥ `resumeAtListed` and
 * cover ≥ `pauseUnderCoverDays + resumeCoverMarginDays`: the gap is the hysteresis.
 */
export const AdsRules = z
  .strictObject({
    pauseAtListed: z.number().int().min(0).max(10_000).default(0),
    pauseUnderCoverDays: z.number().min(0.1).max(365).nullable().default(null),
    resumeAtListed: z.number().int().min(1).max(100_000).default(1),
    resumeCoverMarginDays: z.number().min(0).max(365).default(2),
  })
  .refine((r) => r.resumeAtListed > r.pauseAtListed, {
    message: 'resumeAtListed must be greater than pauseAtListed (hysteresis)',
    path: ['resumeAtListed'],
  });
export type AdsRules = z.output<typeof AdsRules>;

const JsonObject = z.record(z.string(), z.unknown());
const Timestamp = z.string().describe('ISO 8601 UTC');

export const AdsConnectionPut = z.strictObject({
  kind: AdsKind,
  /** The channel whose listed quantity the ads follow. */
  channel: ChannelCode,
  settings: JsonObject.describe("The ads API's settings, checked against the kind's schema"),
  credentials: JsonObject.describe('Secrets: stored encrypted, never returned'),
  rules: AdsRules.optional(),
  /** Create it paused: signals are recorded, nothing is sent to the ads API. */
  paused: z.boolean().default(false),
});
export type AdsConnectionPut = z.infer<typeof AdsConnectionPut>;

export const AdsConnectionPatch = z
  .strictObject({
    channel: ChannelCode.optional(),
    settings: JsonObject.optional().describe('Fields to change; the others keep their value'),
    credentials: JsonObject.optional().describe('Replaces every credential when given'),
    rules: AdsRules.optional().describe('Replaces the rules'),
    paused: z.boolean().optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'nothing to update');
export type AdsConnectionPatch = z.infer<typeof AdsConnectionPatch>;

export const AdsState = z.enum(['active', 'paused', 'failing']);

export const AdsError = z.object({ code: z.string(), message: z.string(), at: Timestamp });

export const AdsConnection = z.object({
  name: AdsName,
  kind: AdsKind,
  channel: ChannelCode,
  state: AdsState,
  rules: z.object({
    pauseAtListed: z.number(),
    pauseUnderCoverDays: z.number().nullable(),
    resumeAtListed: z.number(),
    resumeCoverMarginDays: z.number(),
  }),
  settings: JsonObject,
  credentials: z.object({ fields: z.array(z.string()), changedAt: Timestamp }),
  lastError: AdsError.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type AdsConnection = z.infer<typeof AdsConnection>;

/** One SKU's ad entities: each as the kind's mapping schema has it (docs/ads.md#mappings). */
export const AdsMappingPut = z.strictObject({
  entities: z.array(JsonObject).min(1).max(50),
});

export const AdsMapping = z.object({
  sku: SkuCode,
  entities: z.array(z.object({ entity: z.string(), external: JsonObject })),
  updatedAt: Timestamp,
});
export type AdsMapping = z.infer<typeof AdsMapping>;

export const AdsMappingQuery = z.object({
  cursor: SkuCode.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const AdsMappingPage = z.object({
  items: z.array(AdsMapping),
  nextCursor: SkuCode.nullable(),
});
export type AdsMappingPage = z.infer<typeof AdsMappingPage>;

export const AdsImportResult = z.object({
  skus: z.number().int(),
  entities: z.number().int(),
  lines: z.number().int(),
});
export type AdsImportResult = z.infer<typeof AdsImportResult>;

/** What the ads should do: paused (our doing) or serving. */
export const AdsTarget = z.enum(['paused', 'serving']);
export type AdsTarget = z.infer<typeof AdsTarget>;

export const ActionStatus = z.enum(['queued', 'sending', 'applied', 'failed', 'superseded']);
export type ActionStatus = z.infer<typeof ActionStatus>;

/** Why an action was decided, in numbers. */
export const ActionReason = z.object({
  rule: z.string().describe('e.g. "listed 0 ≤ 0" or "cover 1.5 d < 3 d"'),
  sku: SkuCode,
  eventId: z.string().nullable(),
  listed: z.number().nullable(),
  coverDays: z.number().nullable(),
  threshold: z.number().nullable(),
});
export type ActionReason = z.infer<typeof ActionReason>;

export const AdsAction = z.object({
  id: z.number().int(),
  entity: z.string(),
  action: z.enum(['pause', 'resume']),
  status: ActionStatus,
  reason: ActionReason,
  attempts: z.number().int().min(0),
  error: z.string().nullable(),
  createdAt: Timestamp,
  doneAt: Timestamp.nullable(),
});
export type AdsAction = z.infer<typeof AdsAction>;

export const AdsActionQuery = z.object({
  before: z.coerce.number().int().min(1).optional().describe('The nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  sku: SkuCode.optional(),
});
export const AdsActionPage = z.object({
  items: z.array(AdsAction).describe('Newest first'),
  nextCursor: z.number().int().nullable(),
});
export type AdsActionPage = z.infer<typeof AdsActionPage>;

export const AdsStatus = z.object({
  name: AdsName,
  kind: AdsKind,
  channel: ChannelCode,
  state: AdsState,
  entities: z.object({
    total: z.number().int(),
    paused: z.number().int().describe('Paused by us, as the ads API confirmed'),
    queued: z.number().int().describe('Actions waiting or in flight'),
  }),
  skus: z.object({
    known: z.number().int(),
    soldOut: z.number().int().describe('SKUs the rules hold paused'),
  }),
  signals: z.object({ received: z.number().int(), duplicates: z.number().int() }),
  throttle: z.object({
    describe: z.string(),
    notBefore: Timestamp.nullable(),
    failures: z.number().int(),
  }),
  lastError: AdsError.nullable(),
});
export type AdsStatus = z.infer<typeof AdsStatus>;

/** How far the Webhooks object's relay of stock signals lags for one connection (docs/signals.md). */
export const AdsRelayLag = z.object({
  behind: z
    .number()
    .int()
    .describe(
      'Stock signals (out, back_in_stock, low) logged and not yet accepted by this connection',
    ),
  oldestAt: Timestamp.nullable().describe('When the oldest of them was logged; null when none'),
  oldestAgeSeconds: z.number().nullable().describe('Its age now, in seconds; null when none'),
  failures: z.number().int().describe('Refusals in a row (0 while it accepts)'),
  retryAt: Timestamp.nullable().describe('While refusing: when the relay tries it again'),
  lastError: z.string().nullable().describe('Why it last refused'),
});
export type AdsRelayLag = z.infer<typeof AdsRelayLag>;

/** GET /v1/ads/{name}/status: the connection's own state and the relay's lag toward it. */
export const AdsConnectionStatus = AdsStatus.extend({
  relay: AdsRelayLag.nullable().describe(
    'The signal relay toward this connection; null while the catalog does not list it',
  ),
});
export type AdsConnectionStatus = z.infer<typeof AdsConnectionStatus>;
