import { z } from 'zod';
import { ChannelCode, SkuCode } from './catalog';
import { ListedRule } from './stream';

// A channel's connection to its marketplace (the ChannelSync object, one per channel) and its SKU
// mappings: the admin API's bodies and answers. Settings, credentials and mappings have a shape of
// their own per kind: the adapter's zod schemas check them (docs/connectors.md).

export const ConnectionKind = z.enum(['shopify', 'amazon', 'webhook']);
export type ConnectionKind = z.infer<typeof ConnectionKind>;

/** active: pushing; paused: by an admin; failing: the marketplace refuses the settings or credentials. */
export const ConnectionState = z.enum(['active', 'paused', 'failing']);
export type ConnectionState = z.infer<typeof ConnectionState>;

const Timestamp = z.string().describe('ISO 8601 UTC');
const JsonObject = z.record(z.string(), z.unknown());

const DegradedAfter = z
  .number()
  .int()
  .min(1)
  .max(86_400)
  .describe(
    'Marketplace lag (seconds) past which the channel is degraded and its pushed quantities count as exposed (default 60)',
  );

export const ConnectionPut = z.strictObject({
  kind: ConnectionKind,
  settings: JsonObject.describe("The marketplace's settings, checked against the kind's schema"),
  credentials: JsonObject.describe('Secrets: stored encrypted, never returned'),
  /** Create the connection paused: nothing is pushed until resumed. */
  paused: z.boolean().default(false),
  degradedAfterSeconds: DegradedAfter.optional(),
});
export type ConnectionPut = z.infer<typeof ConnectionPut>;

export const ConnectionPatch = z
  .strictObject({
    settings: JsonObject.optional().describe('Fields to change; the others keep their value'),
    credentials: JsonObject.optional().describe('Replaces every credential when given'),
    degradedAfterSeconds: DegradedAfter.optional(),
  })
  .refine(
    (p) =>
      p.settings !== undefined ||
      p.credentials !== undefined ||
      p.degradedAfterSeconds !== undefined,
    'nothing to update',
  );
export type ConnectionPatch = z.infer<typeof ConnectionPatch>;

/** The last failure a push, a read or a token refresh met. */
export const SyncError = z.object({ code: z.string(), message: z.string(), at: Timestamp });
export type SyncError = z.infer<typeof SyncError>;

export const Connection = z.object({
  channel: ChannelCode,
  kind: ConnectionKind,
  state: ConnectionState,
  settings: JsonObject,
  credentials: z.object({
    fields: z.array(z.string()).describe('Which credential fields are set (never their values)'),
    changedAt: Timestamp,
  }),
  lastError: SyncError.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Connection = z.infer<typeof Connection>;

export const ConnectionTest = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), latencyMs: z.number().min(0) }),
  z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
]);
export type ConnectionTest = z.infer<typeof ConnectionTest>;

// Mappings: our SKU ↔ the marketplace's item.

export const Mapping = z.object({
  sku: SkuCode,
  external: JsonObject.describe("The marketplace's ids for the SKU, as the kind's schema has them"),
  updatedAt: Timestamp,
});
export type Mapping = z.infer<typeof Mapping>;

