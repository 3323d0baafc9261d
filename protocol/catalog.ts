import { z } from 'zod';
import { Role } from './auth';

// Codes. SKU codes come from real catalogs ("BANK CHARGES", "85123A", "TEE.BLK-M"): letters, digits,
// space, dot, underscore and dash, never starting with punctuation nor ending with a space.
export const SkuCode = z
  .string()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9._-])?$/,
    'SKU code: 1-64 of A-Z a-z 0-9 space . _ -, starting with a letter or digit, no trailing space',
  );
export type SkuCode = z.infer<typeof SkuCode>;

export const LocationCode = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'location code: 1-32 of A-Z 0-9 _ -, e.g. MAN-1');
export type LocationCode = z.infer<typeof LocationCode>;

export const ChannelCode = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'channel code: 1-32 of a-z 0-9 -, e.g. amazon-us');
export type ChannelCode = z.infer<typeof ChannelCode>;

const Name = z.string().trim().min(1).max(200);
const Timestamp = z.string().describe('ISO 8601 UTC');

// SKUs
export const Gtin = z.string().regex(/^(\d{8}|\d{12,14})$/, 'GTIN: 8, 12, 13 or 14 digits');
export const BackorderPolicy = z.enum(['deny', 'continue']);
export type BackorderPolicy = z.infer<typeof BackorderPolicy>;
// Names of Object.prototype's machinery: zod drops a "__proto__" key without a word, and code that
// copies the others into a plain object can change its prototype; all three are refused by name.
const RESERVED_ATTRIBUTES = ['__proto__', 'constructor', 'prototype'];
const refuseReservedNames = (value: unknown, ctx: z.RefinementCtx) => {
  if (typeof value !== 'object' || value === null) return value;
  for (const key of RESERVED_ATTRIBUTES.filter((k) => Object.hasOwn(value, k))) {
    ctx.addIssue({
      code: 'custom',
      message: `${key} is a reserved name`,
      input: value,
      path: [key],
    });
  }
  return value;
};
export const Attributes = z
  .preprocess(
    refuseReservedNames,
    z.record(z.string().min(1).max(64), z.union([z.string().max(1000), z.number(), z.boolean()])),
  )
  .refine((a) => Object.keys(a).length <= 100, 'at most 100 attributes');
export type Attributes = z.infer<typeof Attributes>;
const Title = z.string().trim().min(1).max(500);

export const Sku = z.object({
  code: SkuCode,
  title: z.string(),
  gtin: Gtin.nullable(),
  attributes: Attributes,
  backorderPolicy: BackorderPolicy,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Sku = z.infer<typeof Sku>;

export const SkuCreate = z.strictObject({
  code: SkuCode,
  title: Title,
  gtin: Gtin.nullable().default(null),
  attributes: Attributes.default({}),
  backorderPolicy: BackorderPolicy.default('deny'),
});
export type SkuCreate = z.infer<typeof SkuCreate>;

const nonEmpty = (patch: object) => Object.keys(patch).length > 0;

export const SkuPatch = z
  .strictObject({
    title: Title.optional(),
    gtin: Gtin.nullable().optional(),
    attributes: Attributes.optional().describe('Replaces the whole attribute set'),
    backorderPolicy: BackorderPolicy.optional(),
  })
  .refine(nonEmpty, 'nothing to update');
export type SkuPatch = z.infer<typeof SkuPatch>;

/** One line of a bulk import: a field left out keeps its current value, or its default for a new SKU. */
export const SkuImportLine = z.strictObject({
  code: SkuCode,
  title: Title,
  gtin: Gtin.nullable().optional(),
  attributes: Attributes.optional(),
  backorderPolicy: BackorderPolicy.optional(),
});
export type SkuImportLine = z.infer<typeof SkuImportLine>;

export const MAX_IMPORT_LINES = 20_000;

export const SkuImportResult = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  total: z.number().int(),
});
export type SkuImportResult = z.infer<typeof SkuImportResult>;

