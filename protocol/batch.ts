import { z } from 'zod';
import {
  AdjustCommand,
  CancelCommand,
  ClientIdempotencyKey,
  CommitCommand,
  CountCommand,
  ExpectCommand,
  ExtendCommand,
  HoldCommand,
  LineOutcome,
  MarkUnavailableCommand,
  ReceiveCommand,
  ReleaseCommand,
  ReleaseUnavailableCommand,
  ReturnCommand,
  SetSafetyStockCommand,
  ShipCommand,
  SkuCode,
  TransferInCommand,
  TransferOutCommand,
} from './stock';

// POST /v1/movements/batch: shared by the gateway's route and the clients that send batches.

/** Most lines one batch request may carry. */
export const MAX_BATCH_LINES = 5000;

const LineFields = { sku: SkuCode, key: ClientIdempotencyKey.optional() };
/** One line of a batch: a stock command, its SKU and optionally its own idempotency key. */
export const BatchLine = z.discriminatedUnion('op', [
  ReceiveCommand.extend(LineFields),
  ExpectCommand.extend(LineFields),
  AdjustCommand.extend(LineFields),
  CountCommand.extend(LineFields),
  MarkUnavailableCommand.extend(LineFields),
  ReleaseUnavailableCommand.extend(LineFields),
  SetSafetyStockCommand.extend(LineFields),
  HoldCommand.extend(LineFields),
  ExtendCommand.extend(LineFields),
  ReleaseCommand.extend(LineFields),
  CommitCommand.extend(LineFields),
  ShipCommand.extend(LineFields),
  CancelCommand.extend(LineFields),
  ReturnCommand.extend(LineFields),
  TransferOutCommand.extend(LineFields),
  TransferInCommand.extend(LineFields),
]);
export type BatchLine = z.input<typeof BatchLine>;

export const BatchRequest = z.strictObject({
  lines: z.array(BatchLine).min(1).max(MAX_BATCH_LINES),
});

export const BatchResult = z.object({
  applied: z.number().int(),
  replayed: z.number().int(),
  failed: z.number().int(),
  results: z.array(
    z.intersection(z.object({ index: z.number().int(), sku: z.string() }), LineOutcome),
  ),
});
export type BatchResult = z.infer<typeof BatchResult>;
