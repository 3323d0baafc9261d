import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../protocol/errors';

/** The one place where an error code becomes an HTTP status. */
export const httpStatus: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_json: 400,
  validation_failed: 400,
  payload_too_large: 413,
  too_many_lines: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_sku: 404,
  unknown_location: 404,
  unknown_channel: 404,
  unknown_hold: 404,
  unknown_transfer: 404,
  unknown_key: 404,
  already_exists: 409,
  insufficient_stock: 409,
  invalid_state: 409,
  hold_expired: 410,
  version_conflict: 412,
  idempotency_key_reused: 422,
  overloaded: 503,
  rate_limited: 429,
  not_connected: 404,
  not_configured: 503,
  upgrade_required: 426,
  signature_invalid: 401,
  delivery_stale: 401,
  internal: 500,
};
