import { z } from 'zod';
import { BackorderPolicy, LocationStock } from './stock';

/**
 * The latest state of one SKU, as SkuStock publishes it to its StreamHub shard after changes
 * (coalesced: only the newest matters). A hub keeps one row per SKU and ignores any update
 * whose `seq` is not newer than the row it has.
 */
export const SkuUpdate = z.object({
  sku: z.string(),
  seq: z.number().int().min(0),
  policy: BackorderPolicy,
  /** Time of the event that produced `seq`. */
  at: z.string(),
  locations: z.array(LocationStock),
  /** How far the D1 ledger is behind this SKU: events up to flushedSeq are in D1. */
  ledger: z.object({
    flushedSeq: z.number().int().min(0),
    /** Time of the oldest event not yet in D1, or null when none is waiting. */
    oldestUnflushedAt: z.string().nullable(),
  }),
});
export type SkuUpdate = z.infer<typeof SkuUpdate>;