export const MappingListQuery = z.object({
  cursor: SkuCode.optional().describe('The nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const MappingPage = z.object({ items: z.array(Mapping), nextCursor: SkuCode.nullable() });
export type MappingPage = z.infer<typeof MappingPage>;

export const MAX_MAPPING_LINES = 20_000;

/** One line of an import: the SKU and the mapping's fields, flat (CSV columns, NDJSON keys). */
export type MappingLine = { line: number; sku: string; fields: Record<string, unknown> };

export const MappingImportResult = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  total: z.number().int(),
});
export type MappingImportResult = z.infer<typeof MappingImportResult>;

export const UnmappedQuery = MappingListQuery;
export const UnmappedPage = z.object({
  items: z.array(SkuCode).describe('Catalog SKUs with no mapping and no default mapping'),
  nextCursor: SkuCode.nullable(),
});
export type UnmappedPage = z.infer<typeof UnmappedPage>;

// Status: GET /v1/channels/{code}/sync

export const SyncStatus = z.object({
  channel: ChannelCode,
  kind: ConnectionKind,
  state: ConnectionState,
  queue: z.object({
    /** SKUs whose listed quantity the marketplace does not show yet (in flight included). */
    depth: z.number().int().min(0),
    /** Age of the oldest of those changes. */
    oldestAgeSeconds: z.number().min(0),
    /** Of them, SKUs with no mapping (not pushed until mapped). */
    unmapped: z.number().int().min(0),
    /** SKUs the marketplace refused; not sent again until their listed quantity changes. */
    rejected: z.number().int().min(0),
  }),
  /** How far behind the marketplace is: age of the oldest change it does not show, mapped SKUs only. */
  lagSeconds: z.number().min(0),
  degraded: z
    .object({
      since: Timestamp,
      reason: z.enum(['lag', 'failing']),
      exposedSkus: z.number().int().min(0),
    })
    .nullable()
    .describe(
      'Degraded (lag past degradedAfterSeconds, or failing): its pushed quantities count as exposed and the other channels list that much less',
    ),
  degradedAfterSeconds: z.number().int().min(1),
  /** Items accepted per second over the last minute. */
  pushesPerSecond: z.number().min(0),
  /** Requests sent per second over the last minute. */
  requestsPerSecond: z.number().min(0),
  throttle: z.object({
    describe: z.string(),
    /** No request goes before this time (the marketplace's limit, or a backoff). */
    notBefore: Timestamp.nullable(),
    /** Consecutive failed requests behind the current backoff. */
    failures: z.number().int().min(0),
  }),
  lastError: SyncError.nullable(),
  counts: z.object({
    pushed: z.number().int().min(0).describe('Items sent (resends included)'),
    accepted: z.number().int().min(0),
    rejected: z.number().int().min(0),
    stale: z.number().int().min(0).describe('Compare-and-set refusals, each followed by a re-read'),
    retried: z.number().int().min(0),
    avoided: z
      .number()
      .int()
      .min(0)
      .describe(
        'Pushes not sent because the marketplace already held the new listed quantity (its own orders decrement its count)',
      ),
  }),
  bulk: z
    .object({
      attempt: z.string(),
      items: z.number().int().min(0),
      startedAt: Timestamp,
      notBefore: Timestamp.nullable(),
    })
    .nullable(),
  rejectedItems: z
    .array(
      z.object({
        sku: z.string(),
        quantity: z.number().int(),
        code: z.string(),
        message: z.string(),
      }),
    )
    .describe('Up to 20 of the refused SKUs'),
  shards: z.array(
    z.object({
      shard: z.number().int().min(0),
      read: z.number().int().min(0).describe('Rows of the hub read up to this cursor'),
      acked: z.number().int().min(0).describe('The marketplace shows every change up to here'),
      head: z.number().int().min(0),
    }),
  ),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

// One SKU's sync: GET /v1/channels/{code}/sync/skus/{sku}

export const SkuSyncDetail = z.object({
  channel: ChannelCode,
  sku: SkuCode,
  listed: z
    .object({
      quantity: z.number().int().min(0),
      rule: ListedRule,
    })
    .describe("What the channel lists now: the stream's rule over the SKU's current stock"),
  synced: z
    .object({
      listed: z.number().int().min(0),
      changedAt: Timestamp,
    })
    .nullable()
    .describe('The listed quantity the sync last read from the stream, and when it changed'),
  pushed: z
    .object({ quantity: z.number().int(), at: Timestamp.nullable() })
    .nullable()
    .describe(
      'What the marketplace last accepted from us (or held, read after a refused compare), and when it accepted; null: nothing known',
    ),
  pending: z
    .boolean()
    .describe(
      'The marketplace does not show the listed quantity yet, and it has not refused it for good',
    ),
  exposure: z
    .object({
      own: z
        .number()
        .int()
        .min(0)
        .describe(
          'This channel is degraded: the units its marketplace still shows, counted as exposed',
        ),
      others: z
        .number()
        .int()
        .min(0)
        .describe("Units other degraded channels expose, taken off this channel's listed quantity"),
    })
    .describe('docs/connectors.md, "Degraded channels"'),
  inFlight: z
    .enum(['push', 'bulk'])
    .nullable()
    .describe('Sent (or about to be) in a per-item push or a bulk job'),
  rejected: z
    .object({ quantity: z.number().int(), code: z.string(), message: z.string(), at: Timestamp })
    .nullable()
    .describe('The marketplace refused this quantity for good; not sent again until it changes'),
  lastError: SyncError.nullable().describe(
    'The last failure the marketplace answered for this SKU, kept after a later success',
  ),
  mapping: z
    .object({
      external: JsonObject,
      source: z.enum(['mapping', 'default']),
      updatedAt: Timestamp.nullable(),
    })
    .nullable()
    .describe("The marketplace's ids for the SKU; null: unmapped, so never pushed"),
});
export type SkuSyncDetail = z.infer<typeof SkuSyncDetail>;
