import { z } from 'zod';
import { BackorderPolicy, type Levels, MAX_COMMANDS_PER_CALL, SkuCode } from '../../protocol/stock';

// What SkuStock's RPC methods take: each is parsed inside the object, whoever the caller.

export const ApplyMeta = z.object({
  /** Idempotency key; absent means the request is not replay-protected. */
  key: z.string().min(1).max(300).optional(),
  actor: z.string().min(1),
  scope: z
    .object({ channels: z.array(z.string()).nullable(), locations: z.array(z.string()).nullable() })
    .default({ channels: null, locations: null }),
  /** Who sends it: a client through the gateway, or a cart's Checkout (its namespace is its own). */
  origin: z.enum(['client', 'checkout']).default('client'),
});
export type ApplyMeta = z.input<typeof ApplyMeta>;

export const BatchItem = z.object({
  command: z.unknown(),
  key: z.string().min(1).max(300).optional(),
});
export type BatchItem = z.infer<typeof BatchItem>;

/** One call's commands, applied in order. */
export const Batch = z.array(BatchItem).max(MAX_COMMANDS_PER_CALL);

export const Configure = z.object({ sku: SkuCode, policy: BackorderPolicy });

/** What reconciliation compares with the folded ledger. */
export type LedgerView = {
  seq: number;
  flushedSeq: number;
  /** The levels as they were at the ledger's last seq, or null if the object can no longer tell. */
  levelsAtLedgerSeq: Record<string, Levels> | null;
};
