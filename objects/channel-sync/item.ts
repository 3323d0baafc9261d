import { z } from 'zod';

// One SKU's sync state: what the channel should show (`listed`, from the hubs) and what the
// marketplace last accepted from us (`pushed`). The queue is every SKU where they differ.

/** The marketplace refused `quantity` for good; not sent again until the listed quantity changes. */
export const Rejection = z.object({
  quantity: z.number().int(),
  code: z.string(),
  message: z.string(),
  at: z.number(),
});
export type Rejection = z.infer<typeof Rejection>;

/** The last failure the marketplace answered for one SKU (kept after a later success, with its time). */
export const ItemError = z.object({ code: z.string(), message: z.string(), at: z.number() });
export type ItemError = z.infer<typeof ItemError>;

export type SyncItem = {
  sku: string;
  /** The hub shard the SKU was last read from. */
  shard: number;
  listed: number;
  /** The hub cursor at which `listed` was read: the shard's ack stays below it until it is pushed. */
  cursor: number;
  /** When `listed` last changed (ms): the marketplace's lag is measured from it. */
  changedAt: number;
  /** What the marketplace last accepted; null when never pushed or unknown (after a refused compare). */
  pushed: number | null;
  /** The marketplace holds another quantity than `pushed`: read it before the next push. */
  reread: boolean;
  rejected: Rejection | null;
  /** When the marketplace last accepted `pushed` (ms). */
  pushedAt: number | null;
  error: ItemError | null;
};

/** Does the marketplace still need to be told this SKU's listed quantity? */
export const isPending = (i: SyncItem): boolean =>
  (i.pushed === null || i.pushed !== i.listed) &&
  !(i.rejected !== null && i.rejected.quantity === i.listed);

/** A SKU first read from a hub. */
export const newItem = (
  sku: string,
  shard: number,
  listed: number,
  cursor: number,
  changedAt: number,
): SyncItem => ({
  sku,
  shard,
  listed,
  cursor,
  changedAt,
  pushed: null,
  reread: false,
  rejected: null,
  pushedAt: null,
  error: null,
});
