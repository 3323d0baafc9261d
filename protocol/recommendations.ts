import { z } from 'zod';
import { LocationCode, SkuCode } from './catalog';

/** Replenishment settings of one location (docs/recommendations.md). */
export const LocationPolicyInput = z.strictObject({
  /** Supplier lead time, days. */
  leadTimeDays: z.number().min(0).max(365),
  /** Its spread (standard deviation), days. */
  leadTimeSpreadDays: z.number().min(0).max(365),
  /** Days between two looks at the same SKU (0: continuous review). */
  reviewPeriodDays: z.number().min(0).max(365),
  /** Chance of not running out during a lead time. */
  serviceLevel: z.number().min(0.5).max(0.999),
});
export type LocationPolicyInput = z.infer<typeof LocationPolicyInput>;

/** Where a setting comes from: set through the API, or the default. */
export const SettingSource = z.enum(['set', 'default']);

export const LocationPolicyView = LocationPolicyInput.extend({
  location: z.string(),
  source: SettingSource,
  updatedAt: z.string().nullable(),
});
export type LocationPolicyView = z.infer<typeof LocationPolicyView>;

/** Moving units from one location to another. */
export const TransferLaneInput = z.strictObject({
  leadTimeDays: z.number().min(0).max(365),
  costPerUnit: z.number().min(0).max(1_000_000),
});
export type TransferLaneInput = z.infer<typeof TransferLaneInput>;

export const TransferLaneView = TransferLaneInput.extend({
  from: z.string(),
  to: z.string(),
  fromRegion: z.string(),
  toRegion: z.string(),
  source: SettingSource,
  updatedAt: z.string().nullable(),
});
export type TransferLaneView = z.infer<typeof TransferLaneView>;

export const RecommendationKind = z.enum(['replenish', 'transfer']);
export type RecommendationKind = z.infer<typeof RecommendationKind>;
export const RecommendationStatus = z.enum(['open', 'applied', 'dismissed', 'expired']);
export type RecommendationStatus = z.infer<typeof RecommendationStatus>;

export const RecommendationId = z
  .string()
  .regex(/^rc_[0-9a-f]{32}$/, 'a recommendation id is rc_ and 32 hex digits');

/** The figures behind a reason: rates, levels, cover, positions. */
export const RecommendationNumbers = z.record(z.string(), z.number().nullable());
/** Available units at each involved location when the recommendation was computed. */
export const RecommendationBasis = z.record(z.string(), z.number().int());

/** What apply did: the stock operation and its event. */
export const AppliedOperation = z.object({
  op: z.enum(['transfer-out', 'expect']),
  quantity: z.number().int(),
  /** The SKU's event seq of the operation. */
  seq: z.number().int(),
  transferId: z.string().nullable(),
  idempotencyKey: z.string(),
  /** The API key that applied it. */
  by: z.string(),
});
export type AppliedOperation = z.infer<typeof AppliedOperation>;

export const Recommendation = z.object({
  id: z.string(),
  kind: RecommendationKind,
  sku: z.string(),
  /** Where the units go: the ordering location, or the transfer's destination. */
  location: z.string(),
  /** A transfer's source; null for a supplier order. */
  from: z.string().nullable(),
  quantity: z.number().int(),
  /** When it must be acted on: now or past for a due supplier order. */
  urgentAt: z.string(),
  reason: z.string(),
  numbers: RecommendationNumbers,
  basis: RecommendationBasis,
  /** The SKU's event seq it was computed from. */
  seq: z.number().int(),
  status: RecommendationStatus,
  revision: z.number().int(),
  dismissedAt: z.string().nullable(),
  appliedAt: z.string().nullable(),
  applied: AppliedOperation.nullable(),
  computedAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Recommendation = z.infer<typeof Recommendation>;

export const RecommendationList = z.object({
  items: z.array(Recommendation),
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: z.string().nullable(),
});

export const RecomputeInput = z.strictObject({ sku: SkuCode });

export const RecomputeResult = z.object({
  sku: z.string(),
  seq: z.number().int(),
  /** The SKU's recommendations after the recompute, open or not. */
  items: z.array(Recommendation),
  /** Open recommendations closed (expired) because they are no longer due. */
  expired: z.number().int(),
});
export type RecomputeResult = z.infer<typeof RecomputeResult>;

/** Apply's body: the revision the caller saw, so a newer one is refused as stale. */
export const ApplyInput = z.strictObject({ revision: z.number().int().min(1).optional() });
export type ApplyInput = z.infer<typeof ApplyInput>;

export const ApplyResult = z.object({
  recommendation: Recommendation,
  /** True when it had been applied before: nothing was done again. */
  replayed: z.boolean(),
});
export type ApplyResult = z.infer<typeof ApplyResult>;

const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');

export const RecommendationQuery = z.object({
  kind: RecommendationKind.optional(),
  /** Recommendations involving the location (a transfer's source or destination). */
  location: LocationCode.optional(),
  sku: SkuCode.optional(),
  /** Open by default. */
  status: RecommendationStatus.default('open'),
  /** Only those urgent at or before this time (ISO 8601). */
  dueBy: z.iso.datetime({ offset: true }).optional(),
  /** `true`: only those urgent now (urgentAt ≤ now). */
  urgent: boolString.optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
