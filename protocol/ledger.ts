import { z } from 'zod';
import { EventType, LocationCode, ReasonCode, SkuCode, StockEvent } from './stock';

/** One ledger entry: a SkuStock event as D1 has it. */
export const Movement = StockEvent.extend({
  id: z.number().int(),
  recordedAt: z.string(),
});
export type Movement = z.infer<typeof Movement>;

export const MovementFilter = z.strictObject({
  sku: SkuCode.optional(),
  location: LocationCode.optional(),
  type: EventType.optional(),
  reason: ReasonCode.optional(),
  ref: z.string().min(1).max(128).optional(),
  actor: z.string().min(1).max(64).optional(),
  /** ISO time: movements at or after it. A time window pages in event-time order (`at`, then id). */
  from: z.iso.datetime().optional(),
  /** ISO time: movements before it. */
  to: z.iso.datetime().optional(),
});
export type MovementFilter = z.infer<typeof MovementFilter>;

/** The `next` of the previous page, with the same filters. */
const Cursor = z.coerce.number().int().min(0).optional();

export const MovementQuery = MovementFilter.extend({
  cursor: Cursor,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Most movements one CSV export request carries; its `Link: <…>; rel="next"` continues it. */
export const MAX_EXPORT_MOVEMENTS = 10_000;

export const MovementExportQuery = MovementFilter.extend({
  cursor: Cursor,
  limit: z.coerce.number().int().min(1).max(MAX_EXPORT_MOVEMENTS).default(MAX_EXPORT_MOVEMENTS),
});

export const MovementPage = z.object({
  items: z.array(Movement),
  /** Pass as `cursor` for the next page; null at the end. */
  next: z.number().int().nullable(),
});
export type MovementPage = z.infer<typeof MovementPage>;

export const HistoryPage = z.object({
  sku: z.string(),
  items: z.array(Movement),
  /** Pass as `after` for the next page; null at the end of what the ledger has. */
  next: z.number().int().nullable(),
});
export type HistoryPage = z.infer<typeof HistoryPage>;

const Drift = z.object({
  sku: z.string(),
  /** What does not match: a level, a gap in seq, or history the object can no longer rewind. */
  kind: z.enum(['level', 'gap', 'unverifiable', 'ahead']),
  message: z.string(),
});

export const ReconcileReport = z.object({
  startedAt: z.string(),
  finishedAt: z.string(),
  checkedSkus: z.number().int(),
  /** Events the objects have that D1 does not have yet: delay, not error. */
  lag: z.object({
    skus: z.number().int(),
    events: z.number().int(),
    items: z.array(
      z.object({ sku: z.string(), ledgerSeq: z.number().int(), seq: z.number().int() }),
    ),
  }),
  /** Real mismatches between the folded ledger and the objects. */
  drift: z.object({ skus: z.number().int(), items: z.array(Drift) }),
  /**
   * Over the catalog, the last SKU code of this page while more SKUs follow: send it back as
   * `after` for the next page. Null on the last page, and when `skus` named the SKUs.
   */
  next: z.string().nullable(),
});
/** SKUs one call reconciles by default, and at most, when it walks the catalog. */
export const RECONCILE_PAGE = { default: 1_000, max: 5_000 } as const;
export type ReconcileReport = z.infer<typeof ReconcileReport>;
