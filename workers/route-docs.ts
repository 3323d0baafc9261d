import { ErrorEnvelope } from '../protocol/errors';

const descriptions = {
  400: 'Invalid input (validation_failed, invalid_json)',
  401: 'Missing, malformed, unknown or revoked API key (unauthorized)',
  403: "The key's role or scope does not allow this (forbidden)",
  404: 'No such entity',
  409: 'Conflicts with the current state (already_exists)',
  410: 'The hold expired before this operation (hold_expired)',
  412: 'A precondition (ifSeq, expectedOnHand) does not hold (version_conflict)',
  413: 'Body or line count over the limit',
  415: 'The body is not sent as application/json (unsupported_media_type)',
  422: 'The idempotency key was used for a different request (idempotency_key_reused)',
  503: 'A dependency is not set up or is overloaded (not_configured, overloaded)',
} as const;

/** OpenAPI entries for the error envelope at these statuses. */
export const errorResponses = (...statuses: (keyof typeof descriptions)[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status],
        content: { 'application/json': { schema: ErrorEnvelope } },
      },
    ]),
  );

/** The security requirement of every route that needs a key. */
export const bearer = [{ apiKey: [] }];

/** A JSON body or response with this schema. */
export const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
