import { z } from 'zod';

/** Every expected failure has one of these codes; the HTTP status for each is chosen in workers/http-status.ts. */
export const ErrorCode = z.enum([
  'invalid_json',
  'validation_failed',
  'payload_too_large',
  'unsupported_media_type',
  'too_many_lines',
  'unauthorized',
  'forbidden',
  'not_found',
  'unknown_sku',
  'unknown_location',
  'unknown_channel',
  'unknown_hold',
  'unknown_transfer',
  'unknown_key',
  'already_exists',
  'insufficient_stock',
  'invalid_state',
  'recommendation_stale',
  'hold_expired',
  'version_conflict',
  'idempotency_key_reused',
  'overloaded',
  'rate_limited',
  'not_connected',
  'not_configured',
  'upgrade_required',
  'signature_invalid',
  'delivery_stale',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

// Details are shallow on purpose: they cross RPC, and deep recursive types defeat its typing.
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const FlatRecord = z.record(z.string(), z.union([Scalar, z.array(Scalar)]));
export const ErrorDetails = z.record(
  z.string(),
  z.union([Scalar, z.array(Scalar), FlatRecord, z.array(FlatRecord)]),
);
export type ErrorDetails = z.infer<typeof ErrorDetails>;

export const AppError = z.object({
  code: ErrorCode,
  message: z.string(),
  details: ErrorDetails.optional(),
});
export type AppError = z.infer<typeof AppError>;

/** The one error envelope of every HTTP response that is not a success. */
export const ErrorEnvelope = z.object({
  error: AppError.extend({ requestId: z.string() }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

export type Ok<T> = { ok: true; value: T };
export type Err = { ok: false; error: AppError };
export type Result<T> = Ok<T> | Err;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });

export const err = (code: ErrorCode, message: string, details?: AppError['details']): Err => ({
  ok: false,
  error: details === undefined ? { code, message } : { code, message, details },
});

/** Thrown to abort a request with an expected failure; the gateway's error handler renders it. */
export class Failure extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = 'Failure';
  }
}

/** Unwraps a Result, throwing its error as a Failure. */
export const unwrap = <T>(result: Result<T>): T => {
  if (!result.ok) throw new Failure(result.error);
  return result.value;
};
