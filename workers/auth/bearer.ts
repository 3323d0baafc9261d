import type { Result } from '../../protocol/errors';
import { err, ok } from '../../protocol/errors';

/**
 * Browsers cannot set headers on a WebSocket; they used to offer the key as this subprotocol,
 * which platform logs keep. Still accepted; stream tickets replace it.
 */
export const BEARER_SUBPROTOCOL_PREFIX = 'stockmesh.bearer.';

/** The value after `prefix` of a subprotocol a WebSocket handshake offered, if it offered one. */
export const offeredSubprotocol = (headers: Headers, prefix: string): string | undefined => {
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return undefined;
  const offered = headers.get('sec-websocket-protocol') ?? '';
  const protocol = offered
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(prefix) && p.length > prefix.length);
  return protocol?.slice(prefix.length);
};

/** The key a request presents: `Authorization: Bearer <key>`, or the WebSocket subprotocol. */
export const readBearer = (headers: Headers): Result<string> => {
  const authorization = headers.get('authorization');
  if (authorization !== null) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (match?.[1] === undefined) {
      return err('unauthorized', 'Malformed Authorization header: expected "Bearer <key>"');
    }
    return ok(match[1]);
  }
  const key = offeredSubprotocol(headers, BEARER_SUBPROTOCOL_PREFIX);
  if (key !== undefined) return ok(key);
  return err(
    'unauthorized',
    'Missing API key: send "Authorization: Bearer <key>" (a browser opens the stream with a ticket from POST /v1/stream/tickets)',
  );
};
