import { z } from 'zod';
import { AppError, err, ok, type Result } from '../../protocol/errors';
import { MutationOutcome } from '../../protocol/stock';

// Idempotency records belong to whoever sent the key: one caller's key never replays, nor
// blocks, another caller's request. Checkout is one caller for every cart (its keys carry the
// hold id); every API key is its own.

/** A mutation's outcome; `replayed` marks a failure answered from the idempotency record. */
export type MutationResult = Result<MutationOutcome> & { replayed?: boolean };

/** Whose records a request reads and writes. */
export const callerOf = (meta: { origin: 'client' | 'checkout'; actor: string }): string =>
  meta.origin === 'checkout' ? 'checkout' : `key:${meta.actor}`;

const StoredResult = z.union([
  z.object({
    ok: z.literal(true),
    value: MutationOutcome,
  }),
  z.object({ ok: z.literal(false), error: AppError }),
]);

/** What the record keeps of a result: JSON of the outcome or of the expected failure. */
export const toRecord = (result: Result<MutationOutcome>): string =>
  JSON.stringify(
    result.ok ? { ok: true, value: result.value } : { ok: false, error: result.error },
  );

/** The answer to a request whose key has a record: the first result again, or a refused reuse. */
export const replay = (
  sku: string,
  key: string,
  prior: { request: string; result: string },
  request: string,
): MutationResult => {
  if (prior.request !== request) {
    return err(
      'idempotency_key_reused',
      `SKU ${sku}: idempotency key ${key} was used for a different request`,
      { key },
    );
  }
  const stored = StoredResult.parse(JSON.parse(prior.result));
  if (stored.ok) return ok({ ...stored.value, replayed: true });
  return { ok: false, error: stored.error, replayed: true };
};

/** Where a SkuStock keeps its idempotency records. */
export type IdempotencyRecords = {
  get(caller: string, key: string): { request: string; result: string } | undefined;
  save(caller: string, key: string, request: string, result: string, now: number): void;
};

/**
 * Runs a mutation at most once per caller and key: a key with a record answers from it (or
 * refuses a different request); otherwise `run` decides, and its result is recorded when it
 * applied, or when `recordRefusals` (single requests keep a refusal as the key's answer too).
 * `recorded` says a record was written, so its pruning can be scheduled.
 */
export const oncePerKey = (
  records: IdempotencyRecords,
  input: {
    sku: string;
    key: string | undefined;
    caller: string;
    request: string;
    now: number;
    recordRefusals: boolean;
  },
  run: () => MutationResult,
): { result: MutationResult; recorded: boolean } => {
  const { sku, key, caller, request, now } = input;
  if (key === undefined) return { result: run(), recorded: false };
  const prior = records.get(caller, key);
  if (prior) return { result: replay(sku, key, prior, request), recorded: false };
  const result = run();
  if (!result.ok && !input.recordRefusals) return { result, recorded: false };
  records.save(caller, key, request, toRecord(result), now);
  return { result, recorded: true };
};