export const SkuListQuery = z.object({
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9 ._-]{1,64}$/, 'prefix: 1-64 SKU code characters')
    .optional(),
  cursor: SkuCode.optional().describe('The nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type SkuListQuery = z.infer<typeof SkuListQuery>;

export const SkuPage = z.object({ items: z.array(Sku), nextCursor: SkuCode.nullable() });
export type SkuPage = z.infer<typeof SkuPage>;

// Locations
export const LocationKind = z.enum(['warehouse', 'store', 'dropship']);
export type LocationKind = z.infer<typeof LocationKind>;
const Country = z.string().regex(/^[A-Z]{2}$/, 'country: ISO 3166-1 alpha-2, e.g. GB');
const LocationFields = {
  name: Name,
  kind: LocationKind,
  region: z.string().trim().min(1).max(64).describe('e.g. UK, EU, NORDICS'),
  country: Country,
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
};

export const Location = z.object({
  code: LocationCode,
  ...LocationFields,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Location = z.infer<typeof Location>;

export const LocationCreate = z.strictObject({ code: LocationCode, ...LocationFields });
export type LocationCreate = z.infer<typeof LocationCreate>;

export const LocationPatch = z
  .strictObject(LocationFields)
  .partial()
  .refine(nonEmpty, 'nothing to update');
export type LocationPatch = z.infer<typeof LocationPatch>;

export const LocationList = z.object({ items: z.array(Location) });

// Channels
export const ChannelKind = z.enum(['storefront', 'marketplace', 'store', 'custom']);
export const Routing = z.enum(['priority', 'nearest']);
export type Routing = z.infer<typeof Routing>;
const ChannelLocations = z
  .array(LocationCode)
  .min(1)
  .max(100)
  .refine((codes) => new Set(codes).size === codes.length, 'locations must not repeat')
  .describe('Locations that feed the channel, in priority order');
const ChannelRules = {
  percentage: z
    .number()
    .int()
    .min(1)
    .max(100)
    .describe('Percent of available listed, rounded down'),
  buffer: z.number().int().min(0).describe('Units held back after the percentage'),
  maxListed: z.number().int().min(0).nullable().describe('Never list more than this'),
  endWhen: z
    .number()
    .int()
    .min(0)
    .describe('List 0 when the computed quantity is at or below this'),
  routing: Routing,
  allowSplit: z.boolean().describe('May a cart be split across locations'),
};

export const Channel = z.object({
  code: ChannelCode,
  name: z.string(),
  kind: ChannelKind,
  locations: z.array(LocationCode),
  ...ChannelRules,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Channel = z.infer<typeof Channel>;

export const ChannelCreate = z.strictObject({
  code: ChannelCode,
  name: Name,
  kind: ChannelKind,
  locations: ChannelLocations,
  percentage: ChannelRules.percentage.default(100),
  buffer: ChannelRules.buffer.default(0),
  maxListed: ChannelRules.maxListed.default(null),
  endWhen: ChannelRules.endWhen.default(0),
  routing: ChannelRules.routing.default('priority'),
  allowSplit: ChannelRules.allowSplit.default(false),
});
export type ChannelCreate = z.infer<typeof ChannelCreate>;

export const ChannelPatch = z
  .strictObject({ name: Name, kind: ChannelKind, locations: ChannelLocations, ...ChannelRules })
  .partial()
  .refine(nonEmpty, 'nothing to update');
export type ChannelPatch = z.infer<typeof ChannelPatch>;

export const ChannelList = z.object({ items: z.array(Channel) });

// API keys
export const KeyId = z.string().regex(/^key_[0-9a-f]{16}$/, 'key id: key_ and 16 hex digits');

export const ApiKey = z.object({
  id: KeyId,
  name: z.string(),
  role: Role,
  channels: z.array(ChannelCode),
  locations: z.array(LocationCode),
  createdAt: Timestamp,
  revokedAt: Timestamp.nullable(),
  lastUsedAt: Timestamp.nullable().describe('Updated at most every few seconds per gateway'),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const KeyCreate = z.strictObject({
  name: Name,
  role: Role,
  channels: z.array(ChannelCode).max(100).default([]).describe('storefront and connector keys'),
  locations: z.array(LocationCode).max(100).default([]).describe('warehouse keys'),
});
export type KeyCreate = z.infer<typeof KeyCreate>;

export const KeyCreated = ApiKey.extend({
  key: z.string().describe('The secret; shown only in this response'),
});
export type KeyCreated = z.infer<typeof KeyCreated>;

export const KeyList = z.object({ items: z.array(ApiKey) });
